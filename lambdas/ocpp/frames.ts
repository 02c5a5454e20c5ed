/**
 * The one OCPP-J RPC frame codec (OCPP 1.6J section 4; OCPP 2.0.1 part 4 uses the same three
 * frames). It knows nothing of actions or payload schemas: that is the versioned adapters' job.
 *
 * How a broken frame is answered, in OCPP 1.6's codes (1.6 has no RpcFrameworkError /
 * MessageTypeNotSupported; `parseFrame`'s `codes` give another version's word for each fault,
 * lambdas/ocpp/v201/adapter.ts):
 * - FormationViolation: the text is not JSON, or a frame position holds the wrong JSON type
 *   (root not an array, type id not a number, message id / action not a string, payload not
 *   an object, CALLERROR fields of the wrong type).
 * - ProtocolError: the JSON types are right but the RPC rules are broken: an unknown or
 *   non-integer message type id, the wrong number of elements for the message type, a
 *   message id that is empty or longer than 36 characters.
 * - The CALLERROR echoes the message id whenever one was read as a string of 1..36
 *   characters, even from text that is not valid JSON (a truncated frame still starts with
 *   `[2,"<id>",`): the charger then fails its call at once instead of waiting for a timeout.
 *   Otherwise the message id is "-1", as OCPP 2.0.1 prescribes for an unreadable id.
 * - A broken frame that was recognisably a CALLRESULT or CALLERROR with a readable message id
 *   is not `answerable`: OCPP only ever answers a CALL, and a CALLERROR echoing the id of a
 *   response would confuse the charger. A frame whose message id is unreadable (not a string,
 *   empty or longer than 36 characters) is answered with "-1" whatever its type, as OCPP-J
 *   2.0.1 does: no call can be matched to it, so only a CALLERROR tells the charger at once.
 */

export const MessageType = { Call: 2, CallResult: 3, CallError: 4 } as const;
export type MessageTypeId = (typeof MessageType)[keyof typeof MessageType];

/** OCPP 1.6J section 4.2.3. "Occurence" is OCPP 1.6's own spelling. */
export const OCPP_ERROR_CODES = [
  'NotImplemented',
  'NotSupported',
  'InternalError',
  'ProtocolError',
  'SecurityError',
  'FormationViolation',
  'PropertyConstraintViolation',
  'OccurenceConstraintViolation',
  'TypeConstraintViolation',
  'GenericError',
] as const;
/** OCPP-J 2.0.1 section 4.3: its own words for frame and payload faults ("Occurrence" spelled right). */
export const OCPP201_ERROR_CODES = [
  'FormatViolation',
  'GenericError',
  'InternalError',
  'MessageTypeNotSupported',
  'NotImplemented',
  'NotSupported',
  'OccurrenceConstraintViolation',
  'PropertyConstraintViolation',
  'ProtocolError',
  'RpcFrameworkError',
  'SecurityError',
  'TypeConstraintViolation',
] as const;
export type OcppErrorCode = (typeof OCPP_ERROR_CODES)[number] | (typeof OCPP201_ERROR_CODES)[number];

/** Each way a frame can be broken, so that every version answers it with its own code. */
export type FrameFault =
  | 'notJson'
  | 'notArray'
  | 'emptyFrame'
  | 'typeIdNotNumber'
  | 'unknownMessageType'
  | 'messageIdNotString'
  | 'messageIdLength'
  | 'arity'
  | 'actionNotString'
  | 'payloadNotObject'
  | 'callErrorFields';

/** OCPP-J 1.6 has no RpcFrameworkError / MessageTypeNotSupported (see the header). */
export const OCPP16_FRAME_CODES: Readonly<Record<FrameFault, OcppErrorCode>> = {
  notJson: 'FormationViolation',
  notArray: 'FormationViolation',
  emptyFrame: 'ProtocolError',
  typeIdNotNumber: 'FormationViolation',
  unknownMessageType: 'ProtocolError',
  messageIdNotString: 'FormationViolation',
  messageIdLength: 'ProtocolError',
  arity: 'ProtocolError',
  actionNotString: 'FormationViolation',
  payloadNotObject: 'FormationViolation',
  callErrorFields: 'FormationViolation',
};

