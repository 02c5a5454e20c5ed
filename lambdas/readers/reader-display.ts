/**
 * What a reader shows. Payter falls back to its own idle screen unless told otherwise, so
 * every step of the driver's journey is put on the reader from here, worded per site and
 * language (operators override a site's wording in its settings, no deploy needed).
 */
import { randomUUID } from 'node:crypto';
import { renderScreen, type ScreenOverrides, type ScreenParams } from '../display/screens';
import type { ScreenKind } from '../display/templates';
import { Money } from '../money/money';
import type { PayterClient, PayterOutcome } from '../payter/cps-client';
import type { Clock } from '../shared/clock';
import type { SiteSettings } from '../sites/site-settings';
import type { CallbackUrls } from './callback-urls';
import type { ConnectorState, ConnectorStatus } from '../csms/model';
import { freeConnectors, runningSessionIds, servedConnectors, startFlowOf, type CardReading, type Reader, type ServedConnector } from './model';
import type { ReaderRepository } from './ports';

export interface ReaderDisplayDeps {
  readonly payter: PayterClient;
  readonly urls: CallbackUrls;
  readonly readers: ReaderRepository;
  readonly clock: Clock;
  readonly newReadingId?: () => string;
  /** Pauses between attempts at a refused start screen. @default [250, 1000, 3000] ms */
  readonly retryDelaysMs?: readonly number[];
  readonly sleep?: (ms: number) => Promise<void>;
  /** Payter kept refusing the reader's reading: operators must look (logged and alarmed by the caller). */
  readonly onOutOfService?: (reader: Reader, reason: string) => void;
  /** The connectors' states of a station, for UI start's selection of free connectors. */
  readonly connectorStates?: (stationId: string) => Promise<readonly ConnectorStatus[]>;
}

/** States in which a connector can take a new session (a car may be plugged in already). */
const FREE = new Set<ConnectorState | undefined>([undefined, 'available', 'preparing']);

/**
 * A context for one showing of an idle reader's screen (the menu, a receipt, UI start's list) in
 * its callback URL: the same button pressed on a later showing (the next driver picking the same
 * connector) is a new press, not a redelivery the idempotency layer answers with the first press's result.
 */
export const showingContext = (kind: 'menu' | 'receipt' | 'selection'): string => `${kind}-${randomUUID()}`;
export const isMenuContext = (contextId: string): boolean => contextId.startsWith('menu-');
/** UI start's list; `selection` alone is the context of lists shown before each showing had its own. */
export const isSelectionContext = (contextId: string): boolean => contextId === 'selection' || contextId.startsWith('selection-');

export type ReceiptScreen =
  | { readonly kind: 'receipt'; readonly params: ScreenParams['receipt'] }
  | { readonly kind: 'nothingCharged'; readonly params: ScreenParams['nothingCharged'] };

export const START_SCREEN_RETRY_DELAYS_MS: readonly number[] = [250, 1000, 3000];

/** What a screen is drawn with: the site's language, currency and wording. */
export type ScreenLook = Pick<SiteSettings, 'language' | 'currency' | 'screens'>;

export class ReaderDisplay {
  constructor(private readonly deps: ReaderDisplayDeps) {}

  /**
   * What the reader offers the next driver: a fresh card reading (its own callback URL) for the
   * site's hold amount with the site's price summary, or the flow's screen before one. A reader
   * charging other cars (a kiosk) keeps reading cards: their own card stops them, and another
   * card starts a connector still free; with none free (or UI start's list taken by the live
   * screen) it reads only to stop.
   */
  async showStartScreen(reader: Reader, site: SiteSettings): Promise<PayterOutcome<void>> {
    // A reader with a menu offers Start, Stop and Receipt when idle; while it charges, its card
    // reading stops the driver's own session (and on a kiosk starts a free connector).
    if (reader.menu && runningSessionIds(reader).length === 0) return this.showMenu(reader, site);
    return this.showStartFlow(reader, site);
  }

  /** The start flow's own first screen (also the menu's Start). */
  async showStartFlow(reader: Reader, site: SiteSettings): Promise<PayterOutcome<void>> {
    const free = freeConnectors(reader);
    const running = runningSessionIds(reader).length > 0;
    const flow = startFlowOf(reader);
    if (running && (!free.length || flow === 'uiStart')) return this.armTapToStop(reader, site);
    if (flow === 'plugInToStart') {
      // A car left plugged in and waiting (one plugged in while the reader was busy, or one whose
      // session ended but the charger offers it again) is read for at once; else idle until a car.
      const [waiting] = await this.pluggedIn(free);
      if (waiting) return this.showStartScreenFor(reader, site, waiting);
      if (running) return this.armTapToStop(reader, site);
      // No card is taken before a car is plugged in: that car's connector is what the card pays for.
      await this.releaseCard(reader);
      return this.show(reader, site, 'plugInFirst', {}, reader.reading?.id ?? 'plug-in-first');
    }
    if (flow === 'uiStart') return this.showSelection(reader, site);
    const screen = this.render(site, 'tapCard', {
      tariff: site.tariff,
      tax: site.tax,
      hold: Money.of(site.holdAmount, site.currency),
    });
    return this.openReading(reader, site, 'tapCard', screen.properties, false);
  }

