/**
 * Seeded fuzzing of the OCPP endpoint (FUZZ_SEED replays a run): 10,000 frames over real
 * sockets against the whole local system (gateway, message Lambda, dynalite), on four
 * stations at once. Over the socket rather than into the handler: the socket path is what a
 * charger sees (the gateway's answer when a handler throws, closed connections) and costs
 * little more, as dynalite does most of the work either way.
 *
 * Invariants, not exact error codes: every frame that is not a CALLRESULT or CALLERROR is
 * answered once (a CALL with a readable id by a CALLRESULT or CALLERROR echoing it), responses
 * to no call are never answered, no answer is an InternalError (our 5xx), the connection stays
 * up, and frames every CSMS must refuse store nothing (every table compared before and after).
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestSystem, type TestSystem } from '../support/local-system';
import { FrameFuzzer, type FuzzFrame } from './ocpp-frames';
import { FUZZ_SEED, Findings, Random, snapshotTables, tableChanges, watchUnhandledRejections } from './support';

const STATIONS = ['FZ-1', 'FZ-2', 'FZ-3', 'FZ-4'];
const PASSWORD = 'fuzz-station-secret';
const REFUSED_FRAMES = 7_000;
const ANY_FRAMES = 3_000;
const REPLY_TIMEOUT_MS = 15_000;

let system: TestSystem;
let sockets: FuzzSocket[];
const findings = new Findings();
let stopWatching: () => void;

beforeAll(async () => {
  stopWatching = watchUnhandledRejections(findings);
  system = await startTestSystem();
  for (const stationId of STATIONS) await system.provisionStation(stationId, PASSWORD);
  sockets = await Promise.all(STATIONS.map((stationId) => FuzzSocket.open(system.runtime.ocppUrl, stationId)));
  // The first frame of a connection is claimed (a write): done before anything is compared.
  for (const socket of sockets) {
    await socket.exchange({ text: JSON.stringify([2, 'boot', 'BootNotification', { chargePointVendor: 'Fuzz', chargePointModel: 'F1' }]), label: 'boot', expect: 'answer', readableId: true, messageId: 'boot', refused: false }, findings);
  }
});

afterAll(async () => {
  stopWatching?.();
  for (const socket of sockets ?? []) socket.close();
  await system?.close();
});

it('answers every malformed frame, never with an InternalError, and stores nothing for frames it must refuse', { timeout: 600_000 }, async () => {
  const random = new Random(FUZZ_SEED);
  const fuzzer = new FrameFuzzer(random);
  const started = Date.now();
  const cpu = phaseCpu();

  // Frames every CSMS must refuse: nothing stored.
  const refused = Array.from({ length: REFUSED_FRAMES }, () => fuzzer.refused());
  const before = await snapshotTables();
  await sendAll(refused);
  for (const change of tableChanges(before, await snapshotTables())) findings.add('stored by a refused frame', change);
  cpu.mark('refused');

  // Anything, valid payloads and mutations of them: answered, never with an InternalError.
  const anything = Array.from({ length: ANY_FRAMES }, () => fuzzer.anything());
  const answers = await sendAll(anything);
  cpu.mark('anything');

  // The ones refused there are sent again between two snapshots (until all are refused
  // again: the state may have changed since): a refusal stores nothing.
  let again = anything.filter((frame, i) => !frame.refused && answers[i]?.[0] === 4);
  for (let round = 0; round < 3 && again.length > 0; round++) {
    const start = await snapshotTables();
    const replies = await sendAll(again);
    const accepted = again.filter((_f, i) => replies[i]?.[0] !== 4);
    if (accepted.length === 0) {
      for (const change of tableChanges(start, await snapshotTables())) findings.add('stored by a refused frame', change);
      break;
    }
    again = again.filter((_f, i) => replies[i]?.[0] === 4);
  }

  cpu.mark('replayed');
  for (const socket of sockets) if (socket.closed) findings.add('connection closed', socket.closed);
  const frames = refused.length + anything.length;
  console.info(`OCPP fuzz: ${frames} frames in ${((Date.now() - started) / 1000).toFixed(1)} s (CPU ${cpu.report()}), FUZZ_SEED=${FUZZ_SEED}`);
  expect(findings.count, findings.report('OCPP fuzz')).toBe(0);
  expect(frames).toBeGreaterThanOrEqual(10_000);
});

it('refuses every bad handshake with a 4xx, never a 5xx, and opens only for the right station and password', async () => {
  const random = new Random(FUZZ_SEED + 1);
  const ids = ['FZ-1', 'FZ-UNKNOWN', '%zz', '%', '%E0%A4%A', 'x'.repeat(49), 'y'.repeat(3000), encodeURIComponent('λ-世界'), 'a%2Fb', '..', '%00'];
  const passwords = [PASSWORD, 'wrong-password-1234', '', 'p'.repeat(3000)];
  for (let i = 0; i < 60; i++) {
    const path = random.pick(ids);
    const user = random.chance(0.7) ? safeDecode(path) : random.pick(['FZ-1', '', ':']);
    const password = random.pick(passwords);
    const authorization = random.pick([`Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`, undefined, 'Basic !!!', `Bearer ${password}`]);
    const outcome = await handshake(`${system.runtime.ocppUrl}/${path}`, authorization);
    const rightOne = path === 'FZ-1' && user === 'FZ-1' && password === PASSWORD && authorization?.startsWith('Basic ') && authorization !== 'Basic !!!';
    const what = `handshake ${path.slice(0, 60)} as ${user.slice(0, 40)} (${authorization?.slice(0, 30) ?? 'no credentials'})`;
    if (outcome === 'open' && !rightOne) findings.add('a bad handshake opened', what);
    if (outcome !== 'open' && rightOne) findings.add('the right handshake refused', `${what}: ${outcome}`);
    if (typeof outcome === 'number' && outcome >= 500) findings.add(`handshake ${outcome}`, what);
  }
  expect(findings.count, findings.report('OCPP handshake fuzz')).toBe(0);
});

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** 'open' (closed again at once), or the HTTP status the handshake was refused with. */
function handshake(url: string, authorization: string | undefined): Promise<'open' | number | string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, ['ocpp1.6'], authorization ? { headers: { authorization } } : {});
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.once('error', (error) => resolve(error.message));
  });
}

