/**
 * The session sweeper's decisions, with in-memory ports: which sessions it settles, with which
 * of the workflow's steps, and which it leaves alone.
 */
import { describe, expect, it } from 'vitest';
import type { ChargingSession } from '../../lambdas/sessions/model';
import { SessionStateError } from '../../lambdas/sessions/session-steps';
import { SESSION_SWEEP_FAILED_MESSAGE, SESSION_SWEPT_MESSAGE, SessionSweeper, isUnsettled, type SweepSteps } from '../../lambdas/sessions/session-sweeper';

const NOW = new Date('2026-12-01T12:00:00Z');

function session(fields: Partial<ChargingSession> & { sessionId: string }): ChargingSession {
  return {
    status: 'charging',
    serialNumber: 'READER-1',
    stationId: 'CP-1',
    connectorId: 1,
    siteId: 'site-main-st',
    cardId: 'card',
    ifd: 'CONTACTLESS',
    idTag: 'TAG',
    readingId: 'r',
    createdAt: '2026-12-01T11:00:00Z',
    updatedAt: '2026-12-01T11:00:00Z',
    ...fields,
  };
}

/** Sessions, execution statuses (absent: no execution) and the steps, recording what is called. */
function sweeperOf(
  sessions: ChargingSession[],
  executions: Record<string, string>,
  overrides: Partial<Record<keyof SweepSteps, (id: string) => unknown>> = {},
  minAgeSeconds?: number,
) {
  const calls: string[] = [];
  const logs: { level: string; message: string; details: Record<string, unknown> }[] = [];
  const step = (name: keyof SweepSteps, result: unknown) => async (id: string) => {
    calls.push(`${name} ${id}`);
    return overrides[name] ? overrides[name]!(id) : result;
  };
  const steps: SweepSteps = {
    chargerLost: step('chargerLost', undefined) as SweepSteps['chargerLost'],
    price: step('price', { captured: 196, cancel: false }) as SweepSteps['price'],
    commit: step('commit', { paymentState: 'committed' }) as SweepSteps['commit'],
    cancel: step('cancel', { paymentState: 'cancelled' }) as SweepSteps['cancel'],
    release: step('release', { status: 'completed' }) as SweepSteps['release'],
  };
  const byId = new Map(sessions.map((s) => [s.sessionId, s]));
  const sweeper = new SessionSweeper({
    sessions: { listUnsettled: async () => sessions, get: async (id) => byId.get(id) },
    workflow: {
      describe: async (name) => (executions[name] ? { name, arn: `arn:${name}`, status: executions[name]! } : undefined),
    },
    steps,
    clock: { now: () => NOW },
    ...(minAgeSeconds !== undefined && { minAgeSeconds }),
    log: {
      info: (message, details) => logs.push({ level: 'info', message, details }),
      error: (message, details) => logs.push({ level: 'error', message, details }),
    },
  });
  return { sweeper, calls, logs, byId };
}

