/**
 * The cost and load parts of `npm run bench`: their sections of docs/benchmarks.md, the
 * machine-readable docs/benchmarks.json, and the README's benchmark block.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { measureBundles, type BundleMeasure } from './bundles';
import { HEARTBEATS_SAMPLED, RECONNECTS_SAMPLED, RECONNECT_DOWN_MS, alwaysOnMonthlyUsd, bill, totalUsd, type CostLine, type FixedCost, type StationMonth, type Usage } from './cost-model';
import type { LoadSample } from './fleet-load';
import { PLATFORM_LOG_BYTES_PER_INVOCATION, PRICES, PRICES_READ_ON, type PriceName } from './prices';
import type { Machine } from './report';

export interface CostResults {
  /** Every metered session; the figures are their medians. */
  readonly sessions: readonly Usage[];
  readonly sessionPath: readonly string[];
  readonly committedMinor: number;
  /** Ten in-session MeterValues metered on their own, per MeterValues. */
  readonly perMeterValues: Usage;
  readonly meterValuesOverHeartbeat: readonly number[];
  readonly station: StationMonth;
  readonly fixed: readonly FixedCost[];
}

export interface LoadResults {
  readonly local: Record<string, LoadSample>;
  readonly bare: Record<string, LoadSample>;
  readonly pacedCallsPerSecond: number;
  /** How many times the paced load ran on each (its row holds the medians). */
  readonly pacedRuns: number;
}

/** Each function's bundle and cold import (test/bench/bundles.ts). */
export interface Bundles {
  readonly maxBundleKb: number;
  readonly maxColdImportMs: number;
  readonly each: readonly BundleMeasure[];
}

export async function bundleFigures(): Promise<Bundles> {
  const each = [...(await measureBundles())].sort((a, b) => b.kb - a.kb);
  return { maxBundleKb: Math.max(...each.map((b) => b.kb)), maxColdImportMs: Math.max(...each.map((b) => b.coldImportMs)), each };
}

/** The bundles' section of docs/benchmarks.md: every function, largest first. */
export function bundlesMarkdown(bundles: Bundles): string[] {
  return [
    '## Bundles and cold import',
    '',
    "Every function of lib/functions.ts bundled as the stack bundles it (lib/bundling.ts, minified ESM), and the median time a fresh Node process takes to import its bundle (the init a cold start pays before the handler runs), with `--enable-source-maps` where the function is deployed with it. Sizes in kB of 1,000 bytes; the source map beside each bundle is uploaded but not counted.",
    '',
    'The last two columns are the floor under each function: its AWS SDK clients alone (each imported and constructed, nothing else), bundled and imported the same way. No change to our code takes a function below them.',
    '',
    '| function | kB | cold import ms | source maps at run time | largest parts | of it AWS SDK, kB | SDK clients alone: kB, import ms |',
    '|---|--:|--:|---|---|--:|--:|',
    ...bundles.each.map(
      (b) =>
        `| ${b.name} | ${round(b.kb, 1)} | ${round(b.coldImportMs, 1)} | ${b.sourceMapsAtRunTime ? 'on' : 'off'} | ${b.topPackages
          .slice(0, 3)
          .map((p) => `${p.name} ${round(p.share, 0)} %`)
          .join(', ')} | ${round(b.sdkKb, 1)} | ${round(b.sdkOnly.kb, 1)}, ${round(b.sdkOnly.coldImportMs, 1)} (${b.sdkOnly.clients.map((c) => c.slice('@aws-sdk/client-'.length)).join(', ')}) |`,
    ),
  ];
}

const medianOf = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = (sorted.length - 1) / 2;
  return (sorted[Math.floor(mid)]! + sorted[Math.ceil(mid)]!) / 2;
};

/** The serverless parts an always-on design would replace (not DynamoDB or logs, which both pay). */
const REPLACED: readonly PriceName[] = ['lambdaRequest', 'lambdaGbSecondArm', 'stepFunctionsTransition', 'webSocketMessage', 'webSocketConnectionMinute', 'httpApiRequest'];

