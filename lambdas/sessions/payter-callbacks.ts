/**
 * What Payter's callbacks do. Every callback is untrusted: its URL must carry the capability
 * for exactly that reader and reading (or session), the reading must be the open one, and a
 * repeated delivery has one effect. A tap on an idle reader starts a charging-payment session
 * (one workflow execution named after it); the same card tapped while its session charges
 * stops it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { ConnectorState, ConnectorStatus } from '../csms/model';
import type { SiteRepository, StationRepository } from '../csms/ports';
import type { Clock } from '../shared/clock';
import type { SessionWorkflow, SessionWorkflowInput } from '../shared/workflow';
import type { StoredSite } from '../sites/site-settings';
import type { CardReadCallback, UiCallback } from '../payter/cps-contract';
import type { CallbackUrls } from '../readers/callback-urls';
import { NotFoundError } from '../shared/errors';
import type { ChargingSession } from './model';
import { RECEIPT_OPTION_HOURS, lastSessionOfCard, receiptScreen, receiptTapMinutes } from './card-receipts';
import type { SessionRepository } from './ports';
import { freeConnectors, runningSessionIds, servedConnectors, startFlowOf, type Reader, type ServedConnector } from '../readers/model';
import type { ReaderRepository } from '../readers/ports';
import { isMenuContext, isSelectionContext, showingContext, type ReaderDisplay } from '../readers/reader-display';

/** Stops a charging session's transaction at the charger (RemoteStopTransaction). */
export type StopCharging = (session: ChargingSession) => Promise<void>;

export interface PayterCallbacksDeps {
  readonly readers: ReaderRepository;
  readonly sessions: SessionRepository;
  readonly sites: SiteRepository<StoredSite>;
  readonly stations: StationRepository;
  readonly display: ReaderDisplay;
  readonly urls: CallbackUrls;
  /** Started for each new session; its wait for the charger failed when the driver cancels before plugging in. */
  readonly workflow: Pick<SessionWorkflow, 'start' | 'fail'>;
  readonly stopCharging: StopCharging;
  readonly clock: Clock;
  /** The e-receipt of a session, e.g. https://csms.example.com/receipts/{sessionId} (the receipt screen's QR code). */
  readonly receiptUrl: (sessionId: string) => string;
  readonly newSessionId?: () => string;
}

export type CardReadResult =
  | { readonly action: 'started'; readonly sessionId: string }
  | { readonly action: 'choosing' }
  | { readonly action: 'stopping'; readonly sessionId: string }
  | { readonly action: 'receipt'; readonly sessionId: string }
  | { readonly action: 'ignored'; readonly reason: string };

/** Screens whose Done puts the idle reader back in its start screen. */
const RECEIPT_SCREENS: ReadonlySet<string> = new Set(['receipt', 'nothingCharged', 'noReceipt']);

const UNUSABLE = new Set<ConnectorState>(['faulted', 'unavailable', 'charging', 'suspendedByVehicle', 'suspendedByCharger', 'finishing', 'reserved']);

export class PayterCallbacks {
  constructor(private readonly deps: PayterCallbacksDeps) {}

  async cardRead(token: string, readingId: string, card: CardReadCallback): Promise<CardReadResult> {
    const reader = await this.deps.readers.get(card.serialNumber);
    // One answer for every refusal: a caller without the capability learns nothing.
    if (!reader || !this.deps.urls.verify(token, { kind: 'card', serialNumber: card.serialNumber, readingId })) {
      throw new NotFoundError('no such reading');
    }
    if (reader.reading?.id !== readingId || !(await this.deps.readers.claimReading(reader.serialNumber, readingId))) {
      throw new NotFoundError('no such reading');
    }

    const own = await this.sessionOfCard(reader, card.cardId);
    if (own?.status === 'charging') {
      await this.stop(own, 'driverTap');
      const site = await this.deps.sites.get(reader.siteId);
      if (site) await this.deps.display.showStopping(reader, site, own.sessionId);
      // A kiosk charging other cars goes on reading for their drivers.
      const current = await this.deps.readers.get(reader.serialNumber);
      if (site && current && runningSessionIds(current).some((id) => id !== own.sessionId)) await this.deps.display.showStartScreen(current, site);
      return { action: 'stopping', sessionId: own.sessionId };
    }
    // Its own session starting or ending, or no connector left for another card: it starts nothing.
    if (own || (runningSessionIds(reader).length > 0 && !freeConnectors(reader).length)) {
      await this.keepReading(reader);
      return { action: 'ignored', reason: own ? 'the card has a session on this reader' : 'the reader serves another session' };
    }
    const receipt = await this.receiptForCard(reader, card);
    if (receipt) return receipt;
    if (reader.reading?.purpose === 'stop') {
      // The menu's Stop, and no session of this card runs here: nothing to stop, and no charge either.
      await this.freeReader(reader);
      return { action: 'ignored', reason: 'no session of this card to stop' };
    }
    const started = await this.startSession(reader, readingId, card);
    if (started.action === 'ignored') await this.freeReader(reader);
    return started;
  }

