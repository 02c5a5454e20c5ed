/**
 * A strict OCPP 2.0.1 charger's TransactionEvents (an ocpp-rpc peer with the official 2.0.1
 * schemas) become the domain's transaction, as 1.6's StartTransaction, MeterValues and
 * StopTransaction do: started with the id token the CSMS's remote start issued, its readings
 * kept, SuspendedEV the idle state, stopped at Ended; a replayed event changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoStationRepository } from '../../lambdas/aws/station-repository';
import { DynamoTransactionRepository } from '../../lambdas/aws/transaction-repository';
import { tableName } from '../../lambdas/aws/dynamo';
import { localDynamoDb, startTestSystem, type TestSystem } from '../support/local-system';
import { register } from '../support/ocpp201-peer';

const PASSWORD = 'very-secret-password-201';
const STATION = 'CP-201-TX';
let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem({ heartbeatIntervalSeconds: 120 });
  await system.provisionStation(STATION, PASSWORD, 'site-main-st', [1]);
});

afterAll(async () => {
  await system?.close();
});

const event = (eventType: string, seqNo: number, timestamp: string, more: Record<string, unknown>) => ({
  eventType,
  seqNo,
  timestamp,
  triggerReason: eventType === 'Started' ? 'RemoteStart' : eventType === 'Ended' ? 'RemoteStop' : 'ChargingStateChanged',
  ...more,
  transactionInfo: { transactionId: 'a7f3-201-tx', ...(more.transactionInfo as object) },
});

describe('TransactionEvents of a strict OCPP 2.0.1 charger', () => {
  it('start, meter, idle and stop the domain transaction, and a replay changes nothing', async () => {
    const charger = system.charger(STATION, PASSWORD, ['ocpp2.0.1']);
    let remoteStartId: number | undefined;
    charger.handle('RequestStartTransaction', ({ params }: { params: { remoteStartId: number } }) => {
      remoteStartId = params.remoteStartId;
      return { status: 'Accepted' };
    });
    await charger.connect();
    const repository = new DynamoTransactionRepository(localDynamoDb(), tableName('transactions'));
    try {
      await charger.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'Alpitronic', model: 'HYC300' } });
      // The remote start issues the id token the charger then starts with.
      const sent = await system.api('POST', `/ops/stations/${STATION}/calls`, { action: 'RemoteStartTransaction', payload: { connectorId: 1, idTag: 'PTTX201' } });
      expect(sent.body.result).toEqual({ status: 'Accepted' });

      const started = event('Started', 0, '2026-12-01T10:00:00Z', {
        evse: { id: 1, connectorId: 1 },
        idToken: { idToken: 'PTTX201', type: 'Central' },
        meterValue: register(1000, '2026-12-01T10:00:00Z', 'Transaction.Begin'),
        transactionInfo: { chargingState: 'Charging', remoteStartId },
      });
      expect(await charger.call('TransactionEvent', started)).toEqual({ idTokenInfo: { status: 'Accepted' } });
      const transactionId = await repository.findChargerTransaction(STATION, 'a7f3-201-tx');
      expect(transactionId).toEqual(expect.any(Number));
      const updated = event('Updated', 1, '2026-12-01T10:45:00Z', {
        meterValue: register(13000, '2026-12-01T10:45:00Z', 'Sample.Periodic'),
        transactionInfo: { chargingState: 'SuspendedEV' },
      });
      expect(await charger.call('TransactionEvent', updated)).toEqual({});
      // The CSMS stops it by the charger's own transaction id.
      const stops: unknown[] = [];
      charger.handle('RequestStopTransaction', ({ params }: { params: unknown }) => {
        stops.push(params);
        return { status: 'Accepted' };
      });
      const stop = await system.api('POST', `/ops/stations/${STATION}/calls`, { action: 'RemoteStopTransaction', payload: { transactionId } });
      expect({ result: stop.body.result, stops }).toEqual({ result: { status: 'Accepted' }, stops: [{ transactionId: 'a7f3-201-tx' }] });
      const ended = event('Ended', 2, '2026-12-01T11:00:00Z', {
        meterValue: register(13345, '2026-12-01T11:00:00Z', 'Transaction.End'),
        transactionInfo: { stoppedReason: 'Remote' },
      });
      expect(await charger.call('TransactionEvent', ended)).toEqual({});
      const after = await system.api('GET', `/ops/transactions/${transactionId}`);

      // The whole transaction again, as a charger replays its queue offline: nothing changes.
      for (const replay of [started, updated, ended]) await charger.call('TransactionEvent', { ...replay, offline: true });
      const replayed = await system.api('GET', `/ops/transactions/${transactionId}`);

      expect(after.body).toMatchObject({
        transactionId,
        stationId: STATION,
        connectorId: 1,
        idTag: 'PTTX201',
        meterStart: 1000,
        startedAt: '2026-12-01T10:00:00Z',
        status: 'stopped',
        meterStop: 13345,
        stoppedAt: '2026-12-01T11:00:00Z',
        stopReason: 'Remote',
        chargerTransactionId: 'a7f3-201-tx',
      });
      // The Started event's Transaction.Begin register is the meter start, as on 1.6.
      expect(after.body.meterValues.map((r: { timestamp: string }) => r.timestamp).sort()).toEqual([
        '2026-12-01T10:45:00Z',
        '2026-12-01T11:00:00Z',
      ]);
      expect(replayed.body).toEqual(after.body);
      expect(await repository.findChargerTransaction(STATION, 'a7f3-201-tx')).toBe(transactionId);

      // SuspendedEV is the domain's idle state, which pricing's idle rule reads.
      const history = await new DynamoStationRepository(localDynamoDb(), tableName('stations')).listStatusHistory(STATION, 1);
      expect(history.map((h) => h.state)).toContain('suspendedByVehicle');
    } finally {
      await charger.close();
    }
  });

  it('starts nothing for a transaction not yet authorized, nor for an id token the CSMS did not issue', async () => {
    const charger = system.charger(STATION, PASSWORD, ['ocpp2.0.1']);
    await charger.connect();
    try {
      const plugged = event('Started', 0, '2026-12-01T12:00:00Z', { evse: { id: 1 }, transactionInfo: { transactionId: 'plug-first', chargingState: 'EVConnected' } });
      expect(await charger.call('TransactionEvent', { ...plugged, triggerReason: 'CablePluggedIn' })).toEqual({});
      const repository = new DynamoTransactionRepository(localDynamoDb(), tableName('transactions'));
      expect(await repository.findChargerTransaction(STATION, 'plug-first')).toBeUndefined();
      const stranger = event('Started', 0, '2026-12-01T12:05:00Z', {
        evse: { id: 1 },
        idToken: { idToken: 'RFID-0042', type: 'ISO14443' },
        transactionInfo: { transactionId: 'stranger' },
      });
      expect(await charger.call('TransactionEvent', stranger)).toEqual({ idTokenInfo: { status: 'Invalid' } });
    } finally {
      await charger.close();
    }
  });
});
