/**
 * The steps of the charging-session workflow (statemachines/charging-session.asl.json), one
 * method each. Every step is safe to run twice: Step Functions retries a step whose Lambda
 * failed, and a retried step must not hold, commit or cancel money twice.
 */
import type { SiteRepository, StationRepository, TransactionRepository } from '../csms/ports';
import { revokeIdTag } from '../csms/csms-calls';
import type { Clock } from '../shared/clock';
import type { SessionWorkflow } from '../shared/workflow';
import type { StoredSite } from '../sites/site-settings';
import { Money } from '../money/money';
import type { PayterClient } from '../payter/cps-client';
import { TERMINAL_IDLE } from '../payter/cps-contract';
import type { MetricName } from '../shared/metric-names';
import { PayterFinalizeError, classifyFinalizeOutcome } from '../payter/retry-schedule';
import { splitRevenue } from '../pricing/capture';
import { receiptView } from '../pricing/receipt';
import { runningSessionIds, servedConnectors, type Reader } from '../readers/model';
import type { ReaderRepository } from '../readers/ports';
import type { ReaderDisplay } from '../readers/reader-display';
import { pricingAtTap, type ChargingSession, type EndReason, type PaymentState, type SessionStatus } from './model';
import { pricedSession } from './charger-cost';
import { sessionCostSoFar, sessionPrices } from './running-cost';
import { receiptScreen } from './card-receipts';
import type { SessionRepository } from './ports';

/** A step found the session in a state it cannot work from: a bug or a lost update, not a retry. */
export class SessionStateError extends Error {
  override readonly name = 'SessionStateError';
}

/** Payter's answer to authorize is unknown (timeout, garbled answer): a hold may exist. */
export class AuthorizationUncertainError extends Error {
  override readonly name = 'AuthorizationUncertain';
}

export interface SessionStepsDeps {
  readonly sessions: SessionRepository;
  readonly readers: ReaderRepository;
  readonly sites: SiteRepository<StoredSite>;
  readonly stations: StationRepository;
  readonly transactions: TransactionRepository;
  readonly payter: PayterClient;
  readonly display: ReaderDisplay;
  /** Completes the waits for the charger's start and stop. */
  readonly workflow: Pick<SessionWorkflow, 'succeed'>;
  readonly clock: Clock;
  /** e.g. https://csms.example.com/receipts/{sessionId} */
  readonly receiptUrl: (sessionId: string) => string;
  readonly log: { info(message: string, details: Record<string, unknown>): void; error(message: string, details: Record<string, unknown>): void };
  /** Counts an event operators are alarmed on, with its log line. */
  readonly alert?: (metric: MetricName, message: string, details: Record<string, unknown>) => void;
}

/** `refused`: a hold was taken but must be cancelled (the workflow goes to CancelPayment). */
export type AuthorizeResult = { outcome: 'approved' | 'declined' | 'failed' | 'refused' };

/** How far back another session's claim on a hold is looked for: Payter's whole retry schedule. */
const CLAIM_LOOKBACK_MS = 8 * 24 * 3600 * 1000;

export class SessionSteps {
  constructor(private readonly deps: SessionStepsDeps) {}

  private now(): string {
    return this.deps.clock.now().toISOString();
  }

