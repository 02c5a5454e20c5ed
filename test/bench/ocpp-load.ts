/**
 * The OCPP traffic of the bench: four charger-to-CSMS calls of rising weight, sent by strict
 * ocpp-rpc chargers through the whole local stack, and the same calls as frame text for the
 * in-process codec.
 */
import { randomUUID } from 'node:crypto';
import { serializeCall, type Payload } from '../../lambdas/ocpp/frames';
import type { Charger, TestSystem } from '../support/local-system';

/**
 * Heartbeat is the floor (a connection lookup and one write); the others add schema weight
 * and DynamoDB work: a status row and the reader hook, four sampled values and the
 * transaction's last reading, an id counter and a start guard.
 */
export const BENCH_ACTIONS = ['Heartbeat', 'StatusNotification', 'MeterValues', 'StartTransaction'] as const;
export type BenchAction = (typeof BENCH_ACTIONS)[number];

const PASSWORD = 'bench-station-secret-0001';
/** Issued by nobody: StartTransaction answers Invalid but still records the transaction. */
const ID_TAG = 'BENCH-TAG';

/**
 * The charger's clock for the bench's calls. Strictly increasing, so that every
 * StartTransaction is a new transaction (its replay guard is keyed by the timestamp) and every
 * MeterValues moves the transaction's last reading forward: no call takes a shortcut.
 */
export class ChargerClock {
  private at = Date.now() - 86_400_000;
  private wh = 0;

  tick(): { timestamp: string; wh: number } {
    this.at += 1000;
    this.wh += 7;
    return { timestamp: new Date(this.at).toISOString(), wh: this.wh };
  }
}

export function benchPayload(action: BenchAction, clock: ChargerClock, transactionId: number): Payload {
  const { timestamp, wh } = clock.tick();
  switch (action) {
    case 'Heartbeat':
      return {};
    case 'StatusNotification':
      return { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp };
    case 'MeterValues':
      return {
        connectorId: 1,
        transactionId,
        meterValue: [
          {
            timestamp,
            sampledValue: [
              { value: String(wh), context: 'Sample.Periodic', measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
              { value: '7200', context: 'Sample.Periodic', measurand: 'Power.Active.Import', unit: 'W' },
              { value: '31.3', context: 'Sample.Periodic', measurand: 'Current.Import', phase: 'L1', unit: 'A' },
              { value: '230.1', context: 'Sample.Periodic', measurand: 'Voltage', phase: 'L1-N', unit: 'V' },
            ],
          },
        ],
      };
    case 'StartTransaction':
      return { connectorId: 1, idTag: ID_TAG, meterStart: wh, timestamp };
  }
}

/** The CALL frame a charger would send for `action`, serialized by the project's own codec. */
export function benchFrame(action: BenchAction, clock: ChargerClock, transactionId = 1): string {
  return serializeCall(randomUUID(), action, benchPayload(action, clock, transactionId));
}

/** A provisioned, booted charger with a running transaction its MeterValues report on. */
export class BenchCharger {
  private constructor(
    private readonly client: Charger,
    private readonly clock: ChargerClock,
    private readonly transactionId: number,
  ) {}

  static async connect(system: TestSystem, stationId: string, clock: ChargerClock): Promise<BenchCharger> {
    await system.provisionStation(stationId, PASSWORD, 'site-main-st', [1]);
    const client = system.charger(stationId, PASSWORD);
    await client.connect();
    await client.call('BootNotification', { chargePointVendor: 'Bench', chargePointModel: 'Load' });
    const started = await client.call('StartTransaction', benchPayload('StartTransaction', clock, 0));
    return new BenchCharger(client, clock, started.transactionId as number);
  }

  /** One call, answered; its round trip in milliseconds. */
  async roundTrip(action: BenchAction): Promise<number> {
    const payload = benchPayload(action, this.clock, this.transactionId);
    const started = performance.now();
    const answer = await this.client.call(action, payload);
    const ms = performance.now() - started;
    // A CALLERROR rejects; a wrong but valid answer would make the figures meaningless.
    if (action === 'StartTransaction' && typeof answer.transactionId !== 'number') throw new Error('StartTransaction: no transaction id');
    return ms;
  }

  /** `count` calls one after the other, cycling through the actions from `offset`. */
  async burst(count: number, offset: number, latencies: (ms: number) => void): Promise<void> {
    for (let i = 0; i < count; i++) latencies(await this.roundTrip(BENCH_ACTIONS[(offset + i) % BENCH_ACTIONS.length]!));
  }
}

/** Chargers of one fleet, set up one after the other (setup is not measured). */
export async function connectFleet(system: TestSystem, size: number, clock: ChargerClock): Promise<BenchCharger[]> {
  const fleet: BenchCharger[] = [];
  for (let i = 0; i < size; i++) fleet.push(await BenchCharger.connect(system, `BENCH-CP-${i + 1}`, clock));
  return fleet;
}

/**
 * Calls per second of a fleet where each charger keeps one call outstanding, as OCPP allows;
 * a fleet of one is the sequential throughput.
 */
export async function fleetThroughput(fleet: readonly BenchCharger[], callsEach: number, latencies: (ms: number) => void): Promise<number> {
  const started = performance.now();
  // Each charger starts at a different action so the mix in flight stays even.
  await Promise.all(fleet.map((charger, i) => charger.burst(callsEach, i, latencies)));
  return (fleet.length * callsEach) / ((performance.now() - started) / 1000);
}
