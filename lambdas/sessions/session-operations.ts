/**
 * What operators do with sessions: look them up (with their workflow execution), stop a
 * charge, refund on the spot through Payter, and reconcile our records with Payter's.
 */
import type { SiteRepository, StationRepository, TransactionRepository } from '../csms/ports';
import type { Clock } from '../shared/clock';
import type { SessionWorkflow } from '../shared/workflow';
import type { StoredSite } from '../sites/site-settings';
import { Money } from '../money/money';
import type { PayterClient } from '../payter/cps-client';
import type { PayterSession } from '../payter/cps-contract';
import type { RevenueSplit } from '../pricing/capture';
import { RefundExceedsCapturedError, splitRefund } from '../pricing/refund';
import { ConflictError, NotFoundError, PayterUnavailableError } from '../shared/errors';
import type { AmountJson, ChargingSession, RefundState, SessionRefund, SessionStatus } from './model';
import { DEFAULT_HOLD_AGE_POLICY, openHoldAge, type HoldAgePolicy, type OpenHoldAge } from './open-holds';
import type { RefundEvidence, RefundSettlement, SessionQuery, SessionRepository } from './ports';
import { sessionCostSoFar } from './running-cost';

export interface SessionOperationsDeps {
  readonly sessions: SessionRepository;
  /** The session's execution, for operators. */
  readonly workflow: Pick<SessionWorkflow, 'describe' | 'history'>;
  readonly payter: PayterClient;
  readonly stopTransaction: (stationId: string, transactionId: number) => Promise<void>;
  readonly clock: Clock;
  /** How refunds reach the driver's card (`PAYTER_REFUNDS`). @default 'cps' */
  readonly refundChannel?: RefundChannel;
  /** The hook for "refund seen in Payter's transaction data" (MyPayter Data API). */
  readonly refundEvidence?: RefundEvidence;
  /** When a hold still open at Payter is flagged. @default DEFAULT_HOLD_AGE_POLICY */
  readonly holdPolicy?: HoldAgePolicy;
  /** What a session still charging shows: its cost so far from the meter values (none: not shown). */
  readonly charging?: {
    readonly sites: SiteRepository<StoredSite>;
    readonly stations: StationRepository;
    readonly transactions: Pick<TransactionRepository, 'get'>;
  };
}

/**
 * `cps`: through Payter's (assumed) refund call. `acquirer`: CPS cannot refund here; refunds
 * are recorded `toBeRefundedByAcquirer` for the operator to make through the acquirer.
 */
export const REFUND_CHANNELS = ['cps', 'acquirer'] as const;
export type RefundChannel = (typeof REFUND_CHANNELS)[number];

/** A pending refund this old is one whose request died mid-way: its outcome is unknown. */
const STALE_PENDING_MS = 5 * 60_000;

export interface ReconciliationDifference {
  readonly serialNumber: string;
  readonly payterSessionId?: string;
  readonly sessionId?: string;
  readonly kind:
    | 'stateDiffers'
    | 'amountDiffers'
    | 'unknownToUs'
    | 'unknownToPayter'
    | 'holdStillOpen'
    /** What we recorded as refunded differs from what Payter shows. */
    | 'refundDiffers'
    /** A refund whose outcome Payter has neither shown nor denied yet. */
    | 'refundUnknown'
    /** A refund left to the acquirer that Payter's data does not show yet. */
    | 'refundAwaitingAcquirer'
    /** Billed from the last meter value of a lost charger, whose StopTransaction came later with other figures. */
    | 'chargerReportedOtherUsage';
  readonly ours?: { readonly paymentState?: string; readonly committedAmount?: number; readonly refundedAmount?: number };
  readonly payters?: { readonly state: string; readonly committedAmount?: number | null; readonly refundedAmount?: number };
  readonly refund?: { readonly amount: number; readonly state: RefundState; readonly requestedAt: string };
  /** A hold Payter still lists as AUTHORIZED (age unknown for a hold unknown to us). */
  readonly hold?: Partial<OpenHoldAge>;
  readonly charger?: { readonly billedMeterStop?: number; readonly stoppedAt: string; readonly meterStop: number; readonly stopReason?: string };
}

/** A hold Payter lists as AUTHORIZED on one of the readers reconciled, overdue or not. */
export interface OpenHold {
  readonly serialNumber: string;
  readonly payterSessionId: string;
  readonly sessionId?: string;
  readonly ageMinutes?: number;
  readonly overdue: boolean;
}

