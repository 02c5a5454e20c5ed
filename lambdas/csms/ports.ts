/**
 * What the CSMS domain needs from the outside world. Lambdas hand in DynamoDB and API Gateway
 * adapters (the session workflow's port is lambdas/shared/workflow.ts); nothing here imports the AWS SDK.
 */
import type {
  ConnectorStatus,
  IssuedIdTag,
  KeptStatus,
  MeterReading,
  StartTransactionInput,
  Station,
  StationBootInfo,
  StopTransactionInput,
  Transaction,
} from './model';
import type { CallQueue } from './call-queue';

export interface StationProvisioning {
  readonly stationId: string;
  readonly siteId: string;
  readonly connectors: readonly number[];
  /** Undefined: the station's password is kept (an edit); only a provisioned station has one to keep. */
  readonly passwordHash: string | undefined;
  /** Its frames are read strictly by the official schemas (certification runs). */
  readonly strict: boolean;
  /** The OCPP subprotocols it may speak, preferred first. */
  readonly protocols: readonly string[];
  /** The installer's say on its display, over what it reports; undefined: none. */
  readonly display?: boolean;
}

export interface StationRepository {
  get(stationId: string): Promise<Station | undefined>;
  /** Every station's profile, in no particular order (the operators' overview: a scan). */
  list(): Promise<Station[]>;
  /**
   * Creates or replaces the provisioned fields; boot data and connection state are kept.
   * Undefined when the station keeps its password (`passwordHash` undefined) but has none: it does not exist.
   */
  provision(station: StationProvisioning, now: string): Promise<Station | undefined>;
  recordBoot(stationId: string, boot: StationBootInfo): Promise<void>;
  recordSeen(stationId: string, at: string): Promise<void>;
  recordFirmwareStatus(stationId: string, status: string, at: string): Promise<void>;
  recordDiagnosticsStatus(stationId: string, status: string, at: string): Promise<void>;
  /** Whether the station has a display the CSMS may write to, as it reported. */
  recordDisplay(stationId: string, display: boolean, at: string): Promise<void>;
  /** Maps the station to its new connection; returns the connection it replaced, if any. */
  markConnected(stationId: string, connectionId: string, at: string): Promise<string | undefined>;
  /** Marks the station offline only if `connectionId` is still its connection (a reconnect may have raced ahead). */
  markDisconnected(stationId: string, connectionId: string, at: string): Promise<boolean>;
  /** Stores the status and its history entry; the transaction open on the connector, if one is (`openConnectorTransaction`). */
  putConnectorStatus(status: ConnectorStatus): Promise<number | undefined>;
  /** Marks `transactionId` as the one on the connector: its statuses from now on are kept on it. */
  openConnectorTransaction(stationId: string, connectorId: number, transactionId: number): Promise<void>;
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
  /** No frame has come on it yet ($connect cannot send, so queued calls wait for the first frame). */
  readonly fresh?: boolean;
}

export interface ConnectionRepository {
  put(connectionId: string, connection: StationConnection, connectedAt: string): Promise<void>;
  find(connectionId: string): Promise<StationConnection | undefined>;
  /** True for exactly one caller, on the connection's first frame. */
  claimFirstFrame(connectionId: string): Promise<boolean>;
  delete(connectionId: string): Promise<void>;
  /** Remembers a connection to close as soon as it is open (a refused subprotocol). */
  scheduleClose(connectionId: string, at: string): Promise<void>;
  scheduledCloses(): Promise<{ connectionId: string; since: string }[]>;
  unscheduleClose(connectionId: string): Promise<void>;
  /** The stations whose connection went away, since when: each waits out the reconnect grace. */
  awaitReconnect(stationId: string, since: string): Promise<void>;
  awaitingReconnect(): Promise<{ stationId: string; since: string }[]>;
  /** Forgets the station's wait, unless it went away again since `since`. */
  reconnectAwaited(stationId: string, since: string): Promise<void>;
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
  /**
   * Records the transaction's newest energy reading, unless it has a later one (or is not
   * `stationId`'s, when given): the transaction as it is then, or undefined when not recorded.
   */
  recordLastMeter(transactionId: number, wh: number, at: string, stationId?: string): Promise<Transaction | undefined>;
  /** Keeps a connector status on the transaction while it is active and keeps fewer than `MAX_KEPT_STATUSES`. */
  keepStatus(transactionId: number, status: KeptStatus): Promise<void>;
  issueIdTag(tag: IssuedIdTag): Promise<void>;
  findIssuedIdTag(idTag: string): Promise<IssuedIdTag | undefined>;
  /** The id tag the station's remote start with this `remoteStartId` issued, if one did. */
  findRemoteStart(stationId: string, remoteStartId: number): Promise<string | undefined>;
  /** Links a transaction id the charger chose (OCPP 2.0.1) to ours, once: the id linked first is returned ever after. */
  linkChargerTransaction(stationId: string, chargerTransactionId: string, transactionId: number): Promise<number>;
  /** Records that the charger sent event `seqNo` of its transaction: true the first time, false for a replay. */
  firstChargerEvent(stationId: string, chargerTransactionId: string, seqNo: number): Promise<boolean>;
  /** Our transaction id for the charger's own, if linked. */
  findChargerTransaction(stationId: string, chargerTransactionId: string): Promise<number | undefined>;
}

/** Each station's queue of CSMS calls, one record per station (single-item conditional writes). */
export interface CallQueueRepository {
  /** The station's queue and its version (0 when it has none yet). */
  load(stationId: string): Promise<{ queue: CallQueue; version: number }>;
  /** Stores the queue at `version + 1` if it is still at `version`; false when another writer came first. */
  save(queue: CallQueue, version: number, dueAt: string | undefined): Promise<boolean>;
  /** The stations whose queue is due by `until` (an answer timed out, a deadline came), and when. */
  listDue(until: string): Promise<{ readonly stationId: string; readonly dueAt: string }[]>;
}

/** A charger's connection: send it a text frame, or close it. */
export interface StationLink {
  send(connectionId: string, text: string): Promise<'sent' | 'gone'>;
  /** 'gone' when the connection was already closed (or not open yet). */
  close(connectionId: string): Promise<'closed' | 'gone'>;
}

/** Site settings (docs/pricing.md); stored as validated, read back as stored. */
export interface SiteRepository<Site = Record<string, unknown> & { siteId: string }> {
  get(siteId: string): Promise<Site | undefined>;
  put(site: Site): Promise<void>;
}
