/**
 * Reconciliation on the local system: holds left open at the Payter simulator whatever our
 * session records say, the scheduled job's metrics (its Embedded Metric Format lines), and
 * the MyPayter sync against the MyPayter simulator. Holds are made at the Payter simulator on
 * readers no station uses, and our side of each is written straight into the sessions table,
 * as a lost update or a crash would leave it.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PayterClient } from '../../lambdas/payter/cps-client';
import type { ChargingSession } from '../../lambdas/sessions/model';
import type { MyPayterSimulator } from '../../lib/local/mypayter-simulator';
import type { PayterSimulator } from '../../lib/local/payter-simulator';
import { startTestSystem, type TestSystem } from '../support/local-system';

let system: TestSystem;
let payter: PayterSimulator;
let myPayter: MyPayterSimulator;
let cps: PayterClient;
const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } }));

beforeAll(async () => {
  system = await startTestSystem({ reconciliationIntervalMs: 0 });
  payter = system.runtime.payter!;
  myPayter = system.runtime.myPayter!;
  cps = new PayterClient({ baseUrl: payter.url, apiKey: 'local-dev-key' });
  payter.addReader('RECON-1', { currency: 'EUR' });
  payter.addReader('RECON-2', { currency: 'EUR' });
});

afterAll(async () => {
  await system?.close();
});

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

/** A hold of 5000 authorized at the Payter simulator, as our authorize step makes it. */
async function holdAt(serial: string, cardId: string): Promise<string> {
  const started = await cps.startReading({ serial, authorizedAmount: 5000, callbackUrl: 'http://127.0.0.1:1/card' });
  expect(started.kind).toBe('ok');
  await payter.tap(serial, { cardId, maskedPan: '4111********1111' });
  const authorized = await cps.authorize({ serial });
  if (authorized.kind !== 'ok') throw new Error(`authorize: ${authorized.kind}`);
  return authorized.value.sessionId;
}

/** Our record of a session, as the workflow would have left it. */
async function ourSession(sessionId: string, serialNumber: string, payterSessionId: string, fields: Partial<ChargingSession>): Promise<void> {
  const committed = fields.committedAmount;
  const session: ChargingSession = {
    sessionId,
    status: 'charging',
    serialNumber,
    stationId: `ST-${serialNumber}`,
    connectorId: 1,
    siteId: 'site-recon',
    cardId: 'card',
    ifd: 'CONTACTLESS',
    idTag: sessionId.slice(0, 20),
    readingId: `reading-${sessionId}`,
    createdAt: minutesAgo(1),
    updatedAt: minutesAgo(0),
    paymentState: 'authorized',
    payterSessionId,
    authorizedAmount: 5000,
    currency: 'EUR',
    ...(committed !== undefined && {
      payment: {
        captured: { minor: committed, currency: 'EUR' },
        shortfall: { minor: 0, currency: 'EUR' },
        taxCollected: { minor: 0, currency: 'EUR' },
        capped: false,
        cancel: false,
      },
    }),
    ...fields,
  };
  await db.send(new PutCommand({ TableName: process.env.SESSIONS_TABLE!, Item: session }));
}

/** Runs the reconciliation job (by default as its schedule does) and returns the EMF documents it wrote to stdout. */
async function runJob(run: () => Promise<unknown> = () => system.runtime.reconcile()): Promise<Record<string, any>[]> {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: any, ...rest: any[]) => {
    const text = String(chunk);
    if (text.includes('"_aws"')) {
      lines.push(...text.split('\n').filter((l) => l.includes('"_aws"')));
      return true;
    }
    return write(chunk, ...rest);
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return lines.map((line) => JSON.parse(line) as Record<string, any>);
}

/** The value of `metric` in the EMF document with exactly these dimensions. */
function metricValue(documents: Record<string, any>[], metric: string, dimensions: Record<string, string> = {}): number | undefined {
  const found = documents.find((d) => {
    const [spec] = d._aws.CloudWatchMetrics;
    const names: string[] = spec.Dimensions[0];
    return (
      spec.Namespace === 'EvCsms' &&
      spec.Metrics.some((m: { Name: string }) => m.Name === metric) &&
      names.length === Object.keys(dimensions).length &&
      Object.entries(dimensions).every(([k, v]) => names.includes(k) && d[k] === v)
    );
  });
  return found?.[metric];
}

const period = () => `from=${minutesAgo(180)}&to=${new Date(Date.now() + 60_000).toISOString()}`;

