/**
 * A simulated charger for `npm start`'s demo and the session tests: a real OCPP 1.6J or 2.0.1
 * peer (ocpp-rpc in strict mode, checking every payload against the official schemas) that
 * answers the CSMS's remote start and stop as its script says, and reports its transaction with
 * the timestamps and meter readings the script chooses. Its methods speak 1.6's words (a
 * connector status 'SuspendedEV', a StopTransaction reason); on 2.0.1 they go out as
 * StatusNotification and TransactionEvent, so that one session test runs on both versions.
 */
import { randomUUID } from 'node:crypto';
import { RPCClient } from 'ocpp-rpc';
import { waitFor } from './wait-for';

/** The OCPP versions a simulated charger speaks. */
export const OCPP_VERSIONS = ['1.6', '2.0.1'] as const;
export type OcppVersion = (typeof OCPP_VERSIONS)[number];
export const subprotocolOf = (version: OcppVersion): string => `ocpp${version}`;

/** The version a command line names with `--ocpp 2.0.1` (or `--ocpp=2.0.1`); 1.6 when it names none. */
export function ocppVersionArgument(argv: readonly string[]): OcppVersion {
  const at = argv.findIndex((arg) => arg === '--ocpp' || arg.startsWith('--ocpp='));
  if (at < 0) return '1.6';
  const value = argv[at]!.startsWith('--ocpp=') ? argv[at]!.slice('--ocpp='.length) : argv[at + 1];
  const version = OCPP_VERSIONS.find((v) => v === value);
  if (!version) throw new Error(`--ocpp must be one of ${OCPP_VERSIONS.join(', ')}, got "${value ?? ''}"`);
  return version;
}

/** ocpp-rpc's client, loosely typed for scripted use (strict mode checks the shapes). */
export type Charger = Omit<RPCClient, 'call' | 'handle'> & {
  call(action: string, params?: unknown): Promise<any>;
  handle(action: string, handler: (call: { params: any }) => unknown): void;
};

export function ocppCharger(ocppUrl: string, stationId: string, password: string | null, protocols = ['ocpp1.6']): Charger {
  const options = {
    endpoint: ocppUrl,
    identity: stationId,
    password,
    protocols,
    strictMode: protocols.length > 0,
    reconnect: false,
    callTimeoutMs: 10_000,
  };
  // The d.ts marks every option required although the client defaults them.
  return new RPCClient(options as ConstructorParameters<typeof RPCClient>[0]) as unknown as Charger;
}


export interface ChargerScript {
  /** How to answer RemoteStartTransaction. @default 'Accepted' */
  readonly remoteStart?: 'Accepted' | 'Rejected' | 'silent';
  /** Start a transaction right after accepting a remote start. @default true */
  readonly plugIn?: boolean;
  /** How to answer RemoteStopTransaction. @default 'Accepted' (and then StopTransaction) */
  readonly remoteStop?: 'Accepted' | 'silent';
  readonly meterStart?: number;
  readonly startedAt?: string;
  /** The StopTransaction sent after a remote stop. */
  readonly stop?: { readonly meterStop: number; readonly timestamp: string };
  /** How long after accepting a remote stop the StopTransaction goes out. @default 20 */
  readonly stopDelayMs?: number;
  /** The StopTransaction after a remote stop waits for this too (a charger slow to stop). */
  readonly stopAfter?: Promise<unknown>;
}

/** 1.6's connector statuses that 2.0.1 reports as a running transaction's chargingState. */
const CHARGING_STATES = new Set(['Charging', 'SuspendedEV', 'SuspendedEVSE']);
/** 1.6's connector statuses in 2.0.1's StatusNotification (which says Occupied for all the busy ones). */
const CONNECTOR_STATUS_201: Record<string, string> = { Available: 'Available', Reserved: 'Reserved', Unavailable: 'Unavailable', Faulted: 'Faulted' };

