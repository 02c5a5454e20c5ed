/**
 * `npm run bench`: what an OCPP call, the codec, the pricing and a whole paid session cost on
 * the local system, measured side by side in one run; what a paid session and a connected
 * station-month cost in AWS, counted in the local engines and priced (cost-model.ts); the
 * local runtime under 200 and 1,000 chargers beside a bare `ws` server (fleet-load.ts). Writes
 * docs/benchmarks.md, docs/benchmarks.json and the README's benchmark block.
 *
 * The machines this runs on are shared and noisy, so the run is a series of epochs, each
 * taking a slice of every measure (OCPP rounds with the in-process work between them, a
 * sequential and a parallel burst, one paid session), and the report leads with ratios of
 * measures taken moments apart. Every loop is bounded in count and the whole run in time
 * (under 5 minutes on 2 cores).
 */
import { FAST_WORKFLOW } from '../support/paid-session';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startTestSystem, type TestSystem } from '../support/local-system';
import { decodeOf, workedExamplePricing } from './in-process';
import { BENCH_ACTIONS, ChargerClock, benchFrame, connectFleet, fleetThroughput, type BenchAction, type BenchCharger } from './ocpp-load';
import { PaidSessions } from './paid-session';
import { consoleSummary, markdown, thisMachine, type BenchReport } from './report';
import { Series, median, microsecondsPerCall, until } from './stats';
import { Sessions, fixedMonthlyCosts, logs, stationMonth, type Usage } from './cost-model';
import { Fleet, paced, provisionFleet, saturate, startBareServer, type LoadSample } from './fleet-load';
import { benchmarksJson, bundleFigures, bundlesMarkdown, costMarkdown, loadMarkdown, updateReadme, writeJson, type CostResults, type LoadResults } from './results';

/** One paid session per epoch: about six sessions, as a session takes about a second here. */
const EPOCHS = Number(process.env.BENCH_EPOCHS ?? 4);
/** Rounds of the four calls per epoch; each round also times the codec and the pricing. */
const ROUNDS_PER_EPOCH = 40;
/** Cuts an epoch's rounds short on a machine far slower than expected. */
const ROUNDS_BUDGET_MS = 8_000;
const FLEET_SIZE = 10;
const SEQUENTIAL_BURST_CALLS = 80;
const PARALLEL_BURST_CALLS_EACH = 20;
/** Per timed batch; a batch lasts a millisecond or two, far above the timer's resolution. */
const DECODE_REPETITIONS = 200;
const PRICING_REPETITIONS = 200;
/** No epoch starts after this; the watchdog ends a run that still overstays. */
const RUN_BUDGET_MS = 35_000;
/** The whole bench (bundles, epochs, cost model, fleets) stays under 5 minutes. */
const WATCHDOG_MS = 295_000;
/** Cost model: sessions metered, and sessions timed with a Heartbeat after each MeterValues. */
const METERED_SESSIONS = 3;
const TIMED_SESSIONS = 2;
/** Fleets: the big one, the small one (its first chargers), each load's length, the pace. */
const FLEET = 1000;
const SMALL_FLEET = 200;
const SATURATE_SECONDS = 4;
const PACED_SECONDS = 8;
const PACED_RUNS = 3;
const PACED_CALLS_PER_SECOND = 100;
/** Step Functions Standard, us-east-1 list price: $0.025 per 1,000 state transitions. */
const USD_PER_STATE_TRANSITION = 0.000025;
/** As in the session tests: the workflow's minutes and hours become milliseconds. */
const TIME_SCALE = FAST_WORKFLOW;

const OUTPUT = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));
const say = (line: string) => logs.say(line);