/** CPU seconds of this process (the whole local system runs in it) per phase: the load-independent cost. */
function phaseCpu() {
  let last = process.cpuUsage();
  const phases: string[] = [];
  return {
    mark(name: string) {
      const used = process.cpuUsage(last);
      last = process.cpuUsage();
      phases.push(`${name} ${((used.user + used.system) / 1e6).toFixed(1)} s`);
    },
    report: () => phases.join(', '),
  };
}

/** Sends the frames over all sockets (each frame on one, in order), with each frame's answer. */
async function sendAll(frames: readonly FuzzFrame[]): Promise<(unknown[] | undefined)[]> {
  const answers: (unknown[] | undefined)[] = new Array(frames.length);
  await Promise.all(
    sockets.map(async (socket, s) => {
      for (let i = s; i < frames.length; i += sockets.length) {
        if (socket.closed) return;
        answers[i] = await socket.exchange(frames[i]!, findings);
      }
    }),
  );
  return answers;
}

/**
 * One charger's socket, one frame at a time. The local gateway runs a connection's frames in
 * order, so the next reply answers the frame just sent; after a frame that must get no
 * answer, a probe (an unknown action, refused without a write) marks where its answers end.
 */
class FuzzSocket {
  private readonly replies: string[] = [];
  private waiter: (() => void) | undefined;
  private probes = 0;
  closed: string | undefined;

  private constructor(private readonly ws: WebSocket, private readonly stationId: string) {
    ws.on('message', (data) => {
      this.replies.push(String(data));
      this.waiter?.();
    });
    ws.on('close', (code, reason) => {
      this.closed = `${stationId} closed ${code} ${String(reason)}`;
      this.waiter?.();
    });
  }

  static open(ocppUrl: string, stationId: string): Promise<FuzzSocket> {
    const ws = new WebSocket(`${ocppUrl}/${stationId}`, ['ocpp1.6'], {
      headers: { authorization: `Basic ${Buffer.from(`${stationId}:${PASSWORD}`).toString('base64')}` },
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new FuzzSocket(ws, stationId)));
      ws.once('error', reject);
    });
  }

  close(): void {
    this.ws.close();
  }

  /** Sends one frame and checks what came back; the answer, if it got one. */
  async exchange(frame: FuzzFrame, findings: Findings): Promise<unknown[] | undefined> {
    const what = `${frame.label} on ${this.stationId}: ${frame.text.slice(0, 200)}`;
    this.ws.send(frame.text);
    if (frame.expect === 'answer') {
      const text = await this.nextReply();
      if (text === undefined) {
        findings.add('no answer', what);
        return undefined;
      }
      const reply = checkReply(text, what, findings);
      if (!reply) return undefined;
      if (frame.messageId !== undefined && reply[1] !== frame.messageId) findings.add('answer with another message id', `${what} -> ${text}`);
      if (frame.messageId === undefined && reply[0] !== 4) findings.add('a broken frame answered with a CALLRESULT', `${what} -> ${text}`);
      if (frame.refused && reply[0] !== 4) findings.add('a frame it must refuse accepted', `${what} -> ${text}`);
      return reply;
    }
    // Never answered (a CALLERROR is tolerated only where the message id cannot be read).
    this.probes += 1;
    const probeId = `probe-${this.probes}`;
    this.ws.send(JSON.stringify([2, probeId, 'FuzzProbe', {}]));
    for (;;) {
      const text = await this.nextReply();
      if (text === undefined) {
        findings.add('no answer', `probe after ${what}`);
        return undefined;
      }
      const reply = checkReply(text, what, findings);
      if (reply?.[1] === probeId) return undefined;
      if (frame.readableId || reply?.[0] !== 4) findings.add('a response answered', `${what} -> ${text}`);
    }
  }

  private async nextReply(): Promise<string | undefined> {
    const deadline = Date.now() + REPLY_TIMEOUT_MS;
    while (this.replies.length === 0) {
      if (this.closed || Date.now() > deadline) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
    return this.replies.shift();
  }
}

/** A reply must be a well-formed CALLRESULT or CALLERROR, and never an InternalError. */
function checkReply(text: string, what: string, findings: Findings): unknown[] | undefined {
  let reply: unknown[] | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    reply = Array.isArray(parsed) ? parsed : undefined;
  } catch {
    reply = undefined;
  }
  const ok =
    reply !== undefined &&
    typeof reply[1] === 'string' &&
    ((reply[0] === 3 && reply.length === 3 && isObject(reply[2])) ||
      (reply[0] === 4 && reply.length === 5 && typeof reply[2] === 'string' && typeof reply[3] === 'string' && isObject(reply[4])));
  if (!ok) {
    findings.add('not an OCPP answer', `${what} -> ${text.slice(0, 300)}`);
    return undefined;
  }
  if (reply![0] === 4 && reply![2] === 'InternalError') findings.add('InternalError', `${what} -> ${text.slice(0, 300)}`);
  return reply;
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