const money = (json: AmountJson) => Money.of(json.minor, json.currency);

export class SessionOperations {
  constructor(private readonly deps: SessionOperationsDeps) {}

  async list(query: SessionQuery & { status?: SessionStatus }): Promise<ReturnType<typeof summary>[]> {
    const sessions = await this.deps.sessions.list(query);
    return sessions.filter((s) => !query.status || s.status === query.status).map(summary);
  }

  async detail(sessionId: string) {
    const session = await this.get(sessionId);
    const execution = await this.deps.workflow.describe(sessionId);
    const live = await this.soFar(session);
    return {
      ...summary(session),
      // Until the session is priced: the running total so far, priced as the receipt will be.
      ...(live && { total: live.total }),
      usage: live?.usage ?? finalUsage(session),
      receipt: session.receiptView ?? null,
      split: session.split ?? null,
      refunds: session.refunds ?? [],
      execution: execution ?? null,
    };
  }

  /** A transaction still running (not yet stopped nor priced): what it has cost so far. */
  private async soFar(session: ChargingSession) {
    const charging = this.deps.charging;
    if (!charging || session.receipt !== undefined || session.stoppedAt !== undefined || session.transactionId === undefined) return undefined;
    const site = await charging.sites.get(session.siteId);
    if (!site) return undefined;
    const now = this.deps.clock.now();
    const cost = await sessionCostSoFar(charging, site, session, now);
    if (!cost) return undefined;
    const { energyWh, durationSeconds, idleSeconds } = cost.usage;
    return { total: cost.total.minor, usage: { energyWh, durationSeconds, idleSeconds, soFar: true, at: now.toISOString() } };
  }

  async execution(sessionId: string) {
    const session = await this.get(sessionId);
    const events = await this.deps.workflow.history(session.sessionId);
    if (!events) throw new NotFoundError(`session ${sessionId} has no workflow execution ${session.sessionId}`);
    // The execution is named after the session.
    return { executionName: session.sessionId, events };
  }

  async stop(sessionId: string): Promise<{ stopping: boolean }> {
    const session = await this.get(sessionId);
    if (session.status !== 'charging' || session.transactionId === undefined) {
      throw new ConflictError('sessionId', `session ${sessionId} is ${session.status}, not charging`);
    }
    const transition = await this.deps.sessions.transition(sessionId, ['charging'], 'stopping', this.now(), { endReason: 'operatorStop' });
    if (transition) await this.deps.stopTransaction(session.stationId, session.transactionId);
    return { stopping: true };
  }

