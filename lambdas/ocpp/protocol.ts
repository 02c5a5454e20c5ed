/**
 * The version-neutral seam between the WebSocket handlers and an OCPP version. A handler
 * negotiates the subprotocol on $connect, keeps it with the connection, and from then on
 * talks to that version's adapter only: frames, payload schemas and error codes stay
 * behind it. The adapters themselves are in ./adapters.ts.
 */
import type { Leniency } from '../csms/model';
import type { OcppError, ParsedCallError, Payload } from './frames';
import type { SupportedSubprotocol } from '../shared/subprotocols';

export type OcppSubprotocol = SupportedSubprotocol;

/** action -> payload types of the calls started by one side. */
export type MessageCatalogue = { [action: string]: { request: unknown; response: unknown } };

/** What a lenient read forgave in a CALL (absent when it met the schema as sent). */
export type Forgiven = {
  /** Properties the schema does not define, dropped from `payload`. */
  readonly ignored?: readonly string[];
  /** Some date-time had no offset: `payload` has it in UTC, read in the site's zone. */
  readonly timestampsWithoutOffset?: true;
};

export type IncomingCall<M extends MessageCatalogue> = {
  [A in keyof M & string]: { kind: 'call'; messageId: string; action: A; payload: M[A]['request'] } & Forgiven;
}[keyof M & string];

/** The answer to a CALL we sent; its payload is checked by `decodeCallResult` once the
 * pending call (found by message id) tells which action it answers. */
export type IncomingCallResult = { kind: 'callResult'; messageId: string; payload: Payload };

/** A charger's CALLERROR answering a CALL we sent, as framed (its code may be another version's). */
export type IncomingCallError = ParsedCallError;

/** A frame that failed the codec or validation. `reply` is the CALLERROR to send back, or
 * undefined when none may be sent (the frame was itself a CALLRESULT or CALLERROR). */
export type RejectedMessage = {
  kind: 'rejected';
  error: OcppError;
  reply: string | undefined;
  /** A CALL of a known action whose payload broke the schema: read leniently, it may pass. */
  payloadInvalid?: true;
};

export type IncomingMessage<M extends MessageCatalogue> =
  | IncomingCall<M>
  | IncomingCallResult
  | IncomingCallError
  | RejectedMessage;

export type EncodedCall = { messageId: string; text: string };

/**
 * `Incoming`: the calls a charger starts (requests we receive, responses we send);
 * `Outgoing`: the calls the CSMS starts (requests we send, responses we receive).
 */
export interface OcppAdapter<
  P extends OcppSubprotocol,
  Incoming extends MessageCatalogue,
  Outgoing extends MessageCatalogue,
> {
  readonly subprotocol: P;
  /** Parses and validates a frame from the charger, strictly by the schemas unless `leniency`
   * is given. Never throws for what the charger sent. */
  decode(text: string, leniency?: Leniency): IncomingMessage<Incoming>;
  /** Validates a CALLRESULT payload answering our call `action` (leniently with `leniency`).
   * Throws an OcppError that is not answerable. */
  decodeCallResult<A extends keyof Outgoing & string>(action: A, payload: Payload, leniency?: Leniency): Outgoing[A]['response'];
  /** A CALL with a fresh message id. Throws OcppError (the payload's violation, or
   * NotSupported / NotImplemented for the action) when the payload is not valid. */
  encodeCall<A extends keyof Outgoing & string>(action: A, payload: Outgoing[A]['request']): EncodedCall;
  /** Throws OcppError InternalError, answerable with `messageId`, when our own response does
   * not satisfy the schema: the charger then gets a CALLERROR instead of a bad payload. */
  encodeCallResult<A extends keyof Incoming & string>(
    messageId: string,
    action: A,
    payload: Incoming[A]['response'],
  ): string;
  encodeCallError(error: OcppError): string;
}