  /**
   * The session of `cardId` among those running on the reader: how a tap (and the Stop button's
   * tap) finds the driver's own session when a kiosk runs several, and never someone else's.
   */
  async sessionOfCard(reader: Reader, cardId: string): Promise<ChargingSession | undefined> {
    for (const sessionId of runningSessionIds(reader)) {
      const session = await this.deps.sessions.get(sessionId);
      if (session?.cardId === cardId) return session;
    }
    return undefined;
  }

  /** A card that starts nothing while sessions run: let it go, and read again for drivers who may tap to stop. */
  private async keepReading(reader: Reader): Promise<void> {
    const sessions = await Promise.all(runningSessionIds(reader).map((id) => this.deps.sessions.get(id)));
    const site = await this.deps.sites.get(reader.siteId);
    // Stopping or stopped: no session will authorize this card, so the reader must not keep it.
    if (site && sessions.some((s) => s?.status === 'charging')) await this.deps.display.showStartScreen(reader, site);
    else await this.deps.display.releaseCard(reader);
  }

  /**
   * A card read that shows a receipt instead of paying: the Receipt option's reading, or a tap
   * on the idle reader's plain start reading by a card whose session here ended within the
   * site's `receiptTapMinutes` (once: the card's next tap charges). Undefined: a card read to pay.
   */
  private async receiptForCard(reader: Reader, card: CardReadCallback): Promise<CardReadResult | undefined> {
    const option = reader.reading?.purpose === 'receipt';
    // A reading for a connector the driver picked or plugged into is always the driver's start.
    if (!option && (reader.reading?.purpose !== undefined || reader.reading?.connector !== undefined)) return undefined;
    const site = await this.deps.sites.get(reader.siteId);
    const minutes = site && (option ? RECEIPT_OPTION_HOURS * 60 : receiptTapMinutes(site));
    if (!site || !minutes) return undefined;
    const now = this.deps.clock.now();
    const since = new Date(now.getTime() - minutes * 60_000);
    const session = await lastSessionOfCard(this.deps.sessions, reader, site, card.cardId, since, { unshownOnly: !option });
    if (!session && !option) return undefined;
    await this.deps.display.releaseCard(reader);
    if (!session) {
      await this.deps.display.show(reader, site, 'noReceipt', {}, showingContext('receipt'));
      return { action: 'ignored', reason: 'no recent session of this card at this reader' };
    }
    if (!option) {
      await this.deps.sessions.update(session.sessionId, { receiptShownOnTapAt: now.toISOString() }, now.toISOString());
      // Cards are taken again under the receipt: the next driver need not press Done first.
      await this.deps.display.showStartScreen(reader, site);
    }
    await this.deps.display.showReceipt(reader, site, receiptScreen(session, site.currency, this.deps.receiptUrl(session.sessionId)), showingContext('receipt'));
    return { action: 'receipt', sessionId: session.sessionId };
  }

  /** A card read that starts nothing: let the card go and take cards again. */
  private async freeReader(reader: Reader): Promise<void> {
    const current = await this.deps.readers.get(reader.serialNumber);
    const before = new Set(runningSessionIds(reader));
    // A session that took the reader meanwhile drives its screens (and its card).
    if (!current || runningSessionIds(current).some((id) => !before.has(id))) return;
    await this.deps.display.releaseCard(current);
    await this.showStartScreen(current);
  }

