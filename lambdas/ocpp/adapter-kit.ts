/** What every versioned adapter (v16/, v201/) does the same way around its own codec and schemas. */
import { OcppError, serializeCallError, serializeCallResult, type Payload } from './frames';
import type { RejectedMessage } from './protocol';

/** A frame refused: the CALLERROR to send back, when a CALLERROR may be sent at all. */
export function rejectedFrame(error: OcppError): RejectedMessage {
  return {
    kind: 'rejected',
    error,
    reply: error.answerable ? serializeCallError(error.messageId, error.code, error.message, error.details) : undefined,
  };
}

/** A charger's answer that broke the schema fails our call; nothing is sent back for it. */
export function unanswerable(error: unknown): never {
  if (!(error instanceof OcppError)) throw error;
  throw new OcppError(error.code, error.message, { details: error.details, answerable: false });
}

/** Our response as a CALLRESULT; one that breaks the schema becomes an InternalError answering `messageId`. */
export function callResultFrame(messageId: string, action: string, validate: () => Payload): string {
  let valid: Payload;
  try {
    valid = validate();
  } catch (error) {
    if (!(error instanceof OcppError)) throw error;
    throw new OcppError('InternalError', `Invalid ${action} response: ${error.message}`, { messageId, details: error.details });
  }
  return serializeCallResult(messageId, valid);
}
