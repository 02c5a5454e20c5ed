/**
 * CSMS-to-charger calls, through each station's queue (call-queue.ts): one CALL in flight per
 * station (OCPP 1.6 section 4.1.1), every other call waits its turn and none is dropped. A
 * workflow task hands in its task token and is completed with the answer or the failure (a
 * Rejected answer is one); an operator's request polls for its call's outcome instead.
 *
 * Whoever touches a station's queue moves it on (`pump`): the sender right after queueing, the
 * charger's answer, the first frame of a new connection ($connect itself cannot send), a poller
 * whose call is due, and the station-call timer every minute for the rest (an unanswered call,
 * a deadline passing while the station is offline).
 *
 * A remote start issues its id tag when it is sent (so the charger's StartTransaction with it
 * is accepted); the session's end revokes it (`revokeIdTag`).
 *
 * Stops are never lost: a RemoteStopTransaction of a transaction still open in our records is
 * sent again after a send that was lost or not answered, for as long as the transaction stays
 * open (checked before each send), up to STOP_RETRY_MS.
 */
import { randomUUID } from 'node:crypto';
import {
  STOP_ACTION,
  answer,
  dispatch,
  dueAt,
  enqueue,
  find,
  settle,
  stopTransactionId,
  undeliverable,
  withdraw,
  type CallFailure,
  type CallQueue,
  type FailedCall,
  type QueuedCall,
} from './call-queue';
import { remoteStartIdOf, type CallOutcome, type IssuedIdTag } from './model';
import type { CallQueueRepository, StationLink, StationRepository, TransactionRepository } from './ports';
import type { Clock } from '../shared/clock';
import type { SessionWorkflow } from '../shared/workflow';
import { isOnline } from './charging-stations';

/** The error of a workflow task whose call the charger answered `{ status: 'Rejected' }`. */
export const CALL_REJECTED = 'CallRejected';

/** How long a stop of an open transaction keeps being retried before it fails loudly. */
export const STOP_RETRY_MS = 24 * 3600_000;

export class StationOfflineError extends Error {
  override readonly name = 'StationOffline';
  constructor(stationId: string) {
    super(`station ${stationId} is not connected`);
  }
}

export class UnknownStationError extends Error {
  override readonly name = 'UnknownStation';
  constructor(stationId: string) {
    super(`station ${stationId} is not provisioned`);
  }
}

/** A call the station's OCPP version does not have (1.6's GetConfiguration to a 2.0.1 charger...): nothing is queued. */
export class UnsupportedCallError extends Error {
  override readonly name = 'NotSupportedByStation';
  constructor(stationId: string, action: string, subprotocol: string | undefined) {
    super(`station ${stationId} speaks ${subprotocol ?? 'an OCPP version'}, which has no ${action} call`);
  }
}

/** A call that ended without an answer; `name` is the reason (CallFailure.error). */
export class CallFailedError extends Error {
  constructor(failure: CallFailure) {
    super(failure.message);
    this.name = failure.error;
  }
}

/** Encodes a CALL for the station's OCPP version; throws if the payload is not valid for it. */
export interface CallEncoder {
  /** The OCPP subprotocol it encodes for, named in what it refuses. */
  readonly subprotocol?: string;
  encodeCall(action: string, payload: unknown): { messageId: string; text: string };
}

export interface CallLog {
  info(message: string, details: Record<string, unknown>): void;
  warn(message: string, details: Record<string, unknown>): void;
  error(message: string, details: Record<string, unknown>): void;
}

export interface CsmsCallsDeps {
  readonly stations: StationRepository;
  readonly queues: CallQueueRepository;
  readonly transactions: TransactionRepository;
  readonly link: StationLink;
  /** Completes the workflow task that asked for a call; whether it still waits for it. */
  readonly workflow: Pick<SessionWorkflow, 'succeed' | 'fail' | 'isWaiting'>;
  /** Checks a call as queued, in the domain's words (1.6's names and payloads). */
  readonly encoder: CallEncoder;
  /** The encoder of the OCPP version a connection speaks, for the call sent down it; default `encoder`. */
  readonly encoderOf?: (connectionId: string) => Promise<CallEncoder>;
  readonly clock: Clock;
  /** How long a call may wait to be sent, and then how long the charger has to answer it. */
  readonly callTimeoutSeconds: number;
  readonly log: CallLog;
  /** How long an id tag issued with a RemoteStartTransaction stays valid for the charger's StartTransaction. */
  readonly idTagValiditySeconds?: number;
  /** Told when a send found the station's connection gone (its readers go out of order). */
  readonly onStationOffline?: (stationId: string) => Promise<void>;
}

