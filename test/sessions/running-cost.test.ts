/**
 * What a charge has cost so far (the reader's live total, the hold cap, the operators' view):
 * docs/pricing.md's tariff on the usage up to now, idle time from the connector's statuses
 * since the start only.
 */
import { describe, expect, it } from 'vitest';
import type { Transaction } from '../../lambdas/csms/model';
import { runningCost, sessionCostSoFar } from '../../lambdas/sessions/running-cost';
import { aSite } from '../pricing/builders';
import { InMemoryStationRepository, InMemoryTransactionRepository, STATION_ID, T0 } from '../support/in-memory';
import { connectorStateOf16 } from '../../lambdas/ocpp/v16/connector-states';

const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();
const SITE = aSite();
const SESSION = { stationId: STATION_ID, connectorId: 1 };
const TRANSACTION: Transaction = { transactionId: 7, stationId: STATION_ID, connectorId: 1, idTag: 'TAG', meterStart: 1000, startedAt: T0, status: 'active', lastMeterWh: 13345, lastMeterAt: at(59) };

async function stationsWith(...statuses: [string, number, number?][]) {
  const stations = new InMemoryStationRepository();
  for (const [status, minutes, connectorId = 1] of statuses) {
    await stations.putConnectorStatus({ stationId: STATION_ID, connectorId, state: connectorStateOf16(status), status, errorCode: 'NoError', timestamp: at(minutes), receivedAt: at(minutes) });
  }
  return stations;
}

describe('runningCost', () => {
  it("the worked example an hour in: 12345 Wh, 15 min idle: 764, the charger's energy seen", async () => {
    const stations = await stationsWith(['Charging', 0], ['SuspendedEV', 45], ['Charging', 60]);
    const cost = await runningCost(stations, SITE, SESSION, TRANSACTION, new Date(at(60)));
    expect(cost.usage).toEqual({ energyWh: 12345, durationSeconds: 3600, idleSeconds: 900, anomalies: [] });
    expect(cost.total.minor).toBe(764);
    expect(cost.metered).toBe(true);
  });

  it("idle before the start, or on another connector, is not this charge's", async () => {
    const stations = await stationsWith(['SuspendedEV', -30], ['Charging', 0], ['SuspendedEV', 10, 2]);
    const cost = await runningCost(stations, SITE, SESSION, TRANSACTION, new Date(at(60)));
    expect(cost.usage.idleSeconds).toBe(0);
    expect(cost.total.minor).toBe(710); // 100 + 432 + 120 = 652, tax 58
  });

  it('the status in force at the start counts from the start (idle since before it)', async () => {
    const stations = await stationsWith(['SuspendedEV', -30]);
    const cost = await runningCost(stations, SITE, SESSION, TRANSACTION, new Date(at(60)));
    expect(cost.usage.idleSeconds).toBe(3600);
  });

  it('no energy reading yet: no energy so far, not metered', async () => {
    const { lastMeterWh: _none, ...unmetered } = TRANSACTION;
    const cost = await runningCost(await stationsWith(), SITE, SESSION, unmetered, new Date(at(60)));
    expect(cost.usage.energyWh).toBe(0);
    expect(cost.metered).toBe(false);
    expect(cost.total.minor).toBe(240); // 100 + 120 = 220, tax 19.5 -> 20
  });
});

describe('sessionCostSoFar', () => {
  it("the session's transaction as stored, priced up to now", async () => {
    const transactions = new InMemoryTransactionRepository();
    transactions.seed(TRANSACTION);
    const cost = await sessionCostSoFar({ stations: await stationsWith(), transactions }, SITE, { ...SESSION, transactionId: 7 }, new Date(at(60)));
    expect(cost?.total.minor).toBe(710);
  });

  it('before its StartTransaction the transactions store is not even asked', async () => {
    const asked: number[] = [];
    const transactions = { get: async (id: number) => (asked.push(id), undefined) };
    expect(await sessionCostSoFar({ stations: await stationsWith(), transactions }, SITE, SESSION, new Date(at(60)))).toBeUndefined();
    expect(asked).toEqual([]);
  });

  it.each([
    { case: 'before its StartTransaction', transactionId: undefined },
    { case: 'a transaction not stored', transactionId: 8 },
  ])('nothing $case', async ({ transactionId }) => {
    const transactions = new InMemoryTransactionRepository();
    transactions.seed(TRANSACTION);
    expect(await sessionCostSoFar({ stations: await stationsWith(), transactions }, SITE, { ...SESSION, transactionId }, new Date(at(60)))).toBeUndefined();
  });
});
