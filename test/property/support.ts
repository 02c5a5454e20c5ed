/**
 * What the property, race and fault suites share: the whole local system with the workflow's
 * waits shrunk, a site whose prices an independent oracle recomputes (docs/pricing.md, exclusive
 * tax, no idle fee), station/reader pairs with real OCPP chargers, and the money checks every
 * session must pass once its execution has ended. Only outward interfaces are used: the
 * Payter simulator, the chargers, the HTTP APIs and the DynamoDB records.
 */
import { FAST_WAITS } from '../support/paid-session';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { PayterSimulator, SimulatedSession } from '../../lib/local/payter-simulator';
import { SimulatedCharger, ocppTimestamp, type ChargerScript } from '../../lib/local/simulated-charger';
import { demoSite, localDynamoDb, startTestSystem, waitFor, type TestSystem } from '../support/local-system';

export const PASSWORD = 'property-station-secret';
export const SITE_ID = 'site-property';
export const HOLD = 5000;
/** How long the Payter client waits; a 'slow' answer comes after it gave up. */
export const PAYTER_TIMEOUT_MS = 1_000;
export const LOST_ANSWER = { kind: 'slow', delayMs: PAYTER_TIMEOUT_MS + 400 } as const;
export const FAILS = { kind: 'fail', status: 503 } as const;

/** Sub-cent energy price and a tax rate that rounds: every receipt line and the tax round half up. */
export const PROPERTY_SITE = {
  ...demoSite(SITE_ID),
  name: 'Property Garage',
  holdAmount: HOLD,
  tariff: { sessionFee: 100, energyPerKwh: '34.5', timePerHour: '120', idlePerHour: '0', idleGraceMinutes: 0 },
  tax: { ratePercent: '8.875', inclusive: false },
  // 10 s to plug in (2 s at the time scale), the least a site may set.
  limits: { plugInWindowSeconds: 10, maxSessionMinutes: 720 },
};

export async function startPropertySystem(): Promise<TestSystem> {
  const system = await startTestSystem({
    // Minutes and hours of the workflow become milliseconds; the charger's own timestamps stay real.
    // Task timeouts shrink less (30 s -> 6 s): many sessions at once keep the one process busy.
    timeScale: { ...FAST_WAITS, timeoutScale: 0.2 },
    payterTimeoutMs: PAYTER_TIMEOUT_MS,
    readerRetryDelaysMs: [20, 50, 100],
  });
  const site = await system.api('PUT', `/installer/sites/${SITE_ID}`, PROPERTY_SITE);
  if (site.status !== 200) throw new Error(`site: ${JSON.stringify(site.body)}`);
  return system;
}

/** What the charger reported for one transaction. */
export interface ChargerReport {
  readonly meterStart: number;
  readonly meterStop: number;
  readonly startedAt: string;
  readonly stoppedAt: string;
}

/** Half up to a whole minor unit of `numerator / denominator` (both non-negative integers). */
const halfUp = (numerator: number, denominator: number) => Math.floor((2 * numerator + denominator) / (2 * denominator));

/** docs/pricing.md for PROPERTY_SITE, written again from the page: what must be captured. */
export function expectedCapture({ meterStart, meterStop, startedAt, stoppedAt }: ChargerReport): number {
  const energyWh = meterStop - meterStart;
  const seconds = (Date.parse(stoppedAt) - Date.parse(startedAt)) / 1000;
  const fee = 100;
  const energy = halfUp(345 * energyWh, 10 * 1000); // 34.5 c/kWh
  const time = halfUp(120 * seconds, 3600);
  const subtotal = fee + energy + time;
  const tax = halfUp(subtotal * 8875, 100 * 1000); // 8.875 %
  return Math.min(subtotal + tax, HOLD);
}

export interface Pair {
  readonly stationId: string;
  readonly serial: string;
  readonly charger: SimulatedCharger;
}

/** A station with `connectors`, its charger online, and one reader per connector commissioned to it. */
export async function givenStation(system: TestSystem, stationId: string, serials: readonly string[], script: ChargerScript = {}): Promise<{ stationId: string; serials: readonly string[]; charger: SimulatedCharger }> {
  const connectors = serials.map((_, i) => i + 1);
  // Not provisionStation: it would put the demo tariff back on the site.
  const station = await system.api('PUT', `/installer/stations/${stationId}`, { siteId: SITE_ID, connectors, password: PASSWORD });
  if (station.status !== 200) throw new Error(`station: ${JSON.stringify(station.body)}`);
  const charger = await new SimulatedCharger(system.runtime.ocppUrl, stationId, PASSWORD, script).connect();
  const payter = system.runtime.payter!;
  for (const [i, serial] of serials.entries()) {
    payter.addReader(serial, { currency: 'USD' });
    const commissioned = await system.api('PUT', `/installer/readers/${serial}`, { stationId, connectorIds: [i + 1] });
    if (commissioned.status !== 200) throw new Error(`reader ${serial}: ${JSON.stringify(commissioned.body)}`);
  }
  return { stationId, serials, charger };
}

