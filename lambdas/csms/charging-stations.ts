/**
 * What the CSMS does when a charger reports something, whatever OCPP version carried it.
 * The OCPP adapters (lambdas/ocpp/v16/...) map frames to these calls and the answers back.
 */
import { siteTimeZone } from '../sites/site-settings';
import { hasDisplay, type ConnectorState, type ConnectorStatus, type Leniency, type MeterReading, type SampledValue, type Station, type Transaction } from './model';
import type { SiteRepository, StationRepository, TransactionRepository } from './ports';
import type { Clock } from '../shared/clock';

export type IdTagStatus = 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'ConcurrentTx';

export interface ChargingStationsDeps {
  readonly stations: StationRepository;
  readonly transactions: TransactionRepository;
  /** The stations' sites, for the zone offset-less charger times are read in. */
  readonly sites: Pick<SiteRepository<{ siteId: string; timeZone?: string }>, 'get'>;
  readonly clock: Clock;
  /** Seconds between heartbeats told to chargers at boot (at most 540: API Gateway drops idle sockets at 600). */
  readonly heartbeatIntervalSeconds: number;
  /** Told when a transaction starts or stops, so a waiting session workflow can move on. */
  readonly onTransactionEvent?: (event: TransactionEvent) => Promise<void>;
  /** Told on every connector status change (idle tracking, reader out-of-order screens). */
  readonly onConnectorStatus?: (status: ConnectorStatus) => Promise<void>;
  /** What the session paying for a transaction has cost so far, for the charger's display; undefined: none of ours. */
  readonly sessionCost?: (transaction: Transaction) => Promise<SessionCost | undefined>;
}

/** A session's cost as a charger shows it: the amount in major units (a decimal), and as the driver reads it. */
export interface SessionCost {
  readonly amount: string;
  readonly text: string;
  readonly language: string;
}

export type TransactionEvent =
  | { readonly type: 'started'; readonly transaction: Transaction; readonly replayed: boolean }
  | { readonly type: 'stopped'; readonly transaction: Transaction }
  | { readonly type: 'meter'; readonly transaction: Transaction; readonly readings: readonly MeterReading[] };

export const MAX_HEARTBEAT_INTERVAL_SECONDS = 540;

export class ChargingStations {
  constructor(private readonly deps: ChargingStationsDeps) {
    if (deps.heartbeatIntervalSeconds < 1 || deps.heartbeatIntervalSeconds > MAX_HEARTBEAT_INTERVAL_SECONDS) {
      throw new Error(`heartbeat interval must be 1..${MAX_HEARTBEAT_INTERVAL_SECONDS} s, got ${deps.heartbeatIntervalSeconds}`);
    }
  }

  private nowIso(): string {
    return this.deps.clock.now().toISOString();
  }

  async boot(
    stationId: string,
    info: { vendor: string; model: string; serialNumber?: string; firmwareVersion?: string },
  ): Promise<{ status: 'Accepted'; currentTime: string; interval: number }> {
    const now = this.nowIso();
    await this.deps.stations.recordBoot(stationId, { ...info, bootedAt: now });
    return { status: 'Accepted', currentTime: now, interval: this.deps.heartbeatIntervalSeconds };
  }

  async heartbeat(stationId: string): Promise<{ currentTime: string }> {
    const now = this.nowIso();
    await this.deps.stations.recordSeen(stationId, now);
    return { currentTime: now };
  }

  async connectorStatus(
    stationId: string,
    report: { connectorId: number; state: ConnectorState; status: string; errorCode: string; info?: string; vendorErrorCode?: string; timestamp?: string },
  ): Promise<void> {
    const receivedAt = this.nowIso();
    const status: ConnectorStatus = {
      stationId,
      connectorId: report.connectorId,
      state: report.state,
      status: report.status,
      errorCode: report.errorCode,
      ...(report.info !== undefined && { info: report.info }),
      ...(report.vendorErrorCode !== undefined && { vendorErrorCode: report.vendorErrorCode }),
      timestamp: report.timestamp ?? receivedAt,
      receivedAt,
    };
    const openTransaction = await this.deps.stations.putConnectorStatus(status);
    if (openTransaction !== undefined) await this.deps.transactions.keepStatus(openTransaction, { state: status.state, timestamp: status.timestamp });
    await this.deps.onConnectorStatus?.(status);
  }