describe('reconciliation with Payter', () => {
  it('flags every hold still AUTHORIZED past its session, whatever our record says, with its age; the job publishes them as metrics', async () => {
    const stoppedHold = await holdAt('RECON-1', 'card-a');
    const completedHold = await holdAt('RECON-1', 'card-b');
    const runningHold = await holdAt('RECON-1', 'card-c');
    const justStoppedHold = await holdAt('RECON-1', 'card-d');
    // Stopped 30 minutes ago and never committed: our record still says authorized.
    await ourSession('recon-stopped', 'RECON-1', stoppedHold, { status: 'stopped', createdAt: minutesAgo(90), stoppedAt: minutesAgo(30) });
    // Completed and committed as far as we know; Payter still holds the card.
    await ourSession('recon-completed', 'RECON-1', completedHold, {
      status: 'completed',
      paymentState: 'committed',
      committedAmount: 764,
      createdAt: minutesAgo(50),
      stoppedAt: minutesAgo(40),
    });
    // Normal: a session charging, and one stopped a moment ago whose commit is under way.
    await ourSession('recon-running', 'RECON-1', runningHold, { status: 'charging', createdAt: minutesAgo(10) });
    await ourSession('recon-just-stopped', 'RECON-1', justStoppedHold, { status: 'stopped', createdAt: minutesAgo(20), stoppedAt: minutesAgo(5) });

    const report = await system.api('GET', `/ops/reconciliation?${period()}`);
    expect(report.status).toBe(200);
    const flagged = report.body.differences.filter((d: { serialNumber: string }) => d.serialNumber === 'RECON-1');
    expect(flagged).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'holdStillOpen', sessionId: 'recon-stopped', payterSessionId: stoppedHold, hold: expect.objectContaining({ ageMinutes: 90, overdue: true }) }),
        expect.objectContaining({ kind: 'holdStillOpen', sessionId: 'recon-completed', payterSessionId: completedHold, hold: expect.objectContaining({ ageMinutes: 50, overdue: true }) }),
      ]),
    );
    expect(flagged).toHaveLength(2);
    expect(report.body.openHolds.filter((h: { serialNumber: string }) => h.serialNumber === 'RECON-1')).toHaveLength(4);

    const metrics = await runJob();
    expect(metricValue(metrics, 'ReconciliationRuns')).toBe(1);
    expect(metricValue(metrics, 'ReconciliationFailed')).toBe(0);
    expect(metricValue(metrics, 'OpenHolds')).toBe(4);
    expect(metricValue(metrics, 'OverdueHolds')).toBe(2);
    expect(metricValue(metrics, 'OldestOpenHoldMinutes')).toBe(90);
    expect(metricValue(metrics, 'OpenHolds', { Age: 'under15m' })).toBe(1);
    expect(metricValue(metrics, 'OpenHolds', { Age: '15mTo1h' })).toBe(2);
    expect(metricValue(metrics, 'OpenHolds', { Age: '1hTo24h' })).toBe(1);
    expect(metricValue(metrics, 'OpenHolds', { Age: 'over24h' })).toBe(0);
    expect(metricValue(metrics, 'ReconciliationDifferences', { Kind: 'holdStillOpen' })).toBe(2);
    expect(metricValue(metrics, 'ReconciliationDifferences')).toBe(2);
    // EMF's shape: the metric's value and its dimensions as top-level members.
    expect(metrics[0]!._aws.CloudWatchMetrics[0].Metrics[0]).toEqual({ Name: expect.any(String), Unit: expect.any(String) });

    // Settled at Payter: nothing is flagged any more.
    for (const hold of [stoppedHold, completedHold, runningHold, justStoppedHold]) await cps.cancel({ serial: 'RECON-1', sessionId: hold });
  });
});

describe('the scheduled reconciliation', () => {
  it('also looks at every commissioned reader: a hold none of our sessions knows is overdue, of unknown age', async () => {
    payter.addReader('RECON-3', { currency: 'EUR' });
    // Commissioned, but with no session of ours in the window.
    await db.send(new PutCommand({ TableName: process.env.READERS_TABLE!, Item: { serialNumber: 'RECON-3', stationId: 'ST-RECON-3', connectorIds: [1] } }));
    const stray = await holdAt('RECON-3', 'card-x');
    let summary: any;
    const metrics = await runJob(async () => (summary = await system.runtime.reconcile()));
    expect(summary.payterReport.differences).toContainEqual(expect.objectContaining({ kind: 'unknownToUs', serialNumber: 'RECON-3', payterSessionId: stray }));
    expect(metricValue(metrics, 'OpenHolds', { Age: 'unknown' })).toBe(1);
    expect(metricValue(metrics, 'OverdueHolds')).toBe(1);
    await cps.cancel({ serial: 'RECON-3', sessionId: stray });
  });
});