export async function givenPair(system: TestSystem, name: string, script: ChargerScript = {}): Promise<Pair> {
  const { stationId, serials, charger } = await givenStation(system, `CP-${name}`, [`READER-${name}`], script);
  return { stationId, serial: serials[0]!, charger };
}

const db = localDynamoDb();

/**
 * Session records of a station from the byStation index (keys only, as every index: the
 * records themselves are read by key): oldest first, or the newest `newest`.
 */
async function querySessions(stationId: string, newest?: number): Promise<Record<string, any>[]> {
  const items: Record<string, any>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: process.env.SESSIONS_TABLE!,
        IndexName: 'byStation',
        KeyConditionExpression: 'stationId = :s',
        ExpressionAttributeValues: { ':s': stationId },
        ExclusiveStartKey: startKey,
        ...(newest !== undefined && { ScanIndexForward: false, Limit: newest }),
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = newest === undefined ? page.LastEvaluatedKey : undefined;
  } while (startKey);
  const records = await Promise.all(
    items.map(async ({ sessionId }) => (await db.send(new GetCommand({ TableName: process.env.SESSIONS_TABLE!, Key: { sessionId }, ConsistentRead: true }))).Item),
  );
  return records.filter((record): record is Record<string, any> => record !== undefined);
}

/** Every session record of a station. */
export const sessionsOfStation = (stationId: string) => querySessions(stationId);

/** The session a tap started: the station's newest session not in `known`. */
export async function newSession(stationId: string, known: ReadonlySet<string>, timeoutMs = 5_000): Promise<string> {
  return waitFor(
    async () => (await querySessions(stationId, 3)).find((s) => !known.has(s.sessionId as string))?.sessionId as string | undefined,
    timeoutMs,
    `a new session on ${stationId}`,
    POLL_MS,
  );
}

/** Polling the system costs it CPU too: the suites look less often than the other tests. */
export const POLL_MS = Number(process.env.POLL_MS ?? 100);

/** Waits until the session's execution has ended; resolves to its status. */
export async function ended(system: TestSystem, sessionId: string, timeoutMs = 30_000): Promise<string> {
  return waitFor(async () => {
    const { status } = await system.sfn.send(new DescribeExecutionCommand({ executionArn: system.executionArn(sessionId) }));
    return status === 'RUNNING' ? undefined : status;
  }, timeoutMs, `execution ${sessionId} ended`, POLL_MS);
}

export const readerRecord = async (system: TestSystem, serial: string) => (await system.api('GET', `/installer/readers/${serial}`)).body;

/**
 * The session is charging and waits for the charger's stop (so every stop path is armed):
 * true, or false when its execution ended first (e.g. the remote start timed out).
 */
export const charging = (system: TestSystem, sessionId: string, timeoutMs = 20_000) =>
  waitFor(async () => {
    const record = await system.sessionRecord(sessionId);
    if (record.status === 'charging' && record.stopTaskToken) return 'charging';
    const { status } = await system.sfn.send(new DescribeExecutionCommand({ executionArn: system.executionArn(sessionId) }));
    return status === 'RUNNING' ? undefined : 'ended';
  }, timeoutMs, `session ${sessionId} charging`, POLL_MS).then((state) => state === 'charging');

/** Re-POSTs a callback Payter delivered (a duplicate delivery); resolves to our HTTP status. */
export async function redeliver(callback: { url: string; body: unknown }): Promise<number> {
  const response = await fetch(callback.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(callback.body) });
  await response.arrayBuffer();
  return response.status;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A charger script with the given report, and ready for its next transaction. */
export function scriptFor(report: ChargerReport, extra: ChargerScript = {}): ChargerScript {
  return { meterStart: report.meterStart, startedAt: report.startedAt, stop: { meterStop: report.meterStop, timestamp: report.stoppedAt }, ...extra };
}

