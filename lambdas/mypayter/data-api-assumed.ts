/**
 * ASSUMED MYPAYTER DATA API BEHAVIOUR: docs/payter.md ("MyPayter Data API") names the
 * calls (`POST /API/Auth` with `{username, password, domain}` for a token sent as
 * `Authorization: CURO-TOKEN token="..."`, `POST /API/Data` on the `Transactions` index) and
 * the transaction fields authorizedAmount, committedAmount, currency, ifd, disposition, state,
 * the masked PAN and ingestTime. Everything else here is our guess: the auth answer, how long
 * a token lives, the request body and its paging, and the other field names. The client and
 * the simulator both read this file, so a correction from Payter changes only it.
 */
import * as z from 'zod';

const minorUnits = z.number().int().nonnegative();

export const DATA_API_ASSUMED = {
  authPath: '/API/Auth',
  dataPath: '/API/Data',
  index: 'Transactions',
  /** The auth answer gives no lifetime: a token is reused this long, then renewed. */
  tokenLifetimeMs: 30 * 60_000,
  /** A page of transactions; a shorter page is the last one. */
  pageSize: 500,
  /**
   * A refund is a transaction of its own with this disposition, naming the CPS `sessionId` of
   * the payment it refunds, the amount refunded as `committedAmount` (refunds made through the
   * acquirer show up here too).
   */
  refundDisposition: 'REFUND',
} as const;

/** `POST /API/Auth` answers `{token}`. */
export const authAnswerSchema = z.object({ token: z.string().min(1) });

/** Where an incremental read resumes: after this transaction in (ingestTime, transactionId) order. */
export interface DataCursor {
  readonly ingestTime: string;
  readonly transactionId: string;
}

/**
 * The body of `POST /API/Data`: the `Transactions` index sorted by ingest time (ties by id),
 * resumed after a cursor (search-after paging, so nothing is read twice or skipped).
 */
export function transactionsQuery(after: DataCursor | undefined, size: number = DATA_API_ASSUMED.pageSize) {
  return {
    index: DATA_API_ASSUMED.index,
    size,
    sort: [
      { field: 'ingestTime', order: 'asc' },
      { field: 'transactionId', order: 'asc' },
    ],
    ...(after && { searchAfter: [after.ingestTime, after.transactionId] }),
  };
}

/**
 * One transaction. Confirmed names: authorizedAmount, committedAmount, currency, ifd,
 * disposition, state, ingestTime. Assumed: transactionId, serialNumber (the terminal),
 * sessionId (the CPS session id, when the transaction came through CPS), transactionTime,
 * maskedPan, and ISO-8601 times.
 */
export const transactionSchema = z.object({
  transactionId: z.string().min(1),
  serialNumber: z.string().min(1),
  sessionId: z.string().min(1).nullish().transform((v) => v ?? undefined),
  transactionTime: z.iso.datetime({ offset: true }),
  ingestTime: z.iso.datetime({ offset: true }),
  authorizedAmount: minorUnits,
  committedAmount: minorUnits.nullish().transform((v) => v ?? undefined),
  currency: z.string().length(3),
  ifd: z.string(),
  disposition: z.string(),
  /** e.g. `AUTHORIZED`, `COMMITTED`, `CANCELLED`; any string passes. */
  state: z.string().min(1),
  maskedPan: z.string().nullish().transform((v) => v ?? undefined),
});
export type MyPayterTransaction = z.infer<typeof transactionSchema>;

/** `POST /API/Data` answers `{results: [...]}`. */
export const dataAnswerSchema = z.object({ results: z.array(transactionSchema) });

/** The value of the `Authorization` header of a data call. */
export function curoAuthorizationHeader(token: string): string {
  return `CURO-TOKEN token="${token}"`;
}
