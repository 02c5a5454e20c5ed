/**
 * What the session workflow's ASL must do for Payter's finalize retry rule
 * (lambdas/payter/retry-schedule.ts), for the ASL and stack tests: the schedule, the errors it
 * retries, its phases as ASL states, and the waits a definition really makes, read back from
 * its states.
 */
import { PAYTER_FINALIZE_ERRORS } from '../../lambdas/payter/retry-schedule';

export interface RetryPhase {
  readonly everySeconds: number;
  readonly times: number;
}

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Payter's rule: every minute 5 times, then hourly for 24 hours, then daily up to 7 days. */
export const PAYTER_FINALIZE_RETRY_PHASES: readonly RetryPhase[] = [
  { everySeconds: MINUTE, times: 5 },
  { everySeconds: HOUR, times: 24 },
  { everySeconds: DAY, times: 7 },
];

/** The wait before each retry, in order: element i is the wait before attempt i + 2. */
export const PAYTER_FINALIZE_RETRY_DELAYS_SECONDS: readonly number[] = PAYTER_FINALIZE_RETRY_PHASES.flatMap(
  (phase) => Array.from({ length: phase.times }, () => phase.everySeconds),
);

/**
 * Errors retried on the schedule besides our own: the Lambda failing or timing out before it
 * learned the answer is as uncertain as a CPS timeout, and retrying a finalize is safe (409).
 */
export const PAYTER_FINALIZE_RETRY_ON: readonly string[] = [
  PAYTER_FINALIZE_ERRORS.retryable,
  'States.Timeout',
  'Sandbox.Timedout',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.Unknown',
];

export interface AslRetrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds: number;
  readonly MaxAttempts: number;
  readonly BackoffRate: number;
}

/**
 * One finalize Task state per phase: a Wait of `waitBeforeSeconds` (none for the first), then
 * the Task with `retrier`, whose Catch on the same errors goes to the next phase's Wait; the last
 * phase's Catch goes to the alarm. Why not one Task with three retriers: ASL picks a retrier by
 * error name and an exhausted retrier ends in Catch, never in the next retrier, so phases need
 * either distinct error names per attempt (the attempt count `$$.State.RetryCount` is not in the
 * local interpreter's context object) or distinct states. The Wait carries the first interval of
 * a phase so the Catch does not add an immediate attempt; hence MaxAttempts = times - 1 there.
 */
export interface AslFinalizePhase {
  readonly waitBeforeSeconds: number;
  readonly retrier: AslRetrier;
}

export const PAYTER_FINALIZE_ASL_PHASES: readonly AslFinalizePhase[] = PAYTER_FINALIZE_RETRY_PHASES.map(
  (phase, index) => ({
    waitBeforeSeconds: index === 0 ? 0 : phase.everySeconds,
    retrier: {
      ErrorEquals: PAYTER_FINALIZE_RETRY_ON,
      IntervalSeconds: phase.everySeconds,
      MaxAttempts: index === 0 ? phase.times : phase.times - 1,
      BackoffRate: 1,
    },
  }),
);

interface AslState {
  readonly Type?: string;
  readonly Next?: string;
  readonly Seconds?: number;
  readonly Retry?: readonly (Partial<AslRetrier> & { readonly MaxDelaySeconds?: number })[];
  readonly Catch?: readonly { readonly ErrorEquals: readonly string[]; readonly Next: string }[];
}

/**
 * The waits between attempts that a state machine makes for a task failing with `errorName`
 * every time, starting at `startAt`: follows Retry (with ASL's defaults), Catch and Wait states
 * until the error leaves the retried Task states. For asserting that a workflow definition
 * reproduces `PAYTER_FINALIZE_RETRY_DELAYS_SECONDS`.
 */
export function retryDelaysOfAsl(
  states: Readonly<Record<string, AslState>>,
  startAt: string,
  errorName: string = PAYTER_FINALIZE_ERRORS.retryable,
): number[] {
  const delays: number[] = [];
  const matches = (errors: readonly string[]) => errors.includes(errorName) || errors.includes('States.ALL');
  let waited: number | undefined;
  let name: string | undefined = startAt;
  const visited = new Set<string>();
  while (name !== undefined && !visited.has(name)) {
    visited.add(name);
    const state: AslState | undefined = states[name];
    if (state?.Type === 'Wait') {
      waited = (waited ?? 0) + (state.Seconds ?? 0);
      name = state.Next;
      continue;
    }
    if (state?.Type !== 'Task') break;
    if (waited !== undefined) delays.push(waited);
    const retrier = state.Retry?.find((r) => matches(r.ErrorEquals ?? []));
    if (retrier !== undefined) {
      const interval = retrier.IntervalSeconds ?? 1;
      const backoff = retrier.BackoffRate ?? 2;
      for (let attempt = 0; attempt < (retrier.MaxAttempts ?? 3); attempt++) {
        delays.push(Math.min(interval * backoff ** attempt, retrier.MaxDelaySeconds ?? Infinity));
      }
    }
    waited = 0;
    name = state.Catch?.find((c) => matches(c.ErrorEquals))?.Next;
  }
  return delays;
}