/** OCPP 1.6J section 4.1.4: "maximum of 36 characters, to allow for GUIDs". */
export const MAX_MESSAGE_ID_LENGTH = 36;
/** The message id of a CALLERROR answering a frame whose message id could not be read. */
export const UNKNOWN_MESSAGE_ID = '-1';

/** A JSON object: every OCPP payload and CALLERROR details. */
export type Payload = { [key: string]: unknown };

export type Call = [messageTypeId: 2, messageId: string, action: string, payload: Payload];
export type CallResult = [messageTypeId: 3, messageId: string, payload: Payload];
export type CallError = [
  messageTypeId: 4,
  messageId: string,
  errorCode: OcppErrorCode,
  errorDescription: string,
  errorDetails: Payload,
];

export type ParsedCall = { kind: 'call'; messageId: string; action: string; payload: Payload };
export type ParsedCallResult = { kind: 'callResult'; messageId: string; payload: Payload };
/** `errorCode` stays a string: a peer may speak another OCPP version's codes (2.0.1's
 * FormatViolation, RpcFrameworkError...), and its answer must still settle our pending call. */
export type ParsedCallError = {
  kind: 'callError';
  messageId: string;
  errorCode: string;
  errorDescription: string;
  errorDetails: Payload;
};
export type ParsedFrame = ParsedCall | ParsedCallResult | ParsedCallError;

export class OcppError extends Error {
  override readonly name = 'OcppError';
  readonly code: OcppErrorCode;
  readonly details: Payload;
  readonly messageId: string;
  /** False when the offending frame was a CALLRESULT or CALLERROR: log it, send nothing. */
  readonly answerable: boolean;

  constructor(
    code: OcppErrorCode,
    description: string,
    options: { messageId?: string; details?: Payload; answerable?: boolean } = {},
  ) {
    super(description);
    this.code = code;
    this.details = options.details ?? {};
    this.messageId = options.messageId ?? UNKNOWN_MESSAGE_ID;
    this.answerable = options.answerable ?? true;
  }

  /** The same error, answering the frame with this message id. */
  withMessageId(messageId: string): OcppError {
    return new OcppError(this.code, this.message, {
      messageId,
      details: this.details,
      answerable: this.answerable,
    });
  }

  asCallError(): CallError {
    return [MessageType.CallError, this.messageId, this.code, this.message, this.details];
  }
}

const ARITY: Record<MessageTypeId, number> = { 2: 4, 3: 3, 4: 5 };

export function isPayload(value: unknown): value is Payload {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isValidMessageId(value: string): boolean {
  return value.length > 0 && value.length <= MAX_MESSAGE_ID_LENGTH;
}

// `[<type>, "<id>"` at the start of text that failed to parse as a whole.
const FRAME_PREFIX = /^\s*\[\s*(\d+)\s*,\s*"([^"\\]{1,36})"/;

function recoverFromBrokenText(text: string): { messageId: string; answerable: boolean } {
  const match = FRAME_PREFIX.exec(text);
  if (!match) return { messageId: UNKNOWN_MESSAGE_ID, answerable: true };
  const type = Number(match[1]);
  return {
    messageId: match[2] ?? UNKNOWN_MESSAGE_ID,
    answerable: type !== MessageType.CallResult && type !== MessageType.CallError,
  };
}

function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function isMessageTypeId(value: number): value is MessageTypeId {
  return value === MessageType.Call || value === MessageType.CallResult || value === MessageType.CallError;
}

