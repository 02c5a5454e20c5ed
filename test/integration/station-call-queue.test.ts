/**
 * CSMS-to-charger calls queued per station and never dropped, end to end on the local system:
 * real OCPP peers, the Payter simulator, the session workflow. Two drivers at the two
 * connectors of one station, a stop while another call is outstanding, a stop whose first send
 * is lost, and calls that wait for a station offline.
 */
import { FAST_WAITS } from '../support/paid-session';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import type { PayterSimulator } from '../../lib/local/payter-simulator';
import { SimulatedCharger, ocppTimestamp, type ChargerScript } from '../../lib/local/simulated-charger';
import { localDynamoDb, waitFor, type Charger, type TestSystem } from '../support/local-system';
import { useTestSystem } from '../support/world';

const PASSWORD = 'queue-station-secret';
/** How long a call may wait for its turn, and then for its answer. */
const CALL_TIMEOUT_SECONDS = 2;
let system: TestSystem;
let payter: PayterSimulator;
const db = localDynamoDb();

useTestSystem(
  { csmsCallTimeoutSeconds: CALL_TIMEOUT_SECONDS, stationCallTimerMs: 100, timeScale: { ...FAST_WAITS, timeoutScale: 0.1 }, payterTimeoutMs: 1_000 },
  (started) => {
    system = started;
    payter = system.payter;
  },
);

let stations = 0;
const script = (): ChargerScript => ({ meterStart: 0, startedAt: ocppTimestamp(Date.now() - 600_000), stop: { meterStop: 3000, timestamp: ocppTimestamp(Date.now()) } });

/** A fresh station (its charger not yet online) and one reader per connector group. */
async function given(connectorGroups: number[][] = [[1]]) {
  stations += 1;
  const stationId = `CP-Q${stations}`;
  await system.provisionStation(stationId, PASSWORD, 'site-main-st', connectorGroups.flat());
  const serials = connectorGroups.map((_, i) => `READER-Q${stations}-${i + 1}`);
  for (const [i, connectorIds] of connectorGroups.entries()) await system.commissionReader(serials[i]!, stationId, connectorIds);
  return { stationId, serials };
}

async function tap(serial: string, cardId: string): Promise<string> {
  expect(await payter.tap(serial, { cardId, maskedPan: '4111********1111' })).toBe(200);
  return waitFor(async () => (await system.api('GET', `/installer/readers/${serial}`)).body.activeSessionId as string | undefined, 5_000, 'session');
}

const finished = (sessionId: string) => system.executionEnded(sessionId);

async function session(sessionId: string) {
  return (await db.send(new GetCommand({ TableName: process.env.SESSIONS_TABLE!, Key: { sessionId } }))).Item!;
}

/** The session charges and the reader is armed for the tap that stops it. */
async function charging(sessionId: string, serial: string): Promise<void> {
  await waitFor(async () => (await session(sessionId)).status === 'charging' || undefined, 10_000, 'charging');
  await waitFor(() => payter.reader(serial).state === 'READING' || undefined, 5_000, 'tap to stop armed');
}

async function expectCommitted(sessionId: string, serial: string): Promise<void> {
  expect((await finished(sessionId)).status).toBe('SUCCEEDED');
  expect(await session(sessionId)).toMatchObject({ status: 'completed', paymentState: 'committed' });
  expect(payter.sessions(serial)).toEqual([expect.objectContaining({ state: 'COMMITTED' })]);
}

const stopping = (sessionId: string) => waitFor(async () => (await session(sessionId)).status === 'stopping' || undefined, 5_000, 'stopping');

/** Holds the charger's answer to every GetConfiguration until `release` is called. */
function holdGetConfiguration(client: Charger) {
  const held: (() => void)[] = [];
  client.handle('GetConfiguration', () => new Promise((resolve) => held.push(() => resolve({ configurationKey: [] }))));
  return { received: () => held.length, release: () => held.splice(0).forEach((answer) => answer()) };
}

/** A charger with two connectors, each running its own transaction, as real OCPP peers do. */
class TwoConnectorCharger {
  readonly client: Charger;
  readonly remoteStarts: { connectorId: number; idTag: string }[] = [];
  readonly remoteStops: { transactionId: number }[] = [];
  readonly transactions = new Map<number, number>();

  constructor(readonly stationId: string) {
    this.client = system.charger(stationId, PASSWORD);
    this.client.handle('RemoteStartTransaction', ({ params }) => {
      this.remoteStarts.push(params);
      setTimeout(() => void this.start(params.connectorId, params.idTag).catch(() => undefined), 20);
      return { status: 'Accepted' };
    });
    this.client.handle('RemoteStopTransaction', ({ params }) => {
      this.remoteStops.push(params);
      setTimeout(() => void this.stop(params.transactionId).catch(() => undefined), 20);
      return { status: 'Accepted' };
    });
  }

