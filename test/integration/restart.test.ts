/**
 * A crash of the local runtime mid-session: `npm run serve` on a DATA_DIR, killed with SIGKILL
 * while a paid session charges, then started again on the same DATA_DIR. Payter (the
 * simulator, in this process) and the charger (a real OCPP peer, reconnecting) outlive it, as
 * they would in the field. The session finishes as it would have without the crash.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startPayterSimulator, type PayterSimulator } from '../../lib/local/payter-simulator';
import { SimulatedCharger, workedExample } from '../../lib/local/simulated-charger';
import { waitFor } from '../../lib/local/wait-for';
import { demoSite } from '../support/local-system';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TOKEN = 'restart-ops-token';
const API_KEY = 'restart-payter-key';
const PASSWORD = 'restart-station-secret';

let payter: PayterSimulator;
let dataDir: string;
let ports: { ocpp: number; http: number };
let serve: ChildProcess | undefined;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `npm run serve` as a user starts it; resolves once it says where it listens. */
async function startServe(): Promise<void> {
  // node itself with tsx's loader (the tsx CLI would run it in a child that outlives a SIGKILL).
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/local.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      OCPP_WS_PORT: String(ports.ocpp),
      HTTP_PORT: String(ports.http),
      OPS_TOKEN: TOKEN,
      PAYTER_API_URL: payter.url,
      PAYTER_API_KEY: API_KEY,
      LOG_LEVEL: 'CRITICAL',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  serve = child;
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm run serve did not start:\n${output}`)), 30_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Step Functions endpoint:')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => reject(new Error(`npm run serve exited with ${code}:\n${output}`)));
  });
}

async function crash(): Promise<void> {
  const child = serve!;
  serve = undefined;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`http://127.0.0.1:${ports.http}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function commission(stationId: string, serial: string): Promise<void> {
  expect((await api('PUT', `/installer/stations/${stationId}`, { siteId: 'site-main-st', connectors: [1], password: PASSWORD })).status).toBe(200);
  payter.addReader(serial, { currency: 'USD' });
  const reader = await api('PUT', `/installer/readers/${serial}`, { stationId, connectorIds: [1] });
  expect(reader.status, JSON.stringify(reader.body)).toBe(200);
}

const ocppUrl = () => `ws://127.0.0.1:${ports.ocpp}/ocpp`;
const activeSession = async (serial: string) => (await api('GET', `/installer/readers/${serial}`)).body.activeSessionId as string | undefined;

beforeAll(async () => {
  payter = await startPayterSimulator({ apiKey: API_KEY, currency: 'USD' });
  dataDir = mkdtempSync(join(tmpdir(), 'csms-restart-'));
  ports = { ocpp: await freePort(), http: await freePort() };
});

afterAll(async () => {
  serve?.kill('SIGKILL');
  await payter?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

it('a crash mid-charge loses nothing: the session commits 764 after the restart, the readers work on', { timeout: 90_000 }, async () => {
  await startServe();
  expect((await api('PUT', '/installer/sites/site-main-st', demoSite())).status).toBe(200);
  await commission('CP-R1', 'READER-R1');
  await commission('CP-R2', 'READER-R2');
  // The second reader stays idle, in the start screen it was given before the crash.
  const idle = await new SimulatedCharger(ocppUrl(), 'CP-R2', PASSWORD).connect();

  const example = workedExample(Date.now() - 3_600_000);
  const charger = await new SimulatedCharger(ocppUrl(), 'CP-R1', PASSWORD, example.script).connect();
  expect(await payter.tap('READER-R1', { cardId: 'card-alice', maskedPan: '4111********1111' })).toBe(200);
  const sessionId = await waitFor(() => activeSession('READER-R1'), 10_000, 'the session');
  const transactionId = await charger.waitForTransaction();
  await example.pauseCar(charger);
  await waitFor(async () => ((await api('GET', `/ops/sessions/${sessionId}`)).body.status === 'charging' ? true : undefined), 10_000, 'charging');
  await waitFor(() => payter.currentScreen('READER-R1')?.id === 'charging' || undefined, 10_000, 'the charging screen');

  await crash();
  await Promise.all([charger.close(), idle.close()]);
  // The callback secret was generated once for this data directory, for this user only.
  expect(statSync(join(dataDir, 'payter-callback-secret')).mode & 0o777).toBe(0o600);
  await startServe();

  // The charger comes back and reports the stop it made meanwhile (OCPP queues it).
  const back = new SimulatedCharger(ocppUrl(), 'CP-R1', PASSWORD, example.script);
  await back.client.connect();
  back.transactionId = transactionId;
  await back.stopTransaction();
  try {
    const detail = await waitFor(async () => {
      const { body } = await api('GET', `/ops/sessions/${sessionId}`);
      return body.execution?.status === 'SUCCEEDED' ? body : undefined;
    }, 20_000, 'the execution done');
    expect(detail).toMatchObject({ status: 'completed', paymentState: 'committed', committedAmount: 764 });
    expect(payter.sessions('READER-R1')).toEqual([expect.objectContaining({ state: 'COMMITTED', authorizedAmount: 5000, committedAmount: 764 })]);
    // The history kept what happened before the crash.
    const history = (await api('GET', `/ops/sessions/${sessionId}/execution`)).body.events.map((e: { state?: string }) => e.state).filter(Boolean);
    expect(history).toEqual(expect.arrayContaining(['AuthorizeHold', 'RemoteStart', 'AwaitTransactionStart', 'Charging', 'PriceSession', 'CommitPayment', 'Release']));
    // The wait for the stop (in Charging) was not begun again after the restart.
    expect(history.filter((state: string) => state === 'Charging')).toHaveLength(1);
    // The reader is free: no session, its start screen (reading cards) again.
    await waitFor(async () => ((await activeSession('READER-R1')) === undefined ? true : undefined), 10_000, 'the reader free');
    expect(payter.reader('READER-R1').state).toBe('READING');

    // The idle reader's callback URL from before the crash still works: a tap starts a session.
    const idleAgain = await new SimulatedCharger(ocppUrl(), 'CP-R2', PASSWORD, { plugIn: false }).connect();
    try {
      expect(await payter.tap('READER-R2', { cardId: 'card-bob' })).toBe(200);
      expect(await waitFor(() => activeSession('READER-R2'), 10_000, 'a session on the idle reader')).toBeTruthy();
    } finally {
      await idleAgain.close();
    }
  } finally {
    await back.close();
  }
});