  /**
   * Refunds now, through Payter (or, where CPS cannot refund, records it for the acquirer).
   * The refund is reserved on the session before Payter is asked, so two operators can never
   * refund the same money twice. Payter's clean "no" releases it; a lost answer leaves it
   * `unknown` (it may have happened), and before any retry or new refund of the session
   * Payter's state is read again to settle it, so a retry never refunds twice.
   */
  async refund(sessionId: string, amount: number, reason: string, requestKey?: string): Promise<SessionRefund> {
    const session = await this.settleRefunds(await this.get(sessionId));
    const earlier = requestKey !== undefined ? session.refunds?.find((r) => r.requestKey === requestKey && r.state !== 'failed') : undefined;
    if (earlier) {
      if (earlier.amount !== amount) throw new ConflictError('Idempotency-Key', 'this key was used for a refund of another amount');
      return earlier;
    }
    const uncertain = session.refunds?.find((r) => this.isUncertain(r));
    if (uncertain) {
      throw new ConflictError(
        'sessionId',
        `the outcome of the refund of ${uncertain.amount} requested at ${uncertain.requestedAt} is still unknown and Payter does not show it yet; it is checked again before any new refund, try later`,
      );
    }
    if (session.paymentState !== 'committed' || !session.split || !session.payterSessionId) {
      throw new ConflictError('sessionId', `session ${sessionId} has no committed payment to refund`);
    }
    const split: RevenueSplit = {
      captured: money(session.split.captured),
      taxCollected: money(session.split.taxCollected),
      platformFee: money(session.split.platformFee),
      hostRevenue: money(session.split.hostRevenue),
    };
    const currency = split.captured.currency;
    let parts;
    try {
      parts = splitRefund(split, Money.of(amount, currency), Money.of(session.refundedAmount ?? 0, currency));
    } catch (error) {
      if (error instanceof RefundExceedsCapturedError) throw new ConflictError('amount', error.message);
      throw error;
    }
    const byAcquirer = (this.deps.refundChannel ?? 'cps') === 'acquirer';
    const refund: SessionRefund = {
      amount,
      tax: parts.tax.minor,
      platformFee: parts.platformFee.minor,
      hostRevenue: parts.hostRevenue.minor,
      reason,
      ...(requestKey !== undefined && { requestKey }),
      requestedAt: this.now(),
      state: byAcquirer ? 'toBeRefundedByAcquirer' : 'pending',
    };
    const index = await this.deps.sessions.reserveRefund(sessionId, session.refundedAmount ?? 0, refund, this.now());
    if (index === undefined) throw new ConflictError('amount', 'another refund of this session was just made; look again');
    if (byAcquirer) return refund;

    const outcome = await this.deps.payter.refund({ serial: session.serialNumber, sessionId: session.payterSessionId, amount });
    const settledAt = this.now();
    switch (outcome.kind) {
      case 'ok': {
        const done = { state: 'done', payterRefundId: outcome.value.refundId } as const;
        await this.deps.sessions.settleRefund(sessionId, index, 'pending', done, settledAt);
        return { ...refund, ...done, settledAt };
      }
      case 'conflict':
      case 'rejected': {
        // A clean "no": nothing was refunded, the amount may be refunded again.
        const detail = outcome.kind === 'conflict' ? outcome.message : `HTTP ${outcome.status}: ${outcome.message}`;
        await this.deps.sessions.settleRefund(sessionId, index, 'pending', { state: 'failed', amount, detail }, settledAt);
        if (outcome.kind === 'conflict') throw new ConflictError('amount', `Payter refused the refund: ${detail}`);
        throw new PayterUnavailableError(`Payter refused the refund (${detail}); nothing was refunded`);
      }
      case 'transient':
      case 'protocol': {
        // Payter may have refunded: never "nothing was refunded", never sent again blindly.
        const detail = outcome.kind === 'transient' ? outcome.reason : outcome.message;
        await this.deps.sessions.settleRefund(sessionId, index, 'pending', { state: 'unknown', detail }, settledAt);
        return { ...refund, state: 'unknown', detail };
      }
    }
  }

  /**
   * Settles the session's refunds whose outcome is open (unknown, a pending one whose request
   * died, one left to the acquirer) with what Payter shows refunded of the session: its CPS
   * session record, else the transaction data. The session after.
   */
  private async settleRefunds(session: ChargingSession): Promise<ChargingSession> {
    if (!session.payterSessionId || !session.refunds?.some((r) => this.isOpen(r))) return session;
    return this.settleRefundsWith(session, await this.payterRefunded(session));
  }

  private async settleRefundsWith(session: ChargingSession, shown: number | undefined): Promise<ChargingSession> {
    if (!session.refunds?.some((r) => this.isOpen(r))) return session;
    const settlements = refundSettlements(session.refunds, shown, (r) => this.isOpen(r));
    let changed = false;
    for (const { index, from, outcome } of settlements) {
      changed = (await this.deps.sessions.settleRefund(session.sessionId, index, from, outcome, this.now())) || changed;
    }
    return changed ? this.get(session.sessionId) : session;
  }

  /**
   * What Payter shows refunded of the session, undefined when neither CPS nor its transaction
   * data says. The larger of the two: either may lag, and a refund made through the acquirer
   * shows only in the transaction data.
   */
  private async payterRefunded(session: ChargingSession, listed?: PayterSession): Promise<number | undefined> {
    const payterSessionId = session.payterSessionId!;
    let shown = listed?.refundedAmount;
    if (shown === undefined && !listed) {
      const read = await this.deps.payter.getSession({ serial: session.serialNumber, sessionId: payterSessionId });
      if (read.kind === 'ok') shown = read.value.refundedAmount;
    }
    const inData = await this.deps.refundEvidence?.refundedAmount({ serialNumber: session.serialNumber, payterSessionId, since: session.createdAt });
    return shown === undefined ? inData : inData === undefined ? shown : Math.max(shown, inData);
  }

  /** May have happened at Payter or not: never sent again, nor another refund made, until settled. */
  private isUncertain(refund: SessionRefund): boolean {
    return refund.state === 'unknown' || (refund.state === 'pending' && this.deps.clock.now().getTime() - Date.parse(refund.requestedAt) > STALE_PENDING_MS);
  }

  private isOpen(refund: SessionRefund): boolean {
    return refund.state === 'toBeRefundedByAcquirer' || this.isUncertain(refund);
  }

