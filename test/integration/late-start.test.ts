/**
 * A StartTransaction that lands after the workflow stopped waiting for it, while its
 * NoTransaction step runs: the car is charging on a hold the driver gave, so the session is
 * billed as any other (before: the hold was cancelled and the charge ran on unpaid, unstopped).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { injectDynamoDbFault, injectedDynamoDbFaults } from '../../lib/local/dynamodb';
import type { PayterSimulator } from '../../lib/local/payter-simulator';
import { SimulatedCharger } from '../../lib/local/simulated-charger';
import { FAST_WAITS } from '../support/paid-session';
import { startTestSystem, waitFor, type TestSystem } from '../support/local-system';

const PASSWORD = 'late-start-station-secret';
let system: TestSystem;
let payter: PayterSimulator;

beforeAll(async () => {
  // Step timeouts of 3 s (the plug-in window 12 s), so NoTransaction outlives the read held below.
  system = await startTestSystem({ timeScale: { ...FAST_WAITS, timeoutScale: 0.1 }, payterTimeoutMs: 1_000 });
  payter = system.runtime.payter!;
});

afterAll(async () => {
  injectedDynamoDbFaults({ reset: true });
  await system?.close();
});

it('a start that comes while NoTransaction runs is charged and stopped like any session, not left running on a cancelled hold', async () => {
  await system.provisionStation('CP-LATE', PASSWORD, 'site-late', [1]);
  const charger = await new SimulatedCharger(system.runtime.ocppUrl, 'CP-LATE', PASSWORD, { plugIn: false }).connect();
  payter.addReader('READER-LATE', { currency: 'USD' });
  expect((await system.api('PUT', '/installer/readers/READER-LATE', { stationId: 'CP-LATE', connectorIds: [1] })).status).toBe(200);
  try {
    expect(await payter.tap('READER-LATE', { cardId: 'card-late', maskedPan: '4111********1111' })).toBe(200);
    const sessionId = await system.activeSession('READER-LATE');
    await waitFor(async () => ((await system.sessionRecord(sessionId)).startTaskToken ? true : undefined), 5_000, 'the wait for the plug');
    const idTag = (await system.sessionRecord(sessionId)).idTag as string;

    // The next read of the session is NoTransaction's, once the plug-in window has run out:
    // hold it there until the charger's late StartTransaction has been recorded.
    injectedDynamoDbFaults({ reset: true });
    injectDynamoDbFault({ operation: 'GetItem', table: process.env.SESSIONS_TABLE!, error: 'slow', delayMs: 1_000 });
    await waitFor(async () => (injectedDynamoDbFaults().length > 0 ? true : undefined), 20_000, 'NoTransaction reading the session');
    await charger.startTransaction(1, idTag);
    expect(charger.idTagStatus).toBe('Accepted');

    await waitFor(async () => ((await system.sessionRecord(sessionId)).stopTaskToken ? true : undefined), 10_000, 'the wait for the stop');
    expect(payter.sessions('READER-LATE')).toEqual([expect.objectContaining({ state: 'AUTHORIZED' })]);
    await charger.stopTransaction('Local');

    expect((await system.executionEnded(sessionId)).status).toBe('SUCCEEDED');
    expect(payter.sessions('READER-LATE')).toEqual([expect.objectContaining({ state: 'COMMITTED' })]);
    expect(await system.sessionRecord(sessionId)).toMatchObject({ status: 'completed', paymentState: 'committed', endReason: 'chargerStopped' });
  } finally {
    await charger.close();
  }
});
