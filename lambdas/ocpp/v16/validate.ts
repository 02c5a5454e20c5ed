/**
 * Payload validation for OCPP 1.6, answering with the error codes of OCPP 1.6J section 4.2.3.
 *
 * Which action:
 * - an action OCPP 1.6 does not define at all -> NotImplemented ("Requested Action is not
 *   known by receiver");
 * - an OCPP 1.6 action that is not accepted in this direction (a charger sending
 *   RemoteStartTransaction) or not handled by this CSMS (ReserveNow, SecurityEventNotification)
 *   -> NotSupported ("Requested Action is recognized but not supported by the receiver").
 *
 * Which payload error, decided from the zod issue code and the payload itself, never from
 * message text:
 * - FormationViolation: a property the official schema does not define
 *   (`additionalProperties: false`: the payload does not conform to the PDU structure), or a
 *   payload that is not an object;
 * - OccurenceConstraintViolation: a required property is absent, or an array has fewer
 *   items than the specification's cardinality;
 * - TypeConstraintViolation: a present property of the wrong JSON type (null included, and
 *   a decimal where an integer is required);
 * - PropertyConstraintViolation: the right type but a value out of bounds: enum, maximum
 *   string length, date-time format, minimum, multipleOf.
 * When several apply, the first in that order is the CALLERROR code; `errorDetails.issues`
 * lists every offending property (up to MAX_REPORTED_ISSUES) with its own code.
 *
 * Read leniently (a station not in strict mode, `validate...Leniently`), two harmless
 * differences field chargers really send are forgiven: a property the schema does not define
 * is dropped (and named in `ignored`), and a date-time without an offset is read in the site's
 * time zone (and converted to UTC). Everything else is refused exactly as above.
 */
import type * as z from 'zod';
import type { Leniency } from '../../csms/model';
import { localDateTimeToUtc } from '../../shared/local-time';
import { OcppError, type OcppErrorCode, type Payload } from '../frames';
import {
  chargerToCsms,
  csmsToCharger,
  OCPP16_ACTIONS,
  type ChargerToCsmsAction,
  type ChargerToCsmsMessages,
  type CsmsToChargerAction,
  type CsmsToChargerMessages,
  type MessageSchemas,
} from './schemas';

/** Who sent the CALL. Requests and responses are looked up by the CALL's direction. */
export type CallDirection = 'chargerToCsms' | 'csmsToCharger';

type MessagesOf<D extends CallDirection> = D extends 'chargerToCsms' ? ChargerToCsmsMessages : CsmsToChargerMessages;
type RequestOf<M, A> = A extends keyof M ? (M[A] extends { request: infer R } ? R : never) : never;
type ResponseOf<M, A> = A extends keyof M ? (M[A] extends { response: infer R } ? R : never) : never;

export const MAX_REPORTED_ISSUES = 10;

const registries: Record<CallDirection, Readonly<Record<string, MessageSchemas>>> = {
  chargerToCsms,
  csmsToCharger,
};

const SEVERITY: readonly OcppErrorCode[] = [
  'FormationViolation',
  'OccurenceConstraintViolation',
  'TypeConstraintViolation',
  'PropertyConstraintViolation',
];

/**
 * The schemas of `action` in `registry`; else NotSupported for an action the version defines
 * (`known`) but that `sender` may not send us or we do not handle, NotImplemented for any other.
 */
export function schemasIn<S>(registry: Readonly<Record<string, S>>, known: ReadonlySet<string>, action: string, sender: string): S {
  const schemas = Object.hasOwn(registry, action) ? registry[action] : undefined;
  if (schemas) return schemas;
  if (known.has(action)) {
    throw new OcppError('NotSupported', `${action} from ${sender} is not supported`, { details: { action } });
  }
  throw new OcppError('NotImplemented', `Unknown action: ${action}`, { details: { action } });
}

