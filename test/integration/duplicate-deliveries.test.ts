/**
 * Payter delivers callbacks at least once. The same card read, button press or terminal-state
 * report delivered 10 times at once has one effect, and every delivery answers like the
 * first (or 409, which Payter retries), never 5xx (each 5xx is a Lambda error on AWS feeding
 * the operators' alarm). A late duplicate answers like the first too.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { PayterSimulator, RecordedCallback } from '../../lib/local/payter-simulator';
import { DUPLICATE_WAIT_MS } from '../../lambdas/aws/idempotency';
import type { SimulatedCharger } from '../../lib/local/simulated-charger';
import { waitFor, type TestSystem } from '../support/local-system';
import { useTestSystem } from '../support/world';

const PASSWORD = 'duplicate-station-secret';
const TIMES = 10;
let system: TestSystem;
let payter: PayterSimulator;
const chargers: SimulatedCharger[] = [];
const db = () =>
  DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } }));

useTestSystem({}, (started) => {
  system = started;
  payter = system.payter;
});

afterEach(() => payter.setDeliveries(1));

afterAll(async () => {
  for (const charger of chargers) await charger.close();
});

/** A station whose charger accepts remote starts but no car is plugged in, and its reader. */
async function given(plugIn = false) {
  const station = await system.stationWithReader('D', PASSWORD, { script: { plugIn } });
  chargers.push(station.charger);
  return station;
}

/** The last `TIMES` deliveries of a kind: no 5xx, and every one answers like the first 200 or 409. */
function expectOneAnswer(kind: RecordedCallback['kind']): RecordedCallback {
  const deliveries = payter.callbacks().filter((c) => c.kind === kind).slice(-TIMES);
  expect(deliveries).toHaveLength(TIMES);
  const statuses = deliveries.map((d) => d.status);
  expect(statuses.filter((s) => s !== 200 && s !== 409)).toEqual([]);
  const answered = deliveries.filter((d) => d.status === 200);
  expect(answered.length).toBeGreaterThanOrEqual(1);
  for (const d of answered) expect(d.answer).toEqual(answered[0]!.answer);
  return answered[0]!;
}

async function lateDuplicate(first: RecordedCallback) {
  const response = await fetch(first.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(first.body) });
  return { status: response.status, answer: await response.json() };
}

describe('the same callback delivered 10 times at once', () => {
  it('card read: one session, one hold at Payter, every answer the first one', async () => {
    const { stationId, serial, charger } = await given();
    payter.setDeliveries(TIMES);
    await payter.tap(serial, { cardId: 'card-dup' });
    const first = expectOneAnswer('card');
    expect(first.answer).toMatchObject({ action: 'started' });
    payter.setDeliveries(1);

    await waitFor(() => charger.remoteStarts.length > 0 || undefined, 5_000, 'remote start');
    expect(payter.sessions(serial)).toHaveLength(1);
    expect(payter.calls().filter((c) => c.serial === serial && c.call === 'authorize')).toHaveLength(1);
    const listed = await system.api('GET', `/ops/sessions?stationId=${stationId}`);
    expect(listed.body.sessions).toHaveLength(1);
    expect(charger.remoteStarts).toHaveLength(1);

    expect(await lateDuplicate(first)).toEqual({ status: 200, answer: first.answer });
    expect((await system.api('GET', `/ops/sessions?stationId=${stationId}`)).body.sessions).toHaveLength(1);
  });

  it('button press: the driver cancels before plugging in, the hold is cancelled once', async () => {
    const { serial } = await given();
    await payter.tap(serial, { cardId: 'card-cancel' });
    await waitFor(() => payter.currentScreen(serial)?.id === 'plugIn' || undefined, 5_000, 'plug-in screen');
    // The workflow waits for the charger (its task token stored): a cancel now ends the session.
    const { activeSessionId: sessionId } = (await system.api('GET', `/installer/readers/${serial}`)).body;
    await waitFor(
      async () => (await db().send(new GetCommand({ TableName: process.env.SESSIONS_TABLE!, Key: { sessionId } }))).Item?.startTaskToken,
      5_000,
      'waiting for the charger',
    );
    const [hold] = payter.sessions(serial);
    expect(hold?.state).toBe('AUTHORIZED');

    payter.setDeliveries(TIMES);
    await payter.pressButton(serial, 'plugIn', 'cancel');
    const first = expectOneAnswer('ui');
    expect(first.answer).toEqual({ action: 'cancelling' });
    payter.setDeliveries(1);

    await waitFor(() => payter.sessions(serial)[0]?.state === 'CANCELLED' || undefined, 5_000, 'hold cancelled');
    expect(payter.calls().filter((c) => c.serial === serial && c.call === 'cancel' && c.status === 200)).toHaveLength(1);
    expect(await lateDuplicate(first)).toEqual({ status: 200, answer: first.answer });
  });

  it('terminal state: a reader back online gets its start screen once', async () => {
    const { serial } = await given();
    await payter.setOnline(serial, false);
    const startsBefore = payter.calls().filter((c) => c.serial === serial && c.call === 'start').length;

    payter.setDeliveries(TIMES);
    await payter.setOnline(serial, true);
    const first = expectOneAnswer('terminal-state');
    payter.setDeliveries(1);

    await waitFor(() => payter.reader(serial).state === 'READING' || undefined, 5_000, 'start screen');
    expect(payter.calls().filter((c) => c.serial === serial && c.call === 'start')).toHaveLength(startsBefore + 1);
    expect(await lateDuplicate(first)).toEqual({ status: 200, answer: first.answer });
    expect(payter.calls().filter((c) => c.serial === serial && c.call === 'start')).toHaveLength(startsBefore + 1);
  });

  it('a first delivery slower than the wait: the duplicates answer 409 InProgress, a later one the first answer', async () => {
    const { serial, charger } = await given(true);
    await payter.tap(serial, { cardId: 'card-owner' });
    await charger.waitForTransaction();
    await waitFor(() => payter.reader(serial).state === 'READING' || undefined, 5_000, 'tap to stop armed');
    // Another card: the reader is armed again for the owner's card, and Payter answers that slowly.
    payter.script(serial, 'start', { kind: 'slow', delayMs: DUPLICATE_WAIT_MS + 1_000 });
    payter.setDeliveries(3);
    await payter.tap(serial, { cardId: 'card-stranger' });
    const deliveries = payter.callbacks().filter((c) => c.kind === 'card').slice(-3);
    expect(deliveries.map((d) => d.status).sort()).toEqual([200, 409, 409]);
    const first = deliveries.find((d) => d.status === 200)!;
    expect(first.answer).toMatchObject({ action: 'ignored' });
    expect(deliveries.filter((d) => d.status === 409).map((d) => d.answer)).toEqual([
      expect.objectContaining({ error: 'InProgress' }),
      expect.objectContaining({ error: 'InProgress' }),
    ]);
    expect(await lateDuplicate(first)).toEqual({ status: 200, answer: first.answer });
    expect(charger.remoteStops).toEqual([]);
  });
});
