/**
 * A randomized property test of whole paid sessions on the local system: thousands of
 * sessions, run on many station/reader pairs at once, each with its own random story of taps
 * (the driver's card, other cards, taps while stopping), stops (tap, Stop button, operator,
 * hold cap, the charger itself), charger disconnects, duplicate Payter callbacks and Payter
 * faults (a 503, or an answer lost after its effect). Whatever happened, every session must
 * end with its hold committed at exactly docs/pricing.md's price of what the charger reported, or
 * cancelled when the charger never started, charged once, its reader free again.
 *
 * PROPERTY_SESSIONS (default 2000, shared out to the shard files) sets how many sessions,
 * PROPERTY_PAIRS (default 12 per shard) how many run at once, PROPERTY_SEED replays a run
 * (each session's story depends only on the seed and its number, and its shard on its number).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PayterSimulator } from '../../lib/local/payter-simulator';
import type { TestSystem } from '../support/local-system';
import { waitFor } from '../support/local-system';
import {
  FAILS,
  LOST_ANSWER,
  charging,
  ended,
  givenPair,
  newSession,
  POLL_MS,
  openHolds,
  readerFree,
  readerRecord,
  redeliver,
  reportOf,
  scriptFor,
  sessionsOfStation,
  settlementProblems,
  sleep,
  startPropertySystem,
  type ChargerReport,
  type Pair,
} from './support';

// One process runs the whole system at about 220 ms of CPU per session: the sessions are
// shared out to one test file (process) per core.
const SESSIONS = Number(process.env.PROPERTY_SESSIONS ?? 2000);
// Per process. More pairs at once do not go faster (one busy process) and stretch every step
// past the workflow's shortened timeouts.
const PAIRS = Number(process.env.PROPERTY_PAIRS ?? 12);
const SEED = Number(process.env.PROPERTY_SEED ?? Math.floor(Math.random() * 2 ** 31));

let system: TestSystem;
let payter: PayterSimulator;

/** mulberry32: a small seeded PRNG, so a story can be replayed from the seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    chance: (p: number) => next() < p,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  };
}
type Random = ReturnType<typeof prng>;

type Stop = 'tap' | 'button' | 'ops' | 'holdCap' | 'charger';
type StartPlan = 'charges' | 'rejected' | 'silent' | 'noPlugIn' | 'cancelOnPlugIn' | 'offline';

/** One session's random choices, made before it runs. */
interface Story {
  readonly index: number;
  readonly cardId: string;
  readonly start: StartPlan;
  readonly authorizeFault?: 'fails' | 'answerLost';
  readonly finalizeFault?: { call: 'commit' | 'cancel'; kind: 'fails' | 'answerLost'; times: number };
  readonly report: ChargerReport;
  readonly middle: readonly ('otherCard' | 'meter' | 'disconnect' | 'duplicateCard' | 'pause')[];
  readonly stop: Stop;
  readonly earlyChargerStop: boolean;
  readonly secondStop?: 'tap' | 'button' | 'ops';
  readonly tapsWhileStopping: boolean;
  readonly duplicateUi: boolean;
  readonly extraCapWh: number;
}

function storyOf(index: number): Story {
  const random = prng(SEED ^ Math.imul(index + 1, 0x9e3779b1));
  const start = pickWeighted<StartPlan>(random, [
    ['charges', 84],
    ['rejected', 4],
    ['silent', 2],
    ['noPlugIn', 2],
    ['cancelOnPlugIn', 4],
    ['offline', 4],
  ]);
  const authorizeFault = random.chance(0.06) ? random.pick(['fails', 'answerLost'] as const) : undefined;
  const startsCharger = start === 'charges' && authorizeFault === undefined;
  // A finalize fault only on the call this session will make, so none is left for the next session.
  const finalizeFault =
    authorizeFault === 'fails' || !random.chance(0.14)
      ? undefined
      : { call: startsCharger ? ('commit' as const) : ('cancel' as const), kind: random.chance(0.7) ? ('fails' as const) : ('answerLost' as const), times: random.int(1, 3) };
  const seconds = random.int(60, 7200);
  const report = reportOf(random.int(0, 1_000_000), random.int(0, 40_000), seconds, seconds + random.int(0, 600));
  const middle = Array.from({ length: random.int(0, 3) }, () => random.pick(['otherCard', 'meter', 'disconnect', 'duplicateCard', 'pause'] as const));
  const stop = random.pick(['tap', 'button', 'ops', 'holdCap', 'charger'] as const);
  return {
    index,
    cardId: `card-${SEED}-${index}`,
    start,
    ...(authorizeFault && { authorizeFault }),
    ...(finalizeFault && { finalizeFault: finalizeFault.kind === 'answerLost' ? { ...finalizeFault, times: 1 } : finalizeFault }),
    report,
    middle,
    stop,
    earlyChargerStop: stop === 'charger' && random.chance(0.3),
    ...(stop !== 'holdCap' && stop !== 'charger' && random.chance(0.15) && { secondStop: random.pick(['tap', 'button', 'ops'] as const) }),
    // Only while a remote stop is held at the charger is "while stopping" sure to be: a
    // charger's own stop lets the session settle at once, and a later tap is a new driver's.
    tapsWhileStopping: random.chance(0.25) && stop !== 'charger',
    duplicateUi: random.chance(0.5),
    extraCapWh: random.int(0, 5_000),
  };
}