/** A transaction of `seconds` and `wh`, started `agoSeconds` ago (whole seconds, as chargers send). */
export function reportOf(meterStart: number, wh: number, seconds: number, agoSeconds = seconds): ChargerReport {
  const t0 = Math.floor(Date.now() / 1000) * 1000 - agoSeconds * 1000;
  return { meterStart, meterStop: meterStart + wh, startedAt: ocppTimestamp(t0), stoppedAt: ocppTimestamp(t0 + seconds * 1000) };
}

/**
 * The money checks of one session whose execution has ended: `started` says whether the
 * charger started a transaction for it (and what it reported). Returns what is wrong, empty
 * when everything is right.
 */
export async function settlementProblems(
  system: TestSystem,
  check: { sessionId: string; serial: string; cardId: string; started: ChargerReport | undefined },
): Promise<string[]> {
  const payter = system.runtime.payter!;
  const problems: string[] = [];
  const holdsOf = () => payter.sessions(check.serial).filter((s) => s.cardId === check.cardId);
  // A hold whose authorize answer was lost is swept just after the execution ends.
  await waitFor(() => holdsOf().every((h) => h.state !== 'AUTHORIZED') || undefined, 5_000, 'no hold left authorized', POLL_MS).catch(() => undefined);
  const holds = holdsOf();
  const record = await system.sessionRecord(check.sessionId);
  const describeHolds = (list: SimulatedSession[]) => JSON.stringify(list.map((h) => ({ state: h.state, committedAmount: h.committedAmount, authorizedAmount: h.authorizedAmount })));
  const ours = `ours: status ${record.status}, paymentState ${record.paymentState}, committedAmount ${record.committedAmount}, captured ${record.split?.captured?.minor}, endReason ${record.endReason}`;
  if (holds.length > 1) problems.push(`${holds.length} Payter sessions for one tap: ${describeHolds(holds)}`);
  const open = holds.filter((h) => h.state === 'AUTHORIZED');
  if (open.length > 0) problems.push(`hold left AUTHORIZED: ${describeHolds(open)}`);
  for (const hold of holds) {
    const commits = payter.calls().filter((c) => c.call === 'commit' && c.status === 200 && c.path.includes(hold.sessionId));
    if (commits.length > 1) problems.push(`${commits.length} successful commits of Payter session ${hold.sessionId}`);
  }
  if (check.started) {
    const expected = expectedCapture(check.started);
    const committed = holds.filter((h) => h.state === 'COMMITTED');
    if (committed.length !== 1 || committed[0]!.committedAmount !== expected) {
      problems.push(`charger reported ${JSON.stringify(check.started)}: expected one commit of ${expected}, Payter has ${describeHolds(holds)}`);
    }
    if (record.paymentState !== 'committed' || record.committedAmount !== expected || record.split?.captured?.minor !== expected) {
      problems.push(`expected our record committed at ${expected}; ${ours}`);
    }
  } else {
    const charged = holds.filter((h) => h.state !== 'CANCELLED');
    if (charged.length > 0) problems.push(`the charger never started, yet Payter has ${describeHolds(charged)}`);
    if (!['cancelled', 'none'].includes(record.paymentState) || (record.committedAmount ?? 0) !== 0) {
      problems.push(`the charger never started: expected our record cancelled (or no hold); ${ours}`);
    }
  }
  return problems;
}

/** The reader is free again: no active session, its start screen shown, Payter reading. */
export async function readerFree(system: TestSystem, serial: string, timeoutMs = 10_000): Promise<string | undefined> {
  const payter = system.runtime.payter!;
  try {
    await waitFor(async () => {
      if (payter.reader(serial).state !== 'READING') return undefined;
      const reader = await readerRecord(system, serial);
      // Free: reading cards for the next driver, on the start screen, or under the receipt a
      // late tap of the last driver's card brought up (the site's receiptTapMinutes).
      return reader.activeSessionId === undefined && (reader.screen === 'tapCard' || reader.screen === 'receipt') ? true : undefined;
    }, timeoutMs, `reader ${serial} free`, POLL_MS);
    return undefined;
  } catch {
    const reader = await readerRecord(system, serial);
    return `reader ${serial} not free: activeSessionId ${reader.activeSessionId}, screen ${reader.screen}, Payter state ${payter.reader(serial).state}`;
  }
}

/** No hold AUTHORIZED on any of these readers. */
export function openHolds(payter: PayterSimulator, serials: readonly string[]): SimulatedSession[] {
  return serials.flatMap((serial) => payter.sessions(serial).filter((s) => s.state === 'AUTHORIZED'));
}