export interface Comparison {
  readonly serverlessFixedUsd: number;
  readonly serverlessPerStationUsd: number;
  readonly alwaysOnFixedUsd: number;
  readonly alwaysOnPerStationUsd: number;
  readonly breakEvenStations: number;
}

/** Fleet size from which one Fargate task + NLB costs less a month than the serverless path. */
export function compare(station: StationMonth, fixed: readonly FixedCost[], month: 'month300' | 'month540'): Comparison {
  const perStation = bill(station[month], true).filter((l) => REPLACED.includes(l.price)).reduce((n, l) => n + l.usd, 0);
  const serverlessFixed = fixed.reduce((n, f) => n + f.usd, 0);
  const alwaysOnFixed = alwaysOnMonthlyUsd(0);
  const alwaysOnPerStation = alwaysOnMonthlyUsd(1) - alwaysOnFixed;
  return {
    serverlessFixedUsd: serverlessFixed,
    serverlessPerStationUsd: perStation,
    alwaysOnFixedUsd: alwaysOnFixed,
    alwaysOnPerStationUsd: alwaysOnPerStation,
    breakEvenStations: Math.ceil((alwaysOnFixed - serverlessFixed) / (perStation - alwaysOnPerStation)),
  };
}

export function benchmarksJson(machine: Machine, durationSeconds: number, cost: CostResults, load: LoadResults, bundles: Bundles): Record<string, unknown> {
  const sessionUsd = cost.sessions.map((u) => totalUsd(bill(u, false)));
  const pacedLocal = load.local.paced1000!;
  const pacedBare = load.bare.paced1000!;
  return {
    costPerSessionUsd: round(medianOf(sessionUsd), 7),
    costPerStationMonthUsd: round(totalUsd(bill(cost.station.month300, true)), 5),
    costPerStationMonthUsd540: round(totalUsd(bill(cost.station.month540, true)), 5),
    stateTransitionsPerSession: medianOf(cost.sessions.map((u) => u.transitions)),
    dynamoCallsPerMeterValues: round(cost.perMeterValues.dynamoCalls, 2),
    writeUnitsPerMeterValues: round(cost.perMeterValues.writeUnits, 2),
    readUnitsPerMeterValues: round(cost.perMeterValues.readUnits, 2),
    dynamoCallsPerHeartbeat: round(cost.station.perHeartbeat.dynamoCalls, 2),
    meterValuesOverHeartbeat: round(medianOf(cost.meterValuesOverHeartbeat), 2),
    payterCallsPerSessionHour: medianOf(cost.sessions.map((u) => u.payterCalls)),
    payterCallsPerMeterValues: round(cost.perMeterValues.payterCalls, 2),
    maxBundleKb: round(bundles.maxBundleKb, 1),
    maxColdImportMs: round(bundles.maxColdImportMs, 1),
    bundles: bundles.each.map((b) => ({
      function: b.name,
      kb: round(b.kb, 1),
      coldImportMs: round(b.coldImportMs, 1),
      sdkKb: round(b.sdkKb, 1),
      sdkOnlyKb: round(b.sdkOnly.kb, 1),
      sdkOnlyColdImportMs: round(b.sdkOnly.coldImportMs, 1),
    })),
    p99OverBareWs1000Paced: round(pacedLocal.p99Ms / pacedBare.p99Ms, 2),
    callsPerSecond200Chargers: round(load.local.saturate200!.callsPerSecond, 0),
    bareWsCallsPerSecond200Chargers: round(load.bare.saturate200!.callsPerSecond, 0),
    callsPerSecond1000Chargers: round(load.local.saturate1000!.callsPerSecond, 0),
    bareWsCallsPerSecond1000Chargers: round(load.bare.saturate1000!.callsPerSecond, 0),
    breakEvenStationsVsAlwaysOn: compare(cost.station, cost.fixed, 'month300').breakEvenStations,
    breakEvenStationsVsAlwaysOn540: compare(cost.station, cost.fixed, 'month540').breakEvenStations,
    fixedMonthlyUsd: round(cost.fixed.reduce((n, f) => n + f.usd, 0), 2),
    alwaysOnMonthlyUsd: round(alwaysOnMonthlyUsd(0), 2),
    pricesReadOn: PRICES_READ_ON,
    date: machine.date,
    machine: `Node ${machine.node}, ${machine.cpu}, ${machine.cores} cores, ${machine.platform}, load ${machine.loadAtStart.toFixed(2)} at start`,
    durationSeconds: round(durationSeconds, 0),
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

const usd = (n: number) => (n === 0 ? '0' : n < 0.0001 ? `$${n.toExponential(2)}` : `$${n.toFixed(n >= 1 ? 2 : n < 0.01 ? 6 : 4)}`);
const num = (n: number) => (Number.isInteger(n) ? n.toLocaleString('en-US') : n < 10 ? n.toPrecision(3) : n.toLocaleString('en-US', { maximumFractionDigits: 1 }));

export function costMarkdown(cost: CostResults, json: Record<string, unknown>): string[] {
  const session = cost.sessions[Math.floor((cost.sessions.length - 1) / 2)]!;
  const { station } = cost;
  const sessionBill = bill(session, false);
  const hb = bill(station.perHeartbeat, false);
  const rc = bill(station.perReconnect, false);
  const m300 = bill(station.month300, true);
  const m540 = bill(station.month540, true);
  const price = (l: CostLine) => `$${PRICES[l.price].usd.toPrecision(4)} / ${PRICES[l.price].per}`;
  const lines = [
    '## Cost model',
    '',
    `Counted in the local engines while the work ran, priced at the us-east-1 list prices of test/bench/prices.ts (read ${PRICES_READ_ON}; see the table below for which were confirmed). ` +
      `Medians of ${cost.sessions.length} metered sessions. Lambda durations are this machine's (the handler's whole invocation, dynalite and the Payter simulator in process), rounded up to 1 ms each, at each function's memory size: an estimate of AWS's, not a measure of it.`,
    '',
    `| figure | value |`,
    `|---|--:|`,
    `| cost per 1-hour session (\`costPerSessionUsd\`) | ${usd(json.costPerSessionUsd as number)} |`,
    `| cost per connected station-month, 300 s heartbeat (\`costPerStationMonthUsd\`) | ${usd(json.costPerStationMonthUsd as number)} |`,
    `| cost per connected station-month, 540 s heartbeat (\`costPerStationMonthUsd540\`) | ${usd(json.costPerStationMonthUsd540 as number)} |`,
    `| state transitions per session | ${json.stateTransitionsPerSession} |`,
    `| DynamoDB calls per in-session MeterValues (WRU, RRU) | ${json.dynamoCallsPerMeterValues} (${json.writeUnitsPerMeterValues} WRU, ${json.readUnitsPerMeterValues} RRU) |`,
    `| DynamoDB calls per Heartbeat | ${json.dynamoCallsPerHeartbeat} |`,
    `| Payter calls per session-hour (per in-session MeterValues) | ${json.payterCallsPerSessionHour} (${json.payterCallsPerMeterValues}) |`,
    `| in-session MeterValues / Heartbeat round trip (median of ${cost.meterValuesOverHeartbeat.length} pairs) | ${json.meterValuesOverHeartbeat}× |`,
    '',
    `### One paid session (docs/pricing.md's worked example, committed ${(cost.committedMinor / 100).toFixed(2)})`,
    '',
    `A tap, the transaction, 60 MeterValues stamped a minute apart (so the pricing sees the hour: the worked example's ${(cost.committedMinor / 100).toFixed(2)} was committed), 15 of the minutes with the car paused, the stop tap, pricing, the receipt, to the engines going quiet after the reader is free. Path (${cost.sessionPath.length} states): ${cost.sessionPath.join(' -> ')}.`,
    '',
    '| item | count | unit | price | USD |',
    '|---|--:|---|---|--:|',
    ...sessionBill.map((l) => `| ${l.item} | ${num(l.count)} | ${l.unit} | ${price(l)} | ${usd(l.usd)} |`),
    `| **total** | | | | **${usd(totalUsd(sessionBill))}** |`,
    '',
    ...byFunction('Lambda invocations of the session, by function', session),
    '',
    ...breakdown('DynamoDB calls of the session, by operation and table', session.dynamoByOperation),
    '',
    ...breakdown('Payter calls of the session', session.payterByPath),
    '',
    '### A connected station-month',
    '',
    `A station with a reader commissioned and idle: ${HEARTBEATS_SAMPLED} Heartbeats and ${RECONNECTS_SAMPLED} reconnects (the charger's socket closed and opened again ${RECONNECT_DOWN_MS} ms later, then its StatusNotification, as after API Gateway's 2-hour cut) metered apart, then multiplied out to 730 hours connected: a Heartbeat every 300 s (8,760) or 540 s (4,867), a reconnect every 2 hours (365).`,
    '',
    '| item | per Heartbeat | per reconnect | month, 300 s | USD | month, 540 s | USD | price |',
    '|---|--:|--:|--:|--:|--:|--:|---|',
    ...m300.map((l, i) => `| ${l.item} | ${num(hb[i]!.count)} | ${num(rc[i]!.count)} | ${num(l.count)} | ${usd(l.usd)} | ${num(m540[i]!.count)} | ${usd(m540[i]!.usd)} | ${price(l)} |`),
    `| **total** | | | | **${usd(totalUsd(m300))}** | | **${usd(totalUsd(m540))}** | |`,
    '',
    ...byFunction('Lambda invocations per Heartbeat, by function', station.perHeartbeat),
    '',
    ...byFunction('Lambda invocations per reconnect, by function', station.perReconnect),
    '',
    ...breakdown('DynamoDB calls per reconnect', station.perReconnect.dynamoByOperation),
    '',
    ...breakdown('Payter calls per reconnect', station.perReconnect.payterByPath),
    '',
    '### Against an always-on design',
    '',
    ...comparisonMarkdown(cost),
    '',
    '### How each count is taken',
    '',
    '- Lambda: `LambdaHost.observe` (lib/local/lambda-host.ts) sees every invocation the runtime makes (WebSocket routes, HTTP routes, workflow tasks): function, duration. GB-s = memory of lib/functions.ts × duration rounded up to 1 ms.',
    '- Step Functions: the states the execution entered (its history\'s `StateEntered` events), one billed transition each. The workflow logs at ERROR without execution data (lib/constructs/session-workflow.ts), so a happy session adds no Step Functions log bytes.',
    '- DynamoDB: `meterDynamoDb` (lib/local/dynamodb.ts) meters at the local endpoint: each write is bracketed by consistent reads of the item before and after it (unmetered), and priced by lib/local/dynamodb-capacity.ts from the item sizes and the indexes dynalite reports for the table (their keys and projections): 1 WRU per KB on the table, plus per index an add, a remove, a key move (2) or a change of a projected attribute; a failed condition costs the table its units; transactions double. Reads: 4 KB units over the items answered, half for an eventually consistent read. A filtered Scan is counted on what it returns, not what it read.',
    '- WebSocket: `meterWebSocketTraffic` (lib/local/websocket-gateway.ts) counts frames in and out (route replies and `@connections` posts) in 32 KB units. `$connect`/`$disconnect` are not counted as messages. Connection minutes are the scenario\'s own (60 per session hour, billed in the station-month; 43,800 a month).',
    '- HTTP API: invocations of the functions lib/functions.ts routes over HTTP (the Payter callbacks, in a session).',
    '- Payter: the Payter simulator\'s call log (lib/local/payter-simulator.ts `calls()`).',
    `- Logs: every byte the handlers write to stdout while metered (Powertools JSON at the stack's INFO level), plus ${PLATFORM_LOG_BYTES_PER_INVOCATION} bytes per invocation of Lambda's own lines: its START/END/REPORT lines are INFO system logs, and the functions log system events at WARN.`,
    '- Not counted: X-Ray traces (the functions trace actively), Secrets Manager reads (cached per container; locally the secrets come from the environment), data transfer, CloudWatch metrics and alarms, DynamoDB storage, the free tiers.',
    '',
    '### Prices',
    '',
    '| price | USD | per | status | source |',
    '|---|--:|---|---|---|',
    ...Object.entries(PRICES).map(([name, p]) => `| ${name} | ${p.usd.toPrecision(4)} | ${p.per} | ${p.status} | ${p.source} |`),
  ];
  return lines;
}

function byFunction(title: string, usage: Usage): string[] {
  return [
    `| ${title} | invocations | billed ms | GB-s |`,
    '|---|--:|--:|--:|',
    ...Object.entries(usage.lambda)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, u]) => `| ${name} | ${num(u.invocations)} | ${num(u.billedMs)} | ${u.gbSeconds.toPrecision(3)} |`),
  ];
}