export interface SendOptions {
  readonly taskToken?: string;
  /** The caller polls with `awaitAnswer`, and would rather hear at once that the station is offline. */
  readonly awaited?: boolean;
}

export const REMOTE_START_ACTION = 'RemoteStartTransaction';

/** A RemoteStartTransaction's payload: the id tag it issues, and what else the charger takes (connector, profile). */
export type RemoteStartPayload = { readonly idTag: string } & Readonly<Record<string, unknown>>;

export interface SentCall {
  /** The call's id in its station's queue (not an OCPP message id: each send gets its own). */
  readonly id: string;
  readonly action: string;
}

/** A queue as stored, with its version. */
type Stored = { readonly queue: CallQueue; readonly version: number };

/** Compare-and-swap rounds before giving up on a queue many writers fight over. */
const MAX_ROUNDS = 20;

export class CsmsCalls {
  constructor(private readonly deps: CsmsCallsDeps) {}

  /**
   * Queues a call and sends it if the station is free. An awaited call to a station that is
   * offline is refused (StationOfflineError); any other waits for the reconnect up to its deadline.
   */
  send(stationId: string, action: string, payload: unknown, options: SendOptions = {}): Promise<SentCall> {
    return this.queue(stationId, action, payload, options);
  }

  /** Sends a RemoteStartTransaction as `send` does; its id tag is issued when it goes out to the charger. */
  remoteStart(stationId: string, payload: RemoteStartPayload, options: SendOptions = {}): Promise<SentCall> {
    return this.queue(stationId, REMOTE_START_ACTION, payload, options, { issuesIdTag: payload.idTag });
  }

  private async queue(
    stationId: string,
    action: string,
    payload: unknown,
    options: SendOptions,
    effects: Pick<QueuedCall, 'issuesIdTag'> = {},
  ): Promise<SentCall> {
    const station = await this.deps.stations.get(stationId);
    // An invalid payload is the caller's mistake whatever the station's state: checked first, in
    // the words of the version the station speaks when it is connected, else in the domain's.
    const connected = isOnline(station) && this.deps.encoderOf ? await this.deps.encoderOf(station.connectionId) : undefined;
    const encoder = connected ?? this.deps.encoder;
    try {
      encoder.encodeCall(action, payload);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (connected && (error as Error).name === 'OcppError' && (code === 'NotImplemented' || code === 'NotSupported')) {
        throw new UnsupportedCallError(stationId, action, encoder.subprotocol);
      }
      throw error;
    }
    if (!station) throw new UnknownStationError(stationId);
    if (options.awaited && !isOnline(station)) throw new StationOfflineError(stationId);
    const now = this.deps.clock.now();
    const draft = { id: randomUUID(), action, payload, enqueuedAt: now.toISOString(), attempts: 0 };
    const retry = await this.openTransaction(draft);
    const call: QueuedCall = {
      ...draft,
      deadline: new Date(now.getTime() + (retry ? STOP_RETRY_MS : this.timeoutMs)).toISOString(),
      ...(options.taskToken !== undefined && { taskToken: options.taskToken }),
      ...(options.awaited && { awaited: true }),
      ...(retry && { retry: true }),
      ...effects,
    };
    await this.pump(stationId, call.id, await this.update(stationId, (queue) => enqueue(queue, call)));
    return { id: call.id, action };
  }