  /**
   * Holds the site's amount on the card. Payter's own answer tells whether a card is there
   * (terminal state names are not a contract); a card we do not authorize is let go.
   */
  async authorize(sessionId: string): Promise<AuthorizeResult> {
    const { session, reader, site } = await this.load(sessionId);
    if (session.payterSessionId) return { outcome: session.status === 'failed' ? 'refused' : 'approved' };
    if (session.status === 'declined') return { outcome: 'declined' };
    if (session.status !== 'authorizing') return { outcome: 'failed' };

    await this.deps.display.show(reader, site, 'authorizing', { hold: Money.of(site.holdAmount, site.currency) }, sessionId);
    const terminal = await this.deps.payter.getTerminal({ serial: reader.serialNumber });
    if (terminal.kind === 'ok' && (!terminal.value.online || terminal.value.state === TERMINAL_IDLE)) {
      return this.notAuthorized(session, reader, site, 'cardNotPresent');
    }
    // What was open before we ask is never ours: Release must not cancel another session's hold.
    let holdsBeforeAuthorize = session.holdsBeforeAuthorize;
    if (holdsBeforeAuthorize === undefined) {
      const before = await this.deps.payter.listSessions({ serial: reader.serialNumber });
      if (before.kind !== 'ok') return this.notAuthorized(session, reader, site, 'payterUnavailable');
      holdsBeforeAuthorize = before.value.filter((hold) => hold.state === 'AUTHORIZED').map((hold) => hold.sessionId);
    }
    await this.deps.sessions.update(
      sessionId,
      // A retried step that finds an authorize still pending: the earlier call died mid-way, its answer is lost.
      { holdsBeforeAuthorize, authorizePending: true, ...(session.authorizePending && { authorizeAnswerLost: true }) },
      this.now(),
    );

    const authorization = await this.deps.payter.authorize({ serial: reader.serialNumber });
    if (authorization.kind === 'transient' || authorization.kind === 'protocol') {
      await this.deps.sessions.update(sessionId, { authorizePending: false, authorizeAnswerLost: true }, this.now());
      // Release will sweep any hold this attempt may have left on the reader.
      throw new AuthorizationUncertainError(`Payter's answer to authorize was ${authorization.kind}`);
    }
    // A definite answer: `authorizePending` is cleared by the same write that records it, so a
    // crash before that write still leaves the answer counted as lost (and its hold swept).
    switch (authorization.kind) {
      case 'ok': {
        const { sessionId: payterSessionId, authorizedAmount } = authorization.value;
        const currency = await this.payterCurrency(reader, { serial: reader.serialNumber, sessionId: payterSessionId }, authorization.value.currency);
        if (currency !== undefined && currency !== site.currency) {
          // Money held in another currency than the site's prices: never start the charger on it.
          await this.deps.sessions.transition(sessionId, ['authorizing'], 'failed', this.now(), {
            paymentState: 'authorized',
            payterSessionId,
            authorizedAmount,
            currency,
            endReason: 'currencyMismatch',
            authorizePending: false,
          });
          this.deps.alert?.('CurrencyMismatches', 'reader currency differs from its site: hold cancelled', {
            sessionId,
            serialNumber: reader.serialNumber,
            siteId: site.siteId,
            readerCurrency: currency,
            siteCurrency: site.currency,
          });
          await this.deps.display.show(reader, site, 'error', { reason: 'This reader cannot take payments here. You have not been charged.' }, sessionId);
          return { outcome: 'refused' };
        }
        await this.deps.sessions.transition(sessionId, ['authorizing'], 'starting', this.now(), {
          paymentState: 'authorized',
          payterSessionId,
          authorizedAmount,
          currency: site.currency,
          // The prices the driver tapped for hold to the end (docs/pricing.md).
          pricing: pricingAtTap(site),
          authorizePending: false,
        });
        await this.deps.display.show(reader, site, 'plugIn', { plugInWindowSeconds: site.limits.plugInWindowSeconds }, sessionId);
        return { outcome: 'approved' };
      }
      case 'declined':
        await this.deps.sessions.transition(sessionId, ['authorizing'], 'declined', this.now(), { endReason: 'declined', authorizePending: false });
        await this.deps.display.show(reader, site, 'declined', {}, sessionId);
        return { outcome: 'declined' };
      case 'conflict':
      case 'rejected':
        // A clean "no" (no card presented, a bad request): nothing was held.
        return this.notAuthorized(session, reader, site, authorization.kind === 'conflict' ? 'cardNotPresent' : 'payterRefused', { authorizePending: false });
    }
  }

  /** The card is not authorized: let the reader go of it and ask the driver to tap again. */
  private async notAuthorized(
    session: ChargingSession,
    reader: Reader,
    site: StoredSite,
    endReason: EndReason,
    fields: Partial<ChargingSession> = {},
  ): Promise<AuthorizeResult> {
    await this.deps.sessions.transition(session.sessionId, ['authorizing'], 'failed', this.now(), { endReason, ...fields });
    await this.deps.display.releaseCard(reader);
    await this.deps.display.show(reader, site, 'error', { reason: 'The card was not read. Please tap again.' }, session.sessionId);
    return { outcome: 'failed' };
  }

