/**
 * ASSUMED PAYTER CPS BEHAVIOUR: everything here is our guess, not Payter's published word
 * (items marked "(assumed)" in docs/payter.md, plus details that page leaves open).
 * The client and the simulator both read these, so when Payter confirms or corrects one,
 * this file is the only one to change.
 */
import * as z from 'zod';

/** Error answers carry `{error, message}`; both may be missing, so neither is required. */
export const errorAnswerSchema = z.object({
  error: z.string().optional(),
  message: z.string().optional(),
});
export type CpsErrorAnswer = z.infer<typeof errorAnswerSchema>;

export const CPS_ASSUMED = {
  /**
   * Terminal `state` names besides `IDLE` (the only confirmed one). No money step may depend
   * on these: authorize's own answer tells whether a card is there. Only the simulator uses them.
   */
  terminalStates: { reading: 'READING', cardPresented: 'CARD' },
  /** A declined card on `authorize`: HTTP 402 `{error: "DECLINED", message}`. */
  decline: { status: 402, error: 'DECLINED' },
  /**
   * A commit of 0 is a cancel; its answer says so: `{sessionId, state: "CANCELLED",
   * committedAmount: 0}`.
   */
  commitOfZeroState: 'CANCELLED',
  /** `commitAmount` above the authorized amount: 400, not 409 (the session is still open). */
  commitAboveAuthorizedStatus: 400,
  /**
   * A call that needs the reader (start, stop, authorize, ui, commit, cancel) while it is
   * offline: 503 `{error: "TERMINAL_OFFLINE"}`, so it is retried like any outage. Not 409:
   * Payter's rule "stop retrying on 409" would then end a commit that never happened.
   * Reads (terminal, sessions) and refunds are answered from the cloud.
   */
  offline: { status: 503, error: 'TERMINAL_OFFLINE' },
  /** `authorize` with no card read, or `start` while a read card waits: 409. */
  noCardToAuthorize: { status: 409, error: 'NO_CARD' },
  cardAlreadyPresented: { status: 409, error: 'CARD_PRESENTED' },
  /** Refund, a whole call of its own. */
  refund: {
    path: (serial: string, sessionId: string) =>
      `/terminals/${encodeURIComponent(serial)}/sessions/${encodeURIComponent(sessionId)}/refund`,
    amountParameter: 'amount',
    /** 409 when it would refund more than was committed (minus earlier refunds). */
    overRefundStatus: 409,
  },
} as const;

/**
 * Fields CPS may add that would tell a reader's currency before money moves (the terminal,
 * the authorize answer): unknown in CPS, so optional; the Payter session's `currency` is the
 * one we rely on.
 */
export const terminalCurrencySchema = z.object({ currency: z.string().length(3).optional() });
export const authorizationCurrencySchema = z.object({ currency: z.string().length(3).optional() });

/**
 * Fields of a session answer (`GET .../sessions[/{id}]`) beyond the confirmed ones.
 * `refundedAmount`: what Payter shows refunded of the session so far, minor units; absent
 * where Payter does not say (then only its transaction data can tell).
 */
export const assumedSessionFields = {
  refundedAmount: z.number().int().nonnegative().optional(),
};

/** `refundedAmount` is the amount of this refund, not the running total. */
export const refundAnswerSchema = z.object({
  sessionId: z.string().min(1),
  refundId: z.string().min(1),
  refundedAmount: z.number().int().nonnegative(),
});
export type Refund = z.infer<typeof refundAnswerSchema>;
