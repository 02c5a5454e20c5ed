/**
 * The statuses a transaction keeps (csms/model.ts `Transaction.statuses`) price its idle time
 * exactly as the connector's history does: every meter value prices the charge so far from
 * the kept ones, the receipt from the history. Random status sequences (before and after the
 * start, out of order, on the same instant) through the DynamoDB repositories on dynalite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoStationRepository } from '../../lambdas/aws/station-repository';
import { DynamoTransactionRepository } from '../../lambdas/aws/transaction-repository';
import { ChargingStations } from '../../lambdas/csms/charging-stations';
import { keptStatuses, MAX_KEPT_STATUSES } from '../../lambdas/csms/model';
import { connectorStateOf16 } from '../../lambdas/ocpp/v16/connector-states';
import { measureUsage, measureUsageSoFar } from '../../lambdas/pricing/usage';
import { systemClock } from '../../lambdas/shared/clock';
import { startTestSystem, type TestSystem } from '../support/local-system';

const MINUTE = 60_000;
const STATES = ['Charging', 'SuspendedEV', 'SuspendedEVSE', 'Preparing', 'SuspendedEV'];

/** A small seeded generator: the same cases on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let system: TestSystem;
const stations = () => new DynamoStationRepository();
const transactions = () => new DynamoTransactionRepository();

beforeAll(async () => {
  system = await startTestSystem();
});
afterAll(async () => {
  await system?.close();
});

describe('the statuses a transaction keeps', () => {
  it('price the idle time as the history does, in whatever order the statuses come', async () => {
    const service = new ChargingStations({ stations: stations(), transactions: transactions(), sites: { get: async () => undefined }, clock: systemClock, heartbeatIntervalSeconds: 300 });
    const next = random(10);
    const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
    const t0 = Date.parse('2026-11-23T10:00:00Z');
    const stamp = (ms: number) => new Date(ms).toISOString();
    let compared = 0;
    for (let n = 0; n < 24; n++) {
      const stationId = `CP-KEPT-${n}`;
      await system.provisionStation(stationId, 'kept-statuses-secret', 'site-main-st', [1]);
      const report = (status: string, ms: number) =>
        service.connectorStatus(stationId, { connectorId: 1, state: connectorStateOf16(status), status, errorCode: 'NoError', timestamp: stamp(ms) });
      // Whole minutes, so that some land on the same instant.
      const minute = (from: number, to: number) => t0 + Math.floor(from + next() * (to - from)) * MINUTE;
      for (let i = Math.floor(next() * 3); i > 0; i--) await report(pick(STATES), minute(-30, 0));
      const { transactionId } = await service.startTransaction(stationId, { connectorId: 1, idTag: 'KEPT', meterStart: 0, timestamp: stamp(t0) });
      for (let i = Math.floor(next() * 11); i > 0; i--) await report(pick(STATES), next() < 0.2 ? minute(-10, 0) : minute(0, 60));

      const transaction = await transactions().recordLastMeter(transactionId, 10_000, stamp(t0 + 60 * MINUTE), stationId);
      const kept = keptStatuses(transaction!);
      const history = await stations().listStatusHistory(stationId, 1, stamp(t0));
      const now = stamp(t0 + 61 * MINUTE);
      if (!kept) {
        // Too many to keep under 1 KB: the meter path reads the history instead.
        expect(transaction!.statuses!.length).toBe(MAX_KEPT_STATUSES);
        continue;
      }
      compared += 1;
      expect(measureUsageSoFar(transaction!, kept, now)).toEqual(measureUsageSoFar(transaction!, history, now));
      const finished = { meterStart: 0, meterStop: 10_000, startedAt: stamp(t0), stoppedAt: now };
      expect(measureUsage(finished, kept)).toEqual(measureUsage(finished, history));
    }
    expect(compared).toBeGreaterThan(15);
  }, 60_000);

  it('are kept for a connector that reported no status before its transaction, which shows none until it does', async () => {
    const service = new ChargingStations({ stations: stations(), transactions: transactions(), sites: { get: async () => undefined }, clock: systemClock, heartbeatIntervalSeconds: 300 });
    await system.provisionStation('CP-KEPT-FIRST', 'kept-statuses-secret', 'site-main-st', [1]);
    const { transactionId } = await service.startTransaction('CP-KEPT-FIRST', { connectorId: 1, idTag: 'KEPT', meterStart: 0, timestamp: '2026-11-23T10:00:00Z' });
    expect(await stations().getConnectorStatuses('CP-KEPT-FIRST')).toEqual([]);
    await service.connectorStatus('CP-KEPT-FIRST', { connectorId: 1, state: 'suspendedByVehicle', status: 'SuspendedEV', errorCode: 'NoError', timestamp: '2026-11-23T10:05:00Z' });
    expect((await stations().getConnectorStatuses('CP-KEPT-FIRST')).map((s) => s.status)).toEqual(['SuspendedEV']);
    expect((await transactions().get(transactionId))?.statuses).toEqual([{ state: 'suspendedByVehicle', timestamp: '2026-11-23T10:05:00Z' }]);
  });

  it('are no longer kept once the transaction stopped', async () => {
    const service = new ChargingStations({ stations: stations(), transactions: transactions(), sites: { get: async () => undefined }, clock: systemClock, heartbeatIntervalSeconds: 300 });
    await system.provisionStation('CP-KEPT-STOP', 'kept-statuses-secret', 'site-main-st', [1]);
    const { transactionId } = await service.startTransaction('CP-KEPT-STOP', { connectorId: 1, idTag: 'KEPT', meterStart: 0, timestamp: '2026-11-23T10:00:00Z' });
    await service.connectorStatus('CP-KEPT-STOP', { connectorId: 1, state: 'charging', status: 'Charging', errorCode: 'NoError', timestamp: '2026-11-23T10:00:01Z' });
    await service.stopTransaction('CP-KEPT-STOP', { transactionId, meterStop: 100, timestamp: '2026-11-23T10:30:00Z' });
    await service.connectorStatus('CP-KEPT-STOP', { connectorId: 1, state: 'available', status: 'Available', errorCode: 'NoError', timestamp: '2026-11-23T10:31:00Z' });
    expect((await transactions().get(transactionId))?.statuses).toEqual([{ state: 'charging', timestamp: '2026-11-23T10:00:01Z' }]);
  });
});
