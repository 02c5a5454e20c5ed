/**
 * The scheduled reconciliation job: what it publishes for the operators' alarms
 * (docs/reconciliation.md): open holds by age, overdue holds, the oldest hold's age, the
 * differences by kind, MyPayter's sync and differences, and a run counted every time.
 */
import { describe, expect, it } from 'vitest';
import type { MyPayterReconciliation, MyPayterReport, MyPayterSync, SyncResult } from '../../lambdas/mypayter/transaction-sync';
import { Metrics } from '../../lambdas/shared/metrics';
import { ScheduledReconciliation } from '../../lambdas/reconciliation/scheduled-reconciliation';
import { SERIAL, T0, givenWorld, type World } from '../support/in-memory';

const hoursBefore = (hours: number) => new Date(Date.parse(T0) - hours * 3_600_000).toISOString();

/** Every EMF line as { dimensions, values }. */
function recordingMetrics() {
  const lines: { dimensions: Record<string, string>; values: Record<string, number>; units: Record<string, string>; at: number }[] = [];
  const metrics = new Metrics((line) => {
    const doc = JSON.parse(line) as Record<string, unknown> & { _aws: { Timestamp: number; CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] } };
    const spec = doc._aws.CloudWatchMetrics[0]!;
    lines.push({
      dimensions: Object.fromEntries(spec.Dimensions[0]!.map((d) => [d, doc[d] as string])),
      values: Object.fromEntries(spec.Metrics.map((m) => [m.Name, doc[m.Name] as number])),
      units: Object.fromEntries(spec.Metrics.map((m) => [m.Name, m.Unit])),
      at: doc._aws.Timestamp,
    });
  });
  /** The value of `name` published under exactly these dimensions. */
  const value = (name: string, dimensions: Record<string, string> = {}) =>
    lines.filter((l) => JSON.stringify(l.dimensions) === JSON.stringify(dimensions) && name in l.values).map((l) => l.values[name]);
  return { metrics, lines, value };
}

function job(w: World, options: { myPayter?: { sync: SyncResult; report: Partial<MyPayterReport> }; readers?: string[]; failReconcile?: boolean } = {}) {
  const recorded = recordingMetrics();
  const logs: { level: string; message: string; details: Record<string, unknown> }[] = [];
  const reports: [string, string][] = [];
  const myPayter = options.myPayter && {
    sync: { sync: async () => options.myPayter!.sync } as unknown as MyPayterSync,
    reconciliation: {
      report: async (from: string, to: string) => {
        reports.push([from, to]);
        return { from, to, syncedAt: null, sessions: 0, transactions: 0, matched: 0, differences: [], ...options.myPayter!.report } as MyPayterReport;
      },
    } as unknown as MyPayterReconciliation,
  };
  const reconciliation = new ScheduledReconciliation({
    operations: options.failReconcile ? { reconcile: async () => Promise.reject(new Error('Payter down')) } : w.operations,
    readerSerials: async () => options.readers ?? [SERIAL],
    ...(myPayter && { myPayter }),
    metrics: recorded.metrics,
    clock: w.clock,
    windowHours: 192,
    log: {
      info: (message, details) => logs.push({ level: 'info', message, details }),
      warn: (message, details) => logs.push({ level: 'warn', message, details }),
    },
  });
  return { reconciliation, ...recorded, logs, reports };
}