  async connect(): Promise<this> {
    await this.client.connect();
    await this.client.call('BootNotification', { chargePointVendor: 'Alfen', chargePointModel: 'Eve Double' });
    for (const connectorId of [1, 2]) await this.status(connectorId, 'Available');
    return this;
  }

  private status(connectorId: number, status: string, timestamp?: string) {
    return this.client.call('StatusNotification', { connectorId, status, errorCode: 'NoError', ...(timestamp && { timestamp }) });
  }

  private async start(connectorId: number, idTag: string) {
    const timestamp = ocppTimestamp(Date.now() - 600_000);
    await this.status(connectorId, 'Charging', timestamp);
    const { transactionId } = await this.client.call('StartTransaction', { connectorId, idTag, meterStart: 0, timestamp });
    this.transactions.set(connectorId, transactionId);
  }

  private async stop(transactionId: number) {
    const connectorId = [...this.transactions].find(([, id]) => id === transactionId)?.[0];
    if (connectorId === undefined) return;
    await this.client.call('StopTransaction', { transactionId, meterStop: 2500, timestamp: ocppTimestamp(Date.now()), reason: 'Remote' });
    await this.status(connectorId, 'Available');
  }
}

describe('CSMS calls queued per station', () => {
  it('two drivers tapping at the two connectors of one station at once: both starts reach the charger, both sessions are committed', async () => {
    const { stationId, serials } = await given([[1], [2]]);
    const [left, right] = serials as [string, string];
    const charger = await new TwoConnectorCharger(stationId).connect();
    try {
      expect(await Promise.all([payter.tap(left, { cardId: 'card-left' }), payter.tap(right, { cardId: 'card-right' })])).toEqual([200, 200]);
      const sessionIds = await Promise.all(
        serials.map((serial) => waitFor(async () => (await system.api('GET', `/installer/readers/${serial}`)).body.activeSessionId as string | undefined, 5_000, 'session')),
      );
      await waitFor(() => charger.transactions.size === 2 || undefined, 10_000, 'both transactions');
      expect(charger.remoteStarts.map((s) => s.connectorId).sort()).toEqual([1, 2]);
      await Promise.all(sessionIds.map((id, i) => charging(id, serials[i]!)));

      // Both stop at once too: two stops queued on one station.
      expect(await Promise.all([payter.tap(left, { cardId: 'card-left' }), payter.tap(right, { cardId: 'card-right' })])).toEqual([200, 200]);
      for (const [i, sessionId] of sessionIds.entries()) await expectCommitted(sessionId, serials[i]!);
      expect(charger.remoteStops.map((s) => s.transactionId).sort()).toEqual([...charger.transactions.values()].sort());
    } finally {
      await charger.client.close({ force: true });
    }
  });

  it('a tap to stop while another call is outstanding: the stop is sent after it, and the session is committed', async () => {
    const { stationId, serials: [serial] } = await given();
    const charger = await new SimulatedCharger(system.runtime.ocppUrl, stationId, PASSWORD, script()).connect();
    const slow = holdGetConfiguration(charger.client);
    try {
      const sessionId = await tap(serial!, 'card-stop');
      await charger.waitForTransaction();
      await charging(sessionId, serial!);

      const operatorCall = system.api('POST', `/ops/stations/${stationId}/calls`, { action: 'GetConfiguration', payload: {} });
      await waitFor(() => slow.received() > 0 || undefined, 5_000, 'the GetConfiguration');
      expect(await payter.tap(serial!, { cardId: 'card-stop' })).toBe(200);
      await stopping(sessionId);
      await new Promise((r) => setTimeout(r, 200));
      // One call in flight: the stop waits for the charger's answer to GetConfiguration...
      expect(charger.remoteStops).toEqual([]);
      slow.release();
      expect((await operatorCall).status).toBe(200);
      // ...and then goes out.
      await expectCommitted(sessionId, serial!);
      expect(charger.remoteStops).toEqual([{ transactionId: charger.transactionId }]);
    } finally {
      await charger.close();
    }
  });

  it('a stop the charger does not answer is sent again until the transaction ends', async () => {
    const { stationId, serials: [serial] } = await given();
    const charger = await new SimulatedCharger(system.runtime.ocppUrl, stationId, PASSWORD, { ...script(), remoteStop: 'silent' }).connect();
    try {
      const sessionId = await tap(serial!, 'card-deaf');
      await charger.waitForTransaction();
      await charging(sessionId, serial!);
      expect(await payter.tap(serial!, { cardId: 'card-deaf' })).toBe(200);
      await waitFor(() => charger.remoteStops.length > 0 || undefined, 5_000, 'the first stop');
      // The first stop is lost in the charger; the next one it takes.
      charger.setScript(script());
      await expectCommitted(sessionId, serial!);
      expect(charger.remoteStops).toEqual([{ transactionId: charger.transactionId }, { transactionId: charger.transactionId }]);
    } finally {
      await charger.close();
    }
  });

  it('a stop whose charger drops the connection before answering is sent again on the new connection', async () => {
    const { stationId, serials: [serial] } = await given();
    const first = await new SimulatedCharger(system.runtime.ocppUrl, stationId, PASSWORD, { ...script(), remoteStop: 'silent' }).connect();
    const sessionId = await tap(serial!, 'card-drop');
    const transactionId = await first.waitForTransaction();
    await charging(sessionId, serial!);
    expect(await payter.tap(serial!, { cardId: 'card-drop' })).toBe(200);
    await waitFor(() => first.remoteStops.length > 0 || undefined, 5_000, 'the first stop');
    await first.close();

    const again = new SimulatedCharger(system.runtime.ocppUrl, stationId, PASSWORD, script());
    again.transactionId = transactionId;
    try {
      await again.connect();
      await expectCommitted(sessionId, serial!);
      expect(again.remoteStops).toEqual([{ transactionId }]);
    } finally {
      await again.close();
    }
  });

  it('a stop queued while the station is offline is sent when it reconnects', async () => {
    const { stationId, serials: [serial] } = await given();
    const first = await new SimulatedCharger(system.runtime.ocppUrl, stationId, PASSWORD, script()).connect();
    const sessionId = await tap(serial!, 'card-away');
    const transactionId = await first.waitForTransaction();
    await charging(sessionId, serial!);
    await first.close();
    await waitFor(async () => (await system.api('GET', `/installer/stations/${stationId}`)).body.online === false || undefined, 5_000, 'offline');

    expect(await payter.tap(serial!, { cardId: 'card-away' })).toBe(200);
    await stopping(sessionId);

    // The charger comes back (same transaction): the stop waiting for it goes out after its first frame.
    const again = new SimulatedCharger(system.runtime.ocppUrl, stationId, PASSWORD, script());
    again.transactionId = transactionId;
    try {
      await again.connect();
      await expectCommitted(sessionId, serial!);
      expect(again.remoteStops).toEqual([{ transactionId }]);
    } finally {
      await again.close();
    }
  });

  it('a start queued for a station that goes offline fails loudly at its deadline: the task fails with StationOffline, the hold is cancelled', async () => {
    const { stationId, serials: [serial] } = await given();
    const charger = await new SimulatedCharger(system.runtime.ocppUrl, stationId, PASSWORD, script()).connect();
    const slow = holdGetConfiguration(charger.client);
    const operatorCall = system.api('POST', `/ops/stations/${stationId}/calls`, { action: 'GetConfiguration', payload: {} });
    await waitFor(() => slow.received() > 0 || undefined, 5_000, 'the GetConfiguration');
    const sessionId = await tap(serial!, 'card-late');
    await waitFor(async () => (await system.statesVisited(sessionId)).includes('RemoteStart') || undefined, 5_000, 'the start asked for');
    await new Promise((r) => setTimeout(r, 200));
    await charger.close();

    // The operator's call in flight went down with the connection.
    const lost = await operatorCall;
    expect(lost.status).toBe(504);
    expect(lost.body.error).toBe('CallLost');
    expect((await finished(sessionId)).status).toBe('SUCCEEDED');
    expect(charger.remoteStarts).toEqual([]);
    expect(await session(sessionId)).toMatchObject({ status: 'cancelled', paymentState: 'cancelled', endReason: 'noTransaction' });
    expect(payter.sessions(serial!)).toEqual([expect.objectContaining({ state: 'CANCELLED' })]);
    const { events = [] } = await system.sfn.send(new GetExecutionHistoryCommand({ executionArn: system.executionArn(sessionId), maxResults: 1000 }));
    // Loud: the workflow's task failed with the reason, and the error is logged.
    const failures = events.filter((e) => e.type === 'TaskFailed').map((e) => [e.taskFailedEventDetails?.error, e.taskFailedEventDetails?.cause]);
    expect(failures).toEqual([['StationOffline', `station ${stationId} stayed offline until RemoteStartTransaction's deadline`]]);
  });

  it('takes calls for a station whose record is still of the single-call layout before the queue (an upgrade)', async () => {
    const { stationId } = await given();
    const charger = await new SimulatedCharger(system.runtime.ocppUrl, stationId, PASSWORD, script()).connect();
    charger.client.handle('GetConfiguration', () => ({ configurationKey: [] }));
    try {
      const old = { stationId, messageId: 'old-1', action: 'Reset', payload: {}, sentAt: new Date().toISOString(), expiresAt: new Date().toISOString(), state: 'sent' };
      await db.send(new PutCommand({ TableName: process.env.PENDING_CALLS_TABLE!, Item: old }));
      const call = await system.api('POST', `/ops/stations/${stationId}/calls`, { action: 'GetConfiguration', payload: {} });
      expect(call.status).toBe(200);
    } finally {
      await charger.close();
    }
  });
});