  async uiButton(token: string, contextId: string, press: UiCallback): Promise<{ action: string }> {
    const reader = await this.deps.readers.get(press.serialNumber);
    if (!reader || !this.deps.urls.verify(token, { kind: 'ui', serialNumber: press.serialNumber, contextId })) {
      throw new NotFoundError('no such screen');
    }
    const running = runningSessionIds(reader);
    const session = running.includes(contextId) ? await this.deps.sessions.get(contextId) : undefined;
    if (session && press.screenId === 'charging' && press.response === 'stop' && session.status === 'charging') {
      if (running.length > 1) {
        // A kiosk's screen is shared: the Stop button asks for the card, which finds the driver's own session.
        const site = await this.deps.sites.get(reader.siteId);
        if (site) await this.deps.display.armTapToStop(reader, site);
        return { action: 'tap-to-stop' };
      }
      await this.stop(session, 'driverStopButton');
      return { action: 'stopping' };
    }
    if (session && press.screenId === 'plugIn' && press.response === 'cancel' && session.status === 'starting' && session.startTaskToken) {
      await this.deps.workflow.fail(session.startTaskToken, 'DriverCancelled', 'the driver cancelled before plugging in');
      return { action: 'cancelling' };
    }
    // UI start's list, or the choice a tap to start asked for (two cars plugged in).
    if (press.screenId === 'selection' && isSelectionContext(contextId) && (startFlowOf(reader) === 'uiStart' || reader.screen === 'selection')) {
      // A stale pick must not open a reading while a driver's card waits for its authorize (the new reading would let it go).
      const shown = reader.activeSessionId ? await this.deps.sessions.get(reader.activeSessionId) : undefined;
      if (shown?.status === 'authorizing') return { action: 'ignored' };
      return this.selectConnector(reader, press.response);
    }
    // The menu on screen now (a stale press, under a session's screens, changes nothing).
    if (press.screenId === 'menu' && isMenuContext(contextId) && reader.menu && reader.screen === 'menu') {
      return this.menuChoice(reader, press.response);
    }
    if (RECEIPT_SCREENS.has(press.screenId) && !running.length) {
      await this.showStartScreen(reader);
      return { action: 'start-screen' };
    }
    return { action: 'ignored' };
  }

  /** The menu: Start opens the start flow, Stop and Receipt a card reading for that purpose. */
  private async menuChoice(reader: Reader, response: string): Promise<{ action: string }> {
    const site = await this.deps.sites.get(reader.siteId);
    if (!site) return { action: 'ignored' };
    switch (response) {
      case 'start':
        await this.deps.display.showStartFlow(reader, site);
        return { action: 'start-flow' };
      case 'stop':
        await this.deps.display.armTapToStop(reader, site);
        return { action: 'reading-to-stop' };
      case 'receipt':
        await this.deps.display.askForReceiptCard(reader, site);
        return { action: 'reading-for-receipt' };
      default:
        return { action: 'ignored' };
    }
  }

  /** UI start: the driver picked a connector; the reader reads a card for exactly that one, if it is still free. */
  private async selectConnector(reader: Reader, response: string): Promise<{ action: string }> {
    const picked = /^\d{1,2}$/.test(response) ? servedConnectors(reader)[Number(response)] : undefined;
    const connector = picked && freeConnectors(reader).find((c) => c.stationId === picked.stationId && c.connectorId === picked.connectorId);
    const site = await this.deps.sites.get(reader.siteId);
    if (!connector || !site) return { action: 'ignored' };
    const state = (await this.deps.stations.getConnectorStatuses(connector.stationId)).find((s) => s.connectorId === connector.connectorId)?.state;
    if (UNUSABLE.has(state ?? 'available')) {
      await this.deps.display.showStartScreen(reader, site);
      return { action: 'start-screen' };
    }
    await this.deps.display.showStartScreenFor(reader, site, connector);
    return { action: 'reading' };
  }