  /** The connectors among `connectors` with a car plugged in and no charge yet (1.6 Preparing, 2.0.1 Occupied / EVConnected). */
  async pluggedIn(connectors: readonly ServedConnector[]): Promise<ServedConnector[]> {
    const states = await this.statesOf(connectors);
    return connectors.filter((c) => states(c) === 'preparing');
  }

  private async statesOf(connectors: readonly ServedConnector[]): Promise<(c: ServedConnector) => ConnectorState | undefined> {
    const states = new Map<string, readonly ConnectorStatus[]>();
    for (const stationId of new Set(connectors.map((c) => c.stationId))) states.set(stationId, (await this.deps.connectorStates?.(stationId)) ?? []);
    return (c) => states.get(c.stationId)?.find((s) => s.connectorId === c.connectorId)?.state;
  }

  /**
   * UI start, or a tap that would have to guess: the connectors `among` (all free ones) that can
   * take a session now, by label, with the price; the driver's pick comes back as the item id
   * (its index among the served connectors). None: out of order, until a connector's status changes.
   */
  async showSelection(reader: Reader, site: SiteSettings, among: readonly ServedConnector[] = freeConnectors(reader)): Promise<PayterOutcome<void>> {
    const served = servedConnectors(reader);
    const stateOf = await this.statesOf(among);
    const listed = (c: ServedConnector) => among.some((a) => a.stationId === c.stationId && a.connectorId === c.connectorId) && FREE.has(stateOf(c));
    const items = served.flatMap((c, index) => (listed(c) ? [[`items.${index}.label`, c.label] as const] : []));
    if (!items.length) return this.showOutOfOrder(reader, site);
    await this.releaseCard(reader);
    const price = this.render(site, 'tapCard', { tariff: site.tariff, tax: site.tax, hold: Money.of(site.holdAmount, site.currency) });
    const outcome = await this.deps.payter.showUi({
      serial: reader.serialNumber,
      callbackUrl: this.deps.urls.ui(reader.serialNumber, showingContext('selection')),
      screen: { id: 'selection', type: 'selection', properties: { title: price.properties.message, ...Object.fromEntries(items) } },
    });
    if (outcome.kind === 'ok') await this.deps.readers.recordScreen(reader.serialNumber, 'selection');
    return outcome;
  }

  /** The start screen for one connector (a car plugged into it): the card read charges exactly that one. */
  async showStartScreenFor(reader: Reader, site: SiteSettings, connector: ServedConnector): Promise<PayterOutcome<void>> {
    const screen = this.render(site, 'tapCardAt', {
      tariff: site.tariff,
      tax: site.tax,
      hold: Money.of(site.holdAmount, site.currency),
      connector: connector.label,
    });
    return this.openReading(reader, site, 'tapCardAt', screen.properties, false, { stationId: connector.stationId, connectorId: connector.connectorId });
  }

  /**
   * While a session charges (or the menu's Stop): a reading whose card read means "stop" when
   * it is the session's card (no new hold is taken, so the amount is hidden).
   */
  async armTapToStop(reader: Reader, site: SiteSettings): Promise<PayterOutcome<void>> {
    // A card the reader holds (someone else's) must be let go before it reads again.
    await this.releaseCard(reader);
    const screen = this.render(site, 'tapToStop', {});
    return this.openReading(reader, site, 'tapToStop', screen.properties, true, undefined, 'stop');
  }

  /** The menu of Start, Stop and Receipt; no card is read until the driver picks one. */
  async showMenu(reader: Reader, site: SiteSettings): Promise<PayterOutcome<void>> {
    await this.releaseCard(reader);
    return this.show(reader, site, 'menu', {}, showingContext('menu'));
  }

  /** The Receipt option: a card reading that takes no hold; the card read shows that card's last receipt. */
  async askForReceiptCard(reader: Reader, site: SiteSettings): Promise<PayterOutcome<void>> {
    await this.releaseCard(reader);
    const screen = this.render(site, 'receiptTap', {});
    return this.openReading(reader, site, 'receiptTap', screen.properties, true, undefined, 'receipt');
  }