  /**
   * Records a CALLRESULT or CALLERROR from the charger and sends the next call. Returns false
   * when no call in flight has that message id (a late or foreign answer), which changes nothing.
   */
  async receiveAnswer(stationId: string, messageId: string, outcome: CallOutcome): Promise<boolean> {
    let answered: QueuedCall | undefined;
    const stored = await this.update(stationId, (queue) => {
      const result = answer(queue, messageId, outcome, this.deps.clock.now());
      answered = result?.call;
      return result?.queue ?? queue;
    });
    if (!answered) return false;
    if (answered.taskToken) {
      // A workflow task waits for the charger to do what it asked: a Rejected answer fails it,
      // as a CALLERROR does, so the workflow's Catch (not a Choice state) takes the way of a call not done.
      if (outcome.kind === 'error') await this.deps.workflow.fail(answered.taskToken, `Ocpp.${outcome.code}`, outcome.description || outcome.code);
      else if (rejected(outcome.payload)) await this.deps.workflow.fail(answered.taskToken, CALL_REJECTED, `the charger rejected ${answered.action}`);
      else await this.deps.workflow.succeed(answered.taskToken, outcome.payload);
    }
    await this.pump(stationId, undefined, stored);
    return true;
  }

  /** The action of the station's call in flight with this message id, if there is one. */
  async inFlightAction(stationId: string, messageId: string): Promise<string | undefined> {
    const { inFlight } = (await this.deps.queues.load(stationId)).queue;
    return inFlight?.messageId === messageId ? inFlight.action : undefined;
  }

