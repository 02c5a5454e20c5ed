/**
 * Chargers as the field sends them, against the whole local system: statuses of the same
 * second, timestamps without an offset, payloads with fields OCPP does not define, and meter
 * frames of a thousand readings. Money stays right on each: the receipt is what a driver checks.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { countDynamoDbRequests } from '../../lib/local/dynamodb';
import { DynamoStationRepository } from '../../lambdas/aws/station-repository';
import type { PayterSimulator } from '../../lib/local/payter-simulator';
import { SimulatedCharger, ocppTimestamp, type ChargerScript } from '../../lib/local/simulated-charger';
import { FAST_WAITS } from '../support/paid-session';
import { demoSite, localDynamoDb, waitFor, type TestSystem } from '../support/local-system';
import { useTestSystem } from '../support/world';

const PASSWORD = 'field-station-secret';
let system: TestSystem;
let payter: PayterSimulator;

useTestSystem({ timeScale: FAST_WAITS }, (started) => {
  system = started;
  payter = system.payter;
});

/**
 * A charger as field firmware writes its frames, on a raw socket: no client-side schema check,
 * so it can send what ocpp-rpc's strict mode would refuse. Answers the CSMS's calls with `on`.
 */
class FieldCharger {
  private nextId = 0;
  private readonly waiting = new Map<string, (frame: unknown[]) => void>();
  private readonly handlers = new Map<string, (payload: any) => Record<string, unknown>>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as unknown[];
      if (frame[0] === 2) {
        const [, id, action, payload] = frame as [number, string, string, unknown];
        ws.send(JSON.stringify([3, id, this.handlers.get(action)?.(payload) ?? {}]));
        return;
      }
      this.waiting.get(frame[1] as string)?.(frame);
      this.waiting.delete(frame[1] as string);
    });
  }

  static open(stationId: string): Promise<FieldCharger> {
    const ws = new WebSocket(`${system.runtime.ocppUrl}/${stationId}`, ['ocpp1.6'], {
      headers: { authorization: `Basic ${Buffer.from(`${stationId}:${PASSWORD}`).toString('base64')}` },
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new FieldCharger(ws)));
      ws.once('error', reject);
    });
  }

  on(action: string, handler: (payload: any) => Record<string, unknown>): void {
    this.handlers.set(action, handler);
  }

  /** The CALLRESULT payload, or `{ error: <CALLERROR code> }`. */
  call(action: string, payload: Record<string, unknown>): Promise<any> {
    const id = `f-${(this.nextId += 1)}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${action}`)), 10_000);
      this.waiting.set(id, (frame) => {
        clearTimeout(timer);
        resolve(frame[0] === 3 ? frame[2] : { error: frame[2] });
      });
      this.ws.send(JSON.stringify([2, id, action, payload]));
    });
  }

  close(): void {
    this.ws.close();
  }
}

/** The wall-clock time of `ms` in `timeZone`, without an offset, as field firmware writes it. */
function wallClock(ms: number, timeZone: string): string {
  return new Date(Math.floor(ms / 1000) * 1000).toLocaleString('sv-SE', { timeZone }).replace(' ', 'T');
}

/** A fresh station with one connector, its charger online, and a reader commissioned to it. */
const given = (script: ChargerScript) => system.stationWithReader('F', PASSWORD, { script });

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
    // Operators see the charger's words only, as before the domain had states of its own.
    expect(Object.keys(body.history[1]).sort()).toEqual(['arrival', 'connectorId', 'errorCode', 'receivedAt', 'stationId', 'status', 'timestamp']);
  });

  it('reads statuses stored before the domain had states in its terms: SuspendedEV is still idle', async () => {
    const stationId = 'CP-OLD-STATUS';
    await system.provisionStation(stationId, PASSWORD, 'site-main-st', [1]);
    await localDynamoDb().send(
      new PutCommand({
        TableName: process.env.STATIONS_TABLE!,
        Item: { stationId, sk: 'STATUS#001#2026-11-30T09:00:00.000Z#000000000001', connectorId: 1, status: 'SuspendedEV', errorCode: 'NoError', timestamp: '2026-11-30T09:00:00Z', receivedAt: '2026-11-30T09:00:00Z', arrival: 1 },
      }),
    );
    const history = await new DynamoStationRepository(localDynamoDb(), process.env.STATIONS_TABLE!).listStatusHistory(stationId, 1);
    expect(history.map((h) => [h.status, h.state])).toEqual([['SuspendedEV', 'suspendedByVehicle']]);
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

describe('a charger that writes its times without an offset', () => {
  it("is read in its site's zone: a paid session in New York bills the worked example ($7.64) and is flagged for operators", async () => {
    const zone = 'America/New_York';
    await system.api('PUT', '/installer/sites/site-ny', { ...demoSite('site-ny'), timeZone: zone });
    const stationId = 'CP-LOCAL-TIME';
    const serial = 'READER-LOCAL-TIME';
    expect((await system.api('PUT', `/installer/stations/${stationId}`, { siteId: 'site-ny', connectors: [1], password: PASSWORD })).status).toBe(200);
    const t0 = Date.now() - 3_600_000;
    const local = (minutes: number) => wallClock(t0 + minutes * 60_000, zone);
    const charger = await FieldCharger.open(stationId);
    try {
      expect(await charger.call('BootNotification', { chargePointVendor: 'Field', chargePointModel: 'Old' })).toMatchObject({ status: 'Accepted' });
      await charger.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: local(-1) });
      let transactionId: number | undefined;
      charger.on('RemoteStartTransaction', ({ idTag }) => {
        setTimeout(async () => {
          await charger.call('StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError', timestamp: local(0) });
          ({ transactionId } = await charger.call('StartTransaction', { connectorId: 1, idTag, meterStart: 0, timestamp: local(0) }));
        }, 20);
        // Its answers carry a property OCPP does not define too.
        return { status: 'Accepted', firmwareNote: 'queued' };
      });
      charger.on('RemoteStopTransaction', () => {
        setTimeout(async () => {
          await charger.call('StopTransaction', { transactionId, meterStop: 12345, timestamp: local(60), reason: 'Remote' });
          await charger.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError' });
        }, 20);
        return { status: 'Accepted' };
      });
      payter.addReader(serial, { currency: 'USD' });
      expect((await system.api('PUT', `/installer/readers/${serial}`, { stationId, connectorIds: [1] })).status).toBe(200);
      expect(await payter.tap(serial, { cardId: 'card-local' })).toBe(200);
      const sessionId = await waitFor(async () => (await system.api('GET', `/installer/readers/${serial}`)).body.activeSessionId as string | undefined, 5_000, 'session');
      await waitFor(() => payter.currentScreen(serial)?.id === 'charging' || undefined, 5_000, 'the charging screen');
      // An hour in by the site's clock, not five (or none): fee $1.00 + time $1.20, tax: $2.40.
      expect(payter.currentScreen(serial)?.properties.message).toMatch(/^0\.00 kWh · 1:00:0\d · \$2\.40$/);
      await charger.call('StatusNotification', { connectorId: 1, status: 'SuspendedEV', errorCode: 'NoError', timestamp: local(30) });
      await charger.call('StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError', timestamp: local(45) });
      await payter.tap(serial, { cardId: 'card-local' });
      expect((await system.executionEnded(sessionId)).status).toBe('SUCCEEDED');

      expect(payter.sessions(serial)[0]).toMatchObject({ state: 'COMMITTED', committedAmount: 764 });
      const record = await system.sessionRecord(sessionId);
      expect(record).toMatchObject({ startedAt: new Date(Math.floor(t0 / 1000) * 1000).toISOString(), timestampsWithoutOffset: true });
      expect(record.receipt.usage).toMatchObject({ durationSeconds: 3600, energyWh: 12345, idleSeconds: 900 });
      const detail = await system.api('GET', `/ops/sessions/${sessionId}`);
      expect(detail.body).toMatchObject({ timestampsWithoutOffset: true, total: 764 });
      expect((await system.api('GET', `/ops/transactions/${transactionId}`)).body).toMatchObject({ timestampsWithoutOffset: true });
    } finally {
      charger.close();
    }
  });
});