function breakdown(title: string, counts: Record<string, number>): string[] {
  const rows = Object.entries(counts).sort(([, a], [, b]) => b - a);
  if (rows.length === 0) return [`${title}: none.`];
  return [`| ${title} | count |`, '|---|--:|', ...rows.map(([key, n]) => `| \`${key}\` | ${num(n)} |`)];
}

function comparisonMarkdown(cost: CostResults): string[] {
  const at300 = compare(cost.station, cost.fixed, 'month300');
  const at540 = compare(cost.station, cost.fixed, 'month540');
  return [
    `One Fargate task (0.25 vCPU, 0.5 GB, ARM) behind a Network Load Balancer holds the sockets and runs the frame path instead of API Gateway, Lambda and Step Functions; DynamoDB and logs cost both designs the same, so they are left out of both sides. ` +
      `The serverless side has fixed monthly costs too: the scheduled functions, measured here once each (${cost.fixed.map((f) => `${f.name} ${num(f.invocationsPerMonth)}× ${f.secondsEach.toFixed(3)} s ${usd(f.usd)}`).join('; ')}).`,
    '',
    '| | serverless | always-on |',
    '|---|--:|--:|',
    `| fixed, per month | ${usd(at300.serverlessFixedUsd)} | ${usd(at300.alwaysOnFixedUsd)} |`,
    `| per connected station-month, 300 s heartbeat | ${usd(at300.serverlessPerStationUsd)} | ${usd(at300.alwaysOnPerStationUsd)} (NLB LCUs) |`,
    `| per connected station-month, 540 s heartbeat | ${usd(at540.serverlessPerStationUsd)} | ${usd(at540.alwaysOnPerStationUsd)} |`,
    `| **always-on is cheaper from** | **${num(at300.breakEvenStations)} stations** (300 s), **${num(at540.breakEvenStations)}** (540 s) | |`,
    '',
    'Sessions are left out (both designs run the same workflow steps; the serverless side pays its Lambdas per session as well). The always-on side is one task: no second one for availability, no deployment overlap, and its capacity is not measured here.',
  ];
}