describe('the session sweeper', () => {
  it('never touches a session whose execution is running', async () => {
    const { sweeper, calls } = sweeperOf([session({ sessionId: 's1', paymentState: 'authorized', transactionId: 1 })], { s1: 'RUNNING' });
    expect(await sweeper.sweep()).toEqual([]);
    expect(calls).toEqual([]);
  });

  it.each(['FAILED', 'TIMED_OUT', 'ABORTED', 'SUCCEEDED'])('charged, execution %s: commits the last known total, then frees the reader', async (status) => {
    const { sweeper, calls, logs } = sweeperOf([session({ sessionId: 's1', paymentState: 'authorized', transactionId: 7 })], { s1: status });
    expect(await sweeper.sweep()).toEqual([{ sessionId: 's1', executionStatus: status, action: 'committed' }]);
    expect(calls).toEqual(['chargerLost s1', 'price s1', 'commit s1', 'release s1']);
    expect(logs).toEqual([{ level: 'info', message: SESSION_SWEPT_MESSAGE, details: expect.objectContaining({ sessionId: 's1', action: 'committed', executionStatus: status }) }]);
  });

  it('not charged (no transaction): cancels the hold, then frees the reader', async () => {
    const { sweeper, calls } = sweeperOf([session({ sessionId: 's1', status: 'starting', paymentState: 'authorized' })], { s1: 'ABORTED' });
    expect(await sweeper.sweep()).toEqual([{ sessionId: 's1', executionStatus: 'ABORTED', action: 'cancelled' }]);
    expect(calls).toEqual(['cancel s1', 'release s1']);
  });

  it('cancels when pricing says so, or when the session cannot be priced', async () => {
    const priceCancels = sweeperOf([session({ sessionId: 's1', paymentState: 'authorized', transactionId: 1 })], { s1: 'FAILED' }, { price: () => ({ captured: 0, cancel: true }) });
    expect((await priceCancels.sweeper.sweep())[0]?.action).toBe('cancelled');
    expect(priceCancels.calls).toEqual(['chargerLost s1', 'price s1', 'cancel s1', 'release s1']);

    const unpriceable = sweeperOf([session({ sessionId: 's2', paymentState: 'authorized', transactionId: 1 })], { s2: 'FAILED' }, {
      price: () => {
        throw new SessionStateError('no finished transaction');
      },
    });
    expect((await unpriceable.sweeper.sweep())[0]?.action).toBe('cancelled');
    expect(unpriceable.calls).toEqual(['chargerLost s2', 'price s2', 'cancel s2', 'release s2']);
  });

  it('a failing step (Payter down) leaves the reader bound and the session for the next pass, logged', async () => {
    const { sweeper, calls, logs } = sweeperOf([session({ sessionId: 's1', paymentState: 'authorized', transactionId: 1 })], { s1: 'FAILED' }, {
      commit: () => {
        throw new Error('Payter commit answered unavailable');
      },
    });
    expect(await sweeper.sweep()).toEqual([{ sessionId: 's1', executionStatus: 'FAILED', action: 'failed' }]);
    expect(calls).toEqual(['chargerLost s1', 'price s1', 'commit s1']);
    expect(logs).toEqual([{ level: 'error', message: SESSION_SWEEP_FAILED_MESSAGE, details: expect.objectContaining({ sessionId: 's1', error: expect.stringContaining('unavailable') }) }]);
  });

  it('a session without an execution: left alone while young (its execution is being started), released once old', async () => {
    const young = session({ sessionId: 'young', status: 'authorizing', createdAt: new Date(NOW.getTime() - 30_000).toISOString() });
    const old = session({ sessionId: 'old', status: 'authorizing', createdAt: new Date(NOW.getTime() - 600_000).toISOString() });
    const { sweeper, calls } = sweeperOf([young, old], {});
    expect(await sweeper.sweep()).toEqual([{ sessionId: 'old', executionStatus: 'NOT_FOUND', action: 'released' }]);
    // Release sweeps any hold the authorize may have left, and frees the reader.
    expect(calls).toEqual(['release old']);
  });

  it('a payment already final but the reader still bound (the execution died before Release): release only', async () => {
    const { sweeper, calls } = sweeperOf([session({ sessionId: 's1', status: 'stopped', paymentState: 'committed', transactionId: 1 })], { s1: 'FAILED' });
    expect((await sweeper.sweep())[0]?.action).toBe('released');
    expect(calls).toEqual(['release s1']);
  });

  it('leaves alone what is settled by now (the index lags) and holds flagged unfinalized (operators settle those)', async () => {
    const listed = [session({ sessionId: 'done', paymentState: 'authorized' }), session({ sessionId: 'flagged', status: 'stopped', paymentState: 'unfinalized' })];
    const { sweeper, calls, byId } = sweeperOf(listed, { done: 'SUCCEEDED', flagged: 'FAILED' });
    byId.set('done', { ...listed[0]!, status: 'completed', paymentState: 'committed' });
    expect(await sweeper.sweep()).toEqual([]);
    expect(calls).toEqual([]);
  });
});