/** Every series of the run; the warm-up fills a set of its own and throws it away. */
class Measures {
  readonly roundTrip = byAction((a) => new Series(a, 'ms'));
  readonly roundTripVsHeartbeat = byAction((a) => new Series(`${a} / Heartbeat`, '×'));
  readonly decode = byAction((a) => new Series(`decode ${a}`, 'µs'));
  readonly decodeShare = byAction((a) => new Series(`decode ${a} / its round trip`, '%', 3));
  readonly pricing = new Series('priceSession + capture + splitRevenue', 'µs');
  readonly sequentialRate = new Series('1 charger, sequential', 'calls/s', 0);
  readonly parallelRate = new Series(`${FLEET_SIZE} chargers in parallel, aggregate`, 'calls/s', 0);
  readonly parallelLatency = new Series(`any of the four, ${FLEET_SIZE} chargers in parallel`, 'ms');
  readonly parallelVsSequential = new Series(`${FLEET_SIZE} chargers / 1 charger (calls/s)`, '×');
  readonly session = new Series('tap -> committed, reader free', 'ms', 0);
  readonly sessionStart = new Series('  of which tap -> charging, stop armed', 'ms', 0);
  readonly sessionStop = new Series('  of which stop tap -> reader free', 'ms', 0);
  readonly sessionVsHeartbeat = new Series('paid session / Heartbeat round trip', '×', 0);
  readonly transitions = new Series('state transitions per session', 'count', 0);
}

function byAction<T>(make: (action: BenchAction) => T): Record<BenchAction, T> {
  return Object.fromEntries(BENCH_ACTIONS.map((a) => [a, make(a)])) as Record<BenchAction, T>;
}

interface Workloads {
  readonly fleet: readonly BenchCharger[];
  readonly decoders: Record<BenchAction, () => unknown>;
  readonly pricing: () => unknown;
  readonly sessions: PaidSessions;
}

async function epoch(work: Workloads, m: Measures, rounds: number): Promise<string[]> {
  const single = work.fleet[0]!;
  const heartbeats: number[] = [];
  const roundsDeadline = performance.now() + ROUNDS_BUDGET_MS;
  for (let round = 0; round < rounds && performance.now() < roundsDeadline; round++) {
    // Rotating the order keeps any "after a heavier call" effect off one action.
    const order = BENCH_ACTIONS.map((_, i) => BENCH_ACTIONS[(round + i) % BENCH_ACTIONS.length]!);
    const ms = {} as Record<BenchAction, number>;
    for (const action of order) ms[action] = await single.roundTrip(action);
    for (const action of BENCH_ACTIONS) {
      const us = microsecondsPerCall(DECODE_REPETITIONS, work.decoders[action]);
      m.roundTrip[action].add(ms[action]);
      m.roundTripVsHeartbeat[action].add(ms[action] / ms.Heartbeat);
      m.decode[action].add(us);
      m.decodeShare[action].add((100 * us) / (ms[action] * 1000));
    }
    m.pricing.add(microsecondsPerCall(PRICING_REPETITIONS, work.pricing));
    heartbeats.push(ms.Heartbeat);
  }

  // Two pairs of bursts in A-B-B-A order: neither kind always runs first, or always right
  // after the other kind's garbage.
  const sequential = () => fleetThroughput([single], SEQUENTIAL_BURST_CALLS, () => undefined);
  const parallel = () => fleetThroughput(work.fleet, PARALLEL_BURST_CALLS_EACH, (ms) => m.parallelLatency.add(ms));
  for (const sequentialFirst of [true, false]) {
    const first = await (sequentialFirst ? sequential() : parallel());
    const second = await (sequentialFirst ? parallel() : sequential());
    const [sequentialRate, parallelRate] = sequentialFirst ? [first, second] : [second, first];
    m.sequentialRate.add(sequentialRate);
    m.parallelRate.add(parallelRate);
    m.parallelVsSequential.add(parallelRate / sequentialRate);
  }

  const session = await work.sessions.run();
  m.session.add(session.wallMs);
  m.sessionStart.add(session.startMs);
  m.sessionStop.add(session.stopMs);
  m.sessionVsHeartbeat.add(session.wallMs / median(heartbeats));
  m.transitions.add(session.states.length);
  return [...session.states];
}