  /** The currency Payter holds money in on this reader: told by the answer, known from before, or read from the session. */
  private async payterCurrency(reader: Reader, ref: { serial: string; sessionId: string }, told: string | undefined): Promise<string | undefined> {
    if (told !== undefined) return told;
    if (reader.payterCurrency !== undefined) return reader.payterCurrency;
    const held = await this.deps.payter.getSession(ref);
    if (held.kind !== 'ok') return undefined;
    await this.deps.readers.recordPayterCurrency(reader.serialNumber, held.value.currency);
    return held.value.currency;
  }

  /** Registers the workflow's wait for StartTransaction; completes it at once if it already came. */
  async awaitStart(sessionId: string, taskToken: string): Promise<void> {
    const session = await this.deps.sessions.update(sessionId, { startTaskToken: taskToken }, this.now());
    if (session.transactionId !== undefined) await this.deps.workflow.succeed(taskToken, startedOutput(session));
  }

  /**
   * The driver never plugged in, or the charger would not start: tell the driver. `started`:
   * the StartTransaction came after all, between the end of the wait for it and this step; the
   * car is charging on the driver's hold, so the workflow goes on as for any charging session.
   */
  async noTransaction(sessionId: string): Promise<{ started: boolean }> {
    const { session, reader, site } = await this.load(sessionId);
    const cancelled = await this.deps.sessions.transition(sessionId, ['authorizing', 'starting'], 'cancelled', this.now(), {
      endReason: 'noTransaction',
    });
    if (!cancelled && (await this.deps.sessions.get(sessionId))?.status === 'charging') return { started: true };
    await this.deps.display.show(reader, site, 'error', { reason: 'Charging did not start. You have not been charged.' }, session.sessionId);
    return { started: false };
  }

  /**
   * Charging: the live screen and the reader taking cards again (so the driver can tap to
   * stop), then the workflow's wait for StopTransaction. A screen that cannot be shown must not
   * stop the charge: its failure is logged and the wait begins all the same.
   */
  async charging(sessionId: string, taskToken: string): Promise<void> {
    try {
      await this.showCharging(sessionId);
    } catch (error) {
      this.deps.log.error('charging screen not shown', { sessionId, error: String(error) });
    }
    await this.awaitStop(sessionId, taskToken);
  }

  private async showCharging(sessionId: string): Promise<void> {
    const { session, reader, site } = await this.load(sessionId);
    // Tap to stop; on a kiosk with a connector still free, also tap to start there.
    await this.deps.display.showStartScreen(reader, site);
    const now = this.deps.clock.now();
    const { usage, total, metered } = (await sessionCostSoFar(this.deps, sessionPrices(session, site), session, now)) ?? {
      usage: { energyWh: 0, durationSeconds: 0 },
      total: Money.zero(site.currency),
      metered: false,
    };
    await this.deps.display.show(
      reader,
      site,
      'charging',
      { energyWh: usage.energyWh, elapsedSeconds: usage.durationSeconds, cost: total },
      sessionId,
    );
    // A screen without the charger's energy does not hold back its first reading (session-events.ts).
    await this.deps.sessions.update(sessionId, { runningTotal: total.minor, ...(metered && { chargingScreenAt: now.toISOString() }) }, now.toISOString());
  }

  /** Registers the workflow's wait for StopTransaction; completes it at once if it already came. */
  async awaitStop(sessionId: string, taskToken: string): Promise<void> {
    const session = await this.deps.sessions.update(sessionId, { stopTaskToken: taskToken }, this.now());
    if (session.stoppedAt !== undefined) await this.deps.workflow.succeed(taskToken, stoppedOutput(session));
  }

  /** The site's maximum session time ran out while charging: the workflow stops the charge next. */
  async maxDuration(sessionId: string): Promise<void> {
    await this.deps.sessions.transition(sessionId, ['charging'], 'stopping', this.now(), { endReason: 'maxDuration' });
  }