const register201 = (wh: number, timestamp: string, context?: string) => ({
  timestamp,
  sampledValue: [{ value: wh, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' }, ...(context && { context }) }],
});

export class SimulatedCharger {
  readonly client: Charger;
  /** The transaction's id: the CSMS's number on 1.6, the charger's own text on 2.0.1 (the id each stops it by). */
  transactionId: number | string | undefined;
  idTag: string | undefined;
  /** What the CSMS answered about the id tag of the last StartTransaction ('Accepted', 'Invalid'...). */
  idTagStatus: string | undefined;
  readonly remoteStarts: unknown[] = [];
  readonly remoteStops: unknown[] = [];
  stopped = false;
  /** The heartbeat interval BootNotification handed out (s). */
  heartbeatIntervalSeconds: number | undefined;
  /** 2.0.1: the remoteStartId of the last RequestStartTransaction, which the Started event carries back. */
  private remoteStartId: number | undefined;
  /** 2.0.1: the seqNo of the current transaction's next TransactionEvent (0 at its Started). */
  private seqNo = 0;
  /** The CSMS has answered the start (StartTransaction, the Started event) or it is queued offline. */
  private startAnswered = false;
  /** 2.0.1: the TransactionEvents queued while offline (`goOffline`), undefined while online. */
  private queued: Record<string, unknown>[] | undefined;

  constructor(
    ocppUrl: string,
    readonly stationId: string,
    password: string,
    private script: ChargerScript = {},
    readonly ocpp: OcppVersion = '1.6',
  ) {
    this.client = ocppCharger(ocppUrl, stationId, password, [subprotocolOf(ocpp)]);
    const [start, stop] = ocpp === '1.6' ? ['RemoteStartTransaction', 'RemoteStopTransaction'] : ['RequestStartTransaction', 'RequestStopTransaction'];
    this.client.handle(start, ({ params }) => {
      this.remoteStarts.push(params);
      const answer = this.script.remoteStart ?? 'Accepted';
      if (answer === 'silent') return new Promise(() => undefined);
      const [connectorId, idTag] = ocpp === '1.6' ? [params.connectorId ?? 1, params.idTag] : [params.evseId ?? 1, params.idToken.idToken];
      if (ocpp === '2.0.1') this.remoteStartId = params.remoteStartId;
      if (answer === 'Accepted' && (this.script.plugIn ?? true)) {
        setTimeout(() => void this.startTransaction(connectorId, idTag).catch(() => undefined), 20);
      }
      return { status: answer };
    });
    this.client.handle(stop, ({ params }) => {
      this.remoteStops.push(params);
      if ((this.script.remoteStop ?? 'Accepted') === 'silent') return new Promise(() => undefined);
      const { stopAfter, stopDelayMs = 20 } = this.script;
      setTimeout(() => void Promise.resolve(stopAfter).then(() => this.stopTransaction()).catch(() => undefined), stopDelayMs);
      return { status: 'Accepted' };
    });
  }

  /** The id tag the CSMS's last remote start issued (1.6's idTag, 2.0.1's idToken). */
  get remoteStartIdTag(): string | undefined {
    const last = this.remoteStarts.at(-1) as { idTag?: string; idToken?: { idToken: string } } | undefined;
    return last?.idTag ?? last?.idToken?.idToken;
  }

  setScript(script: ChargerScript): void {
    this.script = script;
  }

  async connect(): Promise<this> {
    await this.client.connect();
    const boot = await this.client.call(
      'BootNotification',
      this.ocpp === '1.6' ? { chargePointVendor: 'Alfen', chargePointModel: 'Eve' } : { reason: 'PowerUp', chargingStation: { vendorName: 'Alfen', model: 'Eve' } },
    );
    this.heartbeatIntervalSeconds = boot.interval;
    await this.status(1, 'Available');
    return this;
  }

  /**
   * A connector status in 1.6's words. On 2.0.1 a running transaction's Charging, SuspendedEV
   * or SuspendedEVSE is a TransactionEvent (Updated, its chargingState), anything else a
   * StatusNotification of the EVSE's connector (Occupied for 1.6's busy statuses).
   */
  status(connectorId: number, status: string, timestamp?: string): Promise<unknown> {
    if (this.ocpp === '1.6') return this.client.call('StatusNotification', { connectorId, status, errorCode: 'NoError', ...(timestamp && { timestamp }) });
    const at = timestamp ?? ocppTimestamp(Date.now());
    if (this.transactionRunning && CHARGING_STATES.has(status)) {
      return this.transactionEvent('Updated', 'ChargingStateChanged', at, { chargingState: status });
    }
    if (this.queued) return Promise.resolve({});
    return this.client.call('StatusNotification', { timestamp: at, connectorStatus: CONNECTOR_STATUS_201[status] ?? 'Occupied', evseId: connectorId, connectorId: 1 });
  }

  private get transactionRunning(): boolean {
    return this.transactionId !== undefined && !this.stopped;
  }

  /** 2.0.1: one TransactionEvent of the current transaction, sent, or queued while offline. */
  private transactionEvent(eventType: string, triggerReason: string, timestamp: string, info: Record<string, unknown> = {}, more: Record<string, unknown> = {}): Promise<any> {
    const event = { eventType, timestamp, triggerReason, seqNo: this.seqNo++, ...more, transactionInfo: { transactionId: this.transactionId, ...info } };
    if (this.queued) {
      this.queued.push(event);
      return Promise.resolve({});
    }
    return this.client.call('TransactionEvent', event);
  }

  async startTransaction(connectorId: number, idTag: string): Promise<void> {
    this.idTag = idTag;
    const startedAt = this.script.startedAt ?? new Date().toISOString();
    await this.status(connectorId, 'Charging', startedAt);
    if (this.ocpp === '2.0.1') {
      // The charger names its own transaction, and reports under it from the Started event on.
      this.transactionId = randomUUID();
      this.seqNo = 0;
      const answer = await this.transactionEvent(
        'Started',
        'RemoteStart',
        startedAt,
        { chargingState: 'Charging', ...(this.remoteStartId !== undefined && { remoteStartId: this.remoteStartId }) },
        {
          evse: { id: connectorId, connectorId: 1 },
          idToken: { idToken: idTag, type: 'Central' },
          meterValue: [register201(this.script.meterStart ?? 0, startedAt, 'Transaction.Begin')],
        },
      );
      this.idTagStatus = answer.idTokenInfo?.status;
      this.startAnswered = true;
      return;
    }
    const answer = await this.client.call('StartTransaction', {
      connectorId,
      idTag,
      meterStart: this.script.meterStart ?? 0,
      timestamp: startedAt,
    });
    this.transactionId = answer.transactionId;
    this.idTagStatus = answer.idTagInfo?.status;
    this.startAnswered = true;
  }

  meter(wh: number, timestamp: string, connectorId = 1): Promise<unknown> {
    return this.meterSamples([{ wh, timestamp }], connectorId);
  }

  /** One MeterValues frame of several energy register samples (a charger's samples since its last frame); on 2.0.1 a TransactionEvent Updated while the transaction runs. */
  meterSamples(samples: readonly { readonly wh: number; readonly timestamp: string }[], connectorId = 1): Promise<unknown> {
    if (this.ocpp === '2.0.1') {
      const meterValue = samples.map(({ wh, timestamp }) => register201(wh, timestamp, 'Sample.Periodic'));
      if (this.transactionRunning) return this.transactionEvent('Updated', 'MeterValuePeriodic', samples.at(-1)!.timestamp, {}, { meterValue });
      return this.client.call('MeterValues', { evseId: connectorId, meterValue });
    }
    return this.client.call('MeterValues', {
      connectorId,
      transactionId: this.transactionId,
      meterValue: samples.map(({ wh, timestamp }) => ({
        timestamp,
        sampledValue: [{ value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }],
      })),
    });
  }

  /** Ends the transaction: 'Remote' after a remote stop, 'Local' when the driver stops it at the charger. */
  async stopTransaction(reason: 'Remote' | 'Local' = 'Remote'): Promise<void> {
    if (this.transactionId === undefined || this.stopped) return;
    this.stopped = true;
    const stop = this.script.stop ?? { meterStop: (this.script.meterStart ?? 0) + 1000, timestamp: new Date().toISOString() };
    if (this.ocpp === '2.0.1') {
      // The driver stopping at the charger is StopAuthorized (a local stop), the CSMS's stop RemoteStop.
      await this.transactionEvent(
        'Ended',
        reason === 'Remote' ? 'RemoteStop' : 'StopAuthorized',
        stop.timestamp,
        { stoppedReason: reason },
        { meterValue: [register201(stop.meterStop, stop.timestamp, 'Transaction.End')] },
      );
    } else {
      await this.client.call('StopTransaction', { transactionId: this.transactionId, meterStop: stop.meterStop, timestamp: stop.timestamp, reason });
    }
    await this.status(1, 'Available');
  }

  /**
   * This charger is `before` back on a new connection (a new client, no reboot): its
   * transaction carries on, on 2.0.1 with its seqNo counting on.
   */
  resume(before: SimulatedCharger): this {
    this.transactionId = before.transactionId;
    this.idTag = before.idTag;
    this.startAnswered = before.startAnswered;
    this.stopped = before.stopped;
    this.seqNo = before.seqNo;
    return this;
  }

  /** Ready for the next transaction on the same connection (the script set with `setScript`). */
  nextTransaction(): void {
    this.transactionId = undefined;
    this.idTag = undefined;
    this.idTagStatus = undefined;
    this.startAnswered = false;
    this.stopped = false;
  }

  /**
   * The connection drops for `downMs` and comes back (no reboot: no BootNotification), the
   * connector reporting where it is.
   */
  async reconnect(downMs: number): Promise<void> {
    await this.client.close({ force: true });
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.client.connect();
    await this.reportConnector();
  }

  /** Where the connector is, as a charger says after reconnecting (2.0.1: Occupied while its transaction runs). */
  reportConnector(): Promise<unknown> {
    if (this.ocpp === '1.6' || !this.transactionRunning) return this.status(1, this.transactionRunning ? 'Charging' : 'Available');
    return this.client.call('StatusNotification', { timestamp: ocppTimestamp(Date.now()), connectorStatus: 'Occupied', evseId: 1, connectorId: 1 });
  }

  /**
   * 2.0.1: the connection drops and the charger carries on offline, queueing its
   * TransactionEvents (OCPP 2.0.1 E04) until `backOnline`.
   */
  async goOffline(): Promise<void> {
    if (this.ocpp !== '2.0.1') throw new Error('only a 2.0.1 charger queues its transaction events offline');
    this.queued = [];
    await this.client.close({ force: true });
  }

  /**
   * 2.0.1: reconnects and replays the queued TransactionEvents in order, each `offline: true`,
   * leaving out those `drop` names (a charger whose queue was full drops Updated events: a
   * gap in seqNo). Returns the seqNos it replayed.
   */
  async backOnline(drop: (event: { eventType: string; triggerReason: string; seqNo: number }) => boolean = () => false): Promise<number[]> {
    const queued = this.queued ?? [];
    this.queued = undefined;
    await this.client.connect();
    await this.reportConnector();
    const replayed = queued.filter((event) => !drop(event as { eventType: string; triggerReason: string; seqNo: number }));
    for (const event of replayed) await this.client.call('TransactionEvent', { ...event, offline: true });
    return replayed.map((event) => event['seqNo'] as number);
  }

  async waitForTransaction(): Promise<number | string> {
    return waitFor(() => this.startAnswered && this.transactionId, 10_000, `a transaction on ${this.stationId}`, 20);
  }

  close(): Promise<unknown> {
    return this.client.close({ force: true });
  }
}

/** An OCPP timestamp of whole seconds, as chargers send them. */
export function ocppTimestamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * docs/pricing.md's worked example as a charger lives it: one hour from `t0` (ms), 12.345 kWh.
 * Call `pauseCar` once the transaction runs for its 15 minutes of SuspendedEV, and
 * `meterHour` for the energy readings of the hour (the car draws 12.345 kWh in its 45
 * minutes of charging, the last sample at the end of the hour).
 */
export function workedExample(t0: number): {
  script: ChargerScript;
  pauseCar(charger: SimulatedCharger): Promise<void>;
  meterHour(charger: SimulatedCharger): Promise<void>;
} {
  return {
    script: { meterStart: 0, startedAt: ocppTimestamp(t0), stop: { meterStop: 12345, timestamp: ocppTimestamp(t0 + 3_600_000) } },
    async pauseCar(charger) {
      await charger.status(1, 'SuspendedEV', ocppTimestamp(t0 + 1_800_000));
      await charger.status(1, 'Charging', ocppTimestamp(t0 + 2_700_000));
    },
    async meterHour(charger) {
      await charger.meterSamples([
        { wh: 8230, timestamp: ocppTimestamp(t0 + 1_800_000) },
        { wh: 8230, timestamp: ocppTimestamp(t0 + 2_700_000) },
        { wh: 12345, timestamp: ocppTimestamp(t0 + 3_600_000) },
      ]);
    },
  };
}
