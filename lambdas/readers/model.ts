/** Payter card readers at our stations, and the charging-payment sessions they start. */
import { DEFAULT_START_FLOW, type StartFlow } from '../sites/site-settings';

export { DEFAULT_START_FLOW, START_FLOWS, type StartFlow } from '../sites/site-settings';

export interface CardReading {
  /** Names one `start` of the reader; callbacks of any other reading are refused. */
  readonly id: string;
  readonly state: 'open' | 'card';
  readonly startedAt: string;
  /** The connector this reading charges (plug in to start, UI start); absent: tap to start chooses. */
  readonly connector?: { readonly stationId: string; readonly connectorId: number };
  /** What a card read means besides paying: `receipt` (the Receipt option), `stop` (tap to stop, the menu's Stop). */
  readonly purpose?: 'receipt' | 'stop';
}

/** A connector a reader serves, named as the site labels it for drivers. */
export interface ServedConnector {
  readonly stationId: string;
  readonly connectorId: number;
  readonly label: string;
}

export interface Reader {
  readonly serialNumber: string;
  /** The station of its first served connector (what the readers' byStation index keys on). */
  readonly stationId: string;
  readonly siteId: string;
  /** The connectors of `stationId` it serves. */
  readonly connectorIds: readonly number[];
  /** Absent on readers commissioned before start flows: `tapToStart`. */
  readonly startFlow?: StartFlow;
  /**
   * Every connector it serves, of one or more stations of its site (a payment kiosk); absent
   * on readers commissioned before kiosks: `connectorIds` of `stationId`, labelled by number.
   */
  readonly connectors?: readonly ServedConnector[];
  /** Its idle screen is the menu of Start, Stop and Receipt. */
  readonly menu?: boolean;
  readonly commissionedAt: string;
  readonly updatedAt: string;
  readonly reading?: CardReading;
  /**
   * The session whose screens the reader shows: the last one started, until it ends. On readers
   * stored before kiosks (no `sessionsByConnector`), the reader's one session, its connector unknown.
   */
  readonly activeSessionId?: string;
  /**
   * Every session running on the reader, by the connector it charges (`connectorKey`): at most
   * one a connector, so a kiosk runs one session per connector it serves at once.
   */
  readonly sessionsByConnector?: Readonly<Record<string, string>>;
  /** As last reported by Payter's terminal-state web hook. */
  readonly online?: boolean;
  /** The id of the last screen we put on it, for operators. */
  readonly screen?: string;
  /**
   * Set when Payter kept refusing the reader's start screen (operators see it, an alarm
   * fires); cleared by the next screen Payter accepts.
   */
  readonly outOfService?: { readonly since: string; readonly reason: string };
  /** The currency Payter holds money in on this reader, once seen (terminal or authorization). */
  readonly payterCurrency?: string;
}

export const startFlowOf = (reader: Pick<Reader, 'startFlow'>): StartFlow => reader.startFlow ?? DEFAULT_START_FLOW;

/** The connectors the reader serves, for readers stored before and after kiosks alike. */
export function servedConnectors(reader: Pick<Reader, 'stationId' | 'connectorIds' | 'connectors'>): readonly ServedConnector[] {
  return reader.connectors ?? reader.connectorIds.map((connectorId) => ({ stationId: reader.stationId, connectorId, label: String(connectorId) }));
}

export const servesConnector = (reader: Reader, stationId: string, connectorId: number): boolean =>
  servedConnectors(reader).some((c) => c.stationId === stationId && c.connectorId === connectorId);

export const servesStation = (reader: Reader, stationId: string): boolean => servedConnectors(reader).some((c) => c.stationId === stationId);

type ConnectorRef = { readonly stationId: string; readonly connectorId: number };

/** How `sessionsByConnector` names a connector. */
export const connectorKey = (c: ConnectorRef): string => `${c.stationId}#${c.connectorId}`;

/** Stored before kiosks with a session: that one session holds the whole reader. */
const heldWhole = (reader: Pick<Reader, 'activeSessionId' | 'sessionsByConnector'>): boolean =>
  reader.activeSessionId !== undefined && !Object.values(reader.sessionsByConnector ?? {}).includes(reader.activeSessionId);

/** Every session running on the reader, for records stored before and after kiosks alike. */
export function runningSessionIds(reader: Pick<Reader, 'activeSessionId' | 'sessionsByConnector'>): readonly string[] {
  const ids = new Set(Object.values(reader.sessionsByConnector ?? {}));
  if (reader.activeSessionId !== undefined) ids.add(reader.activeSessionId);
  return [...ids];
}

/** The served connectors no session of the reader charges (none while a session from before kiosks runs). */
export function freeConnectors(reader: Reader): readonly ServedConnector[] {
  if (heldWhole(reader)) return [];
  return servedConnectors(reader).filter((c) => reader.sessionsByConnector?.[connectorKey(c)] === undefined);
}

/** What `ReaderRepository.attachSession` writes only if: the connector is free (or the session's already). */
export function mayAttach(reader: Reader, sessionId: string, connector: ConnectorRef): boolean {
  const holder = reader.sessionsByConnector?.[connectorKey(connector)];
  return (holder === undefined || holder === sessionId) && (!heldWhole(reader) || reader.activeSessionId === sessionId);
}
