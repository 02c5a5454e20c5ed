/**
 * The ids callers hand us, one declared limit per kind, checked at every edge (path, query,
 * body, handshake) before an id reaches a DynamoDB key (at most 2 KB) or a log line: a longer
 * one is the caller's 400 naming the field, never a 500. The formats (which characters) stay
 * with the schemas that create the ids (site-settings.ts); these are only the lengths.
 */
import * as z from 'zod';

export const ID_MAX_LENGTH = {
  siteId: 64,
  /** OCPP's ChargeBoxIdentity is at most 48 characters. */
  stationId: 48,
  serialNumber: 32,
  /** A UUID. */
  sessionId: 36,
  /** Our card readings and UI contexts are UUIDs; a little room for Payter's own. */
  readingId: 64,
  contextId: 64,
  /** A base64url HMAC-SHA256 (43 characters). */
  token: 64,
} as const;

export type IdKind = keyof typeof ID_MAX_LENGTH;

export function isIdKind(name: string): name is IdKind {
  return Object.hasOwn(ID_MAX_LENGTH, name);
}

/** A non-empty id of this kind, at most its declared length. */
export function idSchema(kind: IdKind) {
  return z.string().min(1).max(ID_MAX_LENGTH[kind], `at most ${ID_MAX_LENGTH[kind]} characters`);
}

/** Why `value` is not an acceptable id of this kind, or undefined when it is. */
export function idProblem(kind: IdKind, value: string): string | undefined {
  if (value.length === 0) return 'must not be empty';
  return value.length > ID_MAX_LENGTH[kind] ? `at most ${ID_MAX_LENGTH[kind]} characters` : undefined;
}
