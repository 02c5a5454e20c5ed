/**
 * The CSMS's version-neutral calls (queued by lambdas/csms/csms-calls.ts under the names and
 * payloads 1.6 sends as they are) in OCPP 2.0.1's words:
 * - the remote start and stop become RequestStartTransaction and RequestStopTransaction, their
 *   answers read back in the domain's words: `{ status: 'Accepted' | 'Rejected' }`;
 * - the station commands both versions have (Reset, ChangeAvailability, UnlockConnector,
 *   TriggerMessage) are translated from 1.6's payload, and a payload already in 2.0.1's own
 *   form goes as it is; their answers are the charger's, as it gave them;
 * - GetTransactionStatus may name our transaction by its number, as the stop does.
 * Calls only 2.0.1 has (GetVariables, SetDisplayMessage...) go by their 2.0.1 names and payloads.
 */
import { remoteStartIdOf } from '../../csms/model';
import { OcppError } from '../frames';
import type { CsmsToChargerMessages } from './schemas';

type Payload = Readonly<Record<string, unknown>>;

type Translation<A extends keyof CsmsToChargerMessages> = {
  readonly action: A;
  request(payload: Payload): CsmsToChargerMessages[A]['request'];
  response(answer: CsmsToChargerMessages[A]['response']): unknown;
};

const statusOnly = ({ status }: { status: 'Accepted' | 'Rejected' }) => ({ status });

/** A payload the domain built wrong (not one the 2.0.1 schema would refuse): refused before sending. */
function field<T>(payload: Payload, name: string, type: 'string' | 'number'): T {
  const value = payload[name];
  if (typeof value !== type) throw new OcppError('TypeConstraintViolation', `${name} must be a ${type}`, { details: { field: name } });
  return value as T;
}

const DOMAIN_CALLS: { readonly [action: string]: Translation<keyof CsmsToChargerMessages> } = {
  RemoteStartTransaction: {
    action: 'RequestStartTransaction',
    request: (payload) => {
      const idTag = field<string>(payload, 'idTag', 'string');
      const connectorId = payload['connectorId'];
      return {
        idToken: { idToken: idTag, type: 'Central' },
        remoteStartId: remoteStartIdOf(idTag),
        // The domain's connector is the 2.0.1 EVSE.
        ...(typeof connectorId === 'number' && { evseId: connectorId }),
      };
    },
    response: statusOnly,
  } satisfies Translation<'RequestStartTransaction'>,
  RemoteStopTransaction: {
    action: 'RequestStopTransaction',
    // The charger's own id of the transaction (csms-calls.ts adds it); ours as text for one it never named.
    request: (payload) => {
      const transactionId = field<number>(payload, 'transactionId', 'number');
      const named = payload['chargerTransactionId'];
      return { transactionId: typeof named === 'string' ? named : String(transactionId) };
    },
    response: statusOnly,
  } satisfies Translation<'RequestStopTransaction'>,
};

const asGiven = <T>(answer: T): T => answer;

/** 1.6's Soft reset never cuts a driver's charge short (2.0.1 waits until idle); Hard resets now. */
const RESET_TYPES: Readonly<Record<string, 'OnIdle' | 'Immediate'>> = { Soft: 'OnIdle', Hard: 'Immediate' };
/** 1.6's DiagnosticsStatusNotification is 2.0.1's LogStatusNotification; every other 1.6 trigger keeps its name. */
const TRIGGERS: Readonly<Record<string, string>> = { DiagnosticsStatusNotification: 'LogStatusNotification' };

/** The 1.6 connector (2.0.1's EVSE; 0, the whole station, is no EVSE) as 2.0.1's `evse`. */
function evseOf(connectorId: unknown): { evse?: { id: number } } {
  return typeof connectorId === 'number' && connectorId !== 0 ? { evse: { id: connectorId } } : {};
}

/**
 * A command in 1.6's form, as 2.0.1's: `translate` runs only when `isDomainForm` says the payload
 * is 1.6's; anything else (2.0.1's own form, or neither) goes on as it is, for 2.0.1's schema to judge.
 */
function command<A extends keyof CsmsToChargerMessages>(
  action: A,
  isDomainForm: (payload: Payload) => boolean,
  translate: (payload: Payload) => Payload,
): Translation<A> {
  return {
    action,
    request: (payload) => (isDomainForm(payload) ? translate(payload) : payload) as CsmsToChargerMessages[A]['request'],
    response: asGiven,
  };
}

const STATION_COMMANDS = {
  Reset: command(
    'Reset',
    ({ type }) => typeof type === 'string' && Object.hasOwn(RESET_TYPES, type),
    ({ type, ...rest }) => ({ ...rest, type: RESET_TYPES[type as string] }),
  ),
  ChangeAvailability: command(
    'ChangeAvailability',
    (payload) => 'type' in payload && !('operationalStatus' in payload),
    ({ connectorId, type, ...rest }) => ({ ...rest, operationalStatus: type, ...evseOf(connectorId) }),
  ),
  // The domain's connector is an EVSE of one connector.
  UnlockConnector: command(
    'UnlockConnector',
    (payload) => !('evseId' in payload),
    ({ connectorId, ...rest }) => ({ ...rest, evseId: connectorId, connectorId: 1 }),
  ),
  TriggerMessage: command(
    'TriggerMessage',
    (payload) => 'connectorId' in payload || (typeof payload['requestedMessage'] === 'string' && Object.hasOwn(TRIGGERS, payload['requestedMessage'])),
    ({ connectorId, requestedMessage, ...rest }) => ({
      ...rest,
      requestedMessage: typeof requestedMessage === 'string' ? (TRIGGERS[requestedMessage] ?? requestedMessage) : requestedMessage,
      ...evseOf(connectorId),
    }),
  ),
  // Our transaction by its number, as the stop names it: asked about by the charger's own id.
  GetTransactionStatus: command(
    'GetTransactionStatus',
    ({ transactionId }) => typeof transactionId === 'number',
    ({ transactionId, chargerTransactionId }) => ({ transactionId: typeof chargerTransactionId === 'string' ? chargerTransactionId : String(transactionId) }),
  ),
};

const ALL_CALLS: { readonly [action: string]: Translation<keyof CsmsToChargerMessages> } = { ...DOMAIN_CALLS, ...STATION_COMMANDS };

/** The 2.0.1 call standing for a domain call, or undefined when `action` goes as it is (2.0.1's alone). */
export function translationOf(action: string): Translation<keyof CsmsToChargerMessages> | undefined {
  return Object.hasOwn(ALL_CALLS, action) ? ALL_CALLS[action] : undefined;
}