  private async openReading(
    reader: Reader,
    site: SiteSettings,
    screenId: string,
    text: { title?: string; message?: string },
    hideAmount: boolean,
    connector?: CardReading['connector'],
    purpose?: CardReading['purpose'],
  ): Promise<PayterOutcome<void>> {
    const readingId = (this.deps.newReadingId ?? randomUUID)();
    const startedAt = this.deps.clock.now().toISOString();
    // Stored before the reader starts reading, so even an instant tap finds its reading.
    const reading: CardReading = { id: readingId, state: 'open', startedAt, ...(connector && { connector }), ...(purpose && { purpose }) };
    await this.deps.readers.openReading(reader.serialNumber, reading, screenId);
    const request = {
      serial: reader.serialNumber,
      authorizedAmount: site.holdAmount,
      callbackUrl: this.deps.urls.card(reader.serialNumber, readingId),
      ...(text.title !== undefined && { uiMessageTitle: text.title }),
      ...(text.message !== undefined && { uiMessage: text.message }),
      language: site.language,
      hideAmount,
    };
    const delays = this.deps.retryDelaysMs ?? START_SCREEN_RETRY_DELAYS_MS;
    const sleep = this.deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    let outcome = await this.deps.payter.startReading(request);
    for (const delay of delays) {
      if (outcome.kind === 'ok' || outcome.kind === 'rejected') break;
      // 409: the terminal still holds a card nobody authorized; let it go, then read again.
      if (outcome.kind === 'conflict') await this.releaseCard(reader);
      await sleep(delay);
      outcome = await this.deps.payter.startReading(request);
    }
    if (outcome.kind === 'ok') {
      if (reader.outOfService) await this.deps.readers.clearOutOfService(reader.serialNumber);
      return outcome;
    }
    // The backend must not believe the reader takes cards when it does not.
    const reason = `Payter refused the ${screenId} reading: ${describeOutcome(outcome)}`;
    await this.deps.readers.recordScreen(reader.serialNumber, 'outOfService');
    await this.deps.readers.markOutOfService(reader.serialNumber, startedAt, reason);
    this.deps.onOutOfService?.(reader, reason);
    return outcome;
  }

  /** A screen of the journey; its buttons call back with `contextId` (a session id or a reading id). */
  async show<K extends ScreenKind>(
    reader: Pick<Reader, 'serialNumber' | 'screen'>,
    site: ScreenLook,
    kind: K,
    params: ScreenParams[K],
    contextId: string,
  ): Promise<PayterOutcome<void>> {
    const screen = this.render(site, kind, params);
    const outcome = await this.deps.payter.showUi({
      serial: reader.serialNumber,
      callbackUrl: this.deps.urls.ui(reader.serialNumber, contextId),
      screen,
    });
    // A refresh of the screen it shows (the live cost) records nothing new.
    if (outcome.kind === 'ok' && reader.screen !== kind) await this.deps.readers.recordScreen(reader.serialNumber, kind);
    return outcome;
  }

  /** A session's receipt screen (`receiptScreen`): its QR code, the amount charged or that nothing was. */
  async showReceipt(reader: Reader, site: SiteSettings, screen: ReceiptScreen, contextId: string): Promise<PayterOutcome<void>> {
    return screen.kind === 'receipt'
      ? this.show(reader, site, 'receipt', screen.params, contextId)
      : this.show(reader, site, 'nothingCharged', screen.params, contextId);
  }

  /** The session's card stopped it: let the card go and say the session is ending. */
  async showStopping(reader: Reader, site: SiteSettings, sessionId: string): Promise<PayterOutcome<void>> {
    await this.releaseCard(reader);
    return this.show(reader, site, 'stopping', {}, sessionId);
  }

  /** The station cannot charge: stop taking cards and say so. */
  async showOutOfOrder(reader: Reader, site: SiteSettings): Promise<PayterOutcome<void>> {
    await this.releaseCard(reader);
    return this.show(reader, site, 'outOfOrder', {}, reader.reading?.id ?? 'out-of-order');
  }

  /** Lets go of a card the reader holds that no session will authorize. */
  async releaseCard(reader: Reader): Promise<void> {
    await this.deps.payter.stopReading({ serial: reader.serialNumber });
  }

  private render<K extends ScreenKind>(site: ScreenLook, kind: K, params: ScreenParams[K]) {
    return renderScreen(kind, params, {
      language: site.language,
      currency: site.currency,
      ...(site.screens !== undefined && { overrides: site.screens as ScreenOverrides }),
    });
  }
}

export function describeOutcome(outcome: { kind: string; message?: string; reason?: string; status?: number }): string {
  return [outcome.kind, outcome.status, outcome.message ?? outcome.reason].filter((part) => part !== undefined && part !== '').join(' ');
}
