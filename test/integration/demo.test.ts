/** `npm start`'s demo session (and `npm start -- --ocpp 2.0.1`'s), run against the same local system: it must keep working. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runDemo } from '../../lib/local/demo';
import { OCPP_VERSIONS } from '../../lib/local/simulated-charger';
import { DEFAULT_INSTALLER_TOKEN, DEFAULT_OPS_TOKEN } from '../../lib/local/runtime';
import { startTestSystem, type TestSystem } from '../support/local-system';

let system: TestSystem;

beforeAll(async () => {
  // The tokens `npm start` has when INSTALLER_TOKEN and OPS_TOKEN are unset: the closing hint must work with them.
  system = await startTestSystem({ timeScale: { waitScale: 0.01, retryScale: 0.01 }, installerToken: DEFAULT_INSTALLER_TOKEN, opsToken: DEFAULT_OPS_TOKEN });
});

afterAll(async () => {
  await system?.close();
});

it.each(OCPP_VERSIONS)('runs one paid session end to end on OCPP %s and prints its timeline', async (ocpp) => {
  const lines: string[] = [];
  await runDemo(system.runtime, DEFAULT_INSTALLER_TOKEN, (line) => lines.push(line), ocpp);
  const timeline = lines.join('\n');
  expect(timeline).toMatch(ocpp === '1.6' ? /connected \(OCPP 1\.6J, Basic auth\)/ : /connected \(OCPP 2\.0\.1, Basic auth\)/);
  expect(timeline).toMatch(ocpp === '1.6' ? /StartTransaction -> transaction \d+/ : /TransactionEvent Started -> transaction [0-9a-f-]{36}/);
  expect(timeline).toContain('workflow: AuthorizeHold');
  // The live screen shows the energy the charger reported before the driver stops, not 0.00 kWh.
  expect(timeline).toMatch(/reader screen "charging": Charging \| 12\.35 kWh · 1:00:0\d · \$7\.64/);
  expect(timeline).toMatch(/reader screen "receipt": .*\$7\.64/);
  expect(timeline).toContain('Payter: hold of $50.00 COMMITTED at $7.64');
  expect(timeline).toMatch(/Execution SUCCEEDED: arn:aws:states:.*:execution:charging-session:[0-9a-f-]{36}/);
  const receipt = /E-receipt: (\S+)/.exec(timeline)?.[1];
  expect((await fetch(receipt!)).status).toBe(200);
  // The console's page of the session: the console at / opens it from the fragment.
  const page = /Its page in the console \(sign in with OPS_TOKEN\): (\S+)/.exec(timeline)?.[1];
  expect(page).toBe(`${system.runtime.httpUrl}/#/sessions/${/E-receipt: \S+\/receipts\/(\S+)/.exec(timeline)?.[1]}`);
  expect((await fetch(page!)).headers.get('content-type')).toBe('text/html; charset=utf-8');

  // The operators' hint works as printed, in a shell without OPS_TOKEN.
  const hint = /The session for operators: (curl .*)$/m.exec(timeline)?.[1];
  expect(hint).toBeDefined();
  const { OPS_TOKEN: _unset, ...env } = process.env;
  const { stdout } = await promisify(execFile)('bash', ['-c', `${hint} --silent --show-error --fail`], { env });
  expect(JSON.parse(stdout)).toMatchObject({ status: 'completed', committedAmount: 764, endReason: 'driverTap' });
});