  /**
   * Our sessions of the period against Payter's sessions on the same readers (and on `serials`:
   * the scheduled job adds every commissioned reader, so no open hold goes unseen), and every difference.
   */
  async reconcile(from: string, to: string, options: { readonly serials?: readonly string[] } = {}) {
    const ours = (await this.deps.sessions.list({ from, to, limit: 1000 })).filter((s) => s.payterSessionId);
    const serials = [...new Set([...ours.map((s) => s.serialNumber), ...(options.serials ?? [])])];
    const differences: ReconciliationDifference[] = [];
    const openHolds: OpenHold[] = [];
    const now = this.deps.clock.now();
    let matched = 0;
    for (const serialNumber of serials) {
      const listed = await this.deps.payter.listSessions({ serial: serialNumber });
      if (listed.kind !== 'ok') throw new PayterUnavailableError(`Payter did not list the sessions of ${serialNumber} (${listed.kind})`);
      const theirs = new Map<string, PayterSession>(listed.value.map((p) => [p.sessionId, p]));
      const known = new Set<string>();
      for (const session of ours.filter((s) => s.serialNumber === serialNumber)) {
        const payterSessionId = session.payterSessionId!;
        known.add(payterSessionId);
        const their = theirs.get(payterSessionId);
        const base = { serialNumber, payterSessionId, sessionId: session.sessionId, ours: { paymentState: session.paymentState, committedAmount: session.committedAmount } };
        if (!their) {
          differences.push({ ...base, kind: 'unknownToPayter' });
          continue;
        }
        const payters = { state: their.state, committedAmount: their.committedAmount };
        const expected = session.paymentState === 'committed' ? 'COMMITTED' : session.paymentState === 'cancelled' ? 'CANCELLED' : 'AUTHORIZED';
        if (their.state === 'AUTHORIZED') {
          // Whatever our record says: a hold left open past its session is a driver's money.
          const hold = openHoldAge(session, now, this.deps.holdPolicy ?? DEFAULT_HOLD_AGE_POLICY);
          openHolds.push({ serialNumber, payterSessionId, sessionId: session.sessionId, ageMinutes: hold.ageMinutes, overdue: hold.overdue });
          if (hold.overdue) differences.push({ ...base, payters, kind: 'holdStillOpen', hold });
          else matched += 1;
        } else if (their.state !== expected) differences.push({ ...base, payters, kind: 'stateDiffers' });
        else if (their.state === 'COMMITTED' && (their.committedAmount ?? 0) !== (session.payment?.captured.minor ?? -1)) {
          differences.push({ ...base, payters, kind: 'amountDiffers' });
        } else matched += 1;
        differences.push(...(await this.refundDifferences(session, their, base)));
        if (session.chargerReportedStop !== undefined && session.chargerReportedStop.meterStop !== session.meterStop) {
          // Billed from its last meter value while the charger was lost; it reported more (or less) since.
          differences.push({ ...base, kind: 'chargerReportedOtherUsage', charger: { billedMeterStop: session.meterStop, ...session.chargerReportedStop } });
        }
      }
      for (const their of listed.value) {
        if (known.has(their.sessionId)) continue;
        // A hold on our reader that no session of ours knows: never acceptable while open.
        if (their.state === 'AUTHORIZED') openHolds.push({ serialNumber, payterSessionId: their.sessionId, overdue: true });
        if (their.state === 'AUTHORIZED' || !ours.length) {
          differences.push({ serialNumber, payterSessionId: their.sessionId, kind: 'unknownToUs', payters: { state: their.state, committedAmount: their.committedAmount } });
        }
      }
    }
    return { from, to, sessions: ours.length, matched, differences, openHolds };
  }

  /**
   * What we recorded as refunded (done) against what Payter shows, after settling the open
   * refunds Payter now shows or denies, and every refund still open.
   */
  private async refundDifferences(
    session: ChargingSession,
    their: PayterSession,
    base: Omit<ReconciliationDifference, 'kind'>,
  ): Promise<ReconciliationDifference[]> {
    // Only a committed payment can have been refunded: here, or elsewhere (in MyPayter, by the
    // acquirer) with nothing recorded by us or CPS, which MyPayter's data then shows.
    if (their.state !== 'COMMITTED' && !session.refunds?.length && !their.refundedAmount) return [];
    const shown = await this.payterRefunded(session, their);
    const refunds = (await this.settleRefundsWith(session, shown)).refunds ?? [];
    const recorded = refunds.filter((r) => r.state === 'done').reduce((sum, r) => sum + r.amount, 0);
    const ours = { ...base.ours, refundedAmount: recorded };
    const differences: ReconciliationDifference[] = [];
    if (shown !== undefined && shown !== recorded) {
      differences.push({ ...base, ours, payters: { state: their.state, committedAmount: their.committedAmount, refundedAmount: shown }, kind: 'refundDiffers' });
    }
    for (const refund of refunds.filter((r) => this.isOpen(r))) {
      differences.push({
        ...base,
        ours,
        refund: { amount: refund.amount, state: refund.state, requestedAt: refund.requestedAt },
        kind: refund.state === 'toBeRefundedByAcquirer' ? 'refundAwaitingAcquirer' : 'refundUnknown',
      });
    }
    return differences;
  }

