/**
 * The per-station queue of CSMS-to-charger calls, as pure rules over its state. OCPP 1.6
 * (section 4.1.1) allows one CALL in flight per station, so every other call waits here and is
 * sent when its turn comes: when the call in flight is answered, times out or is lost with its
 * connection. Stops (RemoteStopTransaction) go before every other waiting call; the rest keep
 * their order. A call not sent by its deadline fails; a stop of an open transaction is retried
 * after a lost or unanswered send until the transaction ends (the caller checks that before
 * each send) or its long deadline passes.
 *
 * CsmsCalls (csms-calls.ts) loads the queue, applies these rules and stores it back with one
 * conditional write, then does what they decided (send, fail the waiting workflow task).
 */
import type { CallOutcome } from './model';

export const STOP_ACTION = 'RemoteStopTransaction';

/** Answered and failed calls stay readable this long for whoever polls for them (the ops API). */
const FINISHED_KEEP_MS = 10 * 60_000;

export interface QueuedCall {
  /** Stable across re-sends; each send gets a new OCPP message id. */
  readonly id: string;
  readonly action: string;
  readonly payload: unknown;
  readonly enqueuedAt: string;
  /** The call fails if it is not sent by then. */
  readonly deadline: string;
  /** A Step Functions task token to complete with the answer or the failure. */
  readonly taskToken?: string;
  /** Someone polls for the outcome (the ops API): it is kept among `finished`. */
  readonly awaited?: boolean;
  /** A stop of an open transaction: sent again after a lost or unanswered send. */
  readonly retry?: boolean;
  /** A remote start: the id tag it issues when it is sent, for the charger to start with. */
  readonly issuesIdTag?: string;
  /** Sends so far. */
  readonly attempts: number;
}

export interface InFlightCall extends QueuedCall {
  readonly messageId: string;
  /** The connection it went down: an answer can only come back on that one. */
  readonly connectionId: string;
  readonly sentAt: string;
  /** Unanswered by then, it has timed out. */
  readonly expiresAt: string;
}

export interface CallFailure {
  /** StationOffline, StationBusy (not sent by its deadline), CallTimeout, CallLost, TransactionEnded, WorkflowGone, NotSupportedByStation. */
  readonly error: string;
  readonly message: string;
}

export interface FinishedCall {
  readonly id: string;
  readonly action: string;
  readonly finishedAt: string;
  readonly messageId?: string;
  readonly outcome?: CallOutcome;
  readonly failure?: CallFailure;
}

export interface CallQueue {
  readonly stationId: string;
  readonly inFlight?: InFlightCall;
  /** In sending order: stops first, then first come first served. */
  readonly waiting: readonly QueuedCall[];
  readonly finished: readonly FinishedCall[];
}

export interface FailedCall {
  readonly call: QueuedCall;
  readonly failure: CallFailure;
}

export const emptyQueue = (stationId: string): CallQueue => ({ stationId, waiting: [], finished: [] });

const isStop = (call: QueuedCall) => call.action === STOP_ACTION;

export function stopTransactionId(call: QueuedCall): number | undefined {
  const id = (call.payload as { transactionId?: unknown } | undefined)?.transactionId;
  return isStop(call) && typeof id === 'number' ? id : undefined;
}

/**
 * Adds a call in its place: a stop after the stops already waiting, anything else last. A
 * second stop of a transaction whose stop is already queued or in flight adds nothing unless
 * someone waits for its own answer.
 */
export function enqueue(queue: CallQueue, call: QueuedCall): CallQueue {
  if (isStop(call)) {
    const transactionId = stopTransactionId(call);
    const pending = [...(queue.inFlight ? [queue.inFlight] : []), ...queue.waiting];
    const duplicate = transactionId !== undefined && pending.some((c) => stopTransactionId(c) === transactionId);
    if (duplicate && !call.taskToken && !call.awaited) return queue;
  }
  return { ...queue, waiting: insert(queue.waiting, call) };
}

function insert(waiting: readonly QueuedCall[], call: QueuedCall): QueuedCall[] {
  if (!isStop(call)) return [...waiting, call];
  const at = waiting.findIndex((c) => !isStop(c));
  return at < 0 ? [...waiting, call] : [...waiting.slice(0, at), call, ...waiting.slice(at)];
}

/**
 * Applies the clock and the station's connection (undefined when offline): a call in flight
 * that timed out or went down another connection is failed, or waits again at the head when
 * it is a retried stop; waiting calls past their deadline fail; old finished calls are dropped.
 * Returns the same queue object when nothing changed.
 */