async function main(): Promise<void> {
  const watchdog = setTimeout(() => {
    console.error(`bench: still running after ${WATCHDOG_MS / 1000} s, giving up`);
    process.exit(2);
  }, WATCHDOG_MS);
  watchdog.unref();

  const machine = thisMachine();
  const started = performance.now();
  let system: TestSystem | undefined;
  let work: Workloads | undefined;
  try {
    // First, while the machine is quiet: each function's bundle and its cold import (another module's work).
    say('bench: bundles');
    const bundles = await bundleFigures();
    say(`bench: ${bundles.each.length} bundles, largest ${bundles.maxBundleKb.toFixed(1)} kB, slowest cold import ${bundles.maxColdImportMs.toFixed(1)} ms`);
    // The handlers log as the stack has them (INFO); their lines are counted, not shown.
    logs.install();
    // One system for the whole run (the handlers read their settings from the process
    // environment); the time scale touches only the workflow's waits, not the OCPP path. The
    // scheduled functions do not run on their own: what they cost is a fixed monthly sum,
    // measured apart, and their work would land in the meters of the sessions.
    system = await startTestSystem({
      timeScale: TIME_SCALE,
      logLevel: 'INFO',
      stationCallTimerMs: 0,
      sessionSweepIntervalSeconds: 86_400,
      reconciliationIntervalMs: 0,
    });
    const frameClock = new ChargerClock();
    work = {
      fleet: await connectFleet(system, FLEET_SIZE, new ChargerClock()),
      decoders: byAction((a) => decodeOf(benchFrame(a, frameClock))),
      pricing: workedExamplePricing(),
      sessions: new PaidSessions(system),
    };

    say('bench: warming up (JIT, lazily loaded handlers, first DynamoDB items)');
    await epoch(work, new Measures(), ROUNDS_PER_EPOCH / 2);

    const m = new Measures();
    let path: string[] = [];
    let epochs = 0;
    while (epochs < EPOCHS && performance.now() - started < RUN_BUDGET_MS) {
      const states = await epoch(work, m, ROUNDS_PER_EPOCH);
      if (epochs > 0 && states.join() !== path.join()) throw new Error(`session ${epochs + 1} took another path: ${states.join(' -> ')}`);
      path = states;
      epochs += 1;
      say(`bench: epoch ${epochs}/${EPOCHS} done at ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }

    say('bench: cost model (metered sessions, a station-month, the scheduled functions)');
    const cost = await costModel(system);
    say(`bench: cost model done at ${((performance.now() - started) / 1000).toFixed(0)} s`);
    const load = await fleets(system, (line) => say(`bench: ${line} at ${((performance.now() - started) / 1000).toFixed(0)} s`));

    const report: BenchReport = {
      machine,
      durationSeconds: (performance.now() - started) / 1000,
      settings:
        `${epochs} epochs${epochs < EPOCHS ? ` of ${EPOCHS} (stopped by the ${RUN_BUDGET_MS / 1000} s budget)` : ''}, each: ` +
        `${ROUNDS_PER_EPOCH} rounds of the four OCPP calls on one charger, with ${DECODE_REPETITIONS} decodes of each frame and ` +
        `${PRICING_REPETITIONS} pricings timed after each round; two pairs of bursts (${SEQUENTIAL_BURST_CALLS} calls on one charger, ` +
        `${PARALLEL_BURST_CALLS_EACH} calls on each of ${FLEET_SIZE} chargers at once, in A-B-B-A order); one paid session. One warm-up epoch is discarded. ` +
        `Workflow time scale: \`${JSON.stringify(TIME_SCALE)}\`.`,
      ratios: [
        { title: 'OCPP round trip vs Heartbeat (same round)', rows: BENCH_ACTIONS.filter((a) => a !== 'Heartbeat').map((a) => m.roundTripVsHeartbeat[a]) },
        { title: 'In-process decode vs the round trip of the same call', rows: BENCH_ACTIONS.map((a) => m.decodeShare[a]) },
        { title: 'Throughput (adjacent bursts)', rows: [m.parallelVsSequential] },
        { title: 'Paid session (Heartbeat of the same epoch)', rows: [m.sessionVsHeartbeat] },
      ],
      measures: [
        { title: 'OCPP round trip, 1 charger, through the whole local stack', rows: BENCH_ACTIONS.map((a) => m.roundTrip[a]) },
        { title: 'OCPP throughput', rows: [m.sequentialRate, m.parallelRate, m.parallelLatency] },
        { title: 'OCPP 1.6 codec in process (`ocpp16.decode`)', rows: BENCH_ACTIONS.map((a) => m.decode[a]) },
        { title: "Pricing of docs/pricing.md's worked example, in process", rows: [m.pricing] },
        { title: 'Paid session end to end (worked example, $7.64)', rows: [m.session, m.sessionStart, m.sessionStop, m.transitions] },
      ],
      sessionPath: path.length > 0 ? { states: path, usdPerTransition: USD_PER_STATE_TRANSITION } : undefined,
      notes: [
        'Round trip: `await client.call(...)` of a strict ocpp-rpc charger (it validates its request and the answer against ' +
          'the official schemas, in this same process) through the WebSocket gateway emulation, the `$default` Lambda ' +
          '(connection lookup, decode, the action, DynamoDB writes) and the reply by `postToConnection`.',
        'Heartbeat records the station as seen. StatusNotification stores a status row and asks the reader side about the ' +
          'connector. MeterValues carries 4 sampled values (energy, power, current, voltage) for a running transaction. ' +
          'StartTransaction takes an id from the counter and writes a new transaction behind its replay guard (every ' +
          'timestamp is new, so no call is a replay); its id tag was issued by nobody, so it answers Invalid and no ' +
          'session workflow is signalled.',
        `Throughput: calls answered per second over a burst; in the parallel burst each of the ${FLEET_SIZE} chargers keeps ` +
          'one call outstanding, as OCPP allows. Everything shares one Node event loop, so this shows how much the stack ' +
          'overlaps its own waits, not how AWS would scale (one Lambda per concurrent frame).',
        'Decode: `ocpp16.decode(text)`, the codec and schema validation `$default` runs on the same frames, in a batch; ' +
          'its share of a round trip is what parsing and validation cost of the whole call.',
        "Pricing: `priceSession` + `capture` + `splitRevenue` of docs/pricing.md's worked example (764 = 62 tax + 120 platform " +
          '+ 582 host, checked before timing).',
        "Paid session: a fresh station, simulated charger and Payter reader per session (set-up not timed); the clock runs " +
          'from the tap through the remote start, the transaction, 15 idle minutes reported by the charger, the stop tap, ' +
          'pricing, commit of $7.64 and the receipt, to the reader back in its start screen and the execution ended. ' +
          "The workflow's waits and timeouts are scaled down and the simulated charger pauses 20 ms before its start and " +
          'its stop, so this is the system\'s own work, not a driver\'s minutes. Each session is checked (SUCCEEDED, one ' +
          'hold committed at 764, reader free) and must take the same path.',
      ],
    };
    const json = benchmarksJson(machine, report.durationSeconds, cost, load, bundles);
    writeFileSync(OUTPUT, [markdown(report).trimEnd(), '', ...costMarkdown(cost, json), '', ...loadMarkdown(load), '', ...bundlesMarkdown(bundles), ''].join('\n'));
    writeJson(json);
    updateReadme(json);
    say(consoleSummary(report));
    say(JSON.stringify(json, null, 2));
    say(`bench: wrote ${OUTPUT}, docs/benchmarks.json and the README's block`);
  } finally {
    work?.sessions.close();
    // The gateway closes the fleet's sockets itself and, unlike a client-side close, waits for
    // their $disconnect handlers before the engines they write to go away.
    await system?.close();
    clearTimeout(watchdog);
  }
}

async function costModel(system: TestSystem): Promise<CostResults> {
  const sessions = new Sessions(system);
  const metered: Usage[] = [];
  const perMeterValues: Usage[] = [];
  let path: readonly string[] = [];
  let committedMinor = 0;
  for (let i = 0; i < METERED_SESSIONS; i++) {
    const run = await sessions.run({ withHeartbeats: false });
    if (run.committedMinor !== 764) throw new Error(`a metered session committed ${run.committedMinor}, not the worked example's 764: the pricing did not see the hour`);
    metered.push(run.usage);
    if (run.perMeterValues) perMeterValues.push(run.perMeterValues);
    path = run.states;
    committedMinor = run.committedMinor;
  }
  const ratios: number[] = [];
  for (let i = 0; i < TIMED_SESSIONS; i++) {
    const run = await sessions.run({ withHeartbeats: true });
    run.meterValuesMs.forEach((ms, minute) => ratios.push(ms / run.heartbeatMs[minute]!));
  }
  const station = await stationMonth(system);
  const fixed = await fixedMonthlyCosts(system);
  // The middle one by DynamoDB calls: one whole sample, not a mix of several.
  const middle = [...perMeterValues].sort((a, b) => a.dynamoCalls - b.dynamoCalls)[Math.floor((perMeterValues.length - 1) / 2)]!;
  const bySessionCost = [...metered].sort((a, b) => a.writeUnits + a.readUnits - (b.writeUnits + b.readUnits));
  return { sessions: bySessionCost, sessionPath: path, committedMinor, perMeterValues: middle, meterValuesOverHeartbeat: ratios, station, fixed };
}

/**
 * The same loads on the local runtime and on a bare `ws` server, both fleets connected, each
 * load run on one and then the other; the paced load PACED_RUNS times each, alternating.
 */
async function fleets(system: TestSystem, progress: (line: string) => void): Promise<LoadResults> {
  const ids = await provisionFleet(system, FLEET);
  progress(`${FLEET} stations provisioned`);
  const bare = await startBareServer();
  const local = await Fleet.connect(system.runtime.ocppUrl, ids);
  progress(`${FLEET} chargers connected and booted to the local runtime`);
  const baseline = await Fleet.connect(bare.url, ids);
  progress(`${FLEET} chargers connected and booted to the bare ws server`);
  try {
    const both = async (load: (fleet: Fleet) => Promise<LoadSample>) => ({ local: await load(local), bare: await load(baseline) });
    await both((fleet) => saturate(fleet, SMALL_FLEET, 1)); // warm-up
    const saturate200 = await both((fleet) => saturate(fleet, SMALL_FLEET, SATURATE_SECONDS));
    const saturate1000 = await both((fleet) => saturate(fleet, FLEET, SATURATE_SECONDS));
    const pacedRuns = [];
    for (let i = 0; i < PACED_RUNS; i++) pacedRuns.push(await both((fleet) => paced(fleet, PACED_CALLS_PER_SECOND, PACED_SECONDS)));
    progress('loads done');
    return {
      local: { saturate200: saturate200.local, saturate1000: saturate1000.local, paced1000: medianSample(pacedRuns.map((r) => r.local)) },
      bare: { saturate200: saturate200.bare, saturate1000: saturate1000.bare, paced1000: medianSample(pacedRuns.map((r) => r.bare)) },
      pacedCallsPerSecond: PACED_CALLS_PER_SECOND,
      pacedRuns: PACED_RUNS,
    };
  } finally {
    await Promise.all([local.close(), baseline.close()]);
    await bare.close();
  }
}

/** Runs of one load summarized by their medians (calls summed). */
function medianSample(runs: readonly LoadSample[]): LoadSample {
  return {
    chargers: runs[0]!.chargers,
    calls: runs.reduce((n, r) => n + r.calls, 0),
    callsPerSecond: median(runs.map((r) => r.callsPerSecond)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
  };
}

await main();
