/**
 * Many chargers at once: the local runtime (as `npm run serve` runs it) beside a bare `ws`
 * server that answers the same frames with canned replies, both driven by the same client,
 * so that the ratio of the two is what the CSMS itself adds.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { ocppCharger, type Charger } from '../../lib/local/simulated-charger';
import type { TestSystem } from '../support/local-system';
import { ChargerClock, benchPayload } from './ocpp-load';
import { quantile } from './stats';

const PASSWORD = 'bench-fleet-secret-0001';
type Action = 'Heartbeat' | 'MeterValues';
const LOAD_ACTIONS: readonly Action[] = ['Heartbeat', 'MeterValues'];

/**
 * A charger of the fleet: a strict ocpp-rpc client (lib/local/simulated-charger.ts's, as the
 * rest of the bench uses), which validates its calls and the answers against the OCPP 1.6
 * schemas: the same client work on both servers.
 */
class LoadCharger {
  private readonly clock = new ChargerClock();
  private transactionId = 0;

  private constructor(private readonly client: Charger) {}

  static async open(url: string, stationId: string): Promise<LoadCharger> {
    const client = ocppCharger(url, stationId, PASSWORD);
    await client.connect();
    return new LoadCharger(client);
  }

  /** Boot and a transaction for its MeterValues to report on. */
  async boot(): Promise<void> {
    await this.client.call('BootNotification', { chargePointVendor: 'Bench', chargePointModel: 'Fleet' });
    const started = await this.client.call('StartTransaction', benchPayload('StartTransaction', this.clock, 0));
    this.transactionId = started.transactionId;
  }

  /** One call answered; its round trip (ms). */
  async timed(action: Action): Promise<number> {
    const payload = benchPayload(action, this.clock, this.transactionId);
    const started = performance.now();
    await this.client.call(action, payload);
    return performance.now() - started;
  }

  close(): Promise<unknown> {
    return this.client.close({ force: true });
  }
}

/** Answers every CALL at once with a canned CALLRESULT, as if the CSMS did nothing. */
export async function startBareServer(): Promise<{ url: string; close(): Promise<void> }> {
  let transactions = 0;
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: () => 'ocpp1.6' });
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      const [, id, action] = JSON.parse(String(data)) as [number, string, string, unknown];
      const now = new Date().toISOString();
      const answer =
        action === 'BootNotification'
          ? { status: 'Accepted', currentTime: now, interval: 300 }
          : action === 'Heartbeat'
            ? { currentTime: now }
            : action === 'StartTransaction'
              ? { transactionId: ++transactions, idTagInfo: { status: 'Invalid' } }
              : {};
      ws.send(JSON.stringify([3, id, answer]));
    });
  });
  await new Promise((resolve) => wss.once('listening', resolve));
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ocpp`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}

/** `count` items through `work`, `parallel` at a time. */
async function inBatches<T>(count: number, parallel: number, work: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await work(i);
      }
    }),
  );
  return results;
}

/** Stations for the fleet, through the installer API, many requests in flight (the password hash is the slow part). */
export async function provisionFleet(system: TestSystem, size: number): Promise<string[]> {
  await system.provisionStation('FLEET-0', PASSWORD, 'site-main-st', [1]);
  const ids = Array.from({ length: size }, (_, i) => `FLEET-${i + 1}`);
  await inBatches(size, 16, async (i) => {
    const answer = await system.api('PUT', `/installer/stations/${ids[i]}`, { siteId: 'site-main-st', connectors: [1], password: PASSWORD });
    if (answer.status !== 200) throw new Error(`station ${ids[i]}: ${JSON.stringify(answer.body)}`);
  });
  return ids;
}

export class Fleet {
  private constructor(readonly chargers: readonly LoadCharger[]) {}

  static async connect(url: string, stationIds: readonly string[]): Promise<Fleet> {
    const chargers = await inBatches(stationIds.length, 32, async (i) => {
      const charger = await LoadCharger.open(url, stationIds[i]!);
      await charger.boot();
      return charger;
    });
    return new Fleet(chargers);
  }

  async close(): Promise<void> {
    await Promise.all(this.chargers.map((charger) => charger.close()));
  }
}

export interface LoadSample {
  readonly chargers: number;
  readonly calls: number;
  readonly callsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

function sample(chargers: number, latencies: number[], seconds: number): LoadSample {
  const sorted = latencies.sort((a, b) => a - b);
  return { chargers, calls: sorted.length, callsPerSecond: sorted.length / seconds, p50Ms: quantile(sorted, 0.5), p99Ms: quantile(sorted, 0.99) };
}

/**
 * As fast as answers come: the first `chargers` of the fleet each keep one call outstanding
 * (Heartbeat and MeterValues in turn) for `seconds`.
 */
export async function saturate(fleet: Fleet, chargers: number, seconds: number): Promise<LoadSample> {
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    fleet.chargers.slice(0, chargers).map(async (charger, i) => {
      for (let n = i; performance.now() < deadline; n++) latencies.push(await charger.timed(LOAD_ACTIONS[n % 2]!));
    }),
  );
  return sample(chargers, latencies, (performance.now() - started) / 1000);
}

/**
 * Open loop at `callsPerSecond` in all: the chargers take turns (each sends one call every
 * fleet size / rate seconds, far apart), Heartbeat and MeterValues in turn.
 */
export async function paced(fleet: Fleet, callsPerSecond: number, seconds: number): Promise<LoadSample> {
  const latencies: number[] = [];
  const total = Math.round(callsPerSecond * seconds);
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let n = 0; n < total; n++) {
    const due = started + (n * 1000) / callsPerSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const charger = fleet.chargers[n % fleet.chargers.length]!;
    inFlight.push(charger.timed(LOAD_ACTIONS[n % 2]!).then((ms) => void latencies.push(ms)));
  }
  await Promise.all(inFlight);
  return sample(fleet.chargers.length, latencies, (performance.now() - started) / 1000);
}