describe('scheduled reconciliation', () => {
  it('nothing open, nothing different: zeros everywhere, one run, none failed', async () => {
    const w = givenWorld();
    const { reconciliation, value, lines } = job(w);
    const result = await reconciliation.run();
    expect(result).toMatchObject({ from: hoursBefore(192), to: T0, payter: { sessions: 0, matched: 0, openHolds: 0, differences: 0 }, myPayter: null, myPayterReport: null });
    for (const Age of ['under15m', '15mTo1h', '1hTo24h', 'over24h', 'unknown']) expect(value('OpenHolds', { Age })).toEqual([0]);
    for (const Kind of ['stateDiffers', 'amountDiffers', 'unknownToUs', 'unknownToPayter', 'holdStillOpen']) expect(value('ReconciliationDifferences', { Kind })).toEqual([0]);
    expect(value('OpenHolds')).toEqual([0]);
    expect(value('OverdueHolds')).toEqual([0]);
    expect(value('OldestOpenHoldMinutes')).toEqual([0]);
    expect(value('ReconciliationDifferences')).toEqual([0]);
    expect(value('ReconciliationRuns')).toEqual([1]);
    expect(value('ReconciliationFailed')).toEqual([0]);
    expect(value('MyPayterTransactionsRead')).toEqual([]);
    expect(lines.every((l) => l.at === Date.parse(T0))).toBe(true);
  });

  it('open holds by age bucket, the overdue ones, the oldest age, and each difference logged with its session', async () => {
    const w = givenWorld();
    // A session charging for 90 minutes (not overdue), one ended 20 minutes ago (overdue), and a hold nobody knows.
    w.givenSession({ sessionId: 'running', status: 'charging', transactionId: 7, createdAt: hoursBefore(1.5) }, { hold: true });
    w.givenSession({ sessionId: 'young', status: 'charging', transactionId: 8, createdAt: new Date(Date.parse(T0) - 5 * 60_000).toISOString() }, { hold: true, attach: false });
    w.givenSession({ sessionId: 'ended', status: 'stopped', stoppedAt: new Date(Date.parse(T0) - 20 * 60_000).toISOString(), createdAt: hoursBefore(30) }, { hold: true, attach: false });
    const stranger = w.payter.holdElsewhere(SERIAL, { amount: 5000 });
    const { reconciliation, value, logs } = job(w);
    const result = await reconciliation.run();
    expect(value('OpenHolds', { Age: 'under15m' })).toEqual([1]);
    expect(value('OpenHolds', { Age: '1hTo24h' })).toEqual([1]);
    expect(value('OpenHolds', { Age: 'over24h' })).toEqual([1]);
    expect(value('OpenHolds', { Age: 'unknown' })).toEqual([1]);
    expect(value('OpenHolds', { Age: '15mTo1h' })).toEqual([0]);
    expect(value('OpenHolds')).toEqual([4]);
    expect(value('OverdueHolds')).toEqual([2]);
    expect(value('OldestOpenHoldMinutes')).toEqual([30 * 60]);
    expect(value('ReconciliationDifferences', { Kind: 'holdStillOpen' })).toEqual([1]);
    expect(value('ReconciliationDifferences', { Kind: 'unknownToUs' })).toEqual([1]);
    for (const Kind of ['stateDiffers', 'amountDiffers', 'unknownToPayter']) expect(value('ReconciliationDifferences', { Kind })).toEqual([0]);
    expect(value('ReconciliationDifferences')).toEqual([2]);
    expect(result.payter).toEqual({ sessions: 3, matched: 2, openHolds: 4, differences: 2 });
    expect(logs.filter((l) => l.message === 'reconciliation difference').map((l) => [l.details.kind, l.details.sessionId, l.details.payterSessionId])).toEqual([
      ['holdStillOpen', 'ended', 'payter-3'],
      ['unknownToUs', undefined, stranger],
    ]);
    expect(logs.at(-1)).toEqual({ level: 'info', message: 'reconciliation run', details: { from: hoursBefore(192), to: T0, payter: result.payter, myPayter: null } });
  });

  it('the unit of the oldest hold is None (minutes are not a CloudWatch unit)', async () => {
    const w = givenWorld();
    const { reconciliation, lines } = job(w);
    await reconciliation.run();
    const oldest = lines.find((l) => 'OldestOpenHoldMinutes' in l.values)!;
    expect(oldest.units).toEqual({ OpenHolds: 'Count', OverdueHolds: 'Count', OldestOpenHoldMinutes: 'None', ReconciliationDifferences: 'Count' });
  });

  it("every commissioned reader is reconciled, even without a session of ours in the window", async () => {
    const w = givenWorld();
    w.payter.addReader('READER-2');
    w.payter.holdElsewhere('READER-2', { amount: 5000 });
    const { reconciliation, value } = job(w, { readers: [SERIAL, 'READER-2'] });
    await reconciliation.run();
    expect(w.payter.callsOf('listSessions').map((c) => c.serial)).toEqual([SERIAL, 'READER-2']);
    expect(value('OverdueHolds')).toEqual([1]);
  });

  it('a failed reconciliation: counted as failed, logged, the run still counted', async () => {
    const w = givenWorld();
    const { reconciliation, value, logs } = job(w, { failReconcile: true });
    const result = await reconciliation.run();
    expect(value('ReconciliationRuns')).toEqual([1]);
    expect(value('ReconciliationFailed')).toEqual([1]);
    expect(value('OpenHolds')).toEqual([]);
    expect(result).toMatchObject({ payter: null, payterReport: null });
    expect(logs[0]).toEqual({ level: 'warn', message: 'reconciliation with Payter failed', details: { error: 'Error: Payter down' } });
  });

  describe('MyPayter', () => {
    const difference = { kind: 'amountDiffers', serialNumber: SERIAL, sessionId: 's1', transactionId: 'tx-1' } as const;

    it('a sync that read transactions and its differences by kind', async () => {
      const w = givenWorld();
      const { reconciliation, value, logs, reports } = job(w, { myPayter: { sync: { kind: 'synced', read: 12 }, report: { matched: 3, differences: [difference] } } });
      const result = await reconciliation.run();
      expect(reports).toEqual([[hoursBefore(192), T0]]);
      expect(value('MyPayterTransactionsRead')).toEqual([12]);
      expect(value('MyPayterSyncFailed')).toEqual([0]);
      expect(value('MyPayterDifferences')).toEqual([1]);
      expect(value('MyPayterDifferences', { Kind: 'amountDiffers' })).toEqual([1]);
      for (const Kind of ['stateDiffers', 'unknownToUs', 'unknownToMyPayter']) expect(value('MyPayterDifferences', { Kind })).toEqual([0]);
      expect(result.myPayter).toEqual({ read: 12, synced: true, matched: 3, differences: 1 });
      expect(result.myPayterReport).toMatchObject({ matched: 3 });
      expect(logs.find((l) => l.message === 'MyPayter difference')?.details).toEqual({ kind: 'amountDiffers', sessionId: 's1', serialNumber: SERIAL, transactionId: 'tx-1' });
      expect(logs.some((l) => l.message === 'MyPayter sync failed')).toBe(false);
    });

    it('a failed sync is counted and logged, and the stored transactions still compared', async () => {
      const w = givenWorld();
      const outcome = { kind: 'transient', reason: 'HTTP 503' } as const;
      const { reconciliation, value, logs } = job(w, { myPayter: { sync: { kind: 'failed', read: 2, outcome }, report: {} } });
      const result = await reconciliation.run();
      expect(value('MyPayterSyncFailed')).toEqual([1]);
      expect(value('MyPayterTransactionsRead')).toEqual([2]);
      expect(logs.find((l) => l.message === 'MyPayter sync failed')).toEqual({ level: 'warn', message: 'MyPayter sync failed', details: { outcome, read: 2 } });
      expect(result.myPayter).toMatchObject({ synced: false });
    });
  });
});
