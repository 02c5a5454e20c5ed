/** OCPP 2.0.1 (OCPP-J 2.0.1 framing and error codes) behind the version-neutral OcppAdapter seam. */
import { randomUUID } from 'node:crypto';
import { callResultFrame, rejectedFrame as rejected, unanswerable } from '../adapter-kit';
import { OcppError, parseFrame, serializeCall, serializeCallError, type FrameFault, type OcppErrorCode } from '../frames';
import type { IncomingCall, OcppAdapter } from '../protocol';
import type { ChargerToCsmsMessages, CsmsToChargerMessages } from './schemas';
import { translationOf } from './domain-calls';
import { validateRequest, validateResponse } from './validate';

export type Ocpp201Adapter = OcppAdapter<'ocpp2.0.1', ChargerToCsmsMessages, CsmsToChargerMessages>;

/**
 * OCPP-J 2.0.1 section 4.3: what is not a readable RPC frame is an RpcFrameworkError, an
 * unknown message type MessageTypeNotSupported, a payload of the wrong JSON type a FormatViolation.
 */
export const OCPP201_FRAME_CODES: Readonly<Record<FrameFault, OcppErrorCode>> = {
  notJson: 'RpcFrameworkError',
  notArray: 'RpcFrameworkError',
  emptyFrame: 'RpcFrameworkError',
  typeIdNotNumber: 'RpcFrameworkError',
  unknownMessageType: 'MessageTypeNotSupported',
  messageIdNotString: 'RpcFrameworkError',
  messageIdLength: 'RpcFrameworkError',
  arity: 'RpcFrameworkError',
  actionNotString: 'RpcFrameworkError',
  payloadNotObject: 'FormatViolation',
  callErrorFields: 'RpcFrameworkError',
};

export function createOcpp201Adapter(options: { readonly newMessageId?: () => string } = {}): Ocpp201Adapter {
  const newMessageId = options.newMessageId ?? randomUUID;
  return {
    subprotocol: 'ocpp2.0.1',

    decode(text) {
      try {
        const frame = parseFrame(text, OCPP201_FRAME_CODES);
        if (frame.kind !== 'call') return frame;
        try {
          const payload = validateRequest(frame.action, frame.payload);
          return { kind: 'call', messageId: frame.messageId, action: frame.action, payload } as IncomingCall<ChargerToCsmsMessages>;
        } catch (error) {
          throw error instanceof OcppError ? error.withMessageId(frame.messageId) : error;
        }
      } catch (error) {
        if (error instanceof OcppError) return rejected(error);
        throw error;
      }
    },

    decodeCallResult(action, payload) {
      try {
        const domain = translationOf(action);
        if (domain) return domain.response(validateResponse(domain.action, payload) as never) as never;
        return validateResponse(action, payload) as CsmsToChargerMessages[typeof action]['response'];
      } catch (error) {
        return unanswerable(error);
      }
    },

    // The domain's remote start and stop (v201/domain-calls.ts) go out as their 2.0.1 calls.
    encodeCall(action, payload) {
      const domain = translationOf(action);
      const sent = domain ? domain.action : action;
      const valid = validateRequest(sent, domain ? domain.request(payload as Readonly<Record<string, unknown>>) : payload, 'csmsToCharger');
      const messageId = newMessageId();
      return { messageId, text: serializeCall(messageId, sent, valid) };
    },

    encodeCallResult(messageId, action, payload) {
      return callResultFrame(messageId, action, () => validateResponse(action, payload, 'chargerToCsms'));
    },

    encodeCallError(error) {
      return serializeCallError(error.messageId, error.code, error.message, error.details);
    },
  };
}

export const ocpp201: Ocpp201Adapter = createOcpp201Adapter();
