/** OCPP 1.6J behind the version-neutral OcppAdapter seam. */
import { randomUUID } from 'node:crypto';
import { callResultFrame, rejectedFrame as rejected, unanswerable } from '../adapter-kit';
import { OcppError, parseFrame, serializeCall, serializeCallError, type Payload } from '../frames';
import type { IncomingCall, OcppAdapter } from '../protocol';
import type { ChargerToCsmsMessages, CsmsToChargerMessages } from './schemas';
import { validateRequest, validateRequestLeniently, validateResponse, validateResponseLeniently } from './validate';

export type Ocpp16Adapter = OcppAdapter<'ocpp1.6', ChargerToCsmsMessages, CsmsToChargerMessages>;

export type Ocpp16AdapterOptions = {
  /** @default crypto.randomUUID (36 characters, the most OCPP allows) */
  readonly newMessageId?: () => string;
};

export function createOcpp16Adapter(options: Ocpp16AdapterOptions = {}): Ocpp16Adapter {
  const newMessageId = options.newMessageId ?? randomUUID;

  return {
    subprotocol: 'ocpp1.6',

    decode(text, leniency) {
      let frame;
      try {
        frame = parseFrame(text);
      } catch (error) {
        if (error instanceof OcppError) return rejected(error);
        throw error;
      }
      if (frame.kind !== 'call') return frame;
      const { messageId, action } = frame;
      try {
        // The validation found the action in the registry, so action and payload agree.
        if (!leniency) return { kind: 'call', messageId, action, payload: validateRequest(action, frame.payload) } as IncomingCall<ChargerToCsmsMessages>;
        const { payload, ignored, timestampsWithoutOffset } = validateRequestLeniently(action, frame.payload, leniency);
        return {
          kind: 'call',
          messageId,
          action,
          payload,
          ...(ignored.length > 0 && { ignored }),
          ...(timestampsWithoutOffset && { timestampsWithoutOffset: true as const }),
        } as IncomingCall<ChargerToCsmsMessages>;
      } catch (error) {
        if (!(error instanceof OcppError)) throw error;
        const known = error.code !== 'NotSupported' && error.code !== 'NotImplemented';
        return { ...rejected(error.withMessageId(messageId)), ...(known && { payloadInvalid: true as const }) };
      }
    },

    decodeCallResult(action, payload, leniency) {
      try {
        const valid = leniency ? validateResponseLeniently(action, payload, leniency).payload : validateResponse(action, payload);
        return valid as CsmsToChargerMessages[typeof action]['response'];
      } catch (error) {
        return unanswerable(error);
      }
    },

    encodeCall(action, payload) {
      const valid = validateRequest(action, payload, 'csmsToCharger');
      const messageId = newMessageId();
      return { messageId, text: serializeCall(messageId, action, valid as Payload) };
    },

    encodeCallResult(messageId, action, payload) {
      return callResultFrame(messageId, action, () => validateResponse(action, payload, 'chargerToCsms') as Payload);
    },

    encodeCallError(error) {
      return serializeCallError(error.messageId, error.code, error.message, error.details);
    },
  };
}

export const ocpp16: Ocpp16Adapter = createOcpp16Adapter();
