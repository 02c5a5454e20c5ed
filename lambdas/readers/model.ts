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
  /**
   * Set when Payter kept refusing the reader's start screen (operators see it, an alarm
   * fires); cleared by the next screen Payter accepts.
   */
  readonly outOfService?: { readonly since: string; readonly reason: string };
  /** The currency Payter holds money in on this reader, once seen (terminal or authorization). */
  readonly payterCurrency?: string;
}
