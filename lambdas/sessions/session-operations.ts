/**
 * What operators do with sessions: look them up (with their workflow execution), stop a
 * charge, refund on the spot through Payter, and reconcile our records with Payter's.
 */
import type { Clock } from '../csms/ports';
import { Money } from '../money/money';
import type { PayterClient } from '../payter/cps-client';
import type { PayterSession } from '../payter/cps-contract';
import type { RevenueSplit } from '../pricing/capture';
import { RefundExceedsCapturedError, splitRefund } from '../pricing/refund';
import { ConflictError, NotFoundError, PayterUnavailableError } from '../shared/errors';
import type { AmountJson, ChargingSession, SessionRefund, SessionStatus } from './model';
import { DEFAULT_HOLD_AGE_POLICY, openHoldAge, type HoldAgePolicy, type OpenHoldAge } from './open-holds';
import type { SessionExecutions, SessionQuery, SessionRepository } from './ports';

export interface SessionOperationsDeps {
  readonly sessions: SessionRepository;
  readonly executions: SessionExecutions;
  readonly payter: PayterClient;
  readonly stopTransaction: (stationId: string, transactionId: number) => Promise<void>;
  readonly clock: Clock;
  /** When a hold still open at Payter is flagged. @default DEFAULT_HOLD_AGE_POLICY */
  readonly holdPolicy?: HoldAgePolicy;
}

export interface ReconciliationDifference {
  readonly serialNumber: string;
  readonly payterSessionId?: string;
  readonly sessionId?: string;
  readonly kind: 'stateDiffers' | 'amountDiffers' | 'unknownToUs' | 'unknownToPayter' | 'holdStillOpen';
  readonly ours?: { readonly paymentState?: string; readonly committedAmount?: number };
  readonly payters?: { readonly state: string; readonly committedAmount?: number | null };
  /** A hold Payter still lists as AUTHORIZED (age unknown for a hold unknown to us). */
  readonly hold?: Partial<OpenHoldAge>;
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
    const execution = await this.deps.executions.describe(session.executionName);
    return { ...summary(session), receipt: session.receiptView ?? null, split: session.split ?? null, refunds: session.refunds ?? [], execution: execution ?? null };
  }

  async execution(sessionId: string) {
    const session = await this.get(sessionId);
    return { executionName: session.executionName, events: await this.deps.executions.history(session.executionName) };
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
   * Refunds now, through Payter. The refund is reserved on the session before Payter is
   * asked, so two operators can never refund the same money twice, and released if Payter
   * refuses.
   */
  async refund(sessionId: string, amount: number, reason: string, requestKey?: string): Promise<SessionRefund> {
    const session = await this.get(sessionId);
    const earlier = requestKey !== undefined ? session.refunds?.find((r) => r.requestKey === requestKey && r.state !== 'failed') : undefined;
    if (earlier) {
      if (earlier.amount !== amount) throw new ConflictError('Idempotency-Key', 'this key was used for a refund of another amount');
      return earlier;
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
    const refund: SessionRefund = {
      amount,
      tax: parts.tax.minor,
      platformFee: parts.platformFee.minor,
      hostRevenue: parts.hostRevenue.minor,
      reason,
      ...(requestKey !== undefined && { requestKey }),
      requestedAt: this.now(),
      state: 'pending',
    };
    const index = await this.deps.sessions.reserveRefund(sessionId, session.refundedAmount ?? 0, refund, this.now());
    if (index === undefined) throw new ConflictError('amount', 'another refund of this session was just made; look again');
    const outcome = await this.deps.payter.refund({ serial: session.serialNumber, sessionId: session.payterSessionId, amount });
    if (outcome.kind !== 'ok') {
      await this.deps.sessions.settleRefund(sessionId, index, { state: 'failed', amount }, this.now());
      if (outcome.kind === 'conflict') throw new ConflictError('amount', `Payter refused the refund: ${outcome.message}`);
      throw new PayterUnavailableError(`Payter did not refund (${outcome.kind}); nothing was refunded, try again`);
    }
    await this.deps.sessions.settleRefund(sessionId, index, { state: 'done', payterRefundId: outcome.value.refundId }, this.now());
    return { ...refund, state: 'done', payterRefundId: outcome.value.refundId };
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

  private async get(sessionId: string): Promise<ChargingSession> {
    const session = await this.deps.sessions.get(sessionId);
    if (!session) throw new NotFoundError(`session ${sessionId} does not exist`);
    return session;
  }

  private now(): string {
    return this.deps.clock.now().toISOString();
  }
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
    executionName: s.executionName,
  };
}