export function loadMarkdown(load: LoadResults): string[] {
  const row = (label: string, key: string) => {
    const local = load.local[key]!;
    const bare = load.bare[key]!;
    return `| ${label} | ${num(local.calls)} | ${local.callsPerSecond.toFixed(0)} | ${local.p50Ms.toFixed(1)} | ${local.p99Ms.toFixed(1)} | ${bare.callsPerSecond.toFixed(0)} | ${bare.p50Ms.toFixed(2)} | ${bare.p99Ms.toFixed(2)} | ${(local.p99Ms / bare.p99Ms).toFixed(1)}× |`;
  };
  return [
    '## Many chargers: the local runtime beside a bare `ws` server',
    '',
    `The local runtime as \`npm run serve\` runs it (its gateway, the Lambda handlers, dynalite, all in this one process) and, in the same run, a bare \`ws\` server answering the same frames with canned CALLRESULTs, both driven by the same client: strict ocpp-rpc chargers (lib/local/simulated-charger.ts), which validate each call and its answer against the OCPP 1.6 schemas, one call outstanding per charger. Each charger has booted and started a transaction; the calls are Heartbeat and MeterValues (4 sampled values) in turn. Saturated: each charger sends its next call when the last is answered. Paced: ${load.pacedCallsPerSecond} calls/s in all, open loop, the chargers taking turns, ${load.pacedRuns} runs on each server alternating A-B (the row shows their medians). Both fleets stay connected throughout; each load runs on the local runtime, then at once on the bare server.`,
    '',
    '| load | calls | local calls/s | local p50 ms | local p99 ms | bare calls/s | bare p50 ms | bare p99 ms | p99 local / bare |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|',
    row('200 chargers, saturated', 'saturate200'),
    row('1,000 chargers, saturated', 'saturate1000'),
    row(`1,000 chargers, paced at ${load.pacedCallsPerSecond} calls/s`, 'paced1000'),
    '',
    `Paced, the bare server is idle between calls, so its p99 (${load.bare.paced1000!.p99Ms.toFixed(2)} ms) is the client's own work and loopback: the ratio \`p99OverBareWs1000Paced\` is the local runtime's tail over that floor. The local runtime's chargers carry transactions whose id tag nobody issued (no session), so their MeterValues do not redraw a reader's screen; the in-session cost of a MeterValues is the cost model's.`,
  ];
}

