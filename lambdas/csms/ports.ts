/**
 * What the CSMS domain needs from the outside world. Lambdas hand in DynamoDB, API Gateway and
 * Step Functions adapters; nothing here imports the AWS SDK.
 */
import type {
  ConnectorStatus,
  IssuedIdTag,
  MeterReading,
  PendingCall,
  CallOutcome,
  StartTransactionInput,
  Station,
  StationBootInfo,
  StopTransactionInput,
  Transaction,
} from './model';

export interface StationProvisioning {
  readonly stationId: string;
  readonly siteId: string;
  readonly connectors: readonly number[];
  readonly passwordHash: string;
}

export interface StationRepository {
  get(stationId: string): Promise<Station | undefined>;
  /** Creates or replaces the provisioned fields; boot data and connection state are kept. */
  provision(station: StationProvisioning, now: string): Promise<Station>;
  recordBoot(stationId: string, boot: StationBootInfo): Promise<void>;
  recordSeen(stationId: string, at: string): Promise<void>;
  recordFirmwareStatus(stationId: string, status: string, at: string): Promise<void>;
  recordDiagnosticsStatus(stationId: string, status: string, at: string): Promise<void>;
  markConnected(stationId: string, connectionId: string, at: string): Promise<void>;
  /** Marks the station offline only if `connectionId` is still its connection (a reconnect may have raced ahead). */
  markDisconnected(stationId: string, connectionId: string, at: string): Promise<boolean>;
  putConnectorStatus(status: ConnectorStatus): Promise<void>;
  getConnectorStatuses(stationId: string): Promise<ConnectorStatus[]>;
  /**
   * The connector's status history, oldest first. With `since` (ISO): the statuses from then
   * on, plus the one in force at that instant, so a session reads its own stretch only.
   */
  listStatusHistory(stationId: string, connectorId: number, since?: string): Promise<ConnectorStatus[]>;
}

/** A charger's WebSocket connection: which station, speaking which OCPP version. */
export interface StationConnection {
  readonly stationId: string;
  readonly subprotocol: string;
}

export interface ConnectionRepository {
  put(connectionId: string, connection: StationConnection, connectedAt: string): Promise<void>;
  find(connectionId: string): Promise<StationConnection | undefined>;
  delete(connectionId: string): Promise<void>;
}

export interface TransactionRepository {
  /** Allocates a new transaction id, or returns the id of a replayed start (same station, connector, time). */
  start(input: StartTransactionInput): Promise<{ transaction: Transaction; replayed: boolean }>;
  get(transactionId: number): Promise<Transaction | undefined>;
  /** Idempotent: a second stop of the same transaction leaves the first one's data. */
  stop(input: StopTransactionInput): Promise<Transaction | undefined>;
  addMeterReadings(
    stationId: string,
    connectorId: number,
    transactionId: number | undefined,
    readings: readonly MeterReading[],
  ): Promise<void>;
  listMeterReadings(transactionId: number): Promise<MeterReading[]>;
  /** Keeps the newest energy register reading on the transaction (ignores older ones). */
  recordLastMeter(transactionId: number, wh: number, at: string): Promise<void>;
  issueIdTag(tag: IssuedIdTag): Promise<void>;
  findIssuedIdTag(idTag: string): Promise<IssuedIdTag | undefined>;
}

export interface PendingCallRepository {
  /** Claims the station's single outgoing-call slot; false while another call is outstanding. */
  reserve(call: PendingCall, now: string): Promise<boolean>;
  get(stationId: string): Promise<PendingCall | undefined>;
  /** Records the charger's answer if `messageId` is the outstanding call; returns the call, or undefined. */
  answer(stationId: string, messageId: string, outcome: CallOutcome): Promise<PendingCall | undefined>;
  release(stationId: string, messageId: string): Promise<void>;
}

/** Sends a text frame down a charger's connection. */
export interface StationLink {
  send(connectionId: string, text: string): Promise<'sent' | 'gone'>;
}

/** Completes the session workflow's callback tasks. */
export interface WorkflowSignals {
  succeed(taskToken: string, output: unknown): Promise<void>;
  fail(taskToken: string, error: string, cause: string): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Site settings (pricing.md); stored as validated, read back as stored. */
export interface SiteRepository<Site = Record<string, unknown> & { siteId: string }> {
  get(siteId: string): Promise<Site | undefined>;
  put(site: Site): Promise<void>;
}
