/**
 * Test support: a finished paid session on the local system (docs/pricing.md's worked example,
 * committed at 764 on a fresh station (OCPP 1.6 unless told) and reader), for the tests of what operators do after.
 */
import { workedExample, type OcppVersion } from '../../lib/local/simulated-charger';
import type { LocalTimeScale } from '../../lib/local/step-functions';
import { waitFor, type TestSystem } from './local-system';

/** Minutes and hours of the workflow become milliseconds; the charger's own timestamps stay real. */
/** The workflow's waits and retry pauses (minutes to days in the ASL) as milliseconds; task timeouts kept. */
export const FAST_WAITS: LocalTimeScale = { waitScale: 0.0001, maxWaitMs: 50, retryScale: 0.0001, maxRetryMs: 20 };
/** FAST_WAITS, and task timeouts at 2 % (a 60 s remote start times out in 1.2 s). */
export const FAST_WORKFLOW: LocalTimeScale = { ...FAST_WAITS, timeoutScale: 0.02 };

const PASSWORD = 'paid-session-secret';

export async function paidSession(system: TestSystem, cardId: string, ocpp: OcppVersion = '1.6'): Promise<{ sessionId: string; serial: string; stationId: string }> {
  const payter = system.payter;
  const example = workedExample(Date.now() - 3_600_000);
  const { stationId, serial, charger } = await system.stationWithReader('P', PASSWORD, { script: example.script, ocpp });
  try {
    if ((await payter.tap(serial, { cardId })) !== 200) throw new Error('the tap was not taken');
    const sessionId = await system.activeSession(serial);
    await charger.waitForTransaction();
    await example.pauseCar(charger);
    await waitFor(() => payter.currentScreen(serial)?.id === 'charging' || undefined, 5_000, 'charging');
    await payter.tap(serial, { cardId });
    const execution = await system.executionEnded(sessionId);
    if (execution.status !== 'SUCCEEDED' || payter.sessions(serial)[0]?.committedAmount !== 764) {
      throw new Error(`the paid session did not commit 764: ${execution.status}`);
    }
    return { sessionId, serial, stationId };
  } finally {
    await charger.close();
  }
}
