/**
 * Seeded fuzzing of the HTTP API (FUZZ_SEED replays a run): 2,000 requests across every route
 * against the whole local system (HTTP gateway, the Lambdas, dynalite, Step Functions, the
 * Payter simulator), with a finished paid session, a session whose execution never started,
 * a charger online and readers to aim at.
 *
 * Invariants: no 5xx (but the 502 and 504 the station-call route documents for a charger's
 * CALLERROR or silence), no crash, no unhandled rejection, and a refused request (4xx)
 * stores nothing: requests go in batches between two snapshots of every table, and a batch in
 * which something was accepted has its refused requests sent again on their own.
 */
import { request } from 'node:http';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CallbackUrls } from '../../lambdas/readers/callback-urls';
import { FAST_WORKFLOW, paidSession } from '../support/paid-session';
import { OPS_TOKEN, localDynamoDb, startTestSystem, type TestSystem } from '../support/local-system';
import { RequestFuzzer, type FuzzRequest, type FuzzWorld } from './http-requests';
import { FUZZ_SEED, Findings, Random, snapshotTables, tableChanges, watchUnhandledRejections } from './support';

const REQUESTS = 2_000;
const BATCH = 20;
const PASSWORD = 'fuzz-station-secret';

let system: TestSystem;
let world: FuzzWorld;
let online: WebSocket | undefined;
const findings = new Findings();
let stopWatching: () => void;

beforeAll(async () => {
  stopWatching = watchUnhandledRejections(findings);
  system = await startTestSystem({ timeScale: FAST_WORKFLOW });
  const paid = await paidSession(system, 'CARD-FUZZ');
  const record = await system.sessionRecord(paid.sessionId);
  // A session whose StartExecution was lost (what the sweeper settles); already completed here.
  const sessionWithoutExecution = randomUUID();
  await localDynamoDb().send(
    new PutCommand({ TableName: process.env.SESSIONS_TABLE!, Item: { ...record, sessionId: sessionWithoutExecution } }),
  );
  // A charger online that refuses every call at once (the calls route's 502).
  await system.provisionStation('FZ-ON', PASSWORD);
  online = new WebSocket(`${system.runtime.ocppUrl}/FZ-ON`, ['ocpp1.6'], {
    headers: { authorization: `Basic ${Buffer.from(`FZ-ON:${PASSWORD}`).toString('base64')}` },
  });
  online.on('message', (data) => {
    const frame = JSON.parse(String(data)) as unknown[];
    if (frame[0] === 2) online!.send(JSON.stringify([4, frame[1], 'NotSupported', 'fuzz charger', {}]));
  });
  await new Promise((resolve, reject) => (online!.once('open', resolve), online!.once('error', reject)));
  online.send(JSON.stringify([2, 'boot', 'BootNotification', { chargePointVendor: 'Fuzz', chargePointModel: 'F1' }]));
  await new Promise((resolve) => online!.once('message', resolve));
  world = {
    token: OPS_TOKEN,
    siteId: 'site-main-st',
    stationId: paid.stationId,
    onlineStationId: 'FZ-ON',
    serial: paid.serial,
    sessionId: paid.sessionId,
    sessionWithoutExecution,
    transactionId: Number(record.transactionId),
    urls: new CallbackUrls(process.env.PUBLIC_BASE_URL!, process.env.PAYTER_CALLBACK_SECRET!),
  };
}, 120_000);

afterAll(async () => {
  stopWatching?.();
  online?.close();
  await system?.close();
});

it('answers every bad request with a 4xx, never a 5xx, and stores nothing for one it refuses', { timeout: 600_000 }, async () => {
  const fuzzer = new RequestFuzzer(new Random(FUZZ_SEED), world);
  const started = Date.now();
  const requests = Array.from({ length: REQUESTS }, () => fuzzer.next());
  let statuses = new Map<number, number>();
  let unchecked: FuzzRequest[] = [];
  for (let i = 0; i < requests.length; i += BATCH) {
    const batch = requests.slice(i, i + BATCH);
    const refused = await checkedBatch(batch, statuses);
    // Something in the batch was accepted: its refused requests again, on their own.
    if (refused) unchecked.push(...refused);
    if (unchecked.length >= BATCH || (i + BATCH >= requests.length && unchecked.length > 0)) {
      await checkedBatch(unchecked, new Map(), { replay: true });
      unchecked = [];
    }
  }
  const counts = [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}: ${n}`).join(', ');
  console.info(`HTTP fuzz: ${requests.length} requests in ${((Date.now() - started) / 1000).toFixed(1)} s (${counts}), FUZZ_SEED=${FUZZ_SEED}`);
  statuses = new Map();
  expect(findings.count, findings.report('HTTP fuzz')).toBe(0);
});

/**
 * Sends a batch at once between two snapshots. When every request was refused, the tables
 * must not have changed; otherwise returns the refused ones, to be checked again on their own.
 */
async function checkedBatch(batch: readonly FuzzRequest[], statuses: Map<number, number>, options: { replay?: boolean } = {}): Promise<FuzzRequest[] | undefined> {
  const before = await snapshotTables();
  const answers = await Promise.all(batch.map((r) => send(r)));
  const accepted = batch.filter((r, i) => mayStore(r, answers[i]!.status));
  for (const [i, r] of batch.entries()) {
    const { status, text } = answers[i]!;
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    if (status >= 500 && !documented(r, status)) findings.add(`${status}`, `${describe(r)} -> ${text.slice(0, 300)}`);
  }
  if (accepted.length > 0) return options.replay ? undefined : batch.filter((r, i) => !mayStore(r, answers[i]!.status));
  for (const change of tableChanges(before, await snapshotTables())) {
    findings.add('stored by a refused request', `${change}\n  one of: ${batch.map(describe).join('\n    ')}`);
  }
  return undefined;
}

/** What may change the tables: an accepted write, a call sent to the charger, a Payter delivery. */
function mayStore(r: FuzzRequest, status: number): boolean {
  if (r.delivery) return status !== 400 && status !== 413;
  const reads = r.method === 'GET' || r.method === 'HEAD' || r.method === 'OPTIONS';
  return !reads && (status < 400 || status >= 500);
}

/** The station-call route documents 502 (the charger's CALLERROR) and 504 (no answer in time). */
function documented(r: FuzzRequest, status: number): boolean {
  return r.route === 'POST /ops/stations/{stationId}/calls' && r.method === 'POST' && (status === 502 || status === 504);
}

function describe(r: FuzzRequest): string {
  return `${r.method} ${r.path.slice(0, 160)}${r.body !== undefined ? ` ${r.body.slice(0, 160)}` : ''}`;
}

function send(r: FuzzRequest): Promise<{ status: number; text: string }> {
  const url = new URL(system.runtime.httpUrl);
  return new Promise((resolve) => {
    const req = request(
      // A connection of its own: a socket reused as the server closes it would hang up for nothing.
      { host: url.hostname, port: url.port, method: r.method, path: r.path, headers: r.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    // A refused connection or a reset is a crash of the gateway as far as a caller can tell.
    req.on('error', (error) => {
      findings.add('no HTTP answer', `${describe(r)}: ${error.message}`);
      resolve({ status: 0, text: '' });
    });
    req.end(r.body);
  });
}
