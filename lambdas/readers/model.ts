/** Payter card readers at our stations, and the charging-payment sessions they start. */

export interface CardReading {
  /** Names one `start` of the reader; callbacks of any other reading are refused. */
  readonly id: string;
  readonly state: 'open' | 'card';
  readonly startedAt: string;
}

export interface Reader {
  readonly serialNumber: string;
  readonly stationId: string;
  readonly siteId: string;
  readonly connectorIds: readonly number[];
  readonly commissionedAt: string;
  readonly updatedAt: string;
  readonly reading?: CardReading;
  readonly activeSessionId?: string;
  /** As last reported by Payter's terminal-state web hook. */
  readonly online?: boolean;
  /** The id of the last screen we put on it, for operators. */
  readonly screen?: string;
}

export type SessionStatus =
  | 'authorizing'
  | 'declined'
  | 'starting'
  | 'charging'
  | 'stopping'
  | 'completed'
  | 'cancelled'
  | 'failed';

export interface ChargingSession {
  readonly sessionId: string;
  readonly status: SessionStatus;
  readonly serialNumber: string;
  readonly stationId: string;
  readonly connectorId: number;
  readonly siteId: string;
  readonly cardId: string;
  readonly ifd: string;
  readonly maskedPan?: string;
  /** The OCPP id tag the CSMS issues for this session's RemoteStartTransaction (CiString20). */
  readonly idTag: string;
  readonly readingId: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly transactionId?: number;
  readonly executionName: string;
}

/** Sessions still holding the connector and the reader. */
export const OPEN_SESSION_STATUSES: readonly SessionStatus[] = ['authorizing', 'starting', 'charging', 'stopping'];