  /** The charger went silent mid-session: bill up to the last meter value it sent (Payter's rule). */
  async chargerLost(sessionId: string): Promise<void> {
    const { session } = await this.load(sessionId);
    if (session.stoppedAt !== undefined || session.transactionId === undefined) return;
    const transaction = await this.deps.transactions.get(session.transactionId);
    await this.deps.sessions.update(
      sessionId,
      {
        status: 'stopped',
        stoppedAt: transaction?.lastMeterAt ?? session.startedAt ?? this.now(),
        meterStop: transaction?.lastMeterWh ?? session.meterStart ?? 0,
        endReason: 'chargerLost',
      },
      this.now(),
    );
  }

  /** Prices the finished transaction (docs/pricing.md) and decides what to capture. */
  async price(sessionId: string): Promise<{ captured: number; cancel: boolean }> {
    const { session, site } = await this.load(sessionId);
    if (session.payment) return { captured: session.payment.captured.minor, cancel: session.payment.cancel };
    const { startedAt, stoppedAt, meterStart, meterStop } = session;
    if (startedAt === undefined || stoppedAt === undefined || meterStart === undefined || meterStop === undefined) {
      throw new SessionStateError(`session ${sessionId} has no finished transaction to price`);
    }
    const { receipt, payment } = await pricedSession(this.deps.stations, site, { ...session, startedAt, stoppedAt, meterStart, meterStop });
    const split = splitRevenue(payment, site.revenueShare);
    const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
    await this.deps.sessions.update(
      sessionId,
      {
        receipt: plain(receipt),
        receiptView: plain(receiptView(receipt, payment, site.language)),
        payment: plain(payment),
        split: plain(split),
        status: 'stopped',
      },
      this.now(),
    );
    this.deps.log.info('session priced', { sessionId, total: receipt.total.minor, captured: payment.captured.minor, shortfall: payment.shortfall.minor });
    return { captured: payment.captured.minor, cancel: payment.cancel };
  }

  /** Commits exactly the captured amount. Throws PayterFinalizeError for the workflow's retry schedule. */
  async commit(sessionId: string): Promise<{ paymentState: PaymentState }> {
    const { session, reader } = await this.load(sessionId);
    if (session.paymentState === 'committed' || session.paymentState === 'cancelled') return { paymentState: session.paymentState };
    if (!session.payterSessionId || !session.payment) throw new SessionStateError(`session ${sessionId} has nothing to commit`);
    // Payter's rule: re-read the session before money moves (a retry may find it already final).
    const current = await this.deps.payter.getSession({ serial: reader.serialNumber, sessionId: session.payterSessionId });
    // Already final (an earlier attempt's answer was lost, or the hold was cancelled at Payter): what was just read says which way.
    if (current.kind === 'ok' && current.value.state !== 'AUTHORIZED') return this.recordFinal(session, reader, current.value, 'commit');
    const outcome = await this.deps.payter.commit({
      serial: reader.serialNumber,
      sessionId: session.payterSessionId,
      commitAmount: session.payment.captured.minor,
    });
    return this.finalized(session, reader, outcome, 'commit');
  }

  /** Cancels the hold, if there is one. Throws PayterFinalizeError for the workflow's retry schedule. */
  async cancel(sessionId: string): Promise<{ paymentState: PaymentState }> {
    const { session, reader } = await this.load(sessionId);
    if (!session.payterSessionId) return { paymentState: session.paymentState ?? 'none' };
    if (session.paymentState === 'committed' || session.paymentState === 'cancelled') return { paymentState: session.paymentState };
    const outcome = await this.deps.payter.cancel({ serial: reader.serialNumber, sessionId: session.payterSessionId });
    return this.finalized(session, reader, outcome, 'cancel');
  }

  async receipt(sessionId: string): Promise<void> {
    const { session, reader, site } = await this.load(sessionId);
    // Only a committed payment is a charge to show (a hold cancelled at Payter charged nothing).
    if (!session.payment || !session.receipt || session.paymentState !== 'committed') return;
    await this.deps.display.showReceipt(reader, site, receiptScreen(session, site.currency, this.deps.receiptUrl(sessionId)), sessionId);
  }

