/**
 * CSMS-to-charger calls: one outstanding CALL per station (OCPP 1.6 section 4.1.1), sent down
 * the station's connection and matched to the charger's answer by message id. A workflow task
 * hands in its task token and is completed when the answer arrives; an operator's request
 * waits for the answer instead.
 */
import type { CallOutcome, PendingCall } from './model';
import type { Clock, PendingCallRepository, StationLink, StationRepository, TransactionRepository, WorkflowSignals } from './ports';
import { isOnline } from './charging-stations';

export class StationOfflineError extends Error {
  override readonly name = 'StationOffline';
  constructor(stationId: string) {
    super(`station ${stationId} is not connected`);
  }
}

export class StationBusyError extends Error {
  override readonly name = 'StationBusy';
  constructor(stationId: string, action: string) {
    super(`station ${stationId} still has ${action} outstanding`);
  }
}

export class UnknownStationError extends Error {
  override readonly name = 'UnknownStation';
  constructor(stationId: string) {
    super(`station ${stationId} is not provisioned`);
  }
}

export class CallTimeoutError extends Error {
  override readonly name = 'CallTimeout';
  constructor(stationId: string, action: string) {
    super(`station ${stationId} did not answer ${action} in time`);
  }
}

/** Encodes a CALL for the station's OCPP version; throws if the payload is not valid for it. */
export interface CallEncoder {
  encodeCall(action: string, payload: unknown): { messageId: string; text: string };
}

export interface CsmsCallsDeps {
  readonly stations: StationRepository;
  readonly pendingCalls: PendingCallRepository;
  readonly transactions: TransactionRepository;
  readonly link: StationLink;
  readonly workflow: WorkflowSignals;
  readonly encoder: CallEncoder;
  readonly clock: Clock;
  readonly callTimeoutSeconds: number;
  /** How long an id tag issued with a RemoteStartTransaction stays valid for the charger's StartTransaction. */
  readonly idTagValiditySeconds?: number;
  /** Told when a send found the station's connection gone (its readers go out of order). */
  readonly onStationOffline?: (stationId: string) => Promise<void>;
}

export interface SentCall {
  readonly messageId: string;
  readonly action: string;
}

export class CsmsCalls {
  constructor(private readonly deps: CsmsCallsDeps) {}

  async send(stationId: string, action: string, payload: unknown, taskToken?: string): Promise<SentCall> {
    // An invalid payload is the caller's mistake whatever the station's state: check it first.
    const { messageId, text } = this.deps.encoder.encodeCall(action, payload);
    const station = await this.deps.stations.get(stationId);
    if (!station) throw new UnknownStationError(stationId);
    if (!isOnline(station)) throw new StationOfflineError(stationId);
    const now = this.deps.clock.now();
    const call: PendingCall = {
      stationId,
      messageId,
      action,
      payload,
      sentAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.deps.callTimeoutSeconds * 1000).toISOString(),
      state: 'sent',
      ...(taskToken !== undefined && { taskToken }),
    };
    if (!(await this.deps.pendingCalls.reserve(call, call.sentAt))) {
      const outstanding = await this.deps.pendingCalls.get(stationId);
      throw new StationBusyError(stationId, outstanding?.action ?? 'a call');
    }
    if (action === 'RemoteStartTransaction') await this.issueIdTag(stationId, payload, now);
    if ((await this.deps.link.send(station.connectionId, text)) === 'gone') {
      await this.deps.pendingCalls.release(stationId, messageId);
      if (await this.deps.stations.markDisconnected(stationId, station.connectionId, now.toISOString())) {
        await this.deps.onStationOffline?.(stationId);
      }
      throw new StationOfflineError(stationId);
    }
    return { messageId, action };
  }

  /**
   * Records a CALLRESULT or CALLERROR from the charger. Returns false when no outstanding call
   * has that message id (a late or foreign answer), which changes nothing.
   */
  async receiveAnswer(stationId: string, messageId: string, outcome: CallOutcome): Promise<boolean> {
    const call = await this.deps.pendingCalls.answer(stationId, messageId, outcome);
    if (!call) return false;
    if (call.taskToken) {
      if (outcome.kind === 'result') await this.deps.workflow.succeed(call.taskToken, outcome.payload);
      else await this.deps.workflow.fail(call.taskToken, `Ocpp.${outcome.code}`, outcome.description || outcome.code);
    }
    return true;
  }

  /** Waits for the charger's answer to a call sent by `send`, up to the call timeout. */
  async awaitAnswer(
    stationId: string,
    sent: SentCall,
    sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
    pollMs = 100,
  ): Promise<CallOutcome> {
    const deadline = this.deps.clock.now().getTime() + this.deps.callTimeoutSeconds * 1000;
    for (;;) {
      const call = await this.deps.pendingCalls.get(stationId);
      if (!call || call.messageId !== sent.messageId) throw new CallTimeoutError(stationId, sent.action);
      if (call.state === 'answered' && call.outcome) return call.outcome;
      if (this.deps.clock.now().getTime() >= deadline) {
        await this.deps.pendingCalls.release(stationId, sent.messageId);
        throw new CallTimeoutError(stationId, sent.action);
      }
      await sleep(pollMs);
    }
  }

  private async issueIdTag(stationId: string, payload: unknown, now: Date): Promise<void> {
    const idTag = (payload as { idTag?: unknown }).idTag;
    if (typeof idTag !== 'string') return;
    const validity = this.deps.idTagValiditySeconds ?? 24 * 3600;
    await this.deps.transactions.issueIdTag({
      idTag,
      stationId,
      expiresAt: new Date(now.getTime() + validity * 1000).toISOString(),
    });
  }
}
