/**
 * The charging station management model, independent of the OCPP version on the wire and of
 * the store: the OCPP adapters translate frames into these, the repositories persist them.
 */
import { createHash } from 'node:crypto';

export interface StationBootInfo {
  readonly vendor: string;
  readonly model: string;
  readonly serialNumber?: string;
  readonly firmwareVersion?: string;
  readonly bootedAt: string;
}

export interface Station {
  readonly stationId: string;
  readonly siteId: string;
  readonly connectors: readonly number[];
  readonly passwordHash: string;
  /** Its frames are read strictly by the official schemas; absent on stations provisioned before the switch (not strict). */
  readonly strict?: boolean;
  /** The OCPP subprotocols it may speak, preferred first; absent on stations provisioned before 2.0.1: ours (2.0.1 first). */
  readonly protocols?: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly boot?: StationBootInfo;
  /** The API Gateway connection currently serving the station, if it is online. */
  readonly connectionId?: string;
  readonly online: boolean;
  readonly lastSeenAt?: string;
  /** When its last connection went away (set while offline). */
  readonly disconnectedAt?: string;
  readonly firmwareStatus?: string;
  readonly diagnosticsStatus?: string;
  /** Whether it has a display the CSMS may write to, as it last reported (OCPP 2.0.1's DisplayMessageCtrlr); absent: not reported. */
  readonly display?: boolean;
  /** The installer's say on that, which `display` never overrides; absent: none. */
  readonly displaySetting?: boolean;
}

/** Whether the CSMS may write to the station's display: the installer's say, else the station's, else yes. */
export function hasDisplay(station: Pick<Station, 'display' | 'displaySetting'> | undefined): boolean {
  return station?.displaySetting ?? station?.display ?? true;
}

/**
 * How the frames of a station that is not in strict mode are read when they break the
 * official schemas in a harmless way: properties OCPP does not define are ignored, and
 * date-times without an offset are wall-clock times of its site's zone.
 */
export interface Leniency {
  /** IANA zone of the station's site. */
  readonly timeZone: string;
}

/**
 * What a connector is doing, in the domain's words; each OCPP adapter maps its protocol's
 * statuses onto these (1.6: lambdas/ocpp/v16/connector-states.ts).
 */
export type ConnectorState =
  | 'available'
  /** Plugged in or authorized, no charge yet: where a tap at the reader should charge. */
  | 'preparing'
  | 'charging'
  /** Plugged in, drawing nothing because the vehicle does not take energy: idle (docs/pricing.md). */
  | 'suspendedByVehicle'
  /** Plugged in, drawing nothing because the charger does not offer energy. */
  | 'suspendedByCharger'
  | 'finishing'
  | 'reserved'
  | 'unavailable'
  | 'faulted';

export interface ConnectorStatus {
  readonly stationId: string;
  readonly connectorId: number;
  readonly state: ConnectorState;
  /** The status as the charger's protocol named it (OCPP 1.6: `SuspendedEV`...): what operators see. */
  readonly status: string;
  readonly errorCode: string;
  readonly info?: string;
  readonly vendorErrorCode?: string;
  /** When the status began: the charger's timestamp, or the time received when it sent none. */
  readonly timestamp: string;
  readonly receivedAt: string;
  /**
   * The connector's count of notifications when this one arrived: the order of statuses with
   * the same timestamp. Set when read back; absent on statuses stored before it existed.
   */
  readonly arrival?: number;
}

/** A status as the operators' APIs show it: the charger's own words, as before the domain had states. */
export function asReported({ state: _state, ...reported }: ConnectorStatus): Omit<ConnectorStatus, 'state'> {
  return reported;
}

export interface SampledValue {
  readonly value: string;
  readonly measurand?: string;
  readonly unit?: string;
  readonly context?: string;
  readonly phase?: string;
  readonly location?: string;
  readonly format?: string;
}

export interface MeterReading {
  readonly timestamp: string;
  readonly sampledValue: readonly SampledValue[];
}

