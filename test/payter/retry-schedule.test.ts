import { describe, expect, it } from 'vitest';
import type { Declined, PayterOutcome } from '../../lambdas/payter/cps-client';
import { classifyFinalizeOutcome, PAYTER_FINALIZE_ERRORS, PayterFinalizeError, type FinalizeVerdict } from '../../lambdas/payter/retry-schedule';
import { PAYTER_FINALIZE_ASL_PHASES, PAYTER_FINALIZE_RETRY_DELAYS_SECONDS, PAYTER_FINALIZE_RETRY_ON, retryDelaysOfAsl } from '../support/asl-retries';

const MINUTE = 60;
const HOUR = 3_600;
const DAY = 86_400;
const repeat = (seconds: number, times: number) => Array.from({ length: times }, () => seconds);

/**
 * The finalize states as the session workflow is meant to write them: one Task per phase,
 * chained by Catch through a Wait. Built from PAYTER_FINALIZE_ASL_PHASES.
 */
function finalizeStates(): Record<string, Record<string, unknown>> {
  const names = ['CommitPayment', 'CommitPaymentHourly', 'CommitPaymentDaily'];
  const states: Record<string, Record<string, unknown>> = {};
  PAYTER_FINALIZE_ASL_PHASES.forEach((phase, index) => {
    const name = names[index] ?? '';
    const next = names[index + 1];
    if (phase.waitBeforeSeconds > 0) {
      states[`${name}Wait`] = { Type: 'Wait', Seconds: phase.waitBeforeSeconds, Next: name };
    }
    states[name] = {
      Type: 'Task',
      Resource: 'arn:aws:lambda:eu-west-1:123456789012:function:commit-payment',
      Retry: [phase.retrier],
      Catch: [
        { ErrorEquals: phase.retrier.ErrorEquals, ResultPath: '$.lastError', Next: next === undefined ? 'CommitFailed' : `${next}Wait` },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.lastError', Next: 'CommitFailed' },
      ],
      ResultPath: '$.commit',
      Next: 'Committed',
    };
  });
  states['Committed'] = { Type: 'Succeed' };
  states['CommitFailed'] = { Type: 'Fail', Error: 'PaymentNotFinalized', Cause: 'raise the alarm' };
  return states;
}

describe('Payter retry schedule for commit and cancel', () => {
  it('is 5 x 1 minute, then 24 x 1 hour, then 7 x 1 day', () => {
    expect(PAYTER_FINALIZE_RETRY_DELAYS_SECONDS).toEqual([...repeat(MINUTE, 5), ...repeat(HOUR, 24), ...repeat(DAY, 7)]);
    const lastAttemptAfter = PAYTER_FINALIZE_RETRY_DELAYS_SECONDS.reduce((sum, s) => sum + s, 0);
    expect(lastAttemptAfter).toBe(8 * DAY + 5 * MINUTE);
  });

  it.each<[string, PayterOutcome<unknown> | Declined, FinalizeVerdict]>([
    ['200', { kind: 'ok', value: {} }, 'done'],
    ['409 (already final)', { kind: 'conflict', message: 'already committed' }, 'done'],
    ['a timeout', { kind: 'transient', reason: 'no answer within 10000 ms' }, 'retry'],
    ['503', { kind: 'transient', reason: 'HTTP 503', status: 503 }, 'retry'],
    ['a malformed 200', { kind: 'protocol', status: 200, message: 'bad body' }, 'retry'],
    ['401 (a rotated key)', { kind: 'rejected', status: 401, message: 'unauthorized' }, 'retry'],
    ['404', { kind: 'rejected', status: 404, message: 'not found' }, 'retry'],
    ['400 (a bad request)', { kind: 'rejected', status: 400, message: 'commitAmount too high' }, 'give-up'],
    ['a request our client refused', { kind: 'rejected', status: 0, message: 'not an integer' }, 'give-up'],
    ['422 (an unprocessable request)', { kind: 'rejected', status: 422, message: 'bad receiptLine' }, 'give-up'],
    ['403', { kind: 'rejected', status: 403, message: 'forbidden' }, 'retry'],
    ['a decline (not an answer finalize can get, and not worth repeating)', { kind: 'declined', message: 'Card declined' }, 'give-up'],
  ])('%s is %s', (_, outcome, verdict) => {
    expect(classifyFinalizeOutcome(outcome)).toBe(verdict);
  });

  it('names the errors the workflow matches', () => {
    expect(new PayterFinalizeError('retry', 'HTTP 503').name).toBe(PAYTER_FINALIZE_ERRORS.retryable);
    expect(new PayterFinalizeError('give-up', 'HTTP 400').name).toBe(PAYTER_FINALIZE_ERRORS.refused);
    expect(PAYTER_FINALIZE_RETRY_ON).toContain(PAYTER_FINALIZE_ERRORS.retryable);
    expect(PAYTER_FINALIZE_RETRY_ON).not.toContain(PAYTER_FINALIZE_ERRORS.refused);
  });
});

