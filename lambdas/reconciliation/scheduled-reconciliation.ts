/**
 * The scheduled reconciliation (a Lambda on an EventBridge schedule on AWS, a timer locally):
 * our sessions against Payter's holds, then the MyPayter sync and its differences, published
 * as metrics operators alarm on. Every run writes `ReconciliationRuns` so a job that stopped
 * running is noticed too.
 */
import type { Clock } from '../shared/clock';
import { MYPAYTER_DIFFERENCE_KINDS, type MyPayterReconciliation, type MyPayterReport, type MyPayterSync, type SyncResult } from '../mypayter/transaction-sync';
import type { Metrics } from '../shared/metrics';
import { ageBucket } from '../sessions/open-holds';
import type { ReconciliationDifference, SessionOperations } from '../sessions/session-operations';

/** Names of the metrics this job publishes (namespace METRIC_NAMESPACE); the alarms use them. */
export const RECONCILIATION_METRICS = {
  runs: 'ReconciliationRuns',
  failed: 'ReconciliationFailed',
  /** Holds Payter lists as AUTHORIZED, by `Age` dimension (and in total without it). */
  openHolds: 'OpenHolds',
  /** Open holds flagged: past their session's end by the grace, too old, or unknown to us. */
  overdueHolds: 'OverdueHolds',
  oldestOpenHoldMinutes: 'OldestOpenHoldMinutes',
  /** Differences with Payter's CPS sessions, in total and by `Kind`. */
  differences: 'ReconciliationDifferences',
  myPayterRead: 'MyPayterTransactionsRead',
  myPayterSyncFailed: 'MyPayterSyncFailed',
  /** Differences with MyPayter's transactions, in total and by `Kind`. */
  myPayterDifferences: 'MyPayterDifferences',
} as const;

export const HOLD_AGE_BUCKETS = ['under15m', '15mTo1h', '1hTo24h', 'over24h', 'unknown'] as const;
const CPS_DIFFERENCE_KINDS: readonly ReconciliationDifference['kind'][] = ['stateDiffers', 'amountDiffers', 'unknownToUs', 'unknownToPayter', 'holdStillOpen'];

export interface ScheduledReconciliationDeps {
  readonly operations: Pick<SessionOperations, 'reconcile'>;
  /** Every commissioned reader, whether or not it had a session in the window. */
  readonly readerSerials: () => Promise<string[]>;
  /** Absent when no MyPayter Data API is configured. */
  readonly myPayter?: { readonly sync: MyPayterSync; readonly reconciliation: MyPayterReconciliation };
  readonly metrics: Metrics;
  readonly clock: Clock;
  /** How far back sessions are reconciled: past Payter's 7-day retry schedule by default. */
  readonly windowHours: number;
  readonly log: { info(message: string, details: Record<string, unknown>): void; warn(message: string, details: Record<string, unknown>): void };
}

export class ScheduledReconciliation {
  constructor(private readonly deps: ScheduledReconciliationDeps) {}

  async run() {
    const { metrics, clock, log } = this.deps;
    const now = clock.now();
    const from = new Date(now.getTime() - this.deps.windowHours * 3_600_000).toISOString();
    const to = now.toISOString();
    const m = RECONCILIATION_METRICS;

    let payter: Awaited<ReturnType<SessionOperations['reconcile']>> | undefined;
    try {
      payter = await this.deps.operations.reconcile(from, to, { serials: await this.deps.readerSerials() });
    } catch (error) {
      log.warn('reconciliation with Payter failed', { error: String(error) });
    }
    if (payter) {
      for (const bucket of HOLD_AGE_BUCKETS) {
        metrics.put([{ name: m.openHolds, value: payter.openHolds.filter((h) => ageBucket(h.ageMinutes) === bucket).length }], { Age: bucket }, now);
      }
      for (const kind of CPS_DIFFERENCE_KINDS) {
        metrics.put([{ name: m.differences, value: payter.differences.filter((d) => d.kind === kind).length }], { Kind: kind }, now);
      }
      const ages = payter.openHolds.map((h) => h.ageMinutes ?? 0);
      metrics.put(
        [
          { name: m.openHolds, value: payter.openHolds.length },
          { name: m.overdueHolds, value: payter.openHolds.filter((h) => h.overdue).length },
          { name: m.oldestOpenHoldMinutes, value: Math.max(0, ...ages), unit: 'None' },
          { name: m.differences, value: payter.differences.length },
        ],
        {},
        now,
      );
      for (const d of payter.differences) log.warn('reconciliation difference', { kind: d.kind, sessionId: d.sessionId, serialNumber: d.serialNumber, payterSessionId: d.payterSessionId, hold: d.hold });
    }

    let sync: SyncResult | undefined;
    let myPayter: MyPayterReport | undefined;
    if (this.deps.myPayter) {
      sync = await this.deps.myPayter.sync.sync();
      if (sync.kind === 'failed') log.warn('MyPayter sync failed', { outcome: sync.outcome, read: sync.read });
      myPayter = await this.deps.myPayter.reconciliation.report(from, to);
      for (const kind of MYPAYTER_DIFFERENCE_KINDS) {
        metrics.put([{ name: m.myPayterDifferences, value: myPayter.differences.filter((d) => d.kind === kind).length }], { Kind: kind }, now);
      }
      metrics.put(
        [
          { name: m.myPayterRead, value: sync.read },
          { name: m.myPayterSyncFailed, value: sync.kind === 'failed' ? 1 : 0 },
          { name: m.myPayterDifferences, value: myPayter.differences.length },
        ],
        {},
        now,
      );
      for (const d of myPayter.differences) log.warn('MyPayter difference', { kind: d.kind, sessionId: d.sessionId, serialNumber: d.serialNumber, transactionId: d.transactionId });
    }

    metrics.put([{ name: m.runs, value: 1 }, { name: m.failed, value: payter ? 0 : 1 }], {}, now);
    const summary = {
      from,
      to,
      payter: payter ? { sessions: payter.sessions, matched: payter.matched, openHolds: payter.openHolds.length, differences: payter.differences.length } : null,
      myPayter: sync && myPayter ? { read: sync.read, synced: sync.kind === 'synced', matched: myPayter.matched, differences: myPayter.differences.length } : null,
    };
    log.info('reconciliation run', summary);
    return { ...summary, payterReport: payter ?? null, myPayterReport: myPayter ?? null };
  }
}