function pickWeighted<T>(random: Random, weighted: readonly [T, number][]): T {
  let roll = random.next() * weighted.reduce((sum, [, w]) => sum + w, 0);
  for (const [value, weight] of weighted) {
    roll -= weight;
    if (roll < 0) return value;
  }
  return weighted.at(-1)![0];
}

/** What the charger will report in its StopTransaction, and what it waits for before sending it. */
interface Reported {
  report: ChargerReport;
  readonly stopAfter?: Promise<void>;
}

/** A promise the test opens when it is ready. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => undefined as void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

interface Outcome {
  readonly story: Story;
  readonly steps: string[];
  readonly problems: string[];
  sessionId?: string;
}

/** Runs one story on a pair and checks its settlement; the steps done are logged for the report. */
async function runSession(pair: Pair, story: Story, known: Set<string>, usedStarts: Set<string>): Promise<Outcome> {
  const { serial, charger, stationId } = pair;
  const steps: string[] = [];
  const problems: string[] = [];
  const outcome: Outcome = { story, steps, problems };
  const step = (what: string) => steps.push(`+${(performance.now() - began).toFixed(0)}ms ${what}`);
  const began = performance.now();

  // A replayed start time would be the same transaction to the CSMS: each one starts later.
  let report = story.report;
  while (usedStarts.has(report.startedAt)) {
    const later = (iso: string) => new Date(Date.parse(iso) + 1000).toISOString().replace('.000Z', 'Z');
    report = { ...report, startedAt: later(report.startedAt), stoppedAt: later(report.stoppedAt) };
  }
  usedStarts.add(report.startedAt);
  // A second stop and the taps while stopping come while the charger holds its StopTransaction
  // back: once the session settled, the reader takes cards again and a tap is a new driver's.
  const stopGate = story.tapsWhileStopping || story.secondStop ? gate() : undefined;
  // What the charger reports in its StopTransaction (the hold cap path changes it).
  const reported: Reported = { report, ...(stopGate && { stopAfter: stopGate.promise }) };
  const remoteStart = story.start === 'rejected' ? 'Rejected' : story.start === 'silent' ? 'silent' : 'Accepted';
  charger.setScript(scriptFor(report, { remoteStart, plugIn: !['noPlugIn', 'cancelOnPlugIn'].includes(story.start), ...(stopGate && { stopAfter: stopGate.promise }) }));
  charger.nextTransaction();
  const stopsBefore = charger.remoteStops.length;

  if (story.authorizeFault) payter.script(serial, 'authorize', story.authorizeFault === 'fails' ? FAILS : LOST_ANSWER);
  if (story.finalizeFault) {
    const { call, kind, times } = story.finalizeFault;
    payter.script(serial, call, kind === 'fails' ? FAILS : LOST_ANSWER, times);
  }
  if (story.start === 'offline') {
    step('charger goes offline');
    await charger.client.close({ force: true });
  }

  step(`tap ${story.cardId}`);
  const tapped = await payter.tap(serial, { cardId: story.cardId });
  if (tapped !== 200) problems.push(`the driver's tap was answered ${tapped}`);
  const sessionId = await newSession(stationId, known).catch(() => undefined);
  if (sessionId === undefined) {
    const station = await system.api('GET', `/installer/stations/${stationId}`);
    problems.push(`no session started (reader ${JSON.stringify(await readerRecord(system, serial))}, Payter reader ${payter.reader(serial).state}, station ${JSON.stringify(station.body)})`);
    return outcome;
  }
  outcome.sessionId = sessionId;
  known.add(sessionId);
  step(`session ${sessionId}`);
  const cardCallback = payter.callbacks().findLast((c) => c.kind === 'card' && (c.body as { cardId?: string }).cardId === story.cardId);

  const chargerWillStart = story.start === 'charges' && story.authorizeFault === undefined;
  try {
    if (story.start === 'cancelOnPlugIn' && story.authorizeFault === undefined) {
      // A loaded machine can make Payter's authorize outlast the client's timeout: the session
      // then ends unauthorized, failed or cancelled by Release (the money checks below still
      // hold it to "nothing charged").
      const screen = await waitFor(
        async () =>
          payter.currentScreen(serial)?.id === 'plugIn'
            ? 'plugIn'
            : ['failed', 'cancelled', 'declined'].includes((await system.sessionRecord(sessionId)).status)
              ? 'notAuthorized'
              : undefined,
        10_000,
        'the plug-in screen',
      );
      if (screen === 'plugIn') {
        step('Cancel on the plug-in screen');
        await payter.pressButton(serial, 'plugIn', 'cancel');
      } else step('not authorized: nothing to cancel');
    }
    if (chargerWillStart) await driveCharge(pair, story, reported, sessionId, cardCallback, step, problems).finally(() => stopGate?.open());
    await ended(system, sessionId);
  } catch (error) {
    const record = await system.sessionRecord(sessionId);
    const history = await system.api('GET', `/ops/sessions/${sessionId}/execution`);
    const failures = (history.body.events ?? []).filter((e: { type?: string }) => /Failed|TimedOut/.test(e.type ?? '')).map((e: unknown) => JSON.stringify(e).slice(0, 300));
    problems.push(`stuck: ${(error as Error).message} (session ${record.status}, payment ${record.paymentState}, end ${record.endReason}, charger remote starts ${charger.remoteStarts.length}, transaction ${charger.transactionId}; ${failures.join(' | ')})`);
    return outcome;
  } finally {
    if (story.start === 'offline') {
      await charger.client.connect();
      await charger.status(1, 'Available');
      step('charger back online');
    }
  }
  step('execution ended');
  let started = charger.transactionId !== undefined ? reported.report : undefined;
  if (started === undefined && chargerWillStart) step('the charger never started');
  const record = await system.sessionRecord(sessionId);
  if (started && record.transactionId === undefined) {
    // The charger started only after the session had given up on it (a late remote start answer).
    step(`the charger started after the session gave up (StartTransaction answered ${charger.idTagStatus}, remote stops ${charger.remoteStops.length - stopsBefore})`);
    await waitFor(() => charger.idTagStatus !== 'Accepted' || charger.remoteStops.length > stopsBefore || undefined, 3_000, 'the late transaction refused or stopped', POLL_MS).catch(() => undefined);
    if (charger.idTagStatus === 'Accepted' && charger.remoteStops.length === stopsBefore && !charger.stopped) {
      problems.push('a transaction the charger started after its session gave up was accepted and never stopped: it charges for free');
    }
    started = undefined;
    await charger.stopTransaction('Local').catch(() => undefined);
    // Whatever the CSMS answered, the connector is free again for the next session.
    await charger.status(1, 'Available').catch(() => undefined);
  }
  problems.push(...(await settlementProblems(system, { sessionId, serial, cardId: story.cardId, started })));
  const notFree = await readerFree(system, serial);
  if (notFree) problems.push(notFree);
  const extraStops = charger.remoteStops.length - stopsBefore;
  if (extraStops > 1) problems.push(`${extraStops} remote stops for one transaction`);
  return outcome;
}

