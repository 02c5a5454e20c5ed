/**
 * The session sweeper on the local system: an execution stopped by hand (as a failed, timed
 * out or stopped execution in AWS) leaves its session to the sweeper, which settles the money
 * with the workflow's own steps and frees the reader.
 */
import { FAST_WAITS } from '../support/paid-session';
import { DescribeExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import type { PayterSimulator } from '../../lib/local/payter-simulator';
import { ocppTimestamp as iso, type ChargerScript } from '../../lib/local/simulated-charger';
import { waitFor, type TestSystem } from '../support/local-system';
import { useTestSystem } from '../support/world';

const PASSWORD = 'sweeper-station-secret';
let system: TestSystem;
let payter: PayterSimulator;

useTestSystem({ timeScale: FAST_WAITS, payterTimeoutMs: 1_000, sessionSweepIntervalSeconds: 0.2 }, (started) => {
  system = started;
  payter = system.payter;
});

const given = (script: ChargerScript) => system.stationWithReader('W', PASSWORD, { script });

const activeSession = async (serial: string) => (await system.api('GET', `/installer/readers/${serial}`)).body.activeSessionId as string | undefined;

async function stopExecution(sessionId: string): Promise<void> {
  await system.sfn.send(new StopExecutionCommand({ executionArn: system.executionArn(sessionId), error: 'OperatorStop', cause: 'stopped by hand' }));
  expect((await system.sfn.send(new DescribeExecutionCommand({ executionArn: system.executionArn(sessionId) }))).status).toBe('ABORTED');
}

/** The session once the sweeper gave it its final status. */
async function swept(sessionId: string) {
  return waitFor(async () => {
    const { body } = await system.api('GET', `/ops/sessions/${sessionId}`);
    return ['completed', 'cancelled', 'failed'].includes(body.status) ? body : undefined;
  }, 10_000, `session ${sessionId} settled`);
}

describe('the session sweeper', () => {
  it('settles a session whose execution was stopped mid-charge: commits the last known total, frees the reader', async () => {
    const t0 = Date.now() - 600_000;
    const { serial, charger } = await given({ meterStart: 1000, startedAt: iso(t0) });
    try {
      expect(await payter.tap(serial, { cardId: 'card-carol' })).toBe(200);
      const sessionId = await waitFor(() => activeSession(serial), 5_000, 'the session');
      await charger.waitForTransaction();
      await charger.meter(3000, iso(t0 + 300_000));
      await waitFor(() => payter.currentScreen(serial)?.id === 'charging' || undefined, 5_000, 'the charging screen');
      await stopExecution(sessionId);

      const record = await swept(sessionId);
      // 2000 Wh over 300 s, to the last meter value: fee 100 + energy 70 + time 10 = 180, tax 16 -> 196.
      expect(record).toMatchObject({ status: 'completed', paymentState: 'committed', committedAmount: 196 });
      expect(payter.sessions(serial)).toEqual([expect.objectContaining({ state: 'COMMITTED', committedAmount: 196 })]);
      // Release gives the final status, then frees the reader.
      await waitFor(async () => ((await activeSession(serial)) === undefined ? true : undefined), 5_000, 'the reader free');
      await waitFor(() => payter.reader(serial).state === 'READING' || undefined, 5_000, 'the start screen');
    } finally {
      await charger.close();
    }
  });

  it('cancels the hold of a session whose execution was stopped before the charger started', async () => {
    const { serial, charger } = await given({ plugIn: false });
    try {
      expect(await payter.tap(serial, { cardId: 'card-dan' })).toBe(200);
      const sessionId = await waitFor(() => activeSession(serial), 5_000, 'the session');
      await waitFor(() => payter.currentScreen(serial)?.id === 'plugIn' || undefined, 5_000, 'the plug-in screen');
      await stopExecution(sessionId);

      expect(await swept(sessionId)).toMatchObject({ status: 'cancelled', paymentState: 'cancelled' });
      expect(payter.sessions(serial)).toEqual([expect.objectContaining({ state: 'CANCELLED', authorizedAmount: 5000 })]);
      // Release gives the final status, then frees the reader.
      await waitFor(async () => ((await activeSession(serial)) === undefined ? true : undefined), 5_000, 'the reader free');
      await waitFor(() => payter.reader(serial).state === 'READING' || undefined, 5_000, 'the start screen');
    } finally {
      await charger.close();
    }
  });
});
