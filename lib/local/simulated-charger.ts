/**
 * A simulated charger for `npm start`'s demo and the session tests: a real OCPP 1.6J peer
 * (ocpp-rpc in strict mode, checking every payload against the official schemas) that answers
 * the CSMS's remote start and stop as its script says, and reports its transaction with the
 * timestamps and meter readings the script chooses.
 */
import { RPCClient } from 'ocpp-rpc';
import { waitFor } from './wait-for';

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

export class SimulatedCharger {
  readonly client: Charger;
  transactionId: number | undefined;
  idTag: string | undefined;
  /** What the CSMS answered about the id tag of the last StartTransaction ('Accepted', 'Invalid'...). */
  idTagStatus: string | undefined;
  readonly remoteStarts: unknown[] = [];
  readonly remoteStops: unknown[] = [];
  stopped = false;
  /** The heartbeat interval BootNotification handed out (s). */
  heartbeatIntervalSeconds: number | undefined;

  constructor(
    ocppUrl: string,
    readonly stationId: string,
    password: string,
    private script: ChargerScript = {},
  ) {
    this.client = ocppCharger(ocppUrl, stationId, password);
    this.client.handle('RemoteStartTransaction', ({ params }) => {
      this.remoteStarts.push(params);
      const answer = this.script.remoteStart ?? 'Accepted';
      if (answer === 'silent') return new Promise(() => undefined);
      if (answer === 'Accepted' && (this.script.plugIn ?? true)) {
        setTimeout(() => void this.startTransaction(params.connectorId ?? 1, params.idTag).catch(() => undefined), 20);
      }
      return { status: answer };
    });
    this.client.handle('RemoteStopTransaction', ({ params }) => {
      this.remoteStops.push(params);
      if ((this.script.remoteStop ?? 'Accepted') === 'silent') return new Promise(() => undefined);
      const { stopAfter, stopDelayMs = 20 } = this.script;
      setTimeout(() => void Promise.resolve(stopAfter).then(() => this.stopTransaction()).catch(() => undefined), stopDelayMs);
      return { status: 'Accepted' };
    });
  }

  setScript(script: ChargerScript): void {
    this.script = script;
  }

  async connect(): Promise<this> {
    await this.client.connect();
    const boot = await this.client.call('BootNotification', { chargePointVendor: 'Alfen', chargePointModel: 'Eve' });
    this.heartbeatIntervalSeconds = boot.interval;
    await this.status(1, 'Available');
    return this;
  }

  status(connectorId: number, status: string, timestamp?: string): Promise<unknown> {
    return this.client.call('StatusNotification', { connectorId, status, errorCode: 'NoError', ...(timestamp && { timestamp }) });
  }

  async startTransaction(connectorId: number, idTag: string): Promise<void> {
    this.idTag = idTag;
    const startedAt = this.script.startedAt ?? new Date().toISOString();
    await this.status(connectorId, 'Charging', startedAt);
    const answer = await this.client.call('StartTransaction', {
      connectorId,
      idTag,
      meterStart: this.script.meterStart ?? 0,
      timestamp: startedAt,
    });
    this.transactionId = answer.transactionId;
    this.idTagStatus = answer.idTagInfo?.status;
  }

  meter(wh: number, timestamp: string, connectorId = 1): Promise<unknown> {
    return this.meterSamples([{ wh, timestamp }], connectorId);
  }

  /** One MeterValues frame of several energy register samples (a charger's samples since its last frame). */
  meterSamples(samples: readonly { readonly wh: number; readonly timestamp: string }[], connectorId = 1): Promise<unknown> {
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
    await this.client.call('StopTransaction', { transactionId: this.transactionId, meterStop: stop.meterStop, timestamp: stop.timestamp, reason });
    await this.status(1, 'Available');
  }

  /** Ready for the next transaction on the same connection (the script set with `setScript`). */
  nextTransaction(): void {
    this.transactionId = undefined;
    this.idTag = undefined;
    this.idTagStatus = undefined;
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
    await this.status(1, this.transactionId !== undefined && !this.stopped ? 'Charging' : 'Available');
  }

  async waitForTransaction(): Promise<number> {
    return waitFor(() => this.transactionId, 10_000, `a transaction on ${this.stationId}`, 20);
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