  /**
   * How the station's frames are read when they break the official schemas in a harmless way
   * (lambdas/ocpp/v16/validate.ts): leniently, in its site's zone, unless it is in strict mode
   * (certification runs) or unknown. Read when needed, so a change applies to the next frame.
   */
  async leniency(stationId: string): Promise<Leniency | undefined> {
    const station = await this.deps.stations.get(stationId);
    if (!station || station.strict) return undefined;
    return { timeZone: siteTimeZone(await this.deps.sites.get(station.siteId)) };
  }

  /**
   * Payment happens on the card reader, not by RFID list: the CSMS accepts exactly the id tags
   * it issued itself for a start on this station, until they expire.
   */
  async authorizeIdTag(stationId: string, idTag: string): Promise<IdTagStatus> {
    const issued = await this.deps.transactions.findIssuedIdTag(idTag);
    if (!issued || issued.stationId !== stationId) return 'Invalid';
    if (issued.expiresAt < this.nowIso()) return 'Expired';
    return 'Accepted';
  }

  async startTransaction(
    stationId: string,
    start: { connectorId: number; idTag: string; meterStart: number; timestamp: string; reservationId?: number; timestampsWithoutOffset?: boolean },
  ): Promise<{ transactionId: number; idTagStatus: IdTagStatus }> {
    const idTagStatus = await this.authorizeIdTag(stationId, start.idTag);
    // The connector's history from the start on, read once here, then kept as it arrives: its
    // meter values price the charge so far without reading the history again.
    const history = await this.deps.stations.listStatusHistory(stationId, start.connectorId, start.timestamp);
    const statuses = history.map(({ state, timestamp }) => ({ state, timestamp }));
    const { transaction, replayed } = await this.deps.transactions.start({ stationId, ...start, statuses });
    if (!replayed) await this.deps.stations.openConnectorTransaction(stationId, start.connectorId, transaction.transactionId);
    await this.deps.onTransactionEvent?.({ type: 'started', transaction, replayed });
    return { transactionId: transaction.transactionId, idTagStatus };
  }

  /** Answered even for an unknown transaction: a charger replaying its queue must not get stuck. */
  async stopTransaction(
    stationId: string,
    stop: {
      transactionId: number;
      meterStop: number;
      timestamp: string;
      reason?: string;
      idTag?: string;
      readings?: readonly MeterReading[];
      timestampsWithoutOffset?: boolean;
    },
  ): Promise<{ known: boolean }> {
    const existing = await this.deps.transactions.get(stop.transactionId);
    if (!existing || existing.stationId !== stationId) return { known: false };
    if (stop.readings?.length) {
      await this.deps.transactions.addMeterReadings(stationId, existing.connectorId, existing.transactionId, stop.readings);
    }
    const stopped = await this.deps.transactions.stop({
      stationId,
      transactionId: stop.transactionId,
      meterStop: stop.meterStop,
      timestamp: stop.timestamp,
      ...(stop.reason !== undefined && { reason: stop.reason }),
      ...(stop.idTag !== undefined && { idTag: stop.idTag }),
      ...(stop.timestampsWithoutOffset && { timestampsWithoutOffset: true }),
    });
    if (stopped) await this.deps.onTransactionEvent?.({ type: 'stopped', transaction: stopped });
    return { known: true };
  }

  async meterValues(
    stationId: string,
    report: { connectorId: number; transactionId?: number; readings: readonly MeterReading[] },
  ): Promise<void> {
    const { transactionId } = report;
    const latest = latestEnergyReading(report.readings);
    // The newest energy reading is recorded on the station's transaction, which the write
    // returns; only a frame without one, an older one, or not the station's reads it.
    let transaction =
      transactionId !== undefined && latest ? await this.deps.transactions.recordLastMeter(transactionId, latest.wh, latest.at, stationId) : undefined;
    if (transactionId !== undefined && !transaction) transaction = await this.deps.transactions.get(transactionId);
    const belongs = transaction !== undefined && transaction.stationId === stationId;
    // The readings are stored while the session looks at the transaction (neither needs the
    // other; a replay of the frame stores the same item and looks again).
    await Promise.all([
      this.deps.transactions.addMeterReadings(stationId, report.connectorId, belongs ? transaction!.transactionId : undefined, report.readings),
      belongs && transaction!.status === 'active' && this.deps.onTransactionEvent?.({ type: 'meter', transaction: transaction!, readings: report.readings }),
    ]);
  }