describe('the MyPayter sync', () => {
  it('matches MyPayter transactions to our sessions and lists every difference, reading only new transactions each run', async () => {
    const committedHold = async (cardId: string, amount: number) => {
      const hold = await holdAt('RECON-2', cardId);
      expect((await cps.commit({ serial: 'RECON-2', sessionId: hold, commitAmount: amount })).kind).toBe('ok');
      return hold;
    };
    const same = await committedHold('card-m1', 764);
    const amended = await committedHold('card-m2', 500);
    const withoutId = await committedHold('card-m3', 300);
    const hidden = await committedHold('card-m4', 200);
    await ourSession('mp-same', 'RECON-2', same, { status: 'completed', paymentState: 'committed', committedAmount: 764 });
    await ourSession('mp-amended', 'RECON-2', amended, { status: 'completed', paymentState: 'committed', committedAmount: 500 });
    await ourSession('mp-without-id', 'RECON-2', withoutId, { status: 'completed', paymentState: 'committed', committedAmount: 300 });
    await ourSession('mp-hidden', 'RECON-2', hidden, { status: 'completed', paymentState: 'committed', committedAmount: 200, createdAt: minutesAgo(120) });
    // Payter's back office: another amount on one, no CPS session id on another (matched by
    // time and amount), one missing, and a sale none of our sessions made.
    myPayter.amend(amended, { committedAmount: 450 });
    myPayter.amend(withoutId, { sessionId: undefined });
    myPayter.hide(hidden);
    const stranger = myPayter.addTransaction({
      serialNumber: 'RECON-2',
      transactionTime: new Date().toISOString(),
      authorizedAmount: 1000,
      committedAmount: 1000,
      currency: 'EUR',
      ifd: 'CHIP',
      disposition: 'APPROVED',
      state: 'COMMITTED',
      maskedPan: '5500********0004',
    });

    const firstRun = await runJob();
    const report = await system.api('GET', `/ops/reconciliation/mypayter?${period()}`);
    expect(report.status).toBe(200);
    expect(report.body.syncedAt).toEqual(expect.any(String));
    const differences = report.body.differences.filter((d: { serialNumber: string }) => d.serialNumber === 'RECON-2');
    expect(differences).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'amountDiffers', sessionId: 'mp-amended', matchedBy: 'sessionId', ours: expect.objectContaining({ committedAmount: 500 }), theirs: expect.objectContaining({ committedAmount: 450 }) }),
        expect.objectContaining({ kind: 'unknownToMyPayter', sessionId: 'mp-hidden', payterSessionId: hidden }),
        expect.objectContaining({ kind: 'unknownToUs', transactionId: stranger.transactionId, theirs: expect.objectContaining({ committedAmount: 1000 }) }),
      ]),
    );
    expect(differences).toHaveLength(3);
    // The card number stays out of the report.
    expect(JSON.stringify(report.body)).not.toContain('5500');
    expect(metricValue(firstRun, 'MyPayterDifferences', { Kind: 'amountDiffers' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(firstRun, 'MyPayterDifferences', { Kind: 'unknownToUs' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(firstRun, 'MyPayterSyncFailed')).toBe(0);

    // The next run reads only what MyPayter ingested since: one new transaction.
    const dataCalls = () => myPayter.requests().filter((r) => r.path === '/API/Data');
    const before = dataCalls().length;
    await committedHold('card-m5', 100);
    const secondRun = await runJob();
    const since = dataCalls().slice(before);
    expect(since.length).toBeGreaterThanOrEqual(1);
    expect(since[0]!.body).toMatchObject({ searchAfter: [expect.any(String), expect.any(String)] });
    expect(since.reduce((sum, r) => sum + (r.results ?? 0), 0)).toBe(1);
    expect(metricValue(secondRun, 'MyPayterTransactionsRead')).toBe(1);
    // That transaction is unknown to us too.
    const again = await system.api('GET', `/ops/reconciliation/mypayter?${period()}`);
    expect(again.body.differences.filter((d: { serialNumber: string; kind: string }) => d.serialNumber === 'RECON-2' && d.kind === 'unknownToUs')).toHaveLength(2);
  });

  it('runs on demand locally, as its schedule runs it on AWS', async () => {
    let run: { status: number; body: any } = { status: 0, body: undefined };
    const metrics = await runJob(async () => (run = await system.api('POST', '/local/reconciliation/run')));
    expect(run.status).toBe(200);
    expect(metricValue(metrics, 'ReconciliationRuns')).toBe(1);
    expect(run.body).toMatchObject({ payter: { sessions: expect.any(Number) }, myPayter: { synced: true, read: 0 } });
    expect((await system.api('POST', '/local/reconciliation/run', undefined, 'wrong-token')).status).toBe(401);
  });

  it('refuses a period that is not one', async () => {
    expect((await system.api('GET', '/ops/reconciliation/mypayter?from=yesterday')).status).toBe(400);
    const tooLong = await system.api('GET', '/ops/reconciliation/mypayter?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z');
    expect(tooLong).toMatchObject({ status: 400, body: { details: [{ field: 'to' }] } });
  });
});
