/**
 * Our zod schemas against the official OCPP 1.6 JSON schemas that ocpp-rpc bundles, checked
 * with ocpp-rpc's own validator (ajv, type coercion off: test/support/official-ocpp16-schemas.ts).
 */
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { OcppError } from '../../lambdas/ocpp/frames';
import { v16, type MessageSchemas } from '../../lambdas/ocpp/v16/schemas';
import { validateRequest, validateResponse, type CallDirection } from '../../lambdas/ocpp/v16/validate';
import { chargerToCsmsExamples, chargingProfile, csmsToChargerExamples } from './v16-examples';
import { officialAccepts, officialSchema, type JsonSchema } from '../support/official-ocpp16-schemas';

function oursAccepts(id: string, payload: unknown): boolean {
  const [action = '', kind] = id.split('.');
  const direction: CallDirection = action in v16.chargerToCsms ? 'chargerToCsms' : 'csmsToCharger';
  try {
    if (kind === 'req') validateRequest(action, payload, direction);
    else validateResponse(action, payload, direction);
    return true;
  } catch (error) {
    if (error instanceof OcppError) return false;
    throw error;
  }
}

const registered = (Object.keys(v16) as CallDirection[]).flatMap((direction) =>
  Object.entries(v16[direction] as Record<string, MessageSchemas>).flatMap(([action, schemas]) => [
    { id: `${action}.req`, direction, schema: schemas.request },
    { id: `${action}.conf`, direction, schema: schemas.response },
  ]),
);

/**
 * The official constraints our JSON Schema rendering must repeat exactly: type, enum,
 * maxLength, format, multipleOf, required, property names, additionalProperties and items.
 * Constraints we add from the specification text (minimum, minItems) are not compared.
 */
function officialShape(schema: JsonSchema | undefined): unknown {
  if (!schema) return undefined;
  return {
    type: schema.type,
    enum: schema.enum,
    maxLength: schema.maxLength,
    format: schema.format,
    multipleOf: schema.multipleOf,
    required: schema.required ? [...schema.required].sort() : schema.type === 'object' ? [] : undefined,
    additionalProperties: schema.additionalProperties,
    properties: schema.properties
      ? Object.fromEntries(Object.entries(schema.properties).map(([name, property]) => [name, officialShape(property)]))
      : schema.type === 'object'
        ? {}
        : undefined,
    items: officialShape(schema.items),
  };
}

describe('the zod schemas mirror the official OCPP 1.6 JSON schemas', () => {
  it('cover every action the brief names, in both directions', () => {
    expect(Object.keys(v16.chargerToCsms).sort()).toEqual([
      'Authorize',
      'BootNotification',
      'DataTransfer',
      'DiagnosticsStatusNotification',
      'FirmwareStatusNotification',
      'Heartbeat',
      'MeterValues',
      'StartTransaction',
      'StatusNotification',
      'StopTransaction',
    ]);
    expect(Object.keys(v16.csmsToCharger).sort()).toEqual([
      'ChangeAvailability',
      'ChangeConfiguration',
      'DataTransfer',
      'GetConfiguration',
      'RemoteStartTransaction',
      'RemoteStopTransaction',
      'Reset',
      'TriggerMessage',
      'UnlockConnector',
    ]);
  });

  it.each(registered)('$id ($direction): same properties, types, enums, lengths and formats', ({ id, schema }) => {
    const ours = z.toJSONSchema(schema, { target: 'draft-7' }) as JsonSchema;
    expect(officialShape(ours)).toEqual(officialShape(officialSchema(id)));
  });
});

const examples = [
  ...Object.entries(chargerToCsmsExamples).flatMap(([action, { request, response }]) => [
    ...request.map((example) => ({ id: `${action}.req`, ...example })),
    ...response.map((example) => ({ id: `${action}.conf`, ...example })),
  ]),
  ...Object.entries(csmsToChargerExamples).flatMap(([action, { request, response }]) => [
    ...request.map((example) => ({ id: `${action}.req`, ...example })),
    ...response.map((example) => ({ id: `${action}.conf`, ...example })),
  ]),
];