  private async get(sessionId: string): Promise<ChargingSession> {
    const session = await this.deps.sessions.get(sessionId);
    if (!session) throw new NotFoundError(`session ${sessionId} does not exist`);
    return session;
  }

  private now(): string {
    return this.deps.clock.now().toISOString();
  }
}

/**
 * How the open refunds settle against `payterRefunded`, what Payter shows refunded of the
 * session in all: oldest first, each one Payter's total covers beyond the done ones is done;
 * an uncertain one is failed when Payter shows nothing beyond them. Nothing when Payter
 * does not say.
 */
export function refundSettlements(
  refunds: readonly SessionRefund[],
  payterRefunded: number | undefined,
  isOpen: (refund: SessionRefund) => boolean,
): { index: number; from: RefundState; outcome: RefundSettlement }[] {
  if (payterRefunded === undefined) return [];
  let unexplained = payterRefunded - refunds.filter((r) => r.state === 'done').reduce((sum, r) => sum + r.amount, 0);
  const settlements: { index: number; from: RefundState; outcome: RefundSettlement }[] = [];
  refunds.forEach((refund, index) => {
    if (!isOpen(refund)) return;
    if (unexplained >= refund.amount) {
      unexplained -= refund.amount;
      settlements.push({ index, from: refund.state, outcome: { state: 'done', detail: `Payter shows ${payterRefunded} refunded of the session` } });
    } else if (unexplained <= 0 && refund.state !== 'toBeRefundedByAcquirer') {
      const detail = `Payter shows it did not happen (${payterRefunded} refunded of the session)`;
      settlements.push({ index, from: refund.state, outcome: { state: 'failed', amount: refund.amount, detail } });
    }
  });
  return settlements;
}

/** The usage the session was priced from, once priced. */
function finalUsage(session: ChargingSession) {
  const usage = (session.receipt as { usage?: { energyWh: number; durationSeconds: number; idleSeconds: number } } | undefined)?.usage;
  return usage ? { energyWh: usage.energyWh, durationSeconds: usage.durationSeconds, idleSeconds: usage.idleSeconds, soFar: false } : null;
}

/** What an operator sees of a session in a list. */
export function summary(s: ChargingSession) {
  return {
    sessionId: s.sessionId,
    status: s.status,
    createdAt: s.createdAt,
    siteId: s.siteId,
    stationId: s.stationId,
    connectorId: s.connectorId,
    serialNumber: s.serialNumber,
    maskedPan: s.maskedPan ?? null,
    payterSessionId: s.payterSessionId ?? null,
    paymentState: s.paymentState ?? 'none',
    authorizedAmount: s.authorizedAmount ?? null,
    transactionId: s.transactionId ?? null,
    meter: s.meterStart !== undefined ? { meterStart: s.meterStart, meterStop: s.meterStop ?? null, startedAt: s.startedAt, stoppedAt: s.stoppedAt ?? null } : null,
    total: (s.receipt as { total?: AmountJson } | undefined)?.total?.minor ?? null,
    tax: s.payment?.taxCollected.minor ?? null,
    captured: s.payment?.captured.minor ?? null,
    shortfall: s.payment?.shortfall.minor ?? null,
    committedAmount: s.committedAmount ?? null,
    refundedAmount: s.refundedAmount ?? 0,
    endReason: s.endReason ?? null,
    /** The charger's own reason of its StopTransaction (OCPP), e.g. 'EVDisconnected' when `chargerStopped`. */
    stopReason: s.stopReason ?? null,
    /** The charger's times had no offset and were read in the site's zone. */
    timestampsWithoutOffset: s.timestampsWithoutOffset ?? false,
    executionName: s.sessionId,
  };
}
