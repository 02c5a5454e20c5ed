import type { CardReading, Reader } from './model';

type ConnectorRef = { readonly stationId: string; readonly connectorId: number };

export interface ReaderRepository {
  get(serialNumber: string): Promise<Reader | undefined>;
  /** The readers of a site (a kiosk's stations are all of its site). */
  listBySite(siteId: string): Promise<Reader[]>;
  /** Every commissioned reader, in no particular order (the operators' overview: a scan). */
  list(): Promise<Reader[]>;
  /**
   * Creates the reader, or replaces it when it serves the same station and no session runs on it;
   * false if it serves another station or a session (a binding is never overwritten).
   */
  commission(reader: Reader): Promise<boolean>;
  /** Puts back a reader exactly as it was read (a failed re-commissioning), unless a session took it since. */
  restore(reader: Reader): Promise<void>;
  delete(serialNumber: string): Promise<void>;
  /** Replaces the reader's reading (a new `start`). */
  openReading(serialNumber: string, reading: CardReading, screen: string): Promise<void>;
  /** Moves the reading `readingId` from open to card; false if it is not the open reading. */
  claimReading(serialNumber: string, readingId: string): Promise<boolean>;
  /**
   * Gives `connector` to the session (and the reader's screens) if no session of the reader
   * charges it (or `sessionId` already does); false otherwise. A conditional write: of two taps
   * racing for one connector, one wins.
   */
  attachSession(serialNumber: string, sessionId: string, connector: ConnectorRef): Promise<boolean>;
  /** Frees the session's connector, and the reader's screens if they are the session's. */
  detachSession(serialNumber: string, sessionId: string, connector: ConnectorRef): Promise<void>;
  recordOnline(serialNumber: string, online: boolean): Promise<boolean | undefined>;
  recordScreen(serialNumber: string, screen: string): Promise<void>;
  markOutOfService(serialNumber: string, since: string, reason: string): Promise<void>;
  clearOutOfService(serialNumber: string): Promise<void>;
  recordPayterCurrency(serialNumber: string, currency: string): Promise<void>;
}
