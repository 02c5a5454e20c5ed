/**
 * Chargers as the field sends them, against the whole local system: statuses of the same
 * second, timestamps without an offset, payloads with fields OCPP does not define, and meter
 * frames of a thousand readings. Money stays right on each: the receipt is what a driver checks.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countDynamoDbRequests } from '../../lib/local/dynamodb';
import type { PayterSimulator } from '../../lib/local/payter-simulator';
import { SimulatedCharger, ocppTimestamp, type ChargerScript } from '../../lib/local/simulated-charger';
import { FAST_WORKFLOW } from '../support/paid-session';
import { localDynamoDb, startTestSystem, waitFor, type TestSystem } from '../support/local-system';

const PASSWORD = 'field-station-secret';
let system: TestSystem;
let payter: PayterSimulator;

beforeAll(async () => {
  system = await startTestSystem({ timeScale: FAST_WORKFLOW });
  payter = system.runtime.payter!;
});

afterAll(async () => {
  await system?.close();
});

let stations = 0;
/** A fresh station with one connector, its charger online, and a reader commissioned to it. */
async function given(script: ChargerScript) {
  stations += 1;
  const stationId = `CP-F${stations}`;
  const serial = `READER-F${stations}`;
  await system.provisionStation(stationId, PASSWORD, 'site-main-st', [1]);
  const charger = await new SimulatedCharger(system.runtime.ocppUrl, stationId, PASSWORD, script).connect();
  payter.addReader(serial, { currency: 'USD' });
  const commissioned = await system.api('PUT', `/installer/readers/${serial}`, { stationId, connectorIds: [1] });
  if (commissioned.status !== 200) throw new Error(JSON.stringify(commissioned.body));
  return { stationId, serial, charger };
}

/** A tap starts the session; `during` plays the charger's part; a second tap stops it. The session's record once settled. */
async function paidSession(serial: string, charger: SimulatedCharger, during: () => Promise<unknown>) {
  expect(await payter.tap(serial, { cardId: 'card-field' })).toBe(200);
  const sessionId = await waitFor(
    async () => (await system.api('GET', `/installer/readers/${serial}`)).body.activeSessionId as string | undefined,
    5_000,
    'session',
  );
  await charger.waitForTransaction();
  await waitFor(() => payter.currentScreen(serial)?.id === 'charging' || undefined, 5_000, 'the charging screen');
  await during();
  await payter.tap(serial, { cardId: 'card-field' });
  expect((await system.executionEnded(sessionId)).status).toBe('SUCCEEDED');
  return { sessionId, record: await system.sessionRecord(sessionId) };
}

describe('statuses of the same second', () => {
  it('are taken in the order they arrived: SuspendedEV then Charging bills no idle time (receipt $5.55, not $7.00)', async () => {
    const t0 = Date.now() - 3_600_000;
    const at = (minutes: number) => ocppTimestamp(t0 + minutes * 60_000);
    // One hour, 8.286 kWh: fee 100 + energy 290 + time 120 = 510, tax 45: $5.55.
    const { serial, charger } = await given({ meterStart: 0, startedAt: at(0), stop: { meterStop: 8286, timestamp: at(60) } });
    try {
      const { record } = await paidSession(serial, charger, async () => {
        // The car pauses for an instant at minute 10, and for 4.3 minutes (inside the grace) at 29.
        await charger.status(1, 'SuspendedEV', at(10));
        await charger.status(1, 'Charging', at(10));
        await charger.status(1, 'SuspendedEV', at(29));
        await charger.status(1, 'Charging', ocppTimestamp(t0 + 33 * 60_000 + 18_000));
      });
      // Read by name, Charging came before SuspendedEV at minute 10: 23.3 minutes idle, $7.00.
      expect(record.receipt.usage).toMatchObject({ durationSeconds: 3600, energyWh: 8286, idleSeconds: 258 });
      expect(record.receipt.total.minor).toBe(555);
      expect(payter.sessions(serial)[0]).toMatchObject({ state: 'COMMITTED', committedAmount: 555 });
      expect(payter.screens(serial).find((s) => s.screen.id === 'receipt')?.screen.properties.message).toContain('$5.55');
    } finally {
      await charger.close();
    }
  });
});

describe("a connector's history", () => {
  it('lists statuses of the same second in arrival order for operators, with those stored before arrivals were counted', async () => {
    const stationId = 'CP-HISTORY';
    await system.provisionStation(stationId, PASSWORD, 'site-main-st', [1]);
    // Stored before arrivals were counted: keyed by time and status name, no arrival.
    await localDynamoDb().send(
      new PutCommand({
        TableName: process.env.STATIONS_TABLE!,
        Item: { stationId, sk: 'STATUS#001#2026-11-30T09:00:00.000Z#Preparing', connectorId: 1, status: 'Preparing', errorCode: 'NoError', timestamp: '2026-11-30T09:00:00Z', receivedAt: '2026-11-30T09:00:00Z' },
      }),
    );
    const charger = system.charger(stationId, PASSWORD);
    await charger.connect();
    try {
      for (const status of ['SuspendedEV', 'Charging', 'SuspendedEVSE']) {
        await charger.call('StatusNotification', { connectorId: 1, status, errorCode: 'NoError', timestamp: '2026-12-01T10:00:00Z' });
      }
    } finally {
      await charger.close();
    }
    const { body } = await system.api('GET', `/ops/stations/${stationId}/connectors/1/history`);
    expect(body.history.map((h: { status: string }) => h.status)).toEqual(['Preparing', 'SuspendedEV', 'Charging', 'SuspendedEVSE']);
    expect(body.history.map((h: { arrival?: number }) => h.arrival)).toEqual([undefined, 1, 2, 3]);
  });
});

describe('a MeterValues frame of 1,400 readings', () => {
  it('is answered and stored in one write, its last energy register the one the session is priced from', async () => {
    const stationId = 'CP-METERS';
    await system.provisionStation(stationId, PASSWORD, 'site-main-st', [1]);
    const charger = system.charger(stationId, PASSWORD);
    await charger.connect();
    try {
      await system.api('POST', `/ops/stations/${stationId}/calls`, { action: 'RemoteStartTransaction', payload: { connectorId: 1, idTag: 'FIELD-METERS' } });
      const t0 = Date.now() - 3_600_000;
      const { transactionId } = await charger.call('StartTransaction', { connectorId: 1, idTag: 'FIELD-METERS', meterStart: 1000, timestamp: ocppTimestamp(t0) });
      // A charger back from a long time offline sends its whole backlog in one frame.
      const meterValue = Array.from({ length: 1400 }, (_, i) => ({ timestamp: ocppTimestamp(t0 + (i + 1) * 2_000), sampledValue: [{ value: String(1000 + (i + 1) * 5) }] }));
      const requests = countDynamoDbRequests();
      try {
        expect(await charger.call('MeterValues', { connectorId: 1, transactionId, meterValue })).toEqual({});
        expect(requests.count('PutItem', process.env.TRANSACTIONS_TABLE) + requests.count('BatchWriteItem', process.env.TRANSACTIONS_TABLE)).toBe(1);
      } finally {
        requests.stop();
      }
      const { body } = await system.api('GET', `/ops/transactions/${transactionId}`);
      expect(body).toMatchObject({ lastMeterWh: 1000 + 1400 * 5, lastMeterAt: ocppTimestamp(t0 + 1400 * 2_000) });
      expect(body.meterValues).toHaveLength(1400);
      expect(body.meterValues.at(-1)).toEqual(meterValue.at(-1));
    } finally {
      await charger.close();
    }
  });
});