function schemasFor(action: string, direction: CallDirection): MessageSchemas {
  const sender = direction === 'chargerToCsms' ? 'a charge point' : 'the central system';
  return schemasIn(registries[direction], OCPP16_ACTIONS, action, sender);
}

export function validateRequest<A extends ChargerToCsmsAction>(
  action: A,
  payload: unknown,
): ChargerToCsmsMessages[A]['request'];
export function validateRequest<D extends CallDirection, A extends keyof MessagesOf<D>>(
  action: A,
  payload: unknown,
  direction: D,
): RequestOf<MessagesOf<D>, A>;
export function validateRequest(action: string, payload: unknown, direction?: CallDirection): Payload;
/** Validates a CALL payload; by default one a charger sent to the CSMS. Throws OcppError. */
export function validateRequest(
  action: string,
  payload: unknown,
  direction: CallDirection = 'chargerToCsms',
): Payload {
  return check(schemasFor(action, direction).request, payload, `${action}.req`);
}

export function validateResponse<A extends CsmsToChargerAction>(
  action: A,
  payload: unknown,
): CsmsToChargerMessages[A]['response'];
export function validateResponse<D extends CallDirection, A extends keyof MessagesOf<D>>(
  action: A,
  payload: unknown,
  direction: D,
): ResponseOf<MessagesOf<D>, A>;
export function validateResponse(action: string, payload: unknown, direction?: CallDirection): Payload;
/** Validates a CALLRESULT payload; by default a charger's answer to a CSMS call. Throws OcppError. */
export function validateResponse(
  action: string,
  payload: unknown,
  direction: CallDirection = 'csmsToCharger',
): Payload {
  return check(schemasFor(action, direction).response, payload, `${action}.conf`);
}

/** A payload read leniently: valid by the schema once the forgiven differences are mended. */
export interface LenientPayload {
  readonly payload: Payload;
  /** The properties dropped as not defined by the schema (`meterValue[0].vendorField`). */
  readonly ignored: readonly string[];
  /** Some date-time had no offset and was read in `leniency.timeZone`. */
  readonly timestampsWithoutOffset: boolean;
}

/** `validateRequest`, forgiving what `Leniency` forgives. Throws OcppError for anything else. */
export function validateRequestLeniently(
  action: string,
  payload: unknown,
  leniency: Leniency,
  direction: CallDirection = 'chargerToCsms',
): LenientPayload {
  return checkLeniently(schemasFor(action, direction).request, payload, `${action}.req`, leniency);
}

/** `validateResponse`, forgiving what `Leniency` forgives. Throws OcppError for anything else. */
export function validateResponseLeniently(
  action: string,
  payload: unknown,
  leniency: Leniency,
  direction: CallDirection = 'csmsToCharger',
): LenientPayload {
  return checkLeniently(schemasFor(action, direction).response, payload, `${action}.conf`, leniency);
}