  /**
   * Waits for the outcome of an awaited call sent by `send`: its turn, then its answer; at
   * most until `until` (a request's own limit), when a call still waiting is taken out.
   */
  async awaitAnswer(
    stationId: string,
    sent: SentCall,
    { until, pollMs = 100 }: { until?: Date; pollMs?: number } = {},
  ): Promise<{ messageId: string; outcome: CallOutcome }> {
    for (;;) {
      const { queue } = await this.deps.queues.load(stationId);
      const where = find(queue, sent.id);
      if (where?.state === 'finished') {
        const { outcome, failure, messageId } = where.finished;
        if (outcome && messageId) return { messageId, outcome };
        throw new CallFailedError(failure ?? { error: 'CallTimeout', message: `${sent.action} ended without an answer` });
      }
      if (!where) throw new CallFailedError({ error: 'CallTimeout', message: `${sent.action} to station ${stationId} is no longer queued` });
      const due = dueAt(queue);
      if (due !== undefined && Date.parse(due) <= this.deps.clock.now().getTime()) await this.pump(stationId);
      if (where.state === 'waiting' && !isOnline(await this.deps.stations.get(stationId))) {
        await this.withdraw(stationId, sent.id, { error: 'StationOffline', message: new StationOfflineError(stationId).message });
        continue;
      }
      if (until && this.deps.clock.now() >= until) {
        const failure = { error: 'CallTimeout', message: `station ${stationId} did not answer ${sent.action} within the request's time` };
        await this.withdraw(stationId, sent.id, failure);
        throw new CallFailedError(failure);
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** The first frame of a new connection: what waited for the station goes out now. */
  stationReachable(stationId: string): Promise<void> {
    return this.pump(stationId);
  }

  /** The station-call timer: moves on every queue that is due. Returns how many it looked at. */
  async runDue(): Promise<number> {
    const due = (await this.deps.queues.listDue(this.deps.clock.now().toISOString())).map(({ stationId }) => stationId);
    for (const stationId of due) {
      try {
        await this.pump(stationId);
      } catch (error) {
        this.deps.log.error('station call queue not moved on', { stationId, error: String(error) });
      }
    }
    return due.length;
  }

  /** When the next queue falls due, up to `until` (undefined: none by then). */
  async nextDue(until: Date): Promise<Date | undefined> {
    const due = await this.deps.queues.listDue(until.toISOString());
    const earliest = due.reduce<string | undefined>((soonest, { dueAt }) => (soonest === undefined || dueAt < soonest ? dueAt : soonest), undefined);
    return earliest === undefined ? undefined : new Date(earliest);
  }

  /**
   * Moves the station's queue on: settles what timed out, was lost or is past its deadline,
   * and sends the next call if none is in flight and the station is connected. `fresh` is a
   * call queued by this very invocation (its workflow task is known to be waiting); `stored`
   * the queue as this invocation just wrote it, which saves reading it again.
   */
  private async pump(stationId: string, fresh?: string, stored?: Stored): Promise<void> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const { queue, version } = (round === 0 && stored) || (await this.deps.queues.load(stationId));
      const station = await this.deps.stations.get(stationId);
      const connectionId = isOnline(station) ? station.connectionId : undefined;
      const now = this.deps.clock.now();
      const settled = settle(queue, now, connectionId);
      let next = settled.queue;
      const failed = [...settled.failed];
      let sending: { messageId: string; text: string } | undefined;
      const head = next.inFlight || !connectionId ? undefined : next.waiting[0];
      if (head) {
        const veto = await this.veto(head, head.id === fresh);
        if (veto) {
          next = withdraw(next, head.id, veto, now).queue;
          failed.push({ call: head, failure: veto });
        } else {
          const encoded = await this.encodeFor(connectionId!, head);
          if ('failure' in encoded) {
            next = withdraw(next, head.id, encoded.failure, now).queue;
            failed.push({ call: head, failure: encoded.failure });
          } else {
            next = dispatch(next, { messageId: encoded.messageId, connectionId: connectionId!, now, timeoutMs: this.timeoutMs });
            sending = encoded;
          }
        }
      }
      if (next === queue) return;
      if (!(await this.deps.queues.save(next, version, dueAt(next)))) continue;
      await this.report(stationId, failed);
      if (sending) {
        const call = next.inFlight!;
        if (call.issuesIdTag !== undefined) await this.deps.transactions.issueIdTag(this.idTag(call.issuesIdTag, stationId, now));
        this.deps.log.info('call sent to charger', { stationId, action: call.action, messageId: call.messageId, attempt: call.attempts });
        if ((await this.deps.link.send(call.connectionId, sending.text)) === 'sent') return;
        // The connection is gone: the call waits for the reconnect, up to its deadline.
        await this.update(stationId, (q) => undeliverable(q, sending.messageId));
        if (await this.deps.stations.markDisconnected(stationId, call.connectionId, now.toISOString())) {
          await this.deps.onStationOffline?.(stationId);
        }
        return;
      }
      // A vetoed head: look at the next one.
      if (!head) return;
    }
    this.deps.log.warn('station call queue contended; left to the next pass', { stationId });
  }

  /** The call in the words of the connection's OCPP version; a call that version cannot carry fails. */
  private async encodeFor(connectionId: string, call: QueuedCall): Promise<{ messageId: string; text: string } | { failure: CallFailure }> {
    const encoder = this.deps.encoderOf ? await this.deps.encoderOf(connectionId) : this.deps.encoder;
    const transactionId = namedTransactionId(call);
    const chargerTransactionId = transactionId === undefined ? undefined : (await this.deps.transactions.get(transactionId))?.chargerTransactionId;
    // A transaction the charger named itself (2.0.1) is stopped or asked about by that name; 1.6's payload stays as it is.
    const payload = chargerTransactionId === undefined ? call.payload : { ...(call.payload as object), chargerTransactionId };
    try {
      return encoder.encodeCall(call.action, payload);
    } catch (error) {
      if (!(error instanceof Error) || error.name !== 'OcppError') throw error;
      return { failure: { error: 'NotSupportedByStation', message: `${call.action} cannot be sent in the station's OCPP version: ${error.message}` } };
    }
  }

  /** Why the head of the queue must not be sent after all, if it must not. */
  private async veto(call: QueuedCall, fresh: boolean): Promise<CallFailure | undefined> {
    const transactionId = stopTransactionId(call);
    if (transactionId !== undefined) {
      const transaction = await this.deps.transactions.get(transactionId);
      if (transaction?.status === 'stopped') {
        return { error: 'TransactionEnded', message: `transaction ${transactionId} has already ended` };
      }
      // A stop is sent even when the task that asked for it gave up: the charge must end.
      return undefined;
    }
    if (call.taskToken && !fresh && !(await this.deps.workflow.isWaiting(call.taskToken))) {
      return { error: 'WorkflowGone', message: `the workflow task that asked for ${call.action} no longer waits for it` };
    }
    return undefined;
  }

  /** Fails loudly: every call that ended without an answer is logged and its task failed. */
  private async report(stationId: string, failed: readonly FailedCall[]): Promise<void> {
    for (const { call, failure } of failed) {
      const details = { stationId, action: call.action, callId: call.id, error: failure.error, reason: failure.message, attempts: call.attempts };
      if (failure.error === 'TransactionEnded' || failure.error === 'WorkflowGone') this.deps.log.info('call no longer needed', details);
      else this.deps.log.error('call failed', details);
      if (call.taskToken) await this.deps.workflow.fail(call.taskToken, failure.error, failure.message);
    }
  }

  private async withdraw(stationId: string, id: string, failure: CallFailure): Promise<void> {
    await this.update(stationId, (queue) => withdraw(queue, id, failure, this.deps.clock.now()).queue);
  }

  /** Applies `change` to the stored queue with a conditional write, again on a lost race; returns what is stored. */
  private async update(stationId: string, change: (queue: CallQueue) => CallQueue): Promise<Stored> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const { queue, version } = await this.deps.queues.load(stationId);
      const next = change(queue);
      if (next === queue) return { queue, version };
      if (await this.deps.queues.save(next, version, dueAt(next))) return { queue: next, version: version + 1 };
    }
    throw new Error(`station ${stationId}'s call queue stayed contended`);
  }

  /** A stop of a transaction open in our records is retried until it ends. */
  private async openTransaction(call: Pick<QueuedCall, 'action' | 'payload'>): Promise<boolean> {
    if (call.action !== STOP_ACTION) return false;
    const transactionId = stopTransactionId(call as QueuedCall);
    return transactionId !== undefined && (await this.deps.transactions.get(transactionId))?.status === 'active';
  }

  private get timeoutMs(): number {
    return this.deps.callTimeoutSeconds * 1000;
  }

  private idTag(idTag: string, stationId: string, now: Date): IssuedIdTag {
    const validity = this.deps.idTagValiditySeconds ?? 24 * 3600;
    return { idTag, stationId, expiresAt: new Date(now.getTime() + validity * 1000).toISOString(), remoteStartId: remoteStartIdOf(idTag) };
  }
}