  /**
   * The cost of the session paying for `transaction` (as it is once the charger's frame was
   * told to the session), and whether the CSMS may write to the station's display (`hasDisplay`).
   */
  async costToShow(stationId: string, transaction: Transaction): Promise<{ cost: SessionCost; display: boolean } | undefined> {
    const cost = await this.deps.sessionCost?.(transaction);
    if (!cost) return undefined;
    return { cost, display: hasDisplay(await this.deps.stations.get(stationId)) };
  }

  /** The id tag the station's remote start known by `remoteStartId` issued (OCPP 2.0.1), if ours. */
  remoteStartIdTag(stationId: string, remoteStartId: number): Promise<string | undefined> {
    return this.deps.transactions.findRemoteStart(stationId, remoteStartId);
  }

  /** Our transaction of one the charger named itself (OCPP 2.0.1), once its start was told. */
  chargerTransaction(stationId: string, chargerTransactionId: string): Promise<Transaction | undefined> {
    return this.deps.transactions.findChargerTransaction(stationId, chargerTransactionId).then((id) => (id === undefined ? undefined : this.deps.transactions.get(id)));
  }

  /** Whether this is the first time the charger sent its transaction's event `seqNo` (OCPP 2.0.1). */
  firstChargerEvent(stationId: string, chargerTransactionId: string, seqNo: number): Promise<boolean> {
    return this.deps.transactions.firstChargerEvent(stationId, chargerTransactionId, seqNo);
  }

  /** Starts our transaction for one the charger named itself, once: a replay finds the first. */
  async startChargerTransaction(
    stationId: string,
    chargerTransactionId: string,
    start: { connectorId: number; idTag: string; meterStart: number; timestamp: string },
  ): Promise<{ transactionId: number; idTagStatus: IdTagStatus }> {
    const started = await this.startTransaction(stationId, start);
    const transactionId = await this.deps.transactions.linkChargerTransaction(stationId, chargerTransactionId, started.transactionId);
    return { ...started, transactionId };
  }

  async firmwareStatus(stationId: string, status: string): Promise<void> {
    await this.deps.stations.recordFirmwareStatus(stationId, status, this.nowIso());
  }

  async diagnosticsStatus(stationId: string, status: string): Promise<void> {
    await this.deps.stations.recordDiagnosticsStatus(stationId, status, this.nowIso());
  }

  /** What the station says of its display: whether the CSMS may show it the session's cost. */
  async displayCapability(stationId: string, display: boolean): Promise<void> {
    await this.deps.stations.recordDisplay(stationId, display, this.nowIso());
  }
}

/**
 * The energy register (Wh) of a meter reading: the `Energy.Active.Import.Register` sample
 * (the default measurand when none is named), converted from kWh when so reported.
 */
export function energyRegisterWh(reading: MeterReading): number | undefined {
  const sample = reading.sampledValue.find(
    (s: SampledValue) =>
      (s.measurand ?? 'Energy.Active.Import.Register') === 'Energy.Active.Import.Register' &&
      (s.format ?? 'Raw') === 'Raw' &&
      (s.phase === undefined || s.phase === null),
  );
  if (!sample) return undefined;
  const value = Number(sample.value);
  if (!Number.isFinite(value)) return undefined;
  return sample.unit === 'kWh' ? Math.round(value * 1000) : Math.round(value);
}

export function latestEnergyReading(readings: readonly MeterReading[]): { wh: number; at: string } | undefined {
  let latest: { wh: number; at: string } | undefined;
  for (const reading of readings) {
    const wh = energyRegisterWh(reading);
    if (wh !== undefined && (!latest || reading.timestamp >= latest.at)) latest = { wh, at: reading.timestamp };
  }
  return latest;
}

export function isOnline(station: Station | undefined): station is Station & { connectionId: string } {
  return station !== undefined && station.online && station.connectionId !== undefined;
}
