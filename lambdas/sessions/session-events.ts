/**
 * What the charger's transaction means for its payment session: StartTransaction and
 * StopTransaction complete the workflow's waits (whichever of the two sides comes second does
 * it, so neither order loses the signal), and meter values refresh the driver's live cost and
 * stop the charge before the running total passes the hold.
 */
import type { TransactionEvent } from '../csms/charging-stations';
import type { SiteRepository, StationRepository } from '../csms/ports';
import { afterReply } from '../shared/after-reply';
import type { Clock } from '../shared/clock';
import type { SessionWorkflow } from '../shared/workflow';
import { shouldRefreshChargingScreen } from '../display/refresh';
import type { StoredSite } from '../sites/site-settings';
import { Money } from '../money/money';
import { shouldStopForHold } from '../pricing/capture';
import type { ReaderDisplay } from '../readers/reader-display';
import type { ChargingSession, SessionStatus } from './model';
import { costSoFar, pricedAtTap, statusesSinceStart } from './running-cost';
import type { SessionRepository } from './ports';
import { startedOutput, stoppedOutput } from './session-steps';

export interface SessionEventsDeps {
  readonly sessions: SessionRepository;
  readonly sites: SiteRepository<StoredSite>;
  readonly stations: StationRepository;
  readonly display: ReaderDisplay;
  readonly workflow: Pick<SessionWorkflow, 'succeed'>;
  /** Asks the charger to stop the transaction (RemoteStopTransaction). */
  readonly stopTransaction: (stationId: string, transactionId: number) => Promise<void>;
  readonly clock: Clock;
}

/** A session in these states will never bill a transaction. */
const GAVE_UP: ReadonlySet<SessionStatus> = new Set(['declined', 'cancelled', 'failed']);

export class SessionEvents {
  constructor(private readonly deps: SessionEventsDeps) {}

  async onTransaction(event: TransactionEvent): Promise<void> {
    const session = await this.deps.sessions.findByIdTag(event.transaction.idTag);
    if (!session || session.stationId !== event.transaction.stationId) return;
    if (event.type === 'started') await this.started(session, event.transaction);
    else if (event.type === 'stopped') await this.stopped(session, event.transaction);
    else await this.metered(session, event.transaction);
  }

  private async started(session: ChargingSession, transaction: TransactionEvent['transaction']): Promise<void> {
    const now = this.deps.clock.now().toISOString();
    const fields = {
      transactionId: transaction.transactionId,
      startedAt: transaction.startedAt,
      meterStart: transaction.meterStart,
      ...(transaction.timestampsWithoutOffset && { timestampsWithoutOffset: true }),
    };
    let updated = await this.deps.sessions.transition(session.sessionId, ['starting'], 'charging', now, fields);
    if (!updated) {
      // Judged as the session is now: the workflow may have given up between our read and our
      // write (its NoTransaction step), and the session read before says 'starting' still.
      const current = (await this.deps.sessions.get(session.sessionId)) ?? session;
      if (current.transactionId === undefined && GAVE_UP.has(current.status)) {
        // A remote start that reached the charger after its session gave up (its Lambda ran
        // late, or the answer was lost): nobody pays for this transaction, so it must not run.
        await this.deps.stopTransaction(transaction.stationId, transaction.transactionId);
        return;
      }
      // A replayed StartTransaction of the session's own transaction: signal again, harmlessly.
      if (current.transactionId !== transaction.transactionId) return;
      updated = current;
    }
    if (updated.startTaskToken) await this.deps.workflow.succeed(updated.startTaskToken, startedOutput(updated));
  }