function checkLeniently(schema: z.ZodType, payload: unknown, pdu: string, leniency: Leniency): LenientPayload {
  const first = schema.safeParse(payload);
  if (first.success) return { payload: first.data as Payload, ignored: [], timestampsWithoutOffset: false };
  const mended = structuredClone(payload);
  const ignored: string[] = [];
  let timestampsWithoutOffset = false;
  for (const issue of first.error.issues) {
    const parent = valueAt(mended, issue.path.slice(0, -1));
    if (issue.code === 'unrecognized_keys') {
      const object = valueAt(mended, issue.path) as Record<string, unknown>;
      for (const key of issue.keys) {
        delete object[key];
        ignored.push(propertyPath([...issue.path, key]));
      }
    } else if (issue.code === 'invalid_format' && issue.format === 'datetime' && isObject(parent)) {
      const key = issue.path[issue.path.length - 1]!;
      const value = parent[key as string];
      const utc = typeof value === 'string' ? localDateTimeToUtc(value, leniency.timeZone) : undefined;
      if (utc !== undefined) {
        parent[key as string] = utc;
        timestampsWithoutOffset = true;
      }
    }
  }
  // What was not forgiven is refused as it would be strictly.
  return { payload: check(schema, mended, pdu), ignored, timestampsWithoutOffset };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Validates `payload` against one zod PDU schema; throws OcppError with OCPP 1.6's codes
 * (lambdas/ocpp/v201/validate.ts renames them into 2.0.1's words). */
export function check(schema: z.ZodType, payload: unknown, pdu: string): Payload {
  const result = schema.safeParse(payload);
  if (result.success) return result.data as Payload;

  const issues = result.error.issues
    .flatMap((issue) => describeIssue(issue, payload))
    .sort((a, b) => SEVERITY.indexOf(a.code) - SEVERITY.indexOf(b.code));
  const [first] = issues;
  // Stryker disable next-line OptionalChaining,StringLiteral: a failed parse has an issue and each is described, so `first` is there and the fallback code unused
  const code = first?.code ?? 'FormationViolation';
  // Stryker disable next-line OptionalChaining: `first` is always there (above)
  const where = first?.property ? `${first.property}: ` : '';
  // Stryker disable next-line OptionalChaining: `first` is always there (above)
  throw new OcppError(code, `${pdu} ${where}${first?.message ?? 'invalid payload'}`, {
    details: { pdu, issues: issues.slice(0, MAX_REPORTED_ISSUES) },
  });
}

type ReportedIssue = { property: string; code: OcppErrorCode; message: string };

function describeIssue(issue: z.core.$ZodIssue, payload: unknown): ReportedIssue[] {
  const property = propertyPath(issue.path);
  if ((issue.code === 'invalid_type' || issue.code === 'invalid_value') && isAbsent(payload, issue.path)) {
    return [{ property, code: 'OccurenceConstraintViolation', message: 'required property missing' }];
  }
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        property: propertyPath([...issue.path, key]),
        code: 'FormationViolation',
        message: 'property not defined by the schema',
      }));
    case 'invalid_type':
      if (issue.path.length === 0) {
        return [{ property, code: 'FormationViolation', message: 'payload must be a JSON object' }];
      }
      return [{ property, code: 'TypeConstraintViolation', message: `expected ${issue.expected}` }];
    case 'invalid_value': {
      // An enum: a value of another JSON type is a type error, an unknown string a property error.
      const value = valueAt(payload, issue.path);
      const sameType = value !== null && issue.values.some((option) => typeof option === typeof value);
      return [
        { property, code: sameType ? 'PropertyConstraintViolation' : 'TypeConstraintViolation', message: issue.message },
      ];
    }
    case 'too_small':
    case 'too_big':
      return [
        {
          property,
          code: issue.origin === 'array' ? 'OccurenceConstraintViolation' : 'PropertyConstraintViolation',
          message: issue.message,
        },
      ];
    case 'invalid_format':
    case 'not_multiple_of':
      return [{ property, code: 'PropertyConstraintViolation', message: issue.message }];
    // Stryker disable next-line all: unreachable, no OCPP 1.6 schema has a union, record or refinement, so zod reports no other issue code
    default:
      // Stryker disable next-line all: unreachable, as above
      return [{ property, code: 'FormationViolation', message: issue.message }];
  }
}

/** `meterValue[0].sampledValue[2].unit`; the empty string is the payload itself. */
function propertyPath(path: readonly PropertyKey[]): string {
  return path
    .map((segment, index) => {
      if (typeof segment === 'number') return `[${segment}]`;
      const name = String(segment);
      return index === 0 ? name : `.${name}`;
    })
    .join('');
}

function valueAt(payload: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = payload;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

function isAbsent(payload: unknown, path: readonly PropertyKey[]): boolean {
  const parent = valueAt(payload, path.slice(0, -1));
  const key = path[path.length - 1];
  return (
    typeof parent === 'object' &&
    parent !== null &&
    key !== undefined &&
    (!Object.hasOwn(parent, key) || (parent as Record<PropertyKey, unknown>)[key] === undefined)
  );
}
