/**
 * The cost model: what the local engines did for a unit of work, counted while it ran, then
 * priced at list prices (prices.ts). Two units: a 1-hour paid session with a MeterValues a
 * minute, and a connected station's month (heartbeats and the reconnect every 2 hours that
 * API Gateway forces). Counts come from the engines themselves: the Lambda host (invocations,
 * durations), the DynamoDB endpoint (requests, read and write units with index writes), the
 * WebSocket gateway (messages in 32 KB units), the Payter simulator (its call log), the
 * Step Functions history (states entered) and the handlers' log output.
 */
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { meterDynamoDb } from '../../lib/local/dynamodb';
import { meterWebSocketTraffic } from '../../lib/local/websocket-gateway';
import { SimulatedCharger, ocppTimestamp, workedExample } from '../../lib/local/simulated-charger';
import { FUNCTION_NAMES, functionSpec, triggeredBy, type FunctionName } from '../../lib/functions';
import { systemClock } from '../../lambdas/shared/clock';
import type { TestSystem } from '../support/local-system';
import { HOURS_PER_MONTH, PLATFORM_LOG_BYTES_PER_INVOCATION, PRICES, type PriceName } from './prices';
import { endedExecution, statesEntered } from './paid-session';
import { median, until } from './stats';

export interface LambdaUsage {
  invocations: number;
  /** Billed milliseconds (each invocation rounded up to 1 ms), measured on this machine. */
  billedMs: number;
  gbSeconds: number;
}

/** What one unit of work made the engines do. */
export interface Usage {
  readonly lambda: Partial<Record<FunctionName, LambdaUsage>>;
  readonly transitions: number;
  readonly dynamoCalls: number;
  readonly dynamoByOperation: Record<string, number>;
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly indexWriteUnits: number;
  readonly webSocketMessages: number;
  readonly connectionMinutes: number;
  readonly httpRequests: number;
  readonly payterCalls: number;
  readonly payterByPath: Record<string, number>;
  /** What the handlers wrote (Powertools JSON lines), plus Lambda's own lines per invocation. */
  readonly logBytes: number;
}

const HTTP_FUNCTIONS = new Set(triggeredBy('http').map(({ name }) => name));

/**
 * Everything the handlers print goes through here while the system runs: counted while a
 * meter is open, and never shown (the bench's own lines go to `say`).
 */
class LogTap {
  bytes = 0;
  private readonly originalOut = process.stdout.write.bind(process.stdout);

  install(): void {
    const count = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      this.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof process.stdout.write;
    process.stdout.write = count;
  }

  say(line: string): void {
    this.originalOut(`${line}\n`);
  }
}

export const logs = new LogTap();

/** Counts one unit of work from `start()` until `stop()`, once the engines have gone quiet. */
export class CostMeter {
  private readonly lambda: Partial<Record<FunctionName, LambdaUsage>> = {};
  private readonly stopLambda: () => void;
  private readonly dynamo = meterDynamoDb();
  private readonly ws = meterWebSocketTraffic();
  private readonly payterBefore: number;
  private readonly logBefore = logs.bytes;
  private lastActivity = performance.now();

  constructor(private readonly system: TestSystem) {
    this.payterBefore = system.payter.calls().length;
    this.stopLambda = system.runtime.lambdas.observe(({ name, ms }) => {
      const billedMs = Math.max(1, Math.ceil(ms));
      const memoryMb = functionSpec(name).memorySize ?? 512;
      const usage = (this.lambda[name] ??= { invocations: 0, billedMs: 0, gbSeconds: 0 });
      usage.invocations += 1;
      usage.billedMs += billedMs;
      usage.gbSeconds += (memoryMb / 1024) * (billedMs / 1000);
      this.lastActivity = performance.now();
    });
  }