async function driveCharge(
  pair: Pair,
  story: Story,
  reported: Reported,
  sessionId: string,
  cardCallback: { url: string; body: unknown } | undefined,
  step: (what: string) => void,
  problems: string[],
): Promise<void> {
  const { serial, charger } = pair;
  const { report } = reported;
  const random = prng(SEED + story.index * 7919);
  if (story.earlyChargerStop) {
    const first = await waitFor(async () => (charger.transactionId !== undefined ? 'started' : (await ended(system, sessionId, 0).catch(() => undefined)) && 'ended'), 20_000, 'a transaction', POLL_MS);
    if (first === 'ended') {
      step('the execution ended before the charger started');
      return;
    }
    step('charger stops at once (Local)');
    await charger.stopTransaction('Local');
    return;
  }
  if (!(await charging(system, sessionId))) {
    step('the execution ended before charging');
    return;
  }
  step('charging');
  for (const action of story.middle) {
    switch (action) {
      case 'otherCard':
        await waitFor(() => payter.reader(serial).state === 'READING' || undefined, 5_000, 'tap to stop armed');
        step(`other card taps: ${await payter.tap(serial, { cardId: `other-${story.cardId}` })}`);
        break;
      case 'meter': {
        // In the first half of the transaction: the hold cap path's meter values come after.
        const fraction = random.next() / 2;
        const wh = report.meterStart + Math.floor((report.meterStop - report.meterStart) * fraction);
        const at = Date.parse(report.startedAt) + Math.floor((Date.parse(report.stoppedAt) - Date.parse(report.startedAt)) * fraction / 1000) * 1000;
        await charger.meter(wh, new Date(at).toISOString().replace('.000Z', 'Z'));
        step(`meter value ${wh} Wh`);
        break;
      }
      case 'disconnect': {
        const downMs = random.int(20, 400);
        await charger.reconnect(downMs);
        step(`charger disconnected ${downMs} ms and reconnected`);
        break;
      }
      case 'duplicateCard':
        if (cardCallback) step(`the start tap's card callback delivered again: ${await redeliver(cardCallback)}`);
        break;
      case 'pause':
        await sleep(random.int(0, 300));
        step('pause');
        break;
    }
  }
  const stops: Promise<unknown>[] = [doStop(pair, story.stop, story, reported, sessionId, step, problems)];
  if (story.secondStop) stops.push(doStop(pair, story.secondStop, story, reported, sessionId, step, problems));
  await Promise.all(stops);
  if (story.tapsWhileStopping) {
    step(`driver taps again while stopping: ${await payter.tap(serial, { cardId: story.cardId })}`);
    step(`other card taps while stopping: ${await payter.tap(serial, { cardId: `late-${story.cardId}` })}`);
  }
}