  /** Payter's retries ran out: the hold is still open. Flag it loudly for an operator. */
  async paymentNotFinalized(sessionId: string): Promise<void> {
    const session = await this.deps.sessions.update(sessionId, { paymentState: 'unfinalized', status: 'failed' }, this.now());
    this.deps.log.error('payment not finalized: hold still open at Payter', {
      sessionId,
      payterSessionId: session.payterSessionId,
      serialNumber: session.serialNumber,
    });
  }

  /**
   * The last step of every path: no hold may stay behind on the reader (an authorize whose
   * answer was lost), the session's id tag stops working at the charger, the session gets
   * its final status, and the reader is free for the next driver.
   */
  async release(sessionId: string): Promise<{ status: SessionStatus }> {
    const { session, reader, site } = await this.load(sessionId);
    await this.sweepHolds(reader, session);
    await revokeIdTag(this.deps.transactions, session, this.now());
    const status = finalStatus(session);
    const endReason = session.endReason ?? unrecordedEndReason(session);
    if (status !== session.status || endReason !== session.endReason || session.endedAt === undefined) {
      await this.deps.sessions.update(sessionId, { status, ...(endReason && { endReason }), endedAt: session.endedAt ?? this.now() }, this.now());
    }
    await this.deps.readers.detachSession(reader.serialNumber, sessionId, session);
    const station = await this.deps.stations.get(session.stationId);
    const free = (await this.deps.readers.get(reader.serialNumber)) ?? reader;
    // A kiosk still charging other cars keeps taking their cards, whatever this station does.
    if (station?.online || runningSessionIds(free).length > 0) await this.deps.display.showStartScreen(free, site);
    else await this.deps.display.showOutOfOrder(free, site);
    return { status };
  }

  /**
   * Cancels what this session may have left open at Payter, and nothing else: its own hold
   * when not settled, and a hold that appeared on the reader while this session was asking
   * for its own (an authorize whose answer was lost) and that no other session of ours claims.
   */
  private async sweepHolds(reader: Reader, session: ChargingSession): Promise<void> {
    const answerLost = session.authorizeAnswerLost === true || session.authorizePending === true;
    if (!answerLost && session.paymentState !== 'authorized') return; // nothing of ours can be open
    const listed = await this.deps.payter.listSessions({ serial: reader.serialNumber });
    if (listed.kind !== 'ok') throw new Error(`cannot list Payter sessions of ${reader.serialNumber}: ${listed.kind}`);
    const open = listed.value.filter((hold) => hold.state === 'AUTHORIZED');
    if (!open.length) return;
    const before = new Set(session.holdsBeforeAuthorize ?? []);
    const claimed = answerLost ? await this.claimedByOthers(reader, session) : new Set<string>();
    for (const hold of open) {
      const own = hold.sessionId === session.payterSessionId;
      // Our own hold once committed (Payter may still list it) or flagged unfinalized is not swept.
      if (own && session.paymentState !== 'authorized') continue;
      if (!own && (!answerLost || session.holdsBeforeAuthorize === undefined || before.has(hold.sessionId) || claimed.has(hold.sessionId))) continue;
      const cancelled = await this.deps.payter.cancel({ serial: reader.serialNumber, sessionId: hold.sessionId });
      if (cancelled.kind !== 'ok' && cancelled.kind !== 'conflict') {
        throw new Error(`cannot cancel the dangling hold ${hold.sessionId}: ${cancelled.kind}`);
      }
      this.deps.log.info('dangling hold cancelled', { sessionId: session.sessionId, payterSessionId: hold.sessionId });
      if (own) await this.deps.sessions.update(session.sessionId, { paymentState: 'cancelled' }, this.now());
    }
  }

  /**
   * Payter session ids our other sessions hold (from this session's time on) at every station the
   * reader serves: a kiosk's holds on one terminal belong to sessions of several stations.
   */
  private async claimedByOthers(reader: Reader, session: ChargingSession): Promise<Set<string>> {
    const since = new Date(Date.parse(session.createdAt) - CLAIM_LOOKBACK_MS).toISOString();
    const claimed = new Set<string>();
    for (const stationId of new Set([session.stationId, ...servedConnectors(reader).map((c) => c.stationId)])) {
      const others = await this.deps.sessions.list({ stationId, from: since, limit: 1000 });
      for (const other of others) if (other.sessionId !== session.sessionId && other.payterSessionId) claimed.add(other.payterSessionId);
    }
    return claimed;
  }