  /** Ends the count once no handler has run for `quietMs` (work after a reply, a workflow's tail). */
  async stop(transitions: number, connectionMinutes: number, quietMs = 150): Promise<Usage> {
    await until(() => (this.system.runtime.lambdas.inFlight === 0 && performance.now() - this.lastActivity > quietMs) || undefined, 10_000, 'the engines to go quiet');
    this.stopLambda();
    this.dynamo.stop();
    this.ws.stop();
    const payter = this.system.payter.calls().slice(this.payterBefore);
    const invocations = Object.values(this.lambda).reduce((n, u) => n + u.invocations, 0);
    const requests = this.dynamo.requests;
    const total = (key: 'readUnits' | 'writeUnits' | 'indexWriteUnits') => requests.reduce((n, r) => n + r[key], 0);
    return {
      lambda: this.lambda,
      transitions,
      dynamoCalls: requests.length,
      dynamoByOperation: countBy(requests.map((r) => `${r.operation} ${(r.table ?? '?').replace(/^csms-local-/, '')}`)),
      readUnits: total('readUnits'),
      writeUnits: total('writeUnits'),
      indexWriteUnits: total('indexWriteUnits'),
      webSocketMessages: this.ws.traffic.receivedUnits + this.ws.traffic.sentUnits,
      connectionMinutes,
      httpRequests: Object.entries(this.lambda).reduce((n, [name, u]) => n + (HTTP_FUNCTIONS.has(name as FunctionName) ? u.invocations : 0), 0),
      payterCalls: payter.length,
      payterByPath: countBy(payter.map((c) => `${c.method} ${c.path.replace(/\/terminals\/[^/]+/, '/terminals/{serial}').replace(/\/sessions\/[^/]+/, '/sessions/{id}')}`)),
      logBytes: logs.bytes - this.logBefore + invocations * PLATFORM_LOG_BYTES_PER_INVOCATION,
    };
  }
}

function countBy(keys: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of keys) counts[key] = (counts[key] ?? 0) + 1;
  return counts;
}

/** One priced line of a unit's bill. */
export interface CostLine {
  readonly item: string;
  readonly count: number;
  readonly unit: string;
  readonly price: PriceName;
  readonly usd: number;
}

/** The bill of a usage, line by line; `withConnection`: the connection minutes are this unit's. */
export function bill(usage: Usage, withConnection: boolean): CostLine[] {
  const lambdas = Object.values(usage.lambda);
  const line = (item: string, count: number, unit: string, price: PriceName): CostLine => ({ item, count, unit, price, usd: count * PRICES[price].usd });
  return [
    line('Lambda requests', lambdas.reduce((n, u) => n + u.invocations, 0), 'requests', 'lambdaRequest'),
    line('Lambda compute (arm64, local durations)', lambdas.reduce((n, u) => n + u.gbSeconds, 0), 'GB-s', 'lambdaGbSecondArm'),
    line('Step Functions state transitions', usage.transitions, 'transitions', 'stepFunctionsTransition'),
    line('DynamoDB write units (table + indexes)', usage.writeUnits, 'WRU', 'dynamoWriteUnit'),
    line('DynamoDB read units', usage.readUnits, 'RRU', 'dynamoReadUnit'),
    line('WebSocket messages (in + out)', usage.webSocketMessages, '32 KB units', 'webSocketMessage'),
    line(withConnection ? 'WebSocket connection minutes' : 'WebSocket connection minutes (billed in the station-month)', withConnection ? usage.connectionMinutes : 0, 'minutes', 'webSocketConnectionMinute'),
    line('HTTP API requests', usage.httpRequests, 'requests', 'httpApiRequest'),
    line('CloudWatch Logs ingestion', usage.logBytes / 1e9, 'GB', 'logIngestionGb'),
  ];
}

export const totalUsd = (lines: readonly CostLine[]) => lines.reduce((n, l) => n + l.usd, 0);

/** Usage of `n` units of work (a month of heartbeats from one heartbeat). */
export function scaled(usage: Usage, factor: number, connectionMinutes = usage.connectionMinutes * factor): Usage {
  const lambda: Partial<Record<FunctionName, LambdaUsage>> = {};
  for (const [name, u] of Object.entries(usage.lambda)) lambda[name as FunctionName] = { invocations: u.invocations * factor, billedMs: u.billedMs * factor, gbSeconds: u.gbSeconds * factor };
  const times = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v * factor]));
  return {
    lambda,
    transitions: usage.transitions * factor,
    dynamoCalls: usage.dynamoCalls * factor,
    dynamoByOperation: times(usage.dynamoByOperation),
    readUnits: usage.readUnits * factor,
    writeUnits: usage.writeUnits * factor,
    indexWriteUnits: usage.indexWriteUnits * factor,
    webSocketMessages: usage.webSocketMessages * factor,
    connectionMinutes,
    httpRequests: usage.httpRequests * factor,
    payterCalls: usage.payterCalls * factor,
    payterByPath: times(usage.payterByPath),
    logBytes: usage.logBytes * factor,
  };
}