/**
 * A call that comes by its action's name (a workflow task's, an operator's): a remote start
 * goes as one, issuing its id tag; any other as it is. A payload the action's schema refuses
 * goes to `send`, which refuses it.
 */
export function sendByAction(
  calls: Pick<CsmsCalls, 'send' | 'remoteStart'>,
  stationId: string,
  action: string,
  payload: Readonly<Record<string, unknown>>,
  options: SendOptions = {},
): Promise<SentCall> {
  const { idTag } = payload;
  return action === REMOTE_START_ACTION && typeof idTag === 'string'
    ? calls.remoteStart(stationId, { ...payload, idTag }, options)
    : calls.send(stationId, action, payload, options);
}

/** Ends an id tag's validity now: the charger's Authorize and StartTransaction with it are refused from then on. */
export function revokeIdTag(
  transactions: Pick<TransactionRepository, 'issueIdTag'>,
  tag: { readonly idTag: string; readonly stationId: string },
  at: string,
): Promise<void> {
  return transactions.issueIdTag({ idTag: tag.idTag, stationId: tag.stationId, expiresAt: at });
}

/** The calls that may name one of our transactions by its number: the stop, and 2.0.1's status query. */
const NAMES_TRANSACTION: ReadonlySet<string> = new Set([STOP_ACTION, 'GetTransactionStatus']);

function namedTransactionId(call: QueuedCall): number | undefined {
  const id = (call.payload as { transactionId?: unknown } | undefined)?.transactionId;
  return NAMES_TRANSACTION.has(call.action) && typeof id === 'number' ? id : undefined;
}

function rejected(payload: unknown): boolean {
  return typeof payload === 'object' && payload !== null && (payload as { status?: unknown }).status === 'Rejected';
}
