/**
 * What the CSMS answers a charger and what it stores when the charger reports something
 * (lambdas/csms/charging-stations.ts), through the in-memory ports: boot, heartbeats,
 * connector statuses, id tags, transactions, meter values, firmware/diagnostics status.
 */
import { describe, expect, it } from 'vitest';
import {
  ChargingStations,
  MAX_HEARTBEAT_INTERVAL_SECONDS,
  energyRegisterWh,
  isOnline,
  latestEnergyReading,
  type TransactionEvent,
} from '../../lambdas/csms/charging-stations';
import { hasDisplay, type ConnectorStatus, type MeterReading, type SampledValue, type Station, type StopTransactionInput, type Transaction } from '../../lambdas/csms/model';
import {
  InMemorySiteRepository,
  InMemoryStationRepository,
  InMemoryTransactionRepository,
  SITE_ID,
  STATION_ID,
  T0,
  TestClock,
} from '../support/in-memory';
import { aSite } from '../pricing/builders';
import { connectorStateOf16 } from '../../lambdas/ocpp/v16/connector-states';

const OTHER_STATION = 'CP-2';

function aStation(fields: Partial<Station> = {}): Station {
  return {
    stationId: STATION_ID,
    siteId: SITE_ID,
    connectors: [1, 2],
    passwordHash: 'hash',
    createdAt: '2026-11-01T00:00:00.000Z',
    updatedAt: '2026-11-01T00:00:00.000Z',
    online: true,
    connectionId: 'conn-1',
    ...fields,
  };
}

function aTransaction(fields: Partial<Transaction> & { transactionId: number }): Transaction {
  return { stationId: STATION_ID, connectorId: 1, idTag: 'TAG-1', meterStart: 1000, startedAt: '2026-12-01T11:00:00.000Z', status: 'active', ...fields };
}

