/**
 * Settles the sessions their workflow left behind: an execution that failed, timed out, was
 * stopped or never started leaves no step to commit or cancel the hold and free the reader.
 * The sweeper finds sessions still open or holding money whose execution is not running, and
 * ends them with the workflow's own steps, so the money rules are the workflow's: the last
 * known total is committed when the charger started (as for a lost charger), the hold is
 * cancelled when it did not, then the reader is freed and the session gets its final status.
 * A session whose execution is RUNNING is never touched.
 */
import type { Clock } from '../shared/clock';
import type { SessionWorkflow } from '../shared/workflow';
import { OPEN_SESSION_STATUSES, type ChargingSession } from './model';
import type { SessionRepository, UnsettledSessions } from './ports';
import { SessionStateError, type SessionSteps } from './session-steps';

/** The log lines that count the sweeper's work (metric filters and alarms in lib/constructs/observability.ts). */
export const SESSION_SWEPT_MESSAGE = 'orphaned session settled';
export const SESSION_SWEEP_FAILED_MESSAGE = 'orphaned session not settled';

export type SweepSteps = Pick<SessionSteps, 'chargerLost' | 'price' | 'commit' | 'cancel' | 'release'>;

export interface SessionSweeperDeps {
  readonly sessions: UnsettledSessions & Pick<SessionRepository, 'get'>;
  readonly workflow: Pick<SessionWorkflow, 'describe'>;
  readonly steps: SweepSteps;
  readonly clock: Clock;
  readonly log: { info(message: string, details: Record<string, unknown>): void; error(message: string, details: Record<string, unknown>): void };
  /**
   * A session without an execution is left alone this long after it was created: the card-read
   * callback creates the session first and starts its execution right after. @default 120
   */
  readonly minAgeSeconds?: number;
}

/** What the sweeper did to a session: settled its payment (or found it settled) and freed the reader. */
export type SweepAction = 'committed' | 'cancelled' | 'released';

export interface SweepOutcome {
  readonly sessionId: string;
  /** The execution's status, or NOT_FOUND. */
  readonly executionStatus: string;
  readonly action: SweepAction | 'failed';
}

export class SessionSweeper {
  constructor(private readonly deps: SessionSweeperDeps) {}

  /**
   * One pass over the unsettled sessions, oldest first; a session that fails is tried again on
   * the next pass, and so are those left when `timeIsUp` says so (the Lambda's time runs out).
   */
  async sweep(timeIsUp: () => boolean = () => false): Promise<SweepOutcome[]> {
    const outcomes: SweepOutcome[] = [];
    for (const candidate of await this.deps.sessions.listUnsettled()) {
      if (timeIsUp()) break;
      const outcome = await this.sweepOne(candidate.sessionId);
      if (outcome) outcomes.push(outcome);
    }
    return outcomes;
  }

  private async sweepOne(sessionId: string): Promise<SweepOutcome | undefined> {
    // The index is eventually consistent: decide on the session itself.
    const session = await this.deps.sessions.get(sessionId);
    if (!session || !isUnsettled(session)) return undefined;
    const execution = await this.deps.workflow.describe(sessionId);
    if (execution?.status === 'RUNNING') return undefined;
    if (!execution && this.ageSeconds(session) < (this.deps.minAgeSeconds ?? 120)) return undefined;
    const executionStatus = execution?.status ?? 'NOT_FOUND';
    const facts = { sessionId, executionStatus, status: session.status, paymentState: session.paymentState ?? 'none', serialNumber: session.serialNumber };
    try {
      const action = await this.settle(session);
      this.deps.log.info(SESSION_SWEPT_MESSAGE, { ...facts, action });
      return { sessionId, executionStatus, action };
    } catch (error) {
      this.deps.log.error(SESSION_SWEEP_FAILED_MESSAGE, { ...facts, error: String(error) });
      return { sessionId, executionStatus, action: 'failed' };
    }
  }

  private async settle(session: ChargingSession): Promise<SweepAction> {
    let action: SweepAction = 'released';
    if (session.paymentState === 'authorized') {
      action = session.transactionId !== undefined ? await this.commitLastKnownTotal(session.sessionId) : await this.cancel(session.sessionId);
    }
    // Also sweeps a hold an authorize may have left (paymentState none) and frees the reader.
    await this.deps.steps.release(session.sessionId);
    return action;
  }

  /** The charge happened: bill up to the last meter value, as the workflow does for a lost charger. */
  private async commitLastKnownTotal(sessionId: string): Promise<SweepAction> {
    let cancel: boolean;
    try {
      await this.deps.steps.chargerLost(sessionId);
      ({ cancel } = await this.deps.steps.price(sessionId));
    } catch (error) {
      // As the workflow: a session that cannot be priced is not charged. Other errors: next pass.
      if (!(error instanceof SessionStateError)) throw error;
      cancel = true;
    }
    if (cancel) return this.cancel(sessionId);
    await this.deps.steps.commit(sessionId);
    return 'committed';
  }

  private async cancel(sessionId: string): Promise<SweepAction> {
    await this.deps.steps.cancel(sessionId);
    return 'cancelled';
  }

  private ageSeconds(session: ChargingSession): number {
    return (this.deps.clock.now().getTime() - Date.parse(session.createdAt)) / 1000;
  }
}

/**
 * Still holding the reader or money at Payter. `unfinalized` is left to operators: Payter's
 * whole retry schedule ran out on it and it has its own alarm.
 */
export function isUnsettled(session: ChargingSession): boolean {
  if (session.paymentState === 'unfinalized') return false;
  return OPEN_SESSION_STATUSES.includes(session.status) || session.paymentState === 'authorized';
}