async function doStop(pair: Pair, stop: Stop, story: Story, reported: Reported, sessionId: string, step: (what: string) => void, problems: string[]): Promise<void> {
  const { serial, charger } = pair;
  const { report } = reported;
  switch (stop) {
    case 'tap':
      await waitFor(() => payter.reader(serial).state === 'READING' || undefined, 5_000, 'tap to stop armed');
      step(`driver taps to stop: ${await payter.tap(serial, { cardId: story.cardId })}`);
      return;
    case 'button': {
      await waitFor(() => payter.currentScreen(serial)?.id === 'charging' || undefined, 5_000, 'the charging screen');
      step(`Stop button: ${await payter.pressButton(serial, 'charging', 'stop')}`);
      const press = payter.callbacks().findLast((c) => c.kind === 'ui' && (c.body as { serialNumber?: string }).serialNumber === serial);
      if (story.duplicateUi && press) step(`Stop press delivered again: ${await redeliver(press)}`);
      return;
    }
    case 'ops': {
      const answer = await system.api('POST', `/ops/sessions/${sessionId}/stop`);
      step(`ops stop: ${answer.status}`);
      if (answer.status !== 202 && answer.status !== 409) problems.push(`ops stop answered ${answer.status} ${JSON.stringify(answer.body)}`);
      return;
    }
    case 'charger':
      step('charger stops (Local)');
      await charger.stopTransaction('Local');
      return;
    case 'holdCap': {
      const before = charger.remoteStops.length;
      const t0 = Date.parse(report.startedAt);
      const span = Date.parse(report.stoppedAt) - t0;
      for (let i = 1; i <= 20 && charger.remoteStops.length === before; i++) {
        const wh = report.meterStart + i * 20_000;
        const at = new Date(t0 + Math.floor((span * (0.5 + i / 42)) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
        // The car keeps drawing a little after the last meter value.
        reported.report = { ...report, meterStop: wh + story.extraCapWh };
        charger.setScript(scriptFor(reported.report, reported.stopAfter && { stopAfter: reported.stopAfter }));
        await charger.meter(wh, at);
        step(`meter value ${wh} Wh`);
        await sleep(20);
      }
      await sleep(100);
      if (charger.remoteStops.length === before) {
        problems.push('the hold cap never stopped the charge');
        await system.api('POST', `/ops/sessions/${sessionId}/stop`);
      } else step('remote stop at the hold cap');
      return;
    }
  }
}

/** Registers shard `shard` of `shards`: the sessions whose number is `shard` modulo `shards`. */
export function definePropertyTest(shard: number, shards: number): void {
  const indices = Array.from({ length: SESSIONS }, (_, i) => i).filter((i) => i % shards === shard);
  const pairCount = Math.min(PAIRS, indices.length);

  beforeAll(async () => {
    system = await startPropertySystem();
    payter = system.runtime.payter!;
  });

  afterAll(async () => {
    await system?.close();
  });

  it(`${indices.length} random sessions (shard ${shard + 1}/${shards}) on ${pairCount} pairs settle exactly (seed ${SEED})`, { timeout: 900_000 }, async () => {
    console.log(`property test shard ${shard + 1}/${shards}: PROPERTY_SEED=${SEED} PROPERTY_SESSIONS=${SESSIONS} PROPERTY_PAIRS=${PAIRS}`);
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const pairs: Pair[] = [];
    for (let i = 0; i < pairCount; i++) pairs.push(await givenPair(system, `P${i}`));
    const setupMs = performance.now() - started;
    let next = 0;
    const outcomes: Outcome[] = [];
    const perPair = new Map<Pair, Set<string>>();
    await Promise.all(
      pairs.map(async (pair, i) => {
        const known = new Set<string>();
        perPair.set(pair, known);
        const usedStarts = new Set<string>();
        // The first session runs alone (the Lambdas warm up), then the pairs join one by one.
        if (i > 0) await waitFor(() => next > 1 || undefined, 60_000, 'the first session', POLL_MS);
        await sleep(i * 150);
        for (let at = next++; at < indices.length; at = next++) {
          const outcome = await runSession(pair, storyOf(indices[at]!), known, usedStarts);
          outcomes.push(outcome);
          // A pair whose session went wrong may be stuck: leave it, the others carry on.
          if (outcome.problems.some((p) => p.startsWith('stuck') || p.startsWith('no session') || p.includes('not free'))) return;
        }
      }),
    );
    const runMs = performance.now() - started - setupMs;
    const cpu = process.cpuUsage(cpuBefore);

    // At the end, across all readers: no hold authorized, no session we did not start, none running.
    const globalProblems: string[] = [];
    const open = openHolds(payter, pairs.map((p) => p.serial));
    if (open.length > 0) globalProblems.push(`${open.length} holds left AUTHORIZED: ${JSON.stringify(open.map((h) => [h.serialNumber, h.cardId]))}`);
    for (const pair of pairs) {
      for (const record of await sessionsOfStation(pair.stationId)) {
        if (!perPair.get(pair)!.has(record.sessionId)) globalProblems.push(`a session nobody tapped for: ${record.sessionId} on ${pair.stationId} (${record.status})`);
        else if (!['completed', 'cancelled', 'declined', 'failed'].includes(record.status)) globalProblems.push(`session ${record.sessionId} still ${record.status}`);
      }
    }
    await Promise.all(pairs.map((p) => p.charger.close()));

    const failed = outcomes.filter((o) => o.problems.length > 0 || process.env.PROPERTY_VERBOSE);
    const counts = (key: (o: Outcome) => string) => Object.entries(outcomes.reduce<Record<string, number>>((t, o) => ({ ...t, [key(o)]: (t[key(o)] ?? 0) + 1 }), {}));
    console.log(
      `property test: ${outcomes.length} sessions in ${(runMs / 1000).toFixed(1)} s (+${(setupMs / 1000).toFixed(1)} s setup), ` +
        `${(outcomes.length / (runMs / 1000)).toFixed(1)} sessions/s, ${((cpu.user + cpu.system) / 1000 / outcomes.length).toFixed(0)} ms CPU per session; stops ${JSON.stringify(counts((o) => (o.story.start === 'charges' && !o.story.authorizeFault ? o.story.stop : o.story.start)))}; ${failed.length} failed`,
    );
    const report = failed
      .slice(0, 5)
      .map((o) => `session #${o.story.index} ${o.sessionId ?? ''}\n  story: ${JSON.stringify({ ...o.story, report: undefined })}\n  report: ${JSON.stringify(o.story.report)}\n  steps:\n    ${o.steps.join('\n    ')}\n  problems:\n    ${o.problems.join('\n    ')}`)
      .join('\n\n');
    if (failed.length > 0 || globalProblems.length > 0) {
      console.log(`property test FAILED with PROPERTY_SEED=${SEED}: ${failed.length} sessions (first ${Math.min(5, failed.length)} below)\n${report}\n${globalProblems.join('\n')}`);
    }
    expect({ seed: SEED, sessions: outcomes.length, failed: failed.map((o) => `#${o.story.index}: ${o.problems.join('; ')}`), globalProblems }).toEqual({
      seed: SEED,
      sessions: indices.length,
      failed: [],
      globalProblems: [],
    });
  });
}
