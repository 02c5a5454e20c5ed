import type { ChargingSession, RefundState, SessionRefund, SessionStatus } from './model';

export interface SessionQuery {
  readonly siteId?: string;
  readonly stationId?: string;
  /** ISO instants bounding `createdAt`. */
  readonly from?: string;
  readonly to?: string;
  readonly limit?: number;
}

export interface SessionRepository {
  create(session: ChargingSession): Promise<void>;
  get(sessionId: string): Promise<ChargingSession | undefined>;
  findByIdTag(idTag: string): Promise<ChargingSession | undefined>;
  /** Moves a session on from one of `from`; the session after the change, or undefined when it was in none of them. */
  transition(
    sessionId: string,
    from: readonly SessionStatus[],
    to: SessionStatus,
    at: string,
    fields?: Partial<ChargingSession>,
  ): Promise<ChargingSession | undefined>;
  /** Sets fields whatever the status; the session after the change. */
  update(sessionId: string, fields: Partial<ChargingSession>, at: string): Promise<ChargingSession>;
  /** Newest first. */
  list(query: SessionQuery): Promise<ChargingSession[]>;
  /**
   * Appends a pending refund if nothing was refunded since `refundedBefore` was read (so two
   * operators cannot refund the same money twice); its index, or undefined when it lost the race.
   */
  reserveRefund(sessionId: string, refundedBefore: number, refund: SessionRefund, at: string): Promise<number | undefined>;
  /**
   * Moves refund `index` on from state `from` (failed gives its amount back to what may be
   * refunded); false when it was no longer in `from` (settled meanwhile).
   */
  settleRefund(sessionId: string, index: number, from: RefundState, outcome: RefundSettlement, at: string): Promise<boolean>;
}

export type RefundSettlement =
  | { readonly state: 'done'; readonly payterRefundId?: string; readonly detail?: string }
  | { readonly state: 'failed'; readonly amount: number; readonly detail: string }
  | { readonly state: 'unknown'; readonly detail: string };

/**
 * "Refund seen in Payter's transaction data" (the MyPayter Data API): what Payter's data
 * shows refunded of one Payter session, undefined when it does not say. Settles refunds
 * whose outcome is unknown, and those made through the acquirer, where CPS shows nothing.
 */
export interface RefundEvidence {
  /** `since`: when the payment was made (no refund of it can be older). */
  refundedAmount(payment: { readonly serialNumber: string; readonly payterSessionId: string; readonly since: string }): Promise<number | undefined>;
}

/** Sessions that may still hold a reader or money: an open status, or a hold not yet committed or cancelled. */
export interface UnsettledSessions {
  /** Oldest first, at most `limit` (read from an index: re-read a session before acting on it). */
  listUnsettled(limit?: number): Promise<ChargingSession[]>;
}
