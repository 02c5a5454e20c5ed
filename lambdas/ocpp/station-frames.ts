/**
 * Handles one frame a charger sent on its connection, whatever its OCPP version: a CALL is
 * validated by the version's adapter, run by that version's actions and answered; a
 * CALLRESULT or CALLERROR settles the CSMS's call in flight (and the next one goes out). A broken frame gets the right
 * CALLERROR and changes nothing; the connection always stays up.
 *
 * A payload that breaks the schema is read again leniently unless its station is in strict
 * mode (`StationFrameDeps.leniency`): only then is the station looked up, so frames that meet
 * the schema cost nothing more. Ignored properties are logged once per station and action.
 */
import type { CsmsCalls } from '../csms/csms-calls';
import type { CallOutcome, Leniency } from '../csms/model';
import { OcppError, type Payload } from './frames';
import type { MessageCatalogue, OcppAdapter, OcppSubprotocol } from './protocol';

/** What the action may need to know of how its frame was read. */
export interface CallContext {
  /** Some date-time had no offset and was read in the site's zone. */
  readonly timestampsWithoutOffset?: boolean;
}

export type StationActions<M extends MessageCatalogue> = {
  [A in keyof M & string]: (stationId: string, request: M[A]['request'], context: CallContext) => Promise<M[A]['response']>;
};

export interface FrameLog {
  warn(message: string, details: Record<string, unknown>): void;
  error(message: string, details: Record<string, unknown>): void;
}

export interface StationFrameDeps<In extends MessageCatalogue, Out extends MessageCatalogue> {
  readonly adapter: OcppAdapter<OcppSubprotocol, In, Out>;
  readonly actions: StationActions<In>;
  readonly calls: Pick<CsmsCalls, 'inFlightAction' | 'receiveAnswer'>;
  readonly log: FrameLog;
  /** How the station's frames are read when they break the schema; undefined: strictly. */
  readonly leniency?: (stationId: string) => Promise<Leniency | undefined>;
}

/** Station and action pairs whose ignored properties were logged by this Lambda instance. */
const ignoredReported = new Set<string>();
const MAX_IGNORED_REPORTED = 10_000;

function reportIgnored(log: FrameLog, stationId: string, action: string, ignored: readonly string[]): void {
  const key = `${stationId}\n${action}`;
  if (ignoredReported.has(key)) return;
  if (ignoredReported.size >= MAX_IGNORED_REPORTED) ignoredReported.clear();
  ignoredReported.add(key);
  log.warn('properties OCPP does not define ignored', { stationId, action, ignored });
}

/** Returns the reply frame to send, or undefined when a frame needs no answer. */
export async function handleStationFrame<In extends MessageCatalogue, Out extends MessageCatalogue>(
  stationId: string,
  text: string,
  deps: StationFrameDeps<In, Out>,
): Promise<string | undefined> {
  let message = deps.adapter.decode(text);
  if (message.kind === 'rejected' && message.payloadInvalid && deps.leniency) {
    const leniency = await deps.leniency(stationId);
    if (leniency) message = deps.adapter.decode(text, leniency);
  }
  switch (message.kind) {
    case 'rejected':
      deps.log.warn('frame refused', { stationId, code: message.error.code, reason: message.error.message });
      return message.reply;
    case 'call': {
      const action = message.action as keyof In & string;
      if (message.ignored) reportIgnored(deps.log, stationId, action, message.ignored);
      try {
        const context = { ...(message.timestampsWithoutOffset && { timestampsWithoutOffset: true }) };
        const response = await deps.actions[action](stationId, message.payload, context);
        return deps.adapter.encodeCallResult(message.messageId, action, response);
      } catch (error) {
        const ocppError =
          error instanceof OcppError
            ? error.withMessageId(message.messageId)
            : new OcppError('InternalError', 'the CSMS could not process this call', { messageId: message.messageId });
        deps.log.error('call failed', { stationId, action, error: String(error) });
        return deps.adapter.encodeCallError(ocppError);
      }
    }
    case 'callResult':
    case 'callError': {
      const action = await deps.calls.inFlightAction(stationId, message.messageId);
      if (!action) {
        deps.log.warn('answer to no outstanding call', { stationId, messageId: message.messageId });
        return undefined;
      }
      let outcome = outcomeOf(deps.adapter, action, message);
      if (outcome.kind === 'error' && message.kind === 'callResult' && deps.leniency) {
        const lenient = await deps.leniency(stationId);
        if (lenient) outcome = outcomeOf(deps.adapter, action, message, lenient);
      }
      await deps.calls.receiveAnswer(stationId, message.messageId, outcome);
      return undefined;
    }
  }
}

function outcomeOf<In extends MessageCatalogue, Out extends MessageCatalogue>(
  adapter: Pick<OcppAdapter<OcppSubprotocol, In, Out>, 'decodeCallResult'>,
  action: string,
  message: { kind: 'callResult'; payload: Payload } | { kind: 'callError'; errorCode: string; errorDescription: string; errorDetails: Payload },
  leniency?: Leniency,
): CallOutcome {
  if (message.kind === 'callError') {
    return { kind: 'error', code: message.errorCode, description: message.errorDescription, details: message.errorDetails };
  }
  try {
    return { kind: 'result', payload: adapter.decodeCallResult(action as keyof Out & string, message.payload, leniency) };
  } catch (error) {
    if (!(error instanceof OcppError)) throw error;
    // A malformed answer fails the call: the waiting workflow must not act on it.
    return { kind: 'error', code: error.code, description: `invalid ${action} answer: ${error.message}`, details: error.details };
  }
}