describe('a sweep short of time', () => {
  it('stops before the next session, which the next pass settles', async () => {
    const sessions = [1, 2, 3].map((n) => session({ sessionId: `s${n}`, status: 'starting', paymentState: 'authorized' }));
    const { sweeper, calls } = sweeperOf(sessions, { s1: 'FAILED', s2: 'FAILED', s3: 'FAILED' });
    let checks = 0;
    expect((await sweeper.sweep(() => ++checks > 1)).map((o) => o.sessionId)).toEqual(['s1']);
    expect(calls).toEqual(['cancel s1', 'release s1']);
  });
});

describe('the sweeper, in detail', () => {
  const createdAgo = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();

  it.each([
    { age: 119, minAge: undefined, swept: false },
    { age: 120, minAge: undefined, swept: true },
    { age: 299, minAge: 300, swept: false },
    { age: 300, minAge: 300, swept: true },
  ])('a session without an execution, $age s old (min age $minAge): swept $swept', async ({ age, minAge, swept }) => {
    const { sweeper, calls } = sweeperOf([session({ sessionId: 's1', status: 'authorizing', createdAt: createdAgo(age) })], {}, {}, minAge);
    expect((await sweeper.sweep()).map((o) => o.action)).toEqual(swept ? ['released'] : []);
    expect(calls).toEqual(swept ? ['release s1'] : []);
  });

  it('an old session whose execution exists is swept whatever its age', async () => {
    const { sweeper } = sweeperOf([session({ sessionId: 's1', status: 'authorizing', createdAt: createdAgo(1) })], { s1: 'FAILED' });
    expect(await sweeper.sweep()).toEqual([{ sessionId: 's1', executionStatus: 'FAILED', action: 'released' }]);
  });

  it('logs what it settled with the facts operators need', async () => {
    const { sweeper, logs } = sweeperOf([session({ sessionId: 's1', status: 'stopped' })], { s1: 'FAILED' });
    await sweeper.sweep();
    expect(logs).toEqual([
      { level: 'info', message: SESSION_SWEPT_MESSAGE, details: { sessionId: 's1', executionStatus: 'FAILED', status: 'stopped', paymentState: 'none', serialNumber: 'READER-1', action: 'released' } },
    ]);
  });

  it('a step failing with another error than a session state (Payter down at chargerLost): failed, retried next pass', async () => {
    const { sweeper, calls, logs } = sweeperOf([session({ sessionId: 's1', paymentState: 'authorized', transactionId: 1 })], { s1: 'FAILED' }, {
      chargerLost: () => {
        throw new Error('DynamoDB throttled');
      },
    });
    expect(await sweeper.sweep()).toEqual([{ sessionId: 's1', executionStatus: 'FAILED', action: 'failed' }]);
    expect(calls).toEqual(['chargerLost s1']);
    expect(logs[0]?.details).toMatchObject({ paymentState: 'authorized', error: 'Error: DynamoDB throttled' });
  });

  it('a session gone when read again is skipped', async () => {
    const { sweeper, calls, byId } = sweeperOf([session({ sessionId: 's1', paymentState: 'authorized' })], { s1: 'FAILED' });
    byId.delete('s1');
    expect(await sweeper.sweep()).toEqual([]);
    expect(calls).toEqual([]);
  });

  it.each([
    { status: 'authorizing', paymentState: undefined, unsettled: true },
    { status: 'stopped', paymentState: 'committed', unsettled: true },
    { status: 'completed', paymentState: 'authorized', unsettled: true },
    { status: 'completed', paymentState: 'committed', unsettled: false },
    { status: 'failed', paymentState: 'none', unsettled: false },
    { status: 'charging', paymentState: 'unfinalized', unsettled: false },
  ] as const)('$status with payment $paymentState: unsettled $unsettled', ({ status, paymentState, unsettled }) => {
    expect(isUnsettled(session({ sessionId: 's1', status, ...(paymentState && { paymentState }) }))).toBe(unsettled);
  });
});
