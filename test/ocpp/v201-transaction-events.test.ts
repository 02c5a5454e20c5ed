/**
 * OCPP 2.0.1 TransactionEvents onto the domain's transaction (lambdas/ocpp/v201/transaction-events.ts),
 * through the in-memory ports: readings in the domain's words, the meter stop's fallbacks, the
 * domain's events told once however often a charger sends an event.
 */
import { describe, expect, it } from 'vitest';
import { ChargingStations, type TransactionEvent } from '../../lambdas/csms/charging-stations';
import { readingsOf, transactionEvent } from '../../lambdas/ocpp/v201/transaction-events';
import { InMemorySiteRepository, InMemoryStationRepository, InMemoryTransactionRepository, STATION_ID, TestClock } from '../support/in-memory';

function given() {
  const transactions = new InMemoryTransactionRepository();
  const events: TransactionEvent['type'][] = [];
  const stations = new ChargingStations({
    stations: new InMemoryStationRepository(),
    transactions,
    sites: new InMemorySiteRepository(),
    clock: new TestClock(),
    heartbeatIntervalSeconds: 300,
    onTransactionEvent: async (event) => void events.push(event.type),
  });
  return { stations, transactions, events };
}

const energy = (value: number, timestamp: string, unitOfMeasure?: { unit?: string; multiplier?: number }) => [
  { timestamp, sampledValue: [{ value, measurand: 'Energy.Active.Import.Register' as const, ...(unitOfMeasure && { unitOfMeasure }) }] },
];

const base = (eventType: 'Started' | 'Updated' | 'Ended', seqNo: number, timestamp: string) => ({
  eventType,
  seqNo,
  timestamp,
  triggerReason: 'Trigger' as const,
  transactionInfo: { transactionId: 'tx-9' },
});

describe('2.0.1 TransactionEvents', () => {
  it('read samples in the domain words, multiplier applied and kWh kept for the register rule', () => {
    expect(readingsOf(energy(12.345, '2026-12-01T10:00:00Z', { unit: 'kWh' }))).toEqual([
      { timestamp: '2026-12-01T10:00:00Z', sampledValue: [{ value: '12.345', measurand: 'Energy.Active.Import.Register', unit: 'kWh' }] },
    ]);
    expect(readingsOf(energy(12, '2026-12-01T10:00:00Z', { multiplier: 3 }))[0]!.sampledValue[0]!.value).toBe('12000');
    expect(readingsOf(undefined)).toEqual([]);
  });

  it('start once, stop once, a replayed seqNo changes nothing, and an Ended without a reading stops at the last register seen', async () => {
    const { stations, transactions, events } = given();
    const started = {
      ...base('Started', 0, '2026-12-01T10:00:00Z'),
      evse: { id: 2 },
      idToken: { idToken: 'PT-9', type: 'Central' as const },
      meterValue: energy(500, '2026-12-01T10:00:00Z'),
    };
    expect(await transactionEvent(stations, STATION_ID, started)).toEqual({ idTokenInfo: { status: 'Invalid' } });
    // A replay (the same seqNo) is answered again and changes nothing.
    expect(await transactionEvent(stations, STATION_ID, started)).toEqual({ idTokenInfo: { status: 'Invalid' } });
    await transactionEvent(stations, STATION_ID, { ...base('Updated', 1, '2026-12-01T10:30:00Z'), meterValue: energy(4.5, '2026-12-01T10:30:00Z', { unit: 'kWh' }) });
    const ended = { ...base('Ended', 2, '2026-12-01T11:00:00Z'), transactionInfo: { transactionId: 'tx-9', stoppedReason: 'EVDisconnected' as const } };
    await transactionEvent(stations, STATION_ID, ended);
    await transactionEvent(stations, STATION_ID, ended);
    const id = await transactions.findChargerTransaction(STATION_ID, 'tx-9');
    expect(await transactions.get(id!)).toMatchObject({ connectorId: 2, meterStart: 500, meterStop: 4500, status: 'stopped', stopReason: 'EVDisconnected', chargerTransactionId: 'tx-9' });
    expect(events).toEqual(['started', 'meter', 'meter', 'stopped']);
  });

  it('an event for a transaction never started (no id token yet) changes nothing', async () => {
    const { stations, transactions, events } = given();
    expect(await transactionEvent(stations, STATION_ID, { ...base('Ended', 3, '2026-12-01T11:00:00Z'), meterValue: energy(9, '2026-12-01T11:00:00Z') })).toEqual({});
    expect(await transactions.findChargerTransaction(STATION_ID, 'tx-9')).toBeUndefined();
    expect(events).toEqual([]);
  });
});
