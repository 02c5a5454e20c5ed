/**
 * Payload validation for OCPP 2.0.1: the same rules as 1.6 (lambdas/ocpp/v16/validate.ts says
 * which fault gets which code), answered in OCPP-J 2.0.1's words (section 4.3): a payload that
 * is not the PDU's structure is a FormatViolation, and "Occurrence" is spelled right.
 * Strict only: no 2.0.1 charger in the field needs the lenient reading yet.
 */
import { OcppError, type OcppErrorCode, type Payload } from '../frames';
import type { MessageSchemas } from '../v16/schemas';
import { check, schemasIn, type CallDirection } from '../v16/validate';
import { chargerToCsms, csmsToCharger, OCPP201_ACTIONS } from './schemas';

const registries: Record<CallDirection, Readonly<Record<string, MessageSchemas>>> = { chargerToCsms, csmsToCharger };

const IN_201_WORDS: Partial<Record<OcppErrorCode, OcppErrorCode>> = {
  FormationViolation: 'FormatViolation',
  OccurenceConstraintViolation: 'OccurrenceConstraintViolation',
};
const in201Words = (code: OcppErrorCode): OcppErrorCode => IN_201_WORDS[code] ?? code;

function schemasFor(action: string, direction: CallDirection): MessageSchemas {
  return schemasIn(registries[direction], OCPP201_ACTIONS, action, direction === 'chargerToCsms' ? 'a charging station' : 'the CSMS');
}

function checkIn201Words(schema: MessageSchemas[keyof MessageSchemas], payload: unknown, pdu: string): Payload {
  try {
    return check(schema, payload, pdu);
  } catch (error) {
    if (!(error instanceof OcppError)) throw error;
    const issues = Array.isArray(error.details['issues'])
      ? (error.details['issues'] as { code: OcppErrorCode }[]).map((issue) => ({ ...issue, code: in201Words(issue.code) }))
      : error.details['issues'];
    throw new OcppError(in201Words(error.code), error.message, { details: { ...error.details, issues } });
  }
}

/** A CALL payload; by default one a charging station sent. Throws OcppError. */
export function validateRequest(action: string, payload: unknown, direction: CallDirection = 'chargerToCsms'): Payload {
  return checkIn201Words(schemasFor(action, direction).request, payload, `${action}Request`);
}

/** A CALLRESULT payload; by default a charging station's answer to a CSMS call. Throws OcppError. */
export function validateResponse(action: string, payload: unknown, direction: CallDirection = 'csmsToCharger'): Payload {
  return checkIn201Words(schemasFor(action, direction).response, payload, `${action}Response`);
}
