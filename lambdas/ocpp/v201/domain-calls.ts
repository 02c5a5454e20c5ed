/**
 * The CSMS's version-neutral remote start and stop (queued by lambdas/csms/csms-calls.ts under
 * the names and payloads 1.6 sends as they are) in OCPP 2.0.1's words, and the charger's
 * answers back in the domain's: `{ status: 'Accepted' | 'Rejected' }`.
 */
import { createHash } from 'node:crypto';
import { OcppError } from '../frames';
import type { CsmsToChargerMessages } from './schemas';

type Translation<A extends keyof CsmsToChargerMessages> = {
  readonly action: A;
  request(payload: Readonly<Record<string, unknown>>): CsmsToChargerMessages[A]['request'];
  response(answer: CsmsToChargerMessages[A]['response']): { status: 'Accepted' | 'Rejected' };
};

/**
 * The remoteStartId of a remote start with this id tag: the same number every time (a re-sent
 * start, the TransactionEvent that answers it), a non-negative 31-bit integer.
 */
export function remoteStartIdOf(idTag: string): number {
  return createHash('sha256').update(idTag).digest().readUInt32BE(0) >>> 1;
}

const statusOnly = ({ status }: { status: 'Accepted' | 'Rejected' }) => ({ status });

/** A payload the domain built wrong (not one the 2.0.1 schema would refuse): refused before sending. */
function field<T>(payload: Readonly<Record<string, unknown>>, name: string, type: 'string' | 'number'): T {
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

/** The 2.0.1 call standing for a domain call, or undefined when `action` is a 2.0.1 action itself. */
export function translationOf(action: string): Translation<keyof CsmsToChargerMessages> | undefined {
  return Object.hasOwn(DOMAIN_CALLS, action) ? DOMAIN_CALLS[action] : undefined;
}
