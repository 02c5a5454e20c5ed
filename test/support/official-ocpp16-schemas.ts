/**
 * The official OCPP 1.6 JSON schemas (as ocpp-rpc bundles them) and a validator for them
 * (ocpp-rpc's validator module alone: ajv, type coercion off), for the tests that hold our
 * payloads and the CSMS's frames against the specification rather than against our own schemas.
 */
import { createRequire } from 'node:module';

export type JsonSchema = {
  $id?: string;
  type?: string;
  enum?: unknown[];
  maxLength?: number;
  format?: string;
  multipleOf?: number;
  required?: string[];
  additionalProperties?: boolean;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
};

const require = createRequire(import.meta.url);
// The validator module alone, not ocpp-rpc's client and server.
const { createValidator } = require('ocpp-rpc/lib/validator') as typeof import('ocpp-rpc');
export const officialSchemas = require('ocpp-rpc/lib/schemas/ocpp1_6.json') as JsonSchema[];
const official = createValidator('ocpp1.6', officialSchemas);

/** `id` as `Action.req` or `Action.conf`. */
export function officialSchema(id: string): JsonSchema {
  const schema = officialSchemas.find((candidate) => candidate.$id === `urn:${id}`);
  if (!schema) throw new Error(`no official schema ${id}`);
  return schema;
}

/** Why the official schema `id` refuses `payload`, or undefined when it accepts it. */
export function officialViolation(id: string, payload: unknown): string | undefined {
  officialSchema(id);
  try {
    return official.validate(`urn:${id}`, payload) === true ? undefined : 'invalid';
  } catch (error) {
    return (error as Error).message || 'invalid';
  }
}

export const officialAccepts = (id: string, payload: unknown): boolean => officialViolation(id, payload) === undefined;