export interface Transaction {
  readonly transactionId: number;
  readonly stationId: string;
  readonly connectorId: number;
  readonly idTag: string;
  readonly meterStart: number;
  readonly startedAt: string;
  readonly status: 'active' | 'stopped';
  readonly meterStop?: number;
  readonly stoppedAt?: string;
  readonly stopReason?: string;
  /** The last energy register reading seen (Wh), from meter values: the fallback when a charger is lost. */
  readonly lastMeterWh?: number;
  readonly lastMeterAt?: string;
  /** The charger's own id of it, when the charger chose one (OCPP 2.0.1): a stop names it so. */
  readonly chargerTransactionId?: string;
  /** Its start or stop time came without an offset and was read in the site's zone. */
  readonly timestampsWithoutOffset?: boolean;
  /**
   * The connector's statuses as they arrived: the one in force at the start and each one
   * since, up to `MAX_KEPT_STATUSES` (then read from the history). Idle time is priced, and
   * every meter value prices the charge so far: kept here, the write that records its meter
   * returns them and no history is read per frame.
   */
  readonly statuses?: readonly KeptStatus[];
}

/** A connector status as pricing reads it (lambdas/pricing/usage.ts `StatusChange`). */
export interface KeptStatus {
  readonly state: ConnectorState;
  readonly timestamp: string;
}

/** Beyond this many (a car that pauses every few minutes), the history is read instead: the transaction item stays under 1 KB. */
export const MAX_KEPT_STATUSES = 12;

/** The statuses a transaction kept, when they are all it saw (else undefined: read the history). */
export function keptStatuses(transaction: Pick<Transaction, 'statuses'>): readonly KeptStatus[] | undefined {
  const { statuses } = transaction;
  return statuses !== undefined && statuses.length < MAX_KEPT_STATUSES ? statuses : undefined;
}

export interface StartTransactionInput {
  readonly stationId: string;
  readonly connectorId: number;
  readonly idTag: string;
  readonly meterStart: number;
  readonly timestamp: string;
  readonly reservationId?: number;
  readonly timestampsWithoutOffset?: boolean;
  /** The connector's statuses the transaction starts with (its history from the start on). */
  readonly statuses?: readonly KeptStatus[];
}

/** The record a StartTransaction opens: active, with what the charger reported. Every store writes this. */
export function newTransaction(transactionId: number, input: StartTransactionInput): Transaction {
  return {
    transactionId,
    stationId: input.stationId,
    connectorId: input.connectorId,
    idTag: input.idTag,
    meterStart: input.meterStart,
    startedAt: input.timestamp,
    status: 'active',
    ...(input.timestampsWithoutOffset && { timestampsWithoutOffset: true }),
    ...(input.statuses !== undefined && { statuses: input.statuses.slice(0, MAX_KEPT_STATUSES) }),
  };
}

export interface StopTransactionInput {
  readonly stationId: string;
  readonly transactionId: number;
  readonly meterStop: number;
  readonly timestamp: string;
  readonly reason?: string;
  readonly idTag?: string;
  readonly timestampsWithoutOffset?: boolean;
}

/** An id tag the CSMS issued for a charging start it asked for (the card reader pays, not an RFID list). */
export interface IssuedIdTag {
  readonly idTag: string;
  readonly stationId: string;
  readonly expiresAt: string;
  /** The number its remote start is known by (`remoteStartIdOf`), set when the start is sent. */
  readonly remoteStartId?: number;
}

/**
 * The number a remote start with this id tag is known by to the charger (OCPP 2.0.1's
 * remoteStartId): the same every time (a re-sent start, the TransactionEvent that answers it),
 * a non-negative 31-bit integer.
 */
export function remoteStartIdOf(idTag: string): number {
  return createHash('sha256').update(idTag).digest().readUInt32BE(0) >>> 1;
}

/** The charger's answer to a CSMS call: its CALLRESULT payload or its CALLERROR. */
export type CallOutcome =
  | { readonly kind: 'result'; readonly payload: unknown }
  | { readonly kind: 'error'; readonly code: string; readonly description: string; readonly details?: unknown };