export function sumUsage(a: Usage, b: Usage): Usage {
  const lambda: Partial<Record<FunctionName, LambdaUsage>> = { ...a.lambda };
  for (const [name, u] of Object.entries(b.lambda)) {
    const prev = lambda[name as FunctionName];
    lambda[name as FunctionName] = prev ? { invocations: prev.invocations + u.invocations, billedMs: prev.billedMs + u.billedMs, gbSeconds: prev.gbSeconds + u.gbSeconds } : u;
  }
  const add = (x: Record<string, number>, y: Record<string, number>) => {
    const out = { ...x };
    for (const [k, v] of Object.entries(y)) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  return {
    lambda,
    transitions: a.transitions + b.transitions,
    dynamoCalls: a.dynamoCalls + b.dynamoCalls,
    dynamoByOperation: add(a.dynamoByOperation, b.dynamoByOperation),
    readUnits: a.readUnits + b.readUnits,
    writeUnits: a.writeUnits + b.writeUnits,
    indexWriteUnits: a.indexWriteUnits + b.indexWriteUnits,
    webSocketMessages: a.webSocketMessages + b.webSocketMessages,
    connectionMinutes: a.connectionMinutes + b.connectionMinutes,
    httpRequests: a.httpRequests + b.httpRequests,
    payterCalls: a.payterCalls + b.payterCalls,
    payterByPath: add(a.payterByPath, b.payterByPath),
    logBytes: a.logBytes + b.logBytes,
  };
}

/**
 * The handlers' clock (lambdas/shared/clock.ts) set to the session's hour while it is lived in
 * seconds: what depends on wall-clock time (the live screen redrawn at most every 15 s) then
 * sees a minute pass between two MeterValues, as on a real charger.
 */
class SessionHour {
  private static readonly realNow = systemClock.now;

  static at(ms: number): void {
    const offset = ms - Date.now();
    (systemClock as { now: () => Date }).now = () => new Date(Date.now() + offset);
  }

  static end(): void {
    (systemClock as { now: () => Date }).now = SessionHour.realNow;
  }
}

const PASSWORD = 'bench-cost-secret-0001';
const CARD = { cardId: 'card-cost', maskedPan: '4111********1111' };
const STEP_TIMEOUT_MS = 15_000;
const MINUTE_MS = 60_000;

export interface SessionRun {
  readonly usage: Usage;
  readonly committedMinor: number;
  readonly states: readonly string[];
  /** Per minute: the MeterValues round trip, and the Heartbeat sent right after it (when asked for). */
  readonly meterValuesMs: readonly number[];
  readonly heartbeatMs: readonly number[];
  /** Minutes 11 to 20 metered on their own (metered sessions), per MeterValues. */
  readonly perMeterValues?: Usage;
}

/** The in-session MeterValues metered apart: ten of them, in the first charging half hour. */
const METER_VALUES_SAMPLED = { from: 11, to: 20 };

/**
 * docs/pricing.md's worked example lived minute by minute: a tap, the transaction, 60
 * MeterValues stamped a minute apart (sent as fast as they are answered), 15 of those
 * minutes with the car paused, the stop tap, pricing, the receipt. The frames carry the
 * hour; the workflow's waits are scaled (the run's time scale). Metered from the tap to the
 * engines going quiet after the reader is free. `withHeartbeats`: a Heartbeat after each
 * MeterValues, for the round-trip ratio (not counted in a metered session).
 */
export class Sessions {
  private count = 0;
  private readonly known = new Set<string>();

  constructor(private readonly system: TestSystem) {}

  async run(options: { withHeartbeats: boolean }): Promise<SessionRun> {
    const { system } = this;
    const payter = system.payter;
    this.count += 1;
    const stationId = `COST-CP-${this.count}`;
    const serial = `COST-READER-${this.count}`;
    await system.provisionStation(stationId, PASSWORD, 'site-main-st', [1]);
    // The hour starts now: the handlers' clock runs ahead through it, so a connection is past its
    // first minute (and its frames past the first-frame lookup) as on a real charger.
    const t0 = Date.now();
    const example = workedExample(t0);
    const charger = await new SimulatedCharger(system.runtime.ocppUrl, stationId, PASSWORD, example.script).connect();
    await system.commissionReader(serial, stationId, [1]);
    await this.settleExecutions();

    const meter = options.withHeartbeats ? undefined : new CostMeter(system);
    const meterValuesMs: number[] = [];
    const heartbeatMs: number[] = [];
    let sampled: CostMeter | undefined;
    let perMeterValues: Usage | undefined;
    try {
      SessionHour.at(t0);
      if ((await payter.tap(serial, CARD)) !== 200) throw new Error('the card tap was not accepted');
      await until(() => charger.transactionId, STEP_TIMEOUT_MS, 'the transaction');
      await until(() => (payter.reader(serial).state === 'READING' && payter.currentScreen(serial)?.id === 'charging') || undefined, STEP_TIMEOUT_MS, 'tap to stop armed');
      for (let minute = 1; minute <= 60; minute++) {
        if (minute === 31) await charger.status(1, 'SuspendedEV', ocppTimestamp(t0 + 30 * MINUTE_MS));
        if (minute === 46) await charger.status(1, 'Charging', ocppTimestamp(t0 + 45 * MINUTE_MS));
        SessionHour.at(t0 + minute * MINUTE_MS);
        if (meter && minute === METER_VALUES_SAMPLED.from) sampled = new CostMeter(system);
        const started = performance.now();
        await charger.meter(whAt(minute), ocppTimestamp(t0 + minute * MINUTE_MS));
        meterValuesMs.push(performance.now() - started);
        if (sampled && minute === METER_VALUES_SAMPLED.to) {
          const n = METER_VALUES_SAMPLED.to - METER_VALUES_SAMPLED.from + 1;
          perMeterValues = scaled(await sampled.stop(0, 0), 1 / n, 0);
          sampled = undefined;
        }
        if (options.withHeartbeats) {
          const beat = performance.now();
          await charger.client.call('Heartbeat', {});
          heartbeatMs.push(performance.now() - beat);
        }
      }
      if ((await payter.tap(serial, CARD)) !== 200) throw new Error('the stop tap was not accepted');
      await until(() => (payter.sessions(serial)[0]?.state === 'COMMITTED' && payter.reader(serial).state === 'READING') || undefined, STEP_TIMEOUT_MS, 'commit and a free reader');
      const execution = await until(() => this.endedExecution(), STEP_TIMEOUT_MS, 'the end of the execution');
      const states = await this.statesEntered(execution.arn);
      if (execution.status !== 'SUCCEEDED') throw new Error(`cost session ended ${execution.status}`);
      const usage = meter ? await meter.stop(states.length, 60) : undefined;
      return {
        usage: usage ?? ({} as Usage),
        committedMinor: payter.sessions(serial)[0]?.committedAmount ?? 0,
        states,
        meterValuesMs,
        heartbeatMs,
        ...(perMeterValues && { perMeterValues }),
      };
    } finally {
      SessionHour.end();
      await charger.close();
      await until(async () => ((await system.api('GET', `/installer/stations/${stationId}`)).body.online === false || undefined), STEP_TIMEOUT_MS, `${stationId} offline`);
    }
  }

  /** Executions started before this session (the other parts of the bench) are not its own. */
  private async settleExecutions(): Promise<void> {
    const { executions = [] } = await this.system.sfn.send(new ListExecutionsCommand({ stateMachineArn: this.system.runtime.stateMachineArn, maxResults: 1000 }));
    for (const e of executions) if (e.status !== 'RUNNING') this.known.add(e.executionArn!);
  }

  private endedExecution(): Promise<{ arn: string; status: string } | undefined> {
    return endedExecution(this.system.sfn, this.system.runtime.stateMachineArn, this.known);
  }

  private statesEntered(executionArn: string): Promise<string[]> {
    return statesEntered(this.system.sfn, executionArn);
  }
}

/** The worked example's register: 12.345 kWh over the 45 charging minutes, flat while paused (minutes 31-45). */
function whAt(minute: number): number {
  if (minute <= 30) return Math.round((12345 * minute) / 45);
  if (minute <= 45) return 8230;
  return Math.round(8230 + ((12345 - 8230) * (minute - 45)) / 15);
}

export interface StationMonth {
  /** Per heartbeat and per reconnect, each a median-free exact mean over the sample. */
  readonly perHeartbeat: Usage;
  readonly perReconnect: Usage;
  readonly heartbeatRoundTripMs: number;
  readonly month300: Usage;
  readonly month540: Usage;
}

export const HEARTBEATS_SAMPLED = 20;
export const RECONNECTS_SAMPLED = 4;
/** API Gateway ends every connection after 2 hours; the charger is back in well under a second here. */
const RECONNECT_EVERY_HOURS = 2;
export const RECONNECT_DOWN_MS = 200;

/**
 * A connected station with its reader commissioned and idle: heartbeats and reconnects
 * metered one kind at a time, then multiplied out to a month (730 hours, connected all of it).
 */
export async function stationMonth(system: TestSystem): Promise<StationMonth> {
  const stationId = 'COST-IDLE-CP';
  await system.provisionStation(stationId, PASSWORD, 'site-main-st', [1]);
  const charger = await new SimulatedCharger(system.runtime.ocppUrl, stationId, PASSWORD).connect();
  await system.commissionReader('COST-IDLE-READER', stationId, [1]);
  try {
    await charger.client.call('Heartbeat', {});
    // A connection spends all but its first minute of its 2 hours past its first frames, where
    // a frame names its station by the authorizer's context alone (lambdas/ocpp-message.ts).
    SessionHour.at(Date.now() + 61_000);
    let meter = new CostMeter(system);
    const roundTrips: number[] = [];
    for (let i = 0; i < HEARTBEATS_SAMPLED; i++) {
      const started = performance.now();
      await charger.client.call('Heartbeat', {});
      roundTrips.push(performance.now() - started);
    }
    const heartbeats = await meter.stop(0, 0);
    SessionHour.end();

    meter = new CostMeter(system);
    for (let i = 0; i < RECONNECTS_SAMPLED; i++) {
      await charger.reconnect(RECONNECT_DOWN_MS);
      await until(() => (system.runtime.lambdas.inFlight === 0 || undefined), 5_000, 'the reconnect to settle');
    }
    const reconnects = await meter.stop(0, 0, 300);

    const perHeartbeat = scaled(heartbeats, 1 / HEARTBEATS_SAMPLED, 0);
    const perReconnect = scaled(reconnects, 1 / RECONNECTS_SAMPLED, 0);
    const minutes = HOURS_PER_MONTH * 60;
    const month = (intervalSeconds: number) =>
      sumUsage(scaled(perHeartbeat, (minutes * 60) / intervalSeconds, minutes), scaled(perReconnect, HOURS_PER_MONTH / RECONNECT_EVERY_HOURS, 0));
    return { perHeartbeat, perReconnect, heartbeatRoundTripMs: median(roundTrips), month300: month(300), month540: month(540) };
  } finally {
    SessionHour.end();
    await charger.close();
  }
}

/** A fixed monthly cost of the deployment, whatever the fleet: the scheduled functions. */
export interface FixedCost {
  readonly name: FunctionName;
  readonly invocationsPerMonth: number;
  readonly secondsEach: number;
  readonly usd: number;
}

/**
 * Each scheduled function invoked once here, with its stack environment (the station-call timer's
 * `STATION_CALL_TIMER_PASSES`), on a fleet with nothing due: its duration measured is what every
 * idle minute bills.
 */
export async function fixedMonthlyCosts(system: TestSystem): Promise<FixedCost[]> {
  const costs: FixedCost[] = [];
  for (const name of FUNCTION_NAMES) {
    const spec = functionSpec(name);
    if (!('schedule' in spec.trigger)) continue;
    const saved = { ...process.env };
    Object.assign(process.env, spec.environment ?? {});
    const started = performance.now();
    await system.runtime.lambdas.invoke(name, { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }).catch(() => undefined);
    const secondsEach = (performance.now() - started) / 1000;
    process.env = saved;
    const invocationsPerMonth = (HOURS_PER_MONTH * 60) / spec.trigger.schedule.everyMinutes;
    const gbSeconds = invocationsPerMonth * secondsEach * ((spec.memorySize ?? 512) / 1024);
    costs.push({
      name,
      invocationsPerMonth,
      secondsEach,
      usd: gbSeconds * PRICES.lambdaGbSecondArm.usd + invocationsPerMonth * PRICES.lambdaRequest.usd,
    });
  }
  return costs;
}

/** The always-on alternative: one Fargate task (0.25 vCPU, 0.5 GB, ARM) behind an NLB, a month. */
export function alwaysOnMonthlyUsd(stations: number): number {
  const task = 0.25 * PRICES.fargateVcpuHourArm.usd + 0.5 * PRICES.fargateGbHourArm.usd;
  // TCP LCUs: 100,000 active connections each (new connections and bytes are far below theirs).
  const lcus = stations / 100_000;
  return HOURS_PER_MONTH * (task + PRICES.nlbHour.usd + lcus * PRICES.nlbLcuHour.usd);
}