export function parseFrame(text: string, codes: Readonly<Record<FrameFault, OcppErrorCode>> = OCPP16_FRAME_CODES): ParsedFrame {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new OcppError(codes.notJson, 'Frame is not valid JSON', recoverFromBrokenText(text));
  }
  if (!Array.isArray(json)) {
    throw new OcppError(codes.notArray, `Frame must be a JSON array, got ${describeJsonType(json)}`);
  }
  const frame: unknown[] = json;
  if (frame.length === 0) {
    throw new OcppError(codes.emptyFrame, 'Frame is an empty array');
  }

  const [typeId, messageId] = frame;
  if (typeof typeId !== 'number') {
    throw new OcppError(codes.typeIdNotNumber, `Message type id must be a number, got ${describeJsonType(typeId)}`);
  }
  if (!isMessageTypeId(typeId)) {
    throw new OcppError(codes.unknownMessageType, `Unknown message type id ${typeId}`);
  }

  // An unreadable message id is answered with "-1" whatever the message type.
  if (typeof messageId !== 'string') {
    throw new OcppError(codes.messageIdNotString, `Message id must be a string, got ${describeJsonType(messageId)}`);
  }
  if (!isValidMessageId(messageId)) {
    throw new OcppError(codes.messageIdLength, `Message id must have 1 to ${MAX_MESSAGE_ID_LENGTH} characters, got ${messageId.length}`);
  }

  const answerable = typeId === MessageType.Call;

  const broken = (code: OcppErrorCode, description: string) =>
    new OcppError(code, description, { messageId, answerable });
  if (frame.length !== ARITY[typeId]) {
    throw broken(codes.arity, `Message type ${typeId} needs ${ARITY[typeId]} elements, got ${frame.length}`);
  }

  switch (typeId) {
    case MessageType.Call: {
      const [, , action, payload] = frame;
      if (typeof action !== 'string') {
        throw broken(codes.actionNotString, `Action must be a string, got ${describeJsonType(action)}`);
      }
      if (!isPayload(payload)) {
        throw broken(codes.payloadNotObject, `Payload must be a JSON object, got ${describeJsonType(payload)}`);
      }
      return { kind: 'call', messageId, action, payload };
    }
    case MessageType.CallResult: {
      const [, , payload] = frame;
      if (!isPayload(payload)) {
        throw broken(codes.payloadNotObject, `Payload must be a JSON object, got ${describeJsonType(payload)}`);
      }
      return { kind: 'callResult', messageId, payload };
    }
    case MessageType.CallError: {
      const [, , errorCode, errorDescription, errorDetails] = frame;
      if (typeof errorCode !== 'string') throw broken(codes.callErrorFields, 'Error code must be a string');
      if (typeof errorDescription !== 'string') throw broken(codes.callErrorFields, 'Error description must be a string');
      if (!isPayload(errorDetails)) throw broken(codes.callErrorFields, 'Error details must be a JSON object');
      return { kind: 'callError', messageId, errorCode, errorDescription, errorDetails };
    }
  }
}

function assertMessageId(messageId: string): void {
  if (!isValidMessageId(messageId)) {
    throw new RangeError(`OCPP message id must have 1 to ${MAX_MESSAGE_ID_LENGTH} characters: "${messageId}"`);
  }
}

export function serializeCall(messageId: string, action: string, payload: Payload): string {
  assertMessageId(messageId);
  const frame: Call = [MessageType.Call, messageId, action, payload];
  return JSON.stringify(frame);
}

export function serializeCallResult(messageId: string, payload: Payload): string {
  assertMessageId(messageId);
  const frame: CallResult = [MessageType.CallResult, messageId, payload];
  return JSON.stringify(frame);
}

/** The message id is not checked here: "-1" and an echoed id are both legitimate. */
export function serializeCallError(
  messageId: string,
  errorCode: OcppErrorCode,
  errorDescription = '',
  errorDetails: Payload = {},
): string {
  const frame: CallError = [MessageType.CallError, messageId, errorCode, errorDescription, errorDetails];
  return JSON.stringify(frame);
}