describe('valid payloads', () => {
  it('there is at least one example of every request and response', () => {
    const covered = new Set(examples.map((example) => example.id));
    for (const { id } of registered) expect(covered, id).toContain(id);
  });

  it.each(examples)('$id $name: accepted by ours and by the official schema', ({ id, payload }) => {
    expect(oursAccepts(id, payload)).toBe(true);
    expect(officialAccepts(id, payload)).toBe(true);
  });

  it.each(Object.entries(v16.csmsToCharger))(
    '%s: what our schema outputs for a CSMS call is valid for the official schema',
    (action, schemas) => {
      for (const example of csmsToChargerExamples[action as keyof typeof csmsToChargerExamples].request) {
        const produced = (schemas as MessageSchemas).request.parse(example.payload);
        expect(officialAccepts(`${action}.req`, produced), example.name).toBe(true);
      }
    },
  );
});

const profile = (change: Record<string, unknown>) => ({ idTag: 'A', chargingProfile: { ...chargingProfile, ...change } });
const schedule = (change: Record<string, unknown>) => profile({ chargingSchedule: { ...chargingProfile.chargingSchedule, ...change } });
const meterValues = (sampledValue: unknown) => ({
  connectorId: 1,
  meterValue: [{ timestamp: '2024-05-01T10:00:00Z', sampledValue: [sampledValue] }],
});

const officiallyInvalid: { id: string; name: string; payload: unknown }[] = [
  // OCPP 1.6J section 4.2.2's CALLRESULT example uses 1.5's "heartbeatInterval" for "interval".
  { id: 'BootNotification.conf', name: 'OCPP-J 4.2.2 example', payload: { status: 'Accepted', currentTime: '2013-02-01T20:53:32.486Z', heartbeatInterval: 300 } },
  { id: 'BootNotification.conf', name: 'interval "300"', payload: { status: 'Accepted', currentTime: '2024-05-01T10:00:00Z', interval: '300' } },
  { id: 'BootNotification.req', name: 'model missing', payload: { chargePointVendor: 'V' } },
  { id: 'Authorize.req', name: 'idTag 21 chars', payload: { idTag: 'x'.repeat(21) } },
  { id: 'Authorize.conf', name: 'status "OK"', payload: { idTagInfo: { status: 'OK' } } },
  { id: 'Authorize.conf', name: 'idTagInfo extra property', payload: { idTagInfo: { status: 'Accepted', reason: 'x' } } },
  { id: 'Heartbeat.req', name: 'extra property', payload: { now: true } },
  { id: 'Heartbeat.conf', name: '30 February', payload: { currentTime: '2024-02-30T10:00:00Z' } },
  { id: 'StartTransaction.req', name: 'connectorId 1.5', payload: { connectorId: 1.5, idTag: 'A', meterStart: 0, timestamp: '2024-05-01T10:00:00Z' } },
  { id: 'StartTransaction.conf', name: 'transactionId missing', payload: { idTagInfo: { status: 'Accepted' } } },
  { id: 'StopTransaction.req', name: 'meterStop "1"', payload: { meterStop: '1', timestamp: '2024-05-01T10:00:00Z', transactionId: 1 } },
  { id: 'StatusNotification.req', name: 'status "Occupied" (1.5)', payload: { connectorId: 1, errorCode: 'NoError', status: 'Occupied' } },
  { id: 'MeterValues.req', name: 'numeric sampled value', payload: meterValues({ value: 42 }) },
  { id: 'MeterValues.req', name: 'unit "kwh"', payload: meterValues({ value: '1', unit: 'kwh' }) },
  { id: 'MeterValues.req', name: 'sampledValue without value', payload: meterValues({ unit: 'Wh' }) },
  { id: 'DataTransfer.req', name: 'vendorId 256 chars', payload: { vendorId: 'v'.repeat(256) } },
  { id: 'DataTransfer.conf', name: 'status "Ok"', payload: { status: 'Ok' } },
  { id: 'RemoteStartTransaction.req', name: 'idTag missing', payload: { connectorId: 1 } },
  { id: 'RemoteStartTransaction.req', name: 'connectorId "1"', payload: { connectorId: '1', idTag: 'A' } },
  { id: 'RemoteStartTransaction.req', name: 'profile purpose unknown', payload: profile({ chargingProfilePurpose: 'TxDefault' }) },
  { id: 'RemoteStartTransaction.req', name: 'profile without stackLevel', payload: profile({ stackLevel: undefined }) },
  { id: 'RemoteStartTransaction.req', name: 'limit 16.15 (multipleOf 0.1)', payload: schedule({ chargingSchedulePeriod: [{ startPeriod: 0, limit: 16.15 }] }) },
  { id: 'RemoteStartTransaction.req', name: 'limit "16"', payload: schedule({ chargingSchedulePeriod: [{ startPeriod: 0, limit: '16' }] }) },
  { id: 'RemoteStartTransaction.req', name: 'chargingRateUnit "kW"', payload: schedule({ chargingRateUnit: 'kW' }) },
  { id: 'RemoteStartTransaction.req', name: 'startSchedule not a date', payload: schedule({ startSchedule: 'now' }) },
  { id: 'RemoteStartTransaction.conf', name: 'status "Accept"', payload: { status: 'Accept' } },
  { id: 'RemoteStopTransaction.req', name: 'transactionId "42"', payload: { transactionId: '42' } },
  { id: 'ChangeAvailability.req', name: 'type "Available"', payload: { connectorId: 0, type: 'Available' } },
  { id: 'ChangeAvailability.conf', name: 'status missing', payload: {} },
  { id: 'Reset.req', name: 'type "hard"', payload: { type: 'hard' } },
  { id: 'UnlockConnector.req', name: 'connectorId null', payload: { connectorId: null } },
  { id: 'UnlockConnector.conf', name: 'status "Failed"', payload: { status: 'Failed' } },
  { id: 'TriggerMessage.req', name: 'StartTransaction cannot be triggered', payload: { requestedMessage: 'StartTransaction' } },
  { id: 'TriggerMessage.req', name: 'connectorId 2.0001', payload: { requestedMessage: 'Heartbeat', connectorId: 2.0001 } },
  { id: 'GetConfiguration.req', name: 'key a string, not an array', payload: { key: 'HeartbeatInterval' } },
  { id: 'GetConfiguration.req', name: 'key of 51 chars', payload: { key: ['k'.repeat(51)] } },
  { id: 'GetConfiguration.conf', name: 'readonly "false"', payload: { configurationKey: [{ key: 'K', readonly: 'false' }] } },
  { id: 'GetConfiguration.conf', name: 'value of 501 chars', payload: { configurationKey: [{ key: 'K', readonly: false, value: 'v'.repeat(501) }] } },
  { id: 'ChangeConfiguration.req', name: 'value a number', payload: { key: 'HeartbeatInterval', value: 300 } },
  { id: 'ChangeConfiguration.conf', name: 'status "Ok"', payload: { status: 'Ok' } },
];

