/**
 * Payter's retry rule for commit and cancel: "every minute 5 times, then hourly for 24 hours,
 * then daily up to 7 days; stop on HTTP 200 or 409". Read as three phases of retries after the
 * first attempt: 5 x 1 min, 24 x 1 h, 7 x 1 day: 36 retries, 37 attempts, the last one
 * 8 days 0 h 5 min after the first.
 *
 * The retries run in the session workflow (Step Functions), never in a Lambda's memory, so a
 * Lambda dying mid-way loses nothing. The task makes one attempt, classifies the outcome with
 * `classifyFinalizeOutcome` and throws the matching error name; the ASL's states hold the
 * schedule (the tests check them against it: `test/support/asl-retries.ts`).
 */
import type { Declined, PayterOutcome } from './cps-client';

export type FinalizeVerdict = 'done' | 'retry' | 'give-up';

/**
 * What one commit or cancel attempt means for the retry loop.
 * - `done`: 200, or 409 (already committed or cancelled: an earlier attempt whose answer got
 *   lost, or the other finalize). Re-read the session to learn which.
 * - `give-up`: the request itself is wrong (never sent, 400, 422): sending it again cannot help,
 *   so alarm now rather than after 8 days.
 * - `retry`: everything else, as Payter's rule says (stop only on 200 or 409). That includes
 *   401/403 (a rotated API key heals once the secret is fixed) and 404, and a malformed 200:
 *   the retry then gets 409 and ends as `done`.
 */
export function classifyFinalizeOutcome(outcome: PayterOutcome<unknown> | Declined): FinalizeVerdict {
  switch (outcome.kind) {
    case 'ok':
    case 'conflict':
      return 'done';
    case 'transient':
    case 'protocol':
      return 'retry';
    case 'rejected':
      return REQUEST_ITSELF_WRONG.has(outcome.status) ? 'give-up' : 'retry';
    case 'declined':
      return 'give-up';
  }
}

/** 0: refused by our client before sending (a non-integer amount). */
const REQUEST_ITSELF_WRONG: ReadonlySet<number> = new Set([0, 400, 422]);

/** The error names the finalize task throws; the ASL matches them. */
export const PAYTER_FINALIZE_ERRORS = {
  /** `retry`: retried on the schedule. */
  retryable: 'PayterFinalizeRetryable',
  /** `give-up`: not retried; the workflow's Catch raises the alarm. */
  refused: 'PayterFinalizeRefused',
} as const;

export class PayterFinalizeError extends Error {
  constructor(
    readonly verdict: Exclude<FinalizeVerdict, 'done'>,
    message: string,
  ) {
    super(message);
    // Step Functions sees a Lambda error's `name` as its error name.
    this.name = verdict === 'retry' ? PAYTER_FINALIZE_ERRORS.retryable : PAYTER_FINALIZE_ERRORS.refused;
  }
}