  private async finalized(
    session: ChargingSession,
    reader: Reader,
    outcome: Parameters<typeof classifyFinalizeOutcome>[0],
    action: 'commit' | 'cancel',
  ): Promise<{ paymentState: PaymentState }> {
    const verdict = classifyFinalizeOutcome(outcome);
    if (verdict !== 'done') throw new PayterFinalizeError(verdict, `Payter ${action} answered ${outcome.kind}`);
    // 409: already final. Payter's own record says which way it went.
    const state = await this.deps.payter.getSession({ serial: reader.serialNumber, sessionId: session.payterSessionId! });
    const final = state.kind === 'ok' ? state.value : undefined;
    // A 409 that Payter's own record contradicts is not "already final": try again later.
    if (final?.state === 'AUTHORIZED') throw new PayterFinalizeError('retry', `Payter ${action} answered ${outcome.kind} but the session is still AUTHORIZED`);
    return this.recordFinal(session, reader, final, action);
  }

  /** Records how the hold ended: as Payter's record says, or (unread) as `action` asked. */
  private async recordFinal(
    session: ChargingSession,
    reader: Reader,
    final: { readonly state: string; readonly committedAmount?: number | null } | undefined,
    action: 'commit' | 'cancel',
  ): Promise<{ paymentState: PaymentState }> {
    const paymentState: PaymentState = final?.state === 'COMMITTED' ? 'committed' : final?.state === 'CANCELLED' ? 'cancelled' : action === 'commit' ? 'committed' : 'cancelled';
    await this.deps.sessions.update(
      session.sessionId,
      { paymentState, ...(final?.committedAmount !== undefined && final.committedAmount !== null && { committedAmount: final.committedAmount }) },
      this.now(),
    );
    this.deps.log.info(`payment ${paymentState}`, { sessionId: session.sessionId, committedAmount: final?.committedAmount });
    const captured = session.payment?.captured.minor ?? 0;
    if (action === 'commit' && paymentState === 'cancelled' && captured > 0) {
      this.deps.alert?.('CommitsFoundCancelled', 'the hold was cancelled at Payter before the commit: nothing was paid', {
        sessionId: session.sessionId,
        payterSessionId: session.payterSessionId,
        serialNumber: reader.serialNumber,
        captured,
      });
    }
    return { paymentState };
  }

  private async load(sessionId: string): Promise<{ session: ChargingSession; reader: Reader; site: StoredSite }> {
    const session = await this.deps.sessions.get(sessionId);
    if (!session) throw new SessionStateError(`session ${sessionId} does not exist`);
    const reader = await this.deps.readers.get(session.serialNumber);
    if (!reader) throw new SessionStateError(`reader ${session.serialNumber} of session ${sessionId} is gone`);
    const site = await this.deps.sites.get(session.siteId);
    if (!site) throw new SessionStateError(`site ${session.siteId} of session ${sessionId} is gone`);
    return { session, reader, site };
  }
}

/**
 * The reason of a path whose step could not record its own: an authorize that failed without
 * an answer (Payter unreachable, the step's Lambda failing), a start that never came.
 */
function unrecordedEndReason(session: ChargingSession): EndReason | undefined {
  if (session.status === 'authorizing') return 'authorizeFailed';
  if (session.status === 'starting') return 'noTransaction';
  return undefined;
}

function finalStatus(session: ChargingSession): SessionStatus {
  if (session.paymentState === 'unfinalized') return 'failed';
  if (session.paymentState === 'committed') return 'completed';
  if (session.status === 'declined' || session.status === 'failed') return session.status;
  return 'cancelled';
}

export function startedOutput(session: ChargingSession) {
  return { transactionId: session.transactionId, startedAt: session.startedAt, meterStart: session.meterStart };
}

export function stoppedOutput(session: ChargingSession) {
  return { stoppedAt: session.stoppedAt, meterStop: session.meterStop, stopReason: session.stopReason };
}