/** An energy register reading in Wh at `timestamp`. */
function energy(timestamp: string, wh: number, extra: Partial<SampledValue> = {}): MeterReading {
  return { timestamp, sampledValue: [{ value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh', ...extra }] };
}

/** The service on fresh ports, with the station CP-1 provisioned and every hook call recorded. */
function given(options: { heartbeatIntervalSeconds?: number; hooks?: boolean } = {}) {
  const stations = new InMemoryStationRepository();
  const transactions = new InMemoryTransactionRepository();
  const sites = new InMemorySiteRepository();
  const clock = new TestClock();
  stations.seed(aStation(), aStation({ stationId: OTHER_STATION, connectionId: 'conn-2' }));
  const transactionEvents: TransactionEvent[] = [];
  const connectorStatuses: ConnectorStatus[] = [];
  // What the service hands the repository (the in-memory one keeps only part of it).
  const stops: StopTransactionInput[] = [];
  const stop = transactions.stop.bind(transactions);
  transactions.stop = async (input) => {
    stops.push(structuredClone(input));
    return stop(input);
  };
  const meterWrites: { stationId: string; connectorId: number; transactionId: number | undefined; readings: readonly MeterReading[] }[] = [];
  const addMeterReadings = transactions.addMeterReadings.bind(transactions);
  transactions.addMeterReadings = async (stationId, connectorId, transactionId, readings) => {
    meterWrites.push({ stationId, connectorId, transactionId, readings: structuredClone(readings) });
    return addMeterReadings(stationId, connectorId, transactionId, readings);
  };
  const hooks = options.hooks ?? true;
  const service = new ChargingStations({
    stations,
    transactions,
    sites,
    clock,
    heartbeatIntervalSeconds: options.heartbeatIntervalSeconds ?? 300,
    ...(hooks && {
      onTransactionEvent: async (event: TransactionEvent) => void transactionEvents.push(structuredClone(event)),
      onConnectorStatus: async (status: ConnectorStatus) => void connectorStatuses.push(structuredClone(status)),
    }),
  });
  return { service, stations, transactions, sites, clock, transactionEvents, connectorStatuses, stops, meterWrites };
}

describe('ChargingStations: the heartbeat interval handed out', () => {
  it.each([0, -1, MAX_HEARTBEAT_INTERVAL_SECONDS + 1, 600])('refuses %i s (API Gateway drops sockets idle for 600 s)', (seconds) => {
    expect(() => given({ heartbeatIntervalSeconds: seconds })).toThrow(`heartbeat interval must be 1..540 s, got ${seconds}`);
  });

  it.each([1, 300, MAX_HEARTBEAT_INTERVAL_SECONDS])('hands out %i s at boot', async (seconds) => {
    const { service } = given({ heartbeatIntervalSeconds: seconds });
    expect((await service.boot(STATION_ID, { vendor: 'V', model: 'M' })).interval).toBe(seconds);
  });
});

describe('ChargingStations.boot: BootNotification', () => {
  it.each([
    ['vendor and model only', { vendor: 'Alfen', model: 'Eve' }],
    ['serial and firmware too', { vendor: 'Alfen', model: 'Eve', serialNumber: 'ACE-1', firmwareVersion: '6.1.0' }],
  ])('accepts the charger and records its boot data (%s)', async (_case, info) => {
    const { service, stations, clock } = given();
    clock.set('2026-12-01T12:30:00.000Z');

    expect(await service.boot(STATION_ID, info)).toEqual({ status: 'Accepted', currentTime: '2026-12-01T12:30:00.000Z', interval: 300 });
    const station = stations.record(STATION_ID);
    expect(station.boot).toEqual({ ...info, bootedAt: '2026-12-01T12:30:00.000Z' });
    expect(station.lastSeenAt).toBe('2026-12-01T12:30:00.000Z');
  });
});

describe('ChargingStations.heartbeat: Heartbeat', () => {
  it('answers the current time and records the station as seen then', async () => {
    const { service, stations, clock } = given();
    expect(await service.heartbeat(STATION_ID)).toEqual({ currentTime: T0 });
    clock.advance({ minutes: 5 });

    expect(await service.heartbeat(STATION_ID)).toEqual({ currentTime: '2026-12-01T12:05:00.000Z' });
    expect(stations.record(STATION_ID).lastSeenAt).toBe('2026-12-01T12:05:00.000Z');
    expect(stations.record(OTHER_STATION).lastSeenAt).toBeUndefined();
  });
});

describe('ChargingStations.connectorStatus: StatusNotification', () => {
  const received = '2026-12-01T12:00:07.000Z';
  it.each([
    [
      'the charger time, no info',
      { connectorId: 1, state: 'available' as const, status: 'Available', errorCode: 'NoError', timestamp: '2026-12-01T12:00:05.000Z' },
      { stationId: STATION_ID, connectorId: 1, state: 'available', status: 'Available', errorCode: 'NoError', timestamp: '2026-12-01T12:00:05.000Z', receivedAt: received },
    ],
    [
      'no charger time: the time received',
      { connectorId: 2, state: 'preparing' as const, status: 'Preparing', errorCode: 'NoError' },
      { stationId: STATION_ID, connectorId: 2, state: 'preparing', status: 'Preparing', errorCode: 'NoError', timestamp: received, receivedAt: received },
    ],
    [
      'a fault with info and vendor code',
      { connectorId: 1, state: 'faulted' as const, status: 'Faulted', errorCode: 'GroundFailure', info: 'RCD tripped', vendorErrorCode: 'E42' },
      {
        stationId: STATION_ID,
        connectorId: 1,
        state: 'faulted',
        status: 'Faulted',
        errorCode: 'GroundFailure',
        info: 'RCD tripped',
        vendorErrorCode: 'E42',
        timestamp: received,
        receivedAt: received,
      },
    ],
  ])('stores the status and tells the readers side (%s)', async (_case, report, expected) => {
    const { service, stations, clock, connectorStatuses } = given();
    clock.set(received);

    await service.connectorStatus(STATION_ID, report);

    expect(connectorStatuses).toEqual([expected]);
    expect(Object.keys(connectorStatuses[0]!).sort()).toEqual(Object.keys(expected).sort());
    expect(await stations.getConnectorStatuses(STATION_ID)).toEqual([{ ...expected, arrival: 1 }]);
  });

  it('keeps the arrival order of statuses with the same timestamp; the last one is current', async () => {
    const { service, stations, connectorStatuses } = given();
    const at = '2026-12-01T11:59:00.000Z';
    for (const status of ['Preparing', 'Charging', 'SuspendedEV']) {
      await service.connectorStatus(STATION_ID, { connectorId: 1, state: connectorStateOf16(status), status, errorCode: 'NoError', timestamp: at });
    }

    expect((await stations.listStatusHistory(STATION_ID, 1)).map((s) => [s.status, s.arrival])).toEqual([
      ['Preparing', 1],
      ['Charging', 2],
      ['SuspendedEV', 3],
    ]);
    expect((await stations.getConnectorStatuses(STATION_ID)).map((s) => s.status)).toEqual(['SuspendedEV']);
    expect(connectorStatuses.map((s) => s.status)).toEqual(['Preparing', 'Charging', 'SuspendedEV']);
  });

  it('stores the status when nobody listens', async () => {
    const { service, stations } = given({ hooks: false });
    await service.connectorStatus(STATION_ID, { connectorId: 1, state: 'available', status: 'Available', errorCode: 'NoError' });
    expect((await stations.getConnectorStatuses(STATION_ID)).map((s) => s.status)).toEqual(['Available']);
  });

  it('tells nobody when the status could not be stored', async () => {
    const { service, stations, connectorStatuses } = given();
    stations.failNext('putConnectorStatus');
    await expect(service.connectorStatus(STATION_ID, { connectorId: 1, state: 'available', status: 'Available', errorCode: 'NoError' })).rejects.toThrow();
    expect(connectorStatuses).toEqual([]);
  });
});

describe('ChargingStations.leniency: how harmless schema breaks are read', () => {
  it.each([
    ['an unknown station', undefined, undefined, undefined],
    ['a station in strict mode', { strict: true }, 'Europe/Berlin', undefined],
    ['a lenient station: its site zone', { strict: false }, 'Europe/Berlin', { timeZone: 'Europe/Berlin' }],
    ['a station provisioned before strict mode', {}, 'America/Chicago', { timeZone: 'America/Chicago' }],
    ['a site without a zone: UTC', {}, undefined, { timeZone: 'UTC' }],
  ])('%s', async (_case, station, timeZone, expected) => {
    const { service, stations, sites } = given();
    const stationId = station ? 'CP-LENIENT' : 'CP-UNKNOWN';
    if (station) stations.seed(aStation({ stationId, ...station }));
    await sites.put({ ...aSite(), siteId: SITE_ID, updatedAt: T0, ...(timeZone && { timeZone }) });
    expect(await service.leniency(stationId)).toEqual(expected);
  });

  it('reads UTC when the site record is missing', async () => {
    const { service } = given();
    expect(await service.leniency(STATION_ID)).toEqual({ timeZone: 'UTC' });
  });
});

describe('ChargingStations.authorizeIdTag: Authorize', () => {
  it.each([
    ['a tag issued for this station, valid', STATION_ID, '2026-12-01T12:10:00.000Z', 'Accepted'],
    ['a tag expiring right now', STATION_ID, T0, 'Accepted'],
    ['an expired tag', STATION_ID, '2026-12-01T11:59:59.999Z', 'Expired'],
    ['a tag issued for another station', OTHER_STATION, '2026-12-01T12:10:00.000Z', 'Invalid'],
    ['an expired tag of another station', OTHER_STATION, '2026-12-01T11:00:00.000Z', 'Invalid'],
  ])('%s: %s', async (_case, issuedFor, expiresAt, expected) => {
    const { service, transactions } = given();
    await transactions.issueIdTag({ idTag: 'TAG-1', stationId: issuedFor, expiresAt });
    expect(await service.authorizeIdTag(STATION_ID, 'TAG-1')).toBe(expected);
  });

  it('refuses a tag the CSMS never issued (no RFID list)', async () => {
    const { service, transactions } = given();
    await transactions.issueIdTag({ idTag: 'TAG-1', stationId: STATION_ID, expiresAt: '2026-12-02T00:00:00.000Z' });
    expect(await service.authorizeIdTag(STATION_ID, 'RFID-CARD')).toBe('Invalid');
  });
});

describe('ChargingStations.startTransaction: StartTransaction', () => {
  const start = { connectorId: 1, idTag: 'TAG-1', meterStart: 1200, timestamp: '2026-12-01T11:59:30.000Z' };

  it.each([
    ['an issued tag', '2026-12-01T12:10:00.000Z', 'Accepted'],
    ['an expired tag', '2026-12-01T11:00:00.000Z', 'Expired'],
  ])('answers a transaction id and the tag status, and records the start (%s)', async (_case, expiresAt, idTagStatus) => {
    const { service, transactions, transactionEvents } = given();
    transactions.seed(aTransaction({ transactionId: 41, status: 'stopped' }));
    await transactions.issueIdTag({ idTag: 'TAG-1', stationId: STATION_ID, expiresAt });

    expect(await service.startTransaction(STATION_ID, start)).toEqual({ transactionId: 42, idTagStatus });

    // A charger may start without asking (an expired tag): the transaction is recorded all the same.
    const stored = { transactionId: 42, stationId: STATION_ID, connectorId: 1, idTag: 'TAG-1', meterStart: 1200, startedAt: start.timestamp, status: 'active', statuses: [] };
    expect(await transactions.get(42)).toEqual(stored);
    expect(transactionEvents).toEqual([{ type: 'started', transaction: stored, replayed: false }]);
  });

  it('answers a start when nobody listens', async () => {
    const { service, transactions } = given({ hooks: false });
    const { transactionId } = await service.startTransaction(STATION_ID, start);
    expect((await transactions.get(transactionId))?.status).toBe('active');
  });

  it('answers a replayed start with the same transaction id and says it is a replay', async () => {
    const { service, transactions, transactionEvents } = given();
    await transactions.issueIdTag({ idTag: 'TAG-1', stationId: STATION_ID, expiresAt: '2026-12-01T12:10:00.000Z' });
    const first = await service.startTransaction(STATION_ID, start);

    expect(await service.startTransaction(STATION_ID, start)).toEqual(first);
    expect(transactionEvents.map((e) => [e.type, e.transaction.transactionId, e.type === 'started' && e.replayed])).toEqual([
      ['started', first.transactionId, false],
      ['started', first.transactionId, true],
    ]);
  });

  it('answers Invalid for a tag of another station, and records a start read in the site zone', async () => {
    const { service, transactions } = given();
    await transactions.issueIdTag({ idTag: 'TAG-1', stationId: OTHER_STATION, expiresAt: '2026-12-01T12:10:00.000Z' });

    const answer = await service.startTransaction(STATION_ID, { ...start, timestampsWithoutOffset: true });

    expect(answer.idTagStatus).toBe('Invalid');
    expect((await transactions.get(answer.transactionId))?.timestampsWithoutOffset).toBe(true);
  });
});

describe('ChargingStations.stopTransaction: StopTransaction', () => {
  const stop = { transactionId: 7, meterStop: 5200, timestamp: '2026-12-01T12:40:00.000Z' };

  it.each([
    ['an unknown transaction', [], STATION_ID],
    ['a transaction of another station', [aTransaction({ transactionId: 7, stationId: OTHER_STATION })], STATION_ID],
  ])('answers %s without stopping anything (a replaying charger must not get stuck)', async (_case, seeded, stationId) => {
    const { service, transactions, transactionEvents, stops, meterWrites } = given();
    transactions.seed(...seeded);

    expect(await service.stopTransaction(stationId, { ...stop, readings: [energy(stop.timestamp, 5200)] })).toEqual({ known: false });
    expect(stops).toEqual([]);
    expect(meterWrites).toEqual([]);
    expect(transactionEvents).toEqual([]);
    if (seeded.length) expect((await transactions.get(7))?.status).toBe('active');
  });

  it.each([
    ['no reason, no tag', {}, { stationId: STATION_ID, ...stop }, 'Local'],
    ['a reason and the tag', { reason: 'EVDisconnected', idTag: 'TAG-1' }, { stationId: STATION_ID, ...stop, reason: 'EVDisconnected', idTag: 'TAG-1' }, 'EVDisconnected'],
    ['a stop read in the site zone', { timestampsWithoutOffset: true }, { stationId: STATION_ID, ...stop, timestampsWithoutOffset: true }, 'Local'],
    ['a stop with offset', { timestampsWithoutOffset: false }, { stationId: STATION_ID, ...stop }, 'Local'],
  ])('stops the transaction and tells the session (%s)', async (_case, extra, expectedStop, stopReason) => {
    const { service, transactions, transactionEvents, stops } = given();
    transactions.seed(aTransaction({ transactionId: 7 }));

    expect(await service.stopTransaction(STATION_ID, { ...stop, ...extra })).toEqual({ known: true });

    // No undefined fields: DynamoDB would refuse them.
    expect(stops).toStrictEqual([expectedStop]);
    const stopped = await transactions.get(7);
    expect(stopped).toMatchObject({ status: 'stopped', meterStop: 5200, stoppedAt: stop.timestamp, stopReason });
    expect(transactionEvents).toEqual([{ type: 'stopped', transaction: stopped }]);
  });

  it('stores the transaction data sent with the stop under the transaction', async () => {
    const { service, transactions, meterWrites } = given();
    transactions.seed(aTransaction({ transactionId: 7, connectorId: 2 }));
    const readings = [energy('2026-12-01T12:30:00.000Z', 4000), energy(stop.timestamp, 5200)];

    await service.stopTransaction(STATION_ID, { ...stop, readings });

    expect(meterWrites).toEqual([{ stationId: STATION_ID, connectorId: 2, transactionId: 7, readings }]);
    expect(await transactions.listMeterReadings(7)).toEqual(readings);
  });

  it.each([
    ['no transaction data', undefined],
    ['empty transaction data', []],
  ])('writes no readings for %s', async (_case, readings) => {
    const { service, transactions, meterWrites } = given();
    transactions.seed(aTransaction({ transactionId: 7 }));
    await service.stopTransaction(STATION_ID, { ...stop, ...(readings && { readings }) });
    expect(meterWrites).toEqual([]);
    expect((await transactions.get(7))?.status).toBe('stopped');
  });

  it('tells nobody when the store finds nothing to stop', async () => {
    const { service, transactions, transactionEvents } = given();
    transactions.seed(aTransaction({ transactionId: 7 }));
    transactions.stop = async () => undefined;
    expect(await service.stopTransaction(STATION_ID, stop)).toEqual({ known: true });
    expect(transactionEvents).toEqual([]);
  });

  it('answers a stop when nobody listens', async () => {
    const { service, transactions } = given({ hooks: false });
    transactions.seed(aTransaction({ transactionId: 7 }));
    expect(await service.stopTransaction(STATION_ID, stop)).toEqual({ known: true });
    expect((await transactions.get(7))?.status).toBe('stopped');
  });
});

describe('ChargingStations.meterValues: MeterValues', () => {
  const at = (minute: number) => `2026-12-01T12:${String(minute).padStart(2, '0')}:00.000Z`;

  it.each([
    ['no transaction id', undefined, []],
    ['an unknown transaction', 99, []],
    ['a transaction of another station', 7, [aTransaction({ transactionId: 7, stationId: OTHER_STATION })]],
  ])('stores readings with %s under the connector, and tells nobody', async (_case, transactionId, seeded) => {
    const { service, transactions, transactionEvents, meterWrites } = given();
    transactions.seed(...seeded);
    const readings = [energy(at(5), 1500)];
    // Without a transaction id nothing is looked up (a lookup would fail here).
    if (transactionId === undefined) transactions.failNext('get');

    await service.meterValues(STATION_ID, { connectorId: 2, ...(transactionId !== undefined && { transactionId }), readings });

    expect(meterWrites).toEqual([{ stationId: STATION_ID, connectorId: 2, transactionId: undefined, readings }]);
    expect(transactionEvents).toEqual([]);
    if (seeded.length) expect((await transactions.get(7))?.lastMeterWh).toBeUndefined();
  });

  it.each([
    ['the first reading', {}, [energy(at(5), 1500)], { lastMeterWh: 1500, lastMeterAt: at(5) }],
    ['the newest of several', {}, [energy(at(6), 1700), energy(at(5), 1500)], { lastMeterWh: 1700, lastMeterAt: at(6) }],
    ['a newer reading', { lastMeterWh: 1500, lastMeterAt: at(5) }, [energy(at(6), 1700)], { lastMeterWh: 1700, lastMeterAt: at(6) }],
    ['a corrected reading at the same time', { lastMeterWh: 1500, lastMeterAt: at(5) }, [energy(at(5), 1550)], { lastMeterWh: 1550, lastMeterAt: at(5) }],
    ['an older (late) reading: kept as it was', { lastMeterWh: 1700, lastMeterAt: at(6) }, [energy(at(5), 1500)], { lastMeterWh: 1700, lastMeterAt: at(6) }],
    ['no energy register: kept as it was', { lastMeterWh: 1500, lastMeterAt: at(5) }, [energy(at(6), 11, { measurand: 'Power.Active.Import' })], { lastMeterWh: 1500, lastMeterAt: at(5) }],
  ])('records the last meter of an active transaction and tells the session (%s)', async (_case, before, readings, lastMeter) => {
    const { service, transactions, transactionEvents, meterWrites } = given();
    transactions.seed(aTransaction({ transactionId: 7, ...before }));

    await service.meterValues(STATION_ID, { connectorId: 1, transactionId: 7, readings });

    expect(meterWrites).toEqual([{ stationId: STATION_ID, connectorId: 1, transactionId: 7, readings }]);
    const stored = await transactions.get(7);
    expect(stored).toMatchObject(lastMeter);
    expect(transactionEvents).toEqual([{ type: 'meter', transaction: stored, readings }]);
  });

  it('records the last meter of a stopped transaction but tells nobody', async () => {
    const { service, transactions, transactionEvents } = given();
    transactions.seed(aTransaction({ transactionId: 7, status: 'stopped', meterStop: 2000 }));
    await service.meterValues(STATION_ID, { connectorId: 1, transactionId: 7, readings: [energy(at(5), 1900)] });
    expect(await transactions.get(7)).toMatchObject({ lastMeterWh: 1900, lastMeterAt: at(5) });
    expect(transactionEvents).toEqual([]);
  });

  it('stores the readings when nobody listens', async () => {
    const { service, transactions } = given({ hooks: false });
    transactions.seed(aTransaction({ transactionId: 7 }));
    await service.meterValues(STATION_ID, { connectorId: 1, transactionId: 7, readings: [energy(at(5), 1500)] });
    expect(await transactions.get(7)).toMatchObject({ lastMeterWh: 1500 });
  });
});

describe('ChargingStations: FirmwareStatusNotification and DiagnosticsStatusNotification', () => {
  it.each([
    ['firmware', 'firmwareStatus', 'Installing', 'diagnosticsStatus'],
    ['diagnostics', 'diagnosticsStatus', 'Uploaded', 'firmwareStatus'],
  ] as const)('records the %s status and when the station was seen', async (_case, field, status, untouched) => {
    const { service, stations, clock } = given();
    clock.advance({ minutes: 3 });
    await service[field](STATION_ID, status);
    expect(stations.record(STATION_ID)).toMatchObject({ [field]: status, lastSeenAt: '2026-12-01T12:03:00.000Z' });
    expect(stations.record(STATION_ID)[untouched]).toBeUndefined();
    expect(stations.record(OTHER_STATION)[field]).toBeUndefined();
  });
});

describe('energyRegisterWh: the energy register of a meter reading', () => {
  const reading = (...sampledValue: SampledValue[]): MeterReading => ({ timestamp: T0, sampledValue });
  it.each([
    ['the default measurand, in Wh', [{ value: '1234' }], 1234],
    ['named, in Wh', [{ value: '1234', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }], 1234],
    ['in kWh', [{ value: '12.5', unit: 'kWh' }], 12500],
    ['in kWh, rounded to Wh', [{ value: '0.0126', unit: 'kWh' }], 13],
    ['fractional Wh, rounded', [{ value: '10.6' }], 11],
    ['Raw format named', [{ value: '77', format: 'Raw' }], 77],
    ['phase null (some chargers send it)', [{ value: '88', phase: null as unknown as string }], 88],
    ['after other measurands', [{ value: '7', measurand: 'Power.Active.Import' }, { value: '99' }], 99],
    ['the first register sample', [{ value: '5' }, { value: '6' }], 5],
    ['another measurand only', [{ value: '7', measurand: 'Power.Active.Import' }], undefined],
    ['signed data only', [{ value: 'AB12', format: 'SignedData' }], undefined],
    ['signed data that reads as a number', [{ value: '1234', format: 'SignedData' }], undefined],
    ['per phase only', [{ value: '400', phase: 'L1' }], undefined],
    ['per phase, then the total', [{ value: '400', phase: 'L1' }, { value: '1200' }], 1200],
    ['not a number', [{ value: 'n/a' }], undefined],
    ['not finite', [{ value: 'Infinity' }], undefined],
    ['no samples', [], undefined],
  ])('%s', (_case, samples, expected) => {
    expect(energyRegisterWh(reading(...(samples as SampledValue[])))).toBe(expected);
  });
});

describe('latestEnergyReading: the newest energy register in a report', () => {
  it.each([
    ['none', [], undefined],
    ['one', [energy('2026-12-01T12:05:00Z', 10)], { wh: 10, at: '2026-12-01T12:05:00Z' }],
    ['the newest, whatever the order', [energy('2026-12-01T12:06:00Z', 20), energy('2026-12-01T12:05:00Z', 10)], { wh: 20, at: '2026-12-01T12:06:00Z' }],
    ['the last of equal times', [energy('2026-12-01T12:05:00Z', 10), energy('2026-12-01T12:05:00Z', 11)], { wh: 11, at: '2026-12-01T12:05:00Z' }],
    [
      'skipping readings without a register',
      [energy('2026-12-01T12:05:00Z', 10), energy('2026-12-01T12:07:00Z', 99, { measurand: 'Voltage' })],
      { wh: 10, at: '2026-12-01T12:05:00Z' },
    ],
  ])('%s', (_case, readings, expected) => {
    expect(latestEnergyReading(readings)).toEqual(expected);
  });
});

describe('isOnline: whether the CSMS can send the station a call now', () => {
  it.each([
    ['unknown', undefined, false],
    ['connected', aStation(), true],
    ['marked offline, a stale connection id', aStation({ online: false }), false],
    ['online but without a connection', aStation({ connectionId: undefined }), false],
    ['disconnected', aStation({ online: false, connectionId: undefined }), false],
  ])('%s: %s', (_case, station, expected) => {
    expect(isOnline(station)).toBe(expected);
  });
});

describe('hasDisplay: whether the CSMS may write to a station\'s display', () => {
  it.each([
    [{}, true],
    [{ display: false }, false],
    [{ display: true }, true],
    [{ displaySetting: false, display: true }, false],
    [{ displaySetting: true, display: false }, true],
  ])('%j: %s', (station, expected) => {
    expect(hasDisplay(station)).toBe(expected);
  });
});
