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
  readonly activeSessionId?: string;
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