  private async startSession(reader: Reader, readingId: string, card: CardReadCallback): Promise<CardReadResult> {
    const site = await this.deps.sites.get(reader.siteId);
    if (!site) return { action: 'ignored', reason: `site ${reader.siteId} is missing` };
    // A reading opened for one connector (plug in to start, UI start, a choice) charges exactly that one.
    const chosen = reader.reading?.connector;
    if (!chosen && startFlowOf(reader) !== 'tapToStart') return { action: 'ignored', reason: 'the reading names no connector' };
    const free = freeConnectors(reader);
    let connector: { readonly stationId: string; readonly connectorId: number } | undefined;
    if (chosen) {
      connector = free.find((c) => c.stationId === chosen.stationId && c.connectorId === chosen.connectorId);
    } else {
      const statuses = (await Promise.all([...new Set(free.map((c) => c.stationId))].map((id) => this.deps.stations.getConnectorStatuses(id)))).flat();
      const choice = chooseConnector(free, statuses);
      if (choice && 'ask' in choice) {
        // Two cars plugged in: never a guess. The card is let go; the driver picks, then taps for that one.
        await this.deps.display.releaseCard(reader);
        await this.deps.display.showSelection(reader, site, choice.ask);
        return { action: 'choosing' };
      }
      connector = choice?.connector;
    }
    if (connector === undefined) return { action: 'ignored', reason: 'no connector of the reader is free' };
    const { stationId, connectorId } = connector;

    const sessionId = (this.deps.newSessionId ?? randomUUID)();
    // Conditional: of two taps racing for one connector, one session gets it; the other card is let go.
    if (!(await this.deps.readers.attachSession(reader.serialNumber, sessionId, connector))) {
      return { action: 'ignored', reason: 'the reader serves another session' };
    }
    const now = this.deps.clock.now().toISOString();
    const session: ChargingSession = {
      sessionId,
      status: 'authorizing',
      paymentState: 'none',
      serialNumber: reader.serialNumber,
      stationId,
      connectorId,
      siteId: reader.siteId,
      cardId: card.cardId,
      ifd: card.ifd,
      ...(card.maskedPan !== undefined && { maskedPan: card.maskedPan }),
      idTag: newIdTag(),
      readingId,
      createdAt: now,
      updatedAt: now,
    };
    await this.deps.sessions.create(session);
    const input: SessionWorkflowInput = {
      sessionId,
      stationId,
      connectorId,
      idTag: session.idTag,
      timing: {
        plugInWindowSeconds: site.limits.plugInWindowSeconds,
        maxSessionSeconds: site.limits.maxSessionMinutes * 60,
      },
    };
    try {
      await this.deps.workflow.start(input);
    } catch (error) {
      // No workflow, so nothing else would ever free the reader: undo, and let the driver tap again.
      await this.deps.sessions.transition(sessionId, ['authorizing'], 'failed', this.deps.clock.now().toISOString(), {
        endReason: 'workflowNotStarted',
      });
      await this.deps.readers.detachSession(reader.serialNumber, sessionId, connector);
      await this.deps.display.showStartScreen(reader, site);
      throw error;
    }
    return { action: 'started', sessionId };
  }

  private async stop(session: ChargingSession, endReason: 'driverTap' | 'driverStopButton'): Promise<void> {
    const now = this.deps.clock.now().toISOString();
    if (await this.deps.sessions.transition(session.sessionId, ['charging'], 'stopping', now, { endReason })) {
      await this.deps.stopCharging(session);
    }
  }

  private async showStartScreen(reader: Reader): Promise<void> {
    const site = await this.deps.sites.get(reader.siteId);
    if (site) await this.deps.display.showStartScreen(reader, site);
  }
}

/** Which connector a tap to start charges: one to charge, several for the driver to choose from, or none. */
export type ConnectorChoice = { readonly connector: ServedConnector } | { readonly ask: readonly ServedConnector[] } | undefined;

/**
 * Never a guess between cars: the one plugged in; two or more plugged in, the driver chooses
 * among them; none plugged in yet, the first usable one (the driver plugs in after the tap).
 */
export function chooseConnector(free: readonly ServedConnector[], statuses: readonly ConnectorStatus[]): ConnectorChoice {
  const stateOf = (c: ServedConnector) => statuses.find((s) => s.stationId === c.stationId && s.connectorId === c.connectorId)?.state;
  const plugged = free.filter((c) => stateOf(c) === 'preparing');
  if (plugged.length > 1) return { ask: plugged };
  const connector = plugged[0] ?? free.find((c) => !UNUSABLE.has(stateOf(c) ?? 'available'));
  return connector && { connector };
}

/** An OCPP id tag (CiString20) that names the session at the charger and cannot be guessed. */
function newIdTag(): string {
  return `PT${randomBytes(15).toString('base64url').replace(/[-_]/g, 'X').slice(0, 18).toUpperCase()}`;
}