export function settle(queue: CallQueue, now: Date, connectionId: string | undefined): { queue: CallQueue; failed: FailedCall[] } {
  const at = now.getTime();
  const failed: FailedCall[] = [];
  let { inFlight, waiting, finished } = queue;
  let changed = false;
  // Since when the station could have taken the next call: a waiting call whose deadline came
  // later is still sent, however late this look at the queue comes.
  let freeSince = at;

  if (inFlight) {
    const lost = inFlight.connectionId !== connectionId;
    if (lost || Date.parse(inFlight.expiresAt) <= at) {
      const call = queuedPart(inFlight);
      if (call.retry) waiting = [call, ...waiting];
      else {
        const failure = lost
          ? { error: 'CallLost', message: `station ${queue.stationId}'s connection closed before it answered ${call.action}` }
          : { error: 'CallTimeout', message: `station ${queue.stationId} did not answer ${call.action} in time` };
        failed.push({ call, failure });
      }
      if (!lost) freeSince = Math.min(at, Date.parse(inFlight.expiresAt));
      inFlight = undefined;
      changed = true;
    }
  }

  const late = waiting.filter((c) => Date.parse(c.deadline) <= (inFlight ? at : freeSince));
  if (late.length > 0) {
    waiting = waiting.filter((c) => !late.includes(c));
    for (const call of late) {
      const failure = connectionId
        ? { error: 'StationBusy', message: `station ${queue.stationId} was busy with earlier calls until ${call.action}'s deadline` }
        : { error: 'StationOffline', message: `station ${queue.stationId} stayed offline until ${call.action}'s deadline` };
      failed.push({ call, failure });
    }
    changed = true;
  }

  const kept = finished.filter((f) => at - Date.parse(f.finishedAt) < FINISHED_KEEP_MS);
  if (kept.length !== finished.length) {
    finished = kept;
    changed = true;
  }
  if (!changed) return { queue, failed };
  const next = withoutInFlight({ ...queue, waiting, finished }, inFlight);
  return { queue: recordFailures(next, failed, now), failed };
}

/** Sends the head of the queue: it becomes the call in flight. */
export function dispatch(
  queue: CallQueue,
  send: { readonly messageId: string; readonly connectionId: string; readonly now: Date; readonly timeoutMs: number },
): CallQueue {
  const [head, ...rest] = queue.waiting;
  if (queue.inFlight || !head) throw new Error('dispatch needs a waiting call and none in flight');
  const inFlight: InFlightCall = {
    ...head,
    attempts: head.attempts + 1,
    messageId: send.messageId,
    connectionId: send.connectionId,
    sentAt: send.now.toISOString(),
    expiresAt: new Date(send.now.getTime() + send.timeoutMs).toISOString(),
  };
  return { ...queue, inFlight, waiting: rest };
}

/** A send that found the connection gone: the call waits again at the head (for a reconnect). */
export function undeliverable(queue: CallQueue, messageId: string): CallQueue {
  const call = queue.inFlight;
  if (!call || call.messageId !== messageId) return queue;
  return withoutInFlight({ ...queue, waiting: [{ ...queuedPart(call), attempts: call.attempts - 1 }, ...queue.waiting] });
}

/** The charger's answer to the call in flight; undefined when no call in flight has that message id. */
export function answer(queue: CallQueue, messageId: string, outcome: CallOutcome, now: Date): { queue: CallQueue; call: InFlightCall } | undefined {
  const call = queue.inFlight;
  if (!call || call.messageId !== messageId) return undefined;
  const finished = call.awaited ? [...queue.finished, { id: call.id, action: call.action, messageId, finishedAt: now.toISOString(), outcome }] : queue.finished;
  return { queue: withoutInFlight({ ...queue, finished }), call };
}

/** Takes a waiting call out without sending it, with the reason recorded for its poller. */
export function withdraw(queue: CallQueue, id: string, failure: CallFailure, now: Date): { queue: CallQueue; call?: QueuedCall } {
  const call = queue.waiting.find((c) => c.id === id);
  if (!call) return { queue };
  const next = { ...queue, waiting: queue.waiting.filter((c) => c !== call) };
  return { queue: recordFailures(next, [{ call, failure }], now), call };
}

/** When the queue next needs someone to look at it (undefined: never by itself). */
export function dueAt(queue: CallQueue): string | undefined {
  // Waiting with nothing in flight: the station is offline (or a sender crashed), look now.
  if (!queue.inFlight) return queue.waiting.length > 0 ? queue.waiting.map((c) => c.enqueuedAt).sort()[0] : undefined;
  return [queue.inFlight.expiresAt, ...queue.waiting.map((c) => c.deadline)].sort()[0];
}

/** Where a call stands: waiting, in flight, finished (with its outcome or failure), or unknown. */
export function find(queue: CallQueue, id: string): { state: 'waiting' | 'inFlight' } | { state: 'finished'; finished: FinishedCall } | undefined {
  const finished = queue.finished.find((f) => f.id === id);
  if (finished) return { state: 'finished', finished };
  if (queue.inFlight?.id === id) return { state: 'inFlight' };
  return queue.waiting.some((c) => c.id === id) ? { state: 'waiting' } : undefined;
}

function recordFailures(queue: CallQueue, failed: readonly FailedCall[], now: Date): CallQueue {
  const awaited = failed.filter(({ call }) => call.awaited);
  if (awaited.length === 0) return queue;
  const entries = awaited.map(({ call, failure }) => ({ id: call.id, action: call.action, finishedAt: now.toISOString(), failure }));
  return { ...queue, finished: [...queue.finished, ...entries] };
}

function withoutInFlight(queue: CallQueue, inFlight?: InFlightCall): CallQueue {
  const { inFlight: _dropped, ...rest } = queue;
  return inFlight ? { ...rest, inFlight } : rest;
}

function queuedPart(call: InFlightCall): QueuedCall {
  const { messageId: _m, connectionId: _c, sentAt: _s, expiresAt: _e, ...queued } = call;
  return queued;
}
