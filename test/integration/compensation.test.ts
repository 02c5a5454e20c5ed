/**
 * The workflow's compensations, driven from outside: when pricing itself fails after a charge
 * (its DynamoDB reads keep failing), the execution still cancels the hold and releases the
 * reader; it does not fail with the hold open until the sweeper comes.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { injectDynamoDbFault, injectedDynamoDbFaults } from '../../lib/local/dynamodb';
import type { PayterSimulator } from '../../lib/local/payter-simulator';
import { SimulatedCharger } from '../../lib/local/simulated-charger';
import { FAST_WAITS } from '../support/paid-session';
import { startTestSystem, waitFor, type TestSystem } from '../support/local-system';

const PASSWORD = 'compensation-station-secret';
let system: TestSystem;
let payter: PayterSimulator;

beforeAll(async () => {
  system = await startTestSystem({ timeScale: FAST_WAITS, payterTimeoutMs: 1_000 });
  payter = system.runtime.payter!;
});

afterEach(() => {
  injectedDynamoDbFaults({ reset: true });
});

afterAll(async () => {
  await system?.close();
});

it('a PriceSession that throws goes on to CancelPayment and Release: the hold is cancelled, the reader free', async () => {
  await system.provisionStation('CP-PRICE', PASSWORD, 'site-price', [1]);
  const charger = await new SimulatedCharger(system.runtime.ocppUrl, 'CP-PRICE', PASSWORD).connect();
  payter.addReader('READER-PRICE', { currency: 'USD' });
  expect((await system.api('PUT', '/installer/readers/READER-PRICE', { stationId: 'CP-PRICE', connectorIds: [1] })).status).toBe(200);
  try {
    expect(await payter.tap('READER-PRICE', { cardId: 'card-price' })).toBe(200);
    const sessionId = await system.activeSession('READER-PRICE');
    await waitFor(async () => ((await system.sessionRecord(sessionId)).stopTaskToken ? true : undefined), 10_000, 'charging');

    // From now on the connector's status history cannot be read: pricing fails, retried or not.
    injectDynamoDbFault({ operation: 'Query', table: process.env.STATIONS_TABLE!, error: 'internal', times: 1_000 });
    await charger.stopTransaction('Local');

    expect((await system.executionEnded(sessionId)).status).toBe('SUCCEEDED');
    expect(injectedDynamoDbFaults().length).toBeGreaterThan(0);
    const visited = await system.statesVisited(sessionId);
    expect(visited.slice(visited.indexOf('PriceSession'))).toEqual(['PriceSession', 'CancelPayment', 'Release']);
    expect(payter.sessions('READER-PRICE')).toEqual([expect.objectContaining({ state: 'CANCELLED' })]);
    expect(await system.sessionRecord(sessionId)).toMatchObject({ paymentState: 'cancelled' });
    injectedDynamoDbFaults({ reset: true });
    await waitFor(async () => ((await system.api('GET', '/installer/readers/READER-PRICE')).body.activeSessionId ? undefined : true), 5_000, 'reader free');
  } finally {
    await charger.close();
  }
});