const README = fileURLToPath(new URL('../../README.md', import.meta.url));
const BEGIN = '<!-- bench:begin (written by npm run bench from docs/benchmarks.json) -->';
const END = '<!-- bench:end -->';

/** The README's benchmark figures, between its markers, from this run. */
export function updateReadme(json: Record<string, unknown>): void {
  const readme = readFileSync(README, 'utf8');
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`README.md has no ${BEGIN} ... ${END} block`);
  const v = (key: string) => json[key];
  const block = [
    BEGIN,
    `Last run ${String(v('date')).slice(0, 10)} (${String(v('machine'))}; [docs/benchmarks.md](docs/benchmarks.md), [docs/benchmarks.json](docs/benchmarks.json)):`,
    '',
    '| figure | value |',
    '|---|--:|',
    `| AWS cost per 1-hour session | ${usd(v('costPerSessionUsd') as number)} |`,
    `| AWS cost per connected station-month, 300 s / 540 s heartbeat | ${usd(v('costPerStationMonthUsd') as number)} / ${usd(v('costPerStationMonthUsd540') as number)} |`,
    `| fixed monthly cost (scheduled functions) | ${usd(v('fixedMonthlyUsd') as number)} |`,
    `| one Fargate task + NLB, a month | ${usd(v('alwaysOnMonthlyUsd') as number)} |`,
    `| always-on is cheaper from (300 s / 540 s heartbeat) | ${num(v('breakEvenStationsVsAlwaysOn') as number)} / ${num(v('breakEvenStationsVsAlwaysOn540') as number)} stations |`,
    `| state transitions per session | ${v('stateTransitionsPerSession')} |`,
    `| DynamoDB calls per in-session MeterValues / per Heartbeat | ${v('dynamoCallsPerMeterValues')} / ${v('dynamoCallsPerHeartbeat')} |`,
    `| Payter calls per session-hour | ${v('payterCallsPerSessionHour')} |`,
    `| in-session MeterValues / Heartbeat round trip | ${v('meterValuesOverHeartbeat')}× |`,
    `| largest bundle, slowest cold import | ${v('maxBundleKb')} kB, ${v('maxColdImportMs')} ms |`,
    `| 200 chargers: calls/s local / bare \`ws\` | ${v('callsPerSecond200Chargers')} / ${v('bareWsCallsPerSecond200Chargers')} |`,
    `| 1,000 chargers at 100 calls/s: p99 local / bare \`ws\` | ${v('p99OverBareWs1000Paced')}× |`,
    END,
  ].join('\n');
  writeFileSync(README, readme.slice(0, begin) + block + readme.slice(end + END.length));
}

export function writeJson(json: Record<string, unknown>): void {
  writeFileSync(fileURLToPath(new URL('../../docs/benchmarks.json', import.meta.url)), `${JSON.stringify(json, null, 2)}\n`);
}