describe('the schedule in ASL', () => {
  it('three Task states chained through Waits reproduce the schedule exactly', () => {
    expect(retryDelaysOfAsl(finalizeStates(), 'CommitPayment')).toEqual(PAYTER_FINALIZE_RETRY_DELAYS_SECONDS);
  });

  it.each(PAYTER_FINALIZE_RETRY_ON)('a task failing with %s is retried on the whole schedule', (errorName) => {
    expect(retryDelaysOfAsl(finalizeStates(), 'CommitPayment', errorName)).toEqual(PAYTER_FINALIZE_RETRY_DELAYS_SECONDS);
  });

  it.each<[string, Record<string, unknown>, number[]]>([
    // ASL's defaults: IntervalSeconds 1, MaxAttempts 3, BackoffRate 2.
    ['ASL defaults', { ErrorEquals: ['States.ALL'] }, [1, 2, 4]],
    ['a MaxDelaySeconds caps each wait', { ErrorEquals: ['States.ALL'], IntervalSeconds: 10, MaxAttempts: 4, MaxDelaySeconds: 25 }, [10, 20, 25, 25]],
    ['a retrier for another error does not retry', { ErrorEquals: ['Other'], IntervalSeconds: 10, MaxAttempts: 4, BackoffRate: 1 }, []],
    ['a retrier without ErrorEquals retries nothing', { IntervalSeconds: 10 }, []],
  ])('follows a Retry: %s', (_case, retrier, delays) => {
    expect(retryDelaysOfAsl({ Commit: { Type: 'Task', Retry: [retrier] } }, 'Commit')).toEqual(delays);
  });

  it('adds up chained Waits before the next Task, a Wait without Seconds as 0, and stops at a loop', () => {
    const states = {
      Commit: { Type: 'Task', Catch: [{ ErrorEquals: ['States.ALL'], Next: 'WaitA' }] },
      WaitA: { Type: 'Wait', Seconds: 30, Next: 'WaitB' },
      WaitB: { Type: 'Wait', Next: 'WaitC' },
      WaitC: { Type: 'Wait', Seconds: 12, Next: 'Again' },
      Again: { Type: 'Task', Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Commit' }] },
    };
    expect(retryDelaysOfAsl(states, 'Commit')).toEqual([42]);
  });

  it('ends where the error leaves the Task states: a Fail, a Catch for other errors, a missing state', () => {
    const catchTo = (next: string, errors = ['States.ALL']) => ({ Type: 'Task', Retry: [{ ErrorEquals: errors, IntervalSeconds: 5, MaxAttempts: 1 }], Catch: [{ ErrorEquals: errors, Next: next }] });
    expect(retryDelaysOfAsl({ A: catchTo('Failed'), Failed: { Type: 'Fail' } }, 'A')).toEqual([5]);
    expect(retryDelaysOfAsl({ A: catchTo('B', ['Other']), B: catchTo('C') }, 'A')).toEqual([]);
    expect(retryDelaysOfAsl({ A: catchTo('Nowhere') }, 'A')).toEqual([5]);
  });

  it('a refused finalize is not retried', () => {
    expect(retryDelaysOfAsl(finalizeStates(), 'CommitPayment', PAYTER_FINALIZE_ERRORS.refused)).toEqual([]);
  });

  it('one Task with three retriers would stop after the minutes: an exhausted retrier ends in Catch', () => {
    const oneTask = {
      Commit: {
        Type: 'Task',
        Retry: [
          { ErrorEquals: [PAYTER_FINALIZE_ERRORS.retryable], IntervalSeconds: MINUTE, MaxAttempts: 5, BackoffRate: 1 },
          { ErrorEquals: [PAYTER_FINALIZE_ERRORS.retryable], IntervalSeconds: HOUR, MaxAttempts: 24, BackoffRate: 1 },
        ],
      },
    };
    expect(retryDelaysOfAsl(oneTask, 'Commit')).toEqual(repeat(MINUTE, 5));
  });

  it('a Catch straight into the next Task would add an attempt with no wait', () => {
    const states = finalizeStates();
    const first = states['CommitPayment'] as { Catch: { Next: string }[] };
    first.Catch[0] = { ...first.Catch[0], Next: 'CommitPaymentHourly' };

    expect(retryDelaysOfAsl(states, 'CommitPayment').slice(4, 8)).toEqual([MINUTE, 0, HOUR, HOUR]);
  });

  it('runs on the local Step Functions interpreter: 37 attempts, then the alarm; success ends the retries', async () => {
    const { StateMachine } = await loadInterpreter();
    const definition = { StartAt: 'CommitPayment', States: finalizeStates() };
    const machine = new StateMachine(definition as never);
    const instant = {
      retryIntervalOverrides: { CommitPayment: 0, CommitPaymentHourly: 0, CommitPaymentDaily: 0 },
      waitTimeOverrides: { CommitPaymentHourlyWait: 0, CommitPaymentDailyWait: 0 },
    };
    const run = async (succeedOnAttempt: number) => {
      const attempts: string[] = [];
      const attempt = (state: string) => async () => {
        attempts.push(state);
        if (attempts.length === succeedOnAttempt) return { state: 'COMMITTED' };
        throw new PayterFinalizeError('retry', 'HTTP 503');
      };
      const execution = machine.run(
        { sessionId: 's-1' },
        {
          overrides: {
            ...instant,
            taskResourceLocalHandlers: {
              CommitPayment: attempt('minutes'),
              CommitPaymentHourly: attempt('hours'),
              CommitPaymentDaily: attempt('days'),
            },
          },
        },
      );
      const result = await execution.result.then(
        (output: unknown) => ({ succeeded: output }),
        (error: unknown) => ({ failed: (error as { cause?: { name?: string } }).cause?.name ?? String(error) }),
      );
      const perPhase = { minutes: 0, hours: 0, days: 0 } as Record<string, number>;
      for (const state of attempts) perPhase[state] = (perPhase[state] ?? 0) + 1;
      return { result, perPhase, attempts: attempts.length };
    };

    const exhausted = await run(Number.POSITIVE_INFINITY);
    expect(exhausted.perPhase).toEqual({ minutes: 6, hours: 24, days: 7 });
    expect(exhausted.attempts).toBe(1 + PAYTER_FINALIZE_RETRY_DELAYS_SECONDS.length);
    expect(JSON.stringify(exhausted.result)).toContain('PaymentNotFinalized');

    const committedInHour3 = await run(6 + 3);
    expect(committedInHour3.perPhase).toEqual({ minutes: 6, hours: 3, days: 0 });
    expect(committedInHour3.result).toMatchObject({ succeeded: { commit: { state: 'COMMITTED' } } });
  });
});

/** aws-local-stepfunctions needs Promise.withResolvers, which Node 20 lacks. */
async function loadInterpreter() {
  const promise = Promise as unknown as { withResolvers?: () => unknown };
  promise.withResolvers ??= () => {
    let resolve: unknown;
    let reject: unknown;
    const created = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise: created, resolve, reject };
  };
  return import('aws-local-stepfunctions');
}
