/** `npm start`'s demo session, run against the same local system: it must keep working. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runDemo } from '../../lib/local/demo';
import { INSTALLER_TOKEN, startTestSystem, type TestSystem } from '../support/local-system';

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem({ timeScale: { waitScale: 0.01, retryScale: 0.01 } });
});

afterAll(async () => {
  await system?.close();
});

it('runs one paid session end to end and prints its timeline', async () => {
  const lines: string[] = [];
  await runDemo(system.runtime, INSTALLER_TOKEN, (line) => lines.push(line));
  const timeline = lines.join('\n');
  expect(timeline).toContain('workflow: AuthorizeHold');
  expect(timeline).toMatch(/reader screen "receipt": .*\$7\.64/);
  expect(timeline).toContain('Payter: hold of $50.00 COMMITTED at $7.64');
  expect(timeline).toMatch(/Execution SUCCEEDED: arn:aws:states:.*:execution:charging-session:[0-9a-f-]{36}/);
  const receipt = /E-receipt: (\S+)/.exec(timeline)?.[1];
  expect((await fetch(receipt!)).status).toBe(200);
});