describe('payloads that differ from the official schemas', () => {
  it('are read leniently (unknown properties ignored, offset-less times in the site zone), type errors and garbage dates still refused', async () => {
    const stationId = 'CP-LENIENT';
    await system.provisionStation(stationId, PASSWORD, 'site-main-st', [1]);
    const charger = await FieldCharger.open(stationId);
    try {
      expect(await charger.call('BootNotification', { chargePointVendor: 'Field', chargePointModel: 'Box', vendorTelemetry: { uptime: 5 } })).toMatchObject({ status: 'Accepted' });
      expect(await charger.call('StatusNotification', { connectorId: 1, status: 'Preparing', errorCode: 'NoError', timestamp: '2026-12-01T08:14:51', cableLocked: true })).toEqual({});
      expect(await charger.call('Heartbeat', { seq: 1 })).toHaveProperty('currentTime');
      // What moves money is still checked to the letter.
      expect(await charger.call('StartTransaction', { connectorId: 1, idTag: 'A', meterStart: '0', timestamp: '2026-12-01T08:14:51', extra: 1 })).toEqual({ error: 'TypeConstraintViolation' });
      expect(await charger.call('StartTransaction', { connectorId: 1, idTag: 'A', meterStart: 0, timestamp: '2026-13-45T08:14:51' })).toEqual({ error: 'PropertyConstraintViolation' });
      expect(await charger.call('StartTransaction', { connectorId: 1, idTag: 'A', meterStart: 0, timestamp: '2026-12-01 08:14' })).toEqual({ error: 'PropertyConstraintViolation' });
    } finally {
      charger.close();
    }
    const station = (await system.api('GET', `/installer/stations/${stationId}`)).body;
    expect(station).toMatchObject({ strict: false, boot: { vendor: 'Field', model: 'Box' } });
    expect(station.boot).not.toHaveProperty('vendorTelemetry');
    expect(station.connectorStatus).toEqual([expect.objectContaining({ status: 'Preparing', timestamp: '2026-12-01T08:14:51.000Z' })]);
    expect(station.connectorStatus[0]).not.toHaveProperty('cableLocked');
  });

  it('are refused as today for a station in strict mode (certification runs), from its next frame on', async () => {
    const stationId = 'CP-STRICT';
    await system.provisionStation(stationId, PASSWORD, 'site-main-st', [1]);
    const charger = await FieldCharger.open(stationId);
    try {
      const boot = { chargePointVendor: 'Field', chargePointModel: 'Box', vendorTelemetry: 1 };
      expect(await charger.call('BootNotification', boot)).toMatchObject({ status: 'Accepted' });
      const strict = await system.api('PUT', `/installer/stations/${stationId}`, { siteId: 'site-main-st', connectors: [1], password: PASSWORD, strict: true });
      expect(strict.body).toMatchObject({ strict: true });
      expect(await charger.call('BootNotification', boot)).toEqual({ error: 'FormationViolation' });
      const status = { connectorId: 1, status: 'Preparing', errorCode: 'NoError', timestamp: '2026-12-01T08:14:51' };
      expect(await charger.call('StatusNotification', status)).toEqual({ error: 'PropertyConstraintViolation' });
      expect(await charger.call('StatusNotification', { ...status, timestamp: '2026-12-01T08:14:51Z' })).toEqual({});
    } finally {
      charger.close();
    }
  });
});
