/**
 * A real OCPP 1.6J charger (ocpp-rpc, strict mode) against the whole local system: provision,
 * connect, boot, status, a remote start -> StartTransaction -> MeterValues -> StopTransaction
 * round and offline replays (whole paid sessions: charging-session.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoStationRepository } from '../../lambdas/aws/station-repository';
import { startTestSystem, waitFor, type TestSystem } from '../support/local-system';

const PASSWORD = 'correct-horse-battery';
let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem();
  await system.provisionStation('CP-ROUND', PASSWORD);
  await system.provisionStation('CP-REPLAY', PASSWORD);
});

afterAll(async () => {
  await system?.close();
});

describe('a charger on the local OCPP endpoint', () => {
  it('boots, heartbeats, reports status and completes a remote-started transaction', async () => {
    const charger = system.charger('CP-ROUND', PASSWORD);
    let remoteStart: { connectorId?: number; idTag: string } | undefined;
    charger.handle('RemoteStartTransaction', ({ params }: { params: { connectorId?: number; idTag: string } }) => {
      remoteStart = params;
      return { status: 'Accepted' };
    });
    await charger.connect();
    try {
      const boot = await charger.call('BootNotification', {
        chargePointVendor: 'Alfen',
        chargePointModel: 'Eve Single',
        firmwareVersion: '6.1.0',
      });
      expect(boot.status).toBe('Accepted');
      expect(boot.interval).toBe(300);
      expect(Date.parse(boot.currentTime)).not.toBeNaN();

      const beat = await charger.call('Heartbeat', {});
      expect(Math.abs(Date.parse(beat.currentTime) - Date.now())).toBeLessThan(5_000);

      await charger.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: '2026-11-23T10:00:00Z' });
      await charger.call('StatusNotification', { connectorId: 1, status: 'Preparing', errorCode: 'NoError' });

      const station = await system.api('GET', '/installer/stations/CP-ROUND');
      expect(station.body).toMatchObject({ online: true, boot: { vendor: 'Alfen', model: 'Eve Single', firmwareVersion: '6.1.0' } });
      expect(station.body).not.toHaveProperty('passwordHash');
      expect(station.body.connectorStatus).toEqual([expect.objectContaining({ connectorId: 1, status: 'Preparing' })]);
      const history = await system.api('GET', '/ops/stations/CP-ROUND/connectors/1/history');
      expect(history.body.history.map((h: { status: string }) => h.status)).toEqual(['Available', 'Preparing']);
      expect(history.body.history[0].timestamp).toBe('2026-11-23T10:00:00Z');

      // A session reads its own stretch: the status in force at its start, then what followed,
      // in time order even when the charger writes another UTC offset.
      await charger.call('StatusNotification', { connectorId: 2, status: 'Available', errorCode: 'NoError', timestamp: '2026-11-23T09:00:00Z' });
      await charger.call('StatusNotification', { connectorId: 2, status: 'Preparing', errorCode: 'NoError', timestamp: '2026-11-23T09:50:00Z' });
      await charger.call('StatusNotification', { connectorId: 2, status: 'SuspendedEV', errorCode: 'NoError', timestamp: '2026-11-23T11:20:00+01:00' });
      await charger.call('StatusNotification', { connectorId: 2, status: 'Charging', errorCode: 'NoError', timestamp: '2026-11-23T10:40:00Z' });
      const stretch = await new DynamoStationRepository().listStatusHistory('CP-ROUND', 2, '2026-11-23T10:00:00Z');
      expect(stretch.map((h) => h.status)).toEqual(['Preparing', 'SuspendedEV', 'Charging']);

      // The operator starts the charge remotely; the charger accepts and starts.
      const call = await system.api('POST', '/ops/stations/CP-ROUND/calls', {
        action: 'RemoteStartTransaction',
        payload: { connectorId: 1, idTag: 'PAYTER-0001' },
      });
      expect(call.status).toBe(200);
      expect(call.body.result).toEqual({ status: 'Accepted' });
      expect(remoteStart).toEqual({ connectorId: 1, idTag: 'PAYTER-0001' });

      const authorize = await charger.call('Authorize', { idTag: 'PAYTER-0001' });
      expect(authorize.idTagInfo.status).toBe('Accepted');
      const stranger = await charger.call('Authorize', { idTag: 'SOMEONE-ELSE' });
      expect(stranger.idTagInfo.status).toBe('Invalid');

      const start = await charger.call('StartTransaction', {
        connectorId: 1,
        idTag: 'PAYTER-0001',
        meterStart: 1000,
        timestamp: '2026-11-23T10:01:00Z',
      });
      expect(start.idTagInfo.status).toBe('Accepted');
      expect(Number.isInteger(start.transactionId)).toBe(true);

      await charger.call('MeterValues', {
        connectorId: 1,
        transactionId: start.transactionId,
        meterValue: [
          { timestamp: '2026-11-23T10:16:00Z', sampledValue: [{ value: '4000', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] },
        ],
      });
      await charger.call('MeterValues', {
        connectorId: 1,
        transactionId: start.transactionId,
        meterValue: [{ timestamp: '2026-11-23T10:31:00Z', sampledValue: [{ value: '7.5', unit: 'kWh' }] }],
      });
      const stop = await charger.call('StopTransaction', {
        transactionId: start.transactionId,
        meterStop: 13345,
        timestamp: '2026-11-23T11:01:00Z',
        reason: 'Remote',
      });
      expect(stop).toEqual({});

      const tx = await system.api('GET', `/ops/transactions/${start.transactionId}`);
      expect(tx.body).toMatchObject({
        stationId: 'CP-ROUND',
        connectorId: 1,
        meterStart: 1000,
        meterStop: 13345,
        status: 'stopped',
        stopReason: 'Remote',
        lastMeterWh: 7500,
      });
      expect(tx.body.meterValues).toHaveLength(2);
    } finally {
      await charger.close({ force: true });
    }
    await waitFor(async () => (await system.api('GET', '/installer/stations/CP-ROUND')).body.online === false, 5_000, 'offline');
  });

  it('accepts replays of queued StartTransaction and StopTransaction after a reconnect', async () => {
    const charger = system.charger('CP-REPLAY', PASSWORD);
    await charger.connect();
    const start = { connectorId: 2, idTag: 'LOCAL-TAG', meterStart: 500, timestamp: '2026-11-23T08:00:00Z' };
    const first = await charger.call('StartTransaction', start);
    await charger.close({ force: true });

    const again = system.charger('CP-REPLAY', PASSWORD);
    await again.connect();
    try {
      const replayed = await again.call('StartTransaction', start);
      expect(replayed.transactionId).toBe(first.transactionId);
      // An unknown id tag is recorded but not accepted: only the reader's payment authorizes.
      expect(replayed.idTagInfo.status).toBe('Invalid');

      const stop = { transactionId: first.transactionId, meterStop: 2500, timestamp: '2026-11-23T08:30:00Z' };
      expect(await again.call('StopTransaction', stop)).toEqual({});
      expect(await again.call('StopTransaction', { ...stop, meterStop: 9999 })).toEqual({});
      expect(await again.call('StopTransaction', { transactionId: 987654, meterStop: 1, timestamp: '2026-11-23T08:30:00Z' })).toEqual({});

      const tx = await system.api('GET', `/ops/transactions/${first.transactionId}`);
      expect(tx.body).toMatchObject({ status: 'stopped', meterStop: 2500, meterStart: 500 });

      const other = await again.call('StartTransaction', { ...start, timestamp: '2026-11-23T09:00:00Z' });
      expect(other.transactionId).not.toBe(first.transactionId);
    } finally {
      await again.close({ force: true });
    }
  });
});
