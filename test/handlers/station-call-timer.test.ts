import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// The timer's pacing on AWS (12 passes a minute at most), with the queues and connections it
// reads faked: what matters here is how long it stays (and is billed) per run.
const state = vi.hoisted(() => ({ dueAt: [] as number[], refused: 0, runs: [] as number[] }));

vi.mock('../../lambdas/aws/composition', () => ({
  calls: () => ({
    runDue: async () => {
      state.runs.push(Date.now());
      const due = state.dueAt.filter((at) => at <= Date.now());
      state.dueAt = state.dueAt.filter((at) => at > Date.now());
      return due.length;
    },
    nextDue: async (until: Date) => {
      const soonest = Math.min(...state.dueAt.filter((at) => at <= until.getTime()));
      return Number.isFinite(soonest) ? new Date(soonest) : undefined;
    },
  }),
  stationConnections: () => ({
    // A refused connection may still be opening: it is closed on the pass its count runs out.
    closeRefused: async () => {
      if (state.refused === 0) return 0;
      state.refused -= 1;
      return state.refused === 0 ? 1 : 0;
    },
    refusedWaiting: async () => state.refused > 0,
  }),
  // No station past its reconnect grace: the readers are left alone.
  reconnectGrace: () => ({ gonePastGrace: async () => [] }),
  stationEvents: () => ({ stationOffline: async () => undefined }),
}));

const { handler } = await import('../../lambdas/station-call-timer');
const invoke = () => (handler as unknown as (event: unknown, context: unknown) => Promise<{ stations: number; connectionsClosed: number; passes: number }>)({}, {});

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
  process.env.STATION_CALL_TIMER_PASSES = '12';
  Object.assign(state, { dueAt: [], refused: 0, runs: [] });
});
afterEach(() => {
  vi.useRealTimers();
  delete process.env.STATION_CALL_TIMER_PASSES;
});

describe('the station-call timer', () => {
  it('makes one pass and returns at once when nothing falls due within the minute', async () => {
    await expect(invoke()).resolves.toMatchObject({ stations: 0, passes: 1 });
    expect(Date.now()).toBe(0);
  });

  it('waits for a queue that falls due within the minute, then returns', async () => {
    state.dueAt = [32_000];
    const run = invoke();
    await vi.runAllTimersAsync();
    await expect(run).resolves.toMatchObject({ stations: 1, passes: 2 });
    expect(state.runs).toEqual([0, 32_000]);
  });

  it('looks no sooner than every 5 s, and not past its last pass (55 s)', async () => {
    state.dueAt = [1_000, 2_000, 70_000];
    const run = invoke();
    await vi.runAllTimersAsync();
    await expect(run).resolves.toMatchObject({ stations: 2, passes: 2 });
    expect(state.runs).toEqual([0, 5_000]);
  });

  it('keeps looking every 5 s while a refused connection waits to be closed', async () => {
    state.refused = 3;
    const run = invoke();
    await vi.runAllTimersAsync();
    await expect(run).resolves.toMatchObject({ connectionsClosed: 1, passes: 3 });
    expect(state.runs).toEqual([0, 5_000, 10_000]);
  });
});