  private async stopped(session: ChargingSession, transaction: TransactionEvent['transaction']): Promise<void> {
    if (session.transactionId !== transaction.transactionId || transaction.stoppedAt === undefined) return;
    const now = this.deps.clock.now().toISOString();
    if (session.endReason === 'chargerLost' && session.stoppedAt !== undefined) {
      // Billed from its last meter value while it was away; what it says now is kept for
      // reconciliation and operators, and never commits a second time.
      if (session.chargerReportedStop === undefined) {
        await this.deps.sessions.update(
          session.sessionId,
          {
            chargerReportedStop: {
              stoppedAt: transaction.stoppedAt,
              meterStop: transaction.meterStop ?? transaction.meterStart,
              ...(transaction.stopReason !== undefined && { stopReason: transaction.stopReason }),
            },
          },
          now,
        );
      }
      return;
    }
    const stop = {
      stoppedAt: transaction.stoppedAt,
      meterStop: transaction.meterStop ?? transaction.meterStart,
      ...(transaction.stopReason !== undefined && { stopReason: transaction.stopReason }),
      ...(transaction.timestampsWithoutOffset && { timestampsWithoutOffset: true }),
    };
    // Still charging: nobody of ours asked for the stop, the charger ended it (its reason in stopReason).
    const updated =
      (await this.deps.sessions.transition(session.sessionId, ['charging'], 'stopped', now, { ...stop, endReason: 'chargerStopped' })) ??
      (await this.deps.sessions.transition(session.sessionId, ['stopping'], 'stopped', now, stop)) ??
      session;
    if (updated.stopTaskToken && updated.stoppedAt !== undefined) {
      await this.deps.workflow.succeed(updated.stopTaskToken, stoppedOutput(updated));
    }
  }

  private async metered(session: ChargingSession, transaction: TransactionEvent['transaction']): Promise<void> {
    if (session.status !== 'charging' || session.transactionId !== transaction.transactionId) return;
    // The prices kept at the tap and the statuses kept on the transaction: nothing more to read.
    // A session from before they were kept reads its site (and the history) side by side.
    const kept = pricedAtTap(session);
    const [site, statuses] = await Promise.all([kept ?? this.deps.sites.get(session.siteId), statusesSinceStart(this.deps.stations, session, transaction)]);
    if (!site) return;
    const now = this.deps.clock.now();
    const { usage, total: running, metered } = costSoFar(site, transaction, statuses, now);
    const previous = Money.of(session.runningTotal ?? 0, site.currency);
    const hold = Money.of(session.authorizedAmount ?? ('holdAmount' in site ? site.holdAmount : 0), site.currency);
    const lastInterval = running.compare(previous) > 0 ? running.subtract(previous) : Money.zero(site.currency);

    if (shouldStopForHold(running, hold, lastInterval)) {
      const stopping = await this.deps.sessions.transition(session.sessionId, ['charging'], 'stopping', now.toISOString(), {
        endReason: 'holdReached',
        runningTotal: running.minor,
      });
      if (stopping) await this.deps.stopTransaction(session.stationId, transaction.transactionId);
      return;
    }

    // chargingScreenAt is when the screen last showed the charger's energy: until then (the screen
    // drawn when charging began says 0.00 kWh) the first reading is shown at once.
    const lastShown = session.chargingScreenAt ? Date.parse(session.chargingScreenAt) : undefined;
    const refresh = shouldRefreshChargingScreen(lastShown, now.getTime());
    // Written only while still charging: a session that moved on (a stop tap, the charger's
    // stop) since it was read keeps its total and its reader's screen.
    const stillCharging = await this.deps.sessions.transition(session.sessionId, ['charging'], 'charging', now.toISOString(), {
      runningTotal: running.minor,
      ...(refresh && metered && { chargingScreenAt: now.toISOString() }),
    });
    if (!stillCharging || !refresh) return;
    // The charger's answer does not wait for Payter. The reader is not read: while its session
    // charges it shows the charging screen (Release frees it only after the session ends), and
    // the screen is redrawn with the wording kept at the tap.
    await afterReply(async () => {
      await this.deps.display.show(
        { serialNumber: session.serialNumber, screen: 'charging' },
        site,
        'charging',
        { energyWh: usage.energyWh, elapsedSeconds: usage.durationSeconds, cost: running },
        session.sessionId,
      );
    });
  }
}