describe('payloads the official schema rejects', () => {
  it('has a table of at least 20 cross-checks', () => {
    expect(officiallyInvalid.length).toBeGreaterThanOrEqual(20);
  });

  it.each(officiallyInvalid)('$id $name: rejected by the official schema and by ours', ({ id, payload }) => {
    expect(officialAccepts(id, payload)).toBe(false);
    expect(oursAccepts(id, payload)).toBe(false);
  });
});

/** Where we are deliberately stricter than the official schema: see schemas.ts. */
const stricterThanOfficial: { id: string; name: string; payload: unknown }[] = [
  { id: 'Heartbeat.conf', name: 'date-time without offset (RFC 3339 requires one)', payload: { currentTime: '2024-05-01T10:00:00' } },
  { id: 'Heartbeat.conf', name: 'date-time with a space', payload: { currentTime: '2024-05-01 10:00:00Z' } },
  { id: 'StatusNotification.req', name: 'connectorId -1 (spec: >= 0)', payload: { connectorId: -1, errorCode: 'NoError', status: 'Available' } },
  { id: 'StartTransaction.req', name: 'connectorId 0 (spec: > 0)', payload: { connectorId: 0, idTag: 'A', meterStart: 0, timestamp: '2024-05-01T10:00:00Z' } },
  { id: 'MeterValues.req', name: 'no meterValue (spec: 1..*)', payload: { connectorId: 1, meterValue: [] } },
  { id: 'RemoteStartTransaction.req', name: 'stackLevel -1 (spec: >= 0)', payload: profile({ stackLevel: -1 }) },
];

describe('payloads only we reject', () => {
  it.each(stricterThanOfficial)('$id $name', ({ id, payload }) => {
    expect(officialAccepts(id, payload)).toBe(true);
    expect(oursAccepts(id, payload)).toBe(false);
  });
});
