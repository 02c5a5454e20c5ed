/**
 * The composition root of the scheduled reconciliation: our sessions and readers (read only), the Payter
 * CPS client, the MyPayter Data API client and its store, and the metrics sink. It builds no
 * more than the job uses, so its function reads just the Payter API key and the MyPayter
 * credentials.
 */
import { systemClock } from '../shared/clock';
import { MyPayterReconciliation, MyPayterRefundEvidence, MyPayterSync, matchPolicyFromEnv } from '../mypayter/transaction-sync';
import { holdAgePolicyFromEnv } from '../sessions/open-holds';
import { ScheduledReconciliation } from '../sessions/scheduled-reconciliation';
import { SessionOperations } from '../sessions/session-operations';
import { getIntFromEnv } from '../shared/config';
import { logger } from '../shared/lambda';
import { Metrics } from '../shared/metrics';
import { DynamoMyPayterStore } from './mypayter-store';
import { commissionedSerials } from './reader-serials';
import { myPayterClient, payterClient } from './payter';
import { DynamoSessionRepository } from './session-repository';

/** 8 days: Payter's commit and cancel retries run 7. */
const DEFAULT_WINDOW_HOURS = 192;

let job: Promise<ScheduledReconciliation> | undefined;

export function reconciliationJob(): Promise<ScheduledReconciliation> {
  job ??= build().catch((error: unknown) => {
    job = undefined;
    throw error;
  });
  return job;
}

async function build(): Promise<ScheduledReconciliation> {
  const [payter, myPayter] = await Promise.all([payterClient(), myPayterClient()]);
  const sessions = new DynamoSessionRepository();
  const store = myPayter ? new DynamoMyPayterStore() : undefined;
  const operations = new SessionOperations({
    sessions,
    payter,
    clock: systemClock,
    ...(store && { refundEvidence: new MyPayterRefundEvidence({ store, clock: systemClock }) }),
    holdPolicy: holdAgePolicyFromEnv(),
    // The job only reconciles: it reads no execution and stops no charge.
    workflow: { describe: async () => undefined, history: async () => [] },
    stopTransaction: () => Promise.reject(new Error('the reconciliation job stops no charge')),
  });
  return new ScheduledReconciliation({
    operations,
    readerSerials: () => commissionedSerials(),
    ...(myPayter &&
      store && {
        myPayter: {
          sync: new MyPayterSync({ client: myPayter, store, clock: systemClock }),
          reconciliation: new MyPayterReconciliation({ sessions, store, policy: matchPolicyFromEnv() }),
        },
      }),
    metrics: new Metrics(),
    clock: systemClock,
    windowHours: getIntFromEnv('RECONCILIATION_WINDOW_HOURS', DEFAULT_WINDOW_HOURS),
    log: logger,
  });
}

let report: MyPayterReconciliation | undefined;

/** What the ops API reads: the synced transactions against our sessions (no client, no secret). */
export function myPayterReconciliation(): MyPayterReconciliation {
  report ??= new MyPayterReconciliation({ sessions: new DynamoSessionRepository(), store: new DynamoMyPayterStore(), policy: matchPolicyFromEnv() });
  return report;
}
