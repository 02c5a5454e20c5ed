import { describe, expect, expectTypeOf, it } from 'vitest';
import { OcppError, type OcppErrorCode } from '../../lambdas/ocpp/frames';
import { ocpp16 } from '../../lambdas/ocpp/adapters';
import type { BootNotificationRequest, RemoteStartTransactionResponse } from '../../lambdas/ocpp/v16/schemas';
import { MAX_REPORTED_ISSUES, validateRequest, validateResponse } from '../../lambdas/ocpp/v16/validate';
import { chargerToCsmsExamples } from './v16-examples';
import { captureOcppError } from './capture-ocpp-error';

const meterValue = (sampledValue: unknown[], timestamp: unknown = '2024-05-01T10:00:00Z') => ({ timestamp, sampledValue });
const start = { connectorId: 1, idTag: 'DEADBEEF01', meterStart: 0, timestamp: '2024-05-01T10:00:00Z' };
const stop = { meterStop: 100, timestamp: '2024-05-01T11:00:00Z', transactionId: 42 };
const status = { connectorId: 1, errorCode: 'NoError', status: 'Available' };

type Row = { name: string; action: string; payload: unknown; code: OcppErrorCode; property?: string };
const row = (name: string, action: string, payload: unknown, code: OcppErrorCode, property?: string): Row => ({
  name,
  action,
  payload,
  code,
  ...(property === undefined ? {} : { property }),
});

const invalidCalls: Row[] = [
  // Authorize
  row('Authorize without idTag', 'Authorize', {}, 'OccurenceConstraintViolation', 'idTag'),
  row('Authorize idTag a number', 'Authorize', { idTag: 1234 }, 'TypeConstraintViolation', 'idTag'),
  row('Authorize idTag null', 'Authorize', { idTag: null }, 'TypeConstraintViolation', 'idTag'),
  row('Authorize idTag of 21 chars', 'Authorize', { idTag: 'A'.repeat(21) }, 'PropertyConstraintViolation', 'idTag'),
  row('Authorize extra property', 'Authorize', { idTag: 'A', pin: '1234' }, 'FormationViolation', 'pin'),
  row('Authorize "__proto__" property', 'Authorize', JSON.parse('{"idTag":"A","__proto__":{"x":1}}'), 'FormationViolation', '__proto__'),
  // BootNotification
  row('BootNotification empty', 'BootNotification', {}, 'OccurenceConstraintViolation', 'chargePointVendor'),
  row('BootNotification without model', 'BootNotification', { chargePointVendor: 'V' }, 'OccurenceConstraintViolation', 'chargePointModel'),
  row('BootNotification vendor of 21 chars', 'BootNotification', { chargePointVendor: 'V'.repeat(21), chargePointModel: 'M' }, 'PropertyConstraintViolation', 'chargePointVendor'),
  row('BootNotification firmwareVersion of 51 chars', 'BootNotification', { chargePointVendor: 'V', chargePointModel: 'M', firmwareVersion: '1'.repeat(51) }, 'PropertyConstraintViolation', 'firmwareVersion'),
  row('BootNotification iccid a number', 'BootNotification', { chargePointVendor: 'V', chargePointModel: 'M', iccid: 8931041 }, 'TypeConstraintViolation', 'iccid'),
  row('BootNotification 2.0.1-style nesting', 'BootNotification', { reason: 'PowerUp', chargingStation: { model: 'M', vendorName: 'V' } }, 'FormationViolation', 'reason'),
  // Heartbeat
  row('Heartbeat with a property', 'Heartbeat', { ping: true }, 'FormationViolation', 'ping'),
  // StatusNotification
  row('StatusNotification status in lower case', 'StatusNotification', { ...status, status: 'available' }, 'PropertyConstraintViolation', 'status'),
  row('StatusNotification unknown errorCode', 'StatusNotification', { ...status, errorCode: 'Broken' }, 'PropertyConstraintViolation', 'errorCode'),
  row('StatusNotification status a number', 'StatusNotification', { ...status, status: 1 }, 'TypeConstraintViolation', 'status'),
  row('StatusNotification status null', 'StatusNotification', { ...status, status: null }, 'TypeConstraintViolation', 'status'),
  row('StatusNotification connectorId "1"', 'StatusNotification', { ...status, connectorId: '1' }, 'TypeConstraintViolation', 'connectorId'),
  row('StatusNotification connectorId -1', 'StatusNotification', { ...status, connectorId: -1 }, 'PropertyConstraintViolation', 'connectorId'),
  row('StatusNotification timestamp without offset', 'StatusNotification', { ...status, timestamp: '2024-05-01T10:00:00' }, 'PropertyConstraintViolation', 'timestamp'),
  row('StatusNotification timestamp with a space', 'StatusNotification', { ...status, timestamp: '2024-05-01 10:00:00Z' }, 'PropertyConstraintViolation', 'timestamp'),
  row('StatusNotification info of 51 chars', 'StatusNotification', { ...status, info: 'i'.repeat(51) }, 'PropertyConstraintViolation', 'info'),
  row('StatusNotification vendorId of 256 chars', 'StatusNotification', { ...status, vendorId: 'v'.repeat(256) }, 'PropertyConstraintViolation', 'vendorId'),
  // StartTransaction
  row('StartTransaction connectorId 0', 'StartTransaction', { ...start, connectorId: 0 }, 'PropertyConstraintViolation', 'connectorId'),
  row('StartTransaction connectorId 1.5', 'StartTransaction', { ...start, connectorId: 1.5 }, 'TypeConstraintViolation', 'connectorId'),
  row('StartTransaction meterStart "0"', 'StartTransaction', { ...start, meterStart: '0' }, 'TypeConstraintViolation', 'meterStart'),
  row('StartTransaction meterStart 12.5', 'StartTransaction', { ...start, meterStart: 12.5 }, 'TypeConstraintViolation', 'meterStart'),
  row('StartTransaction meterStart beyond a safe integer', 'StartTransaction', { ...start, meterStart: 2 ** 60 }, 'PropertyConstraintViolation', 'meterStart'),
  row('StartTransaction 30 February', 'StartTransaction', { ...start, timestamp: '2024-02-30T10:00:00Z' }, 'PropertyConstraintViolation', 'timestamp'),
  row('StartTransaction hour 24', 'StartTransaction', { ...start, timestamp: '2024-05-01T24:00:00Z' }, 'PropertyConstraintViolation', 'timestamp'),
  row('StartTransaction timestamp in epoch seconds', 'StartTransaction', { ...start, timestamp: 1714557600 }, 'TypeConstraintViolation', 'timestamp'),
  row('StartTransaction timestamp "yesterday"', 'StartTransaction', { ...start, timestamp: 'yesterday' }, 'PropertyConstraintViolation', 'timestamp'),
  row('StartTransaction without timestamp', 'StartTransaction', { connectorId: 1, idTag: 'A', meterStart: 0 }, 'OccurenceConstraintViolation', 'timestamp'),
  row('StartTransaction reservationId "3"', 'StartTransaction', { ...start, reservationId: '3' }, 'TypeConstraintViolation', 'reservationId'),
  // StopTransaction
  row('StopTransaction without transactionId', 'StopTransaction', { meterStop: 1, timestamp: '2024-05-01T11:00:00Z' }, 'OccurenceConstraintViolation', 'transactionId'),
  row('StopTransaction transactionId "42"', 'StopTransaction', { ...stop, transactionId: '42' }, 'TypeConstraintViolation', 'transactionId'),
  row('StopTransaction unknown reason', 'StopTransaction', { ...stop, reason: 'Stopped' }, 'PropertyConstraintViolation', 'reason'),
  row('StopTransaction meterStop negative decimal', 'StopTransaction', { ...stop, meterStop: -0.5 }, 'TypeConstraintViolation', 'meterStop'),
  row('StopTransaction numeric sampled value', 'StopTransaction', { ...stop, transactionData: [meterValue([{ value: 100 }])] }, 'TypeConstraintViolation', 'transactionData[0].sampledValue[0].value'),
  row('StopTransaction transactionData an object', 'StopTransaction', { ...stop, transactionData: meterValue([{ value: '1' }]) }, 'TypeConstraintViolation', 'transactionData'),
  // MeterValues
  row('MeterValues without connectorId', 'MeterValues', { meterValue: [meterValue([{ value: '1' }])] }, 'OccurenceConstraintViolation', 'connectorId'),
  row('MeterValues empty meterValue', 'MeterValues', { connectorId: 1, meterValue: [] }, 'OccurenceConstraintViolation', 'meterValue'),
  row('MeterValues empty sampledValue', 'MeterValues', { connectorId: 1, meterValue: [meterValue([])] }, 'OccurenceConstraintViolation', 'meterValue[0].sampledValue'),
  row('MeterValues meterValue without timestamp', 'MeterValues', { connectorId: 1, meterValue: [{ sampledValue: [{ value: '1' }] }] }, 'OccurenceConstraintViolation', 'meterValue[0].timestamp'),
  row('MeterValues sampledValue without value', 'MeterValues', { connectorId: 1, meterValue: [meterValue([{ unit: 'Wh' }])] }, 'OccurenceConstraintViolation', 'meterValue[0].sampledValue[0].value'),
  row('MeterValues unknown measurand in the second sample', 'MeterValues', { connectorId: 1, meterValue: [meterValue([{ value: '1' }, { value: '2', measurand: 'Energy' }])] }, 'PropertyConstraintViolation', 'meterValue[0].sampledValue[1].measurand'),
  row('MeterValues unit "kwh"', 'MeterValues', { connectorId: 1, meterValue: [meterValue([{ value: '1', unit: 'kwh' }])] }, 'PropertyConstraintViolation', 'meterValue[0].sampledValue[0].unit'),
  row('MeterValues unknown phase', 'MeterValues', { connectorId: 1, meterValue: [meterValue([{ value: '1', phase: 'L4' }])] }, 'PropertyConstraintViolation', 'meterValue[0].sampledValue[0].phase'),
  row('MeterValues extra sampledValue property', 'MeterValues', { connectorId: 1, meterValue: [meterValue([{ value: '1', signedMeterValue: 'x' }])] }, 'FormationViolation', 'meterValue[0].sampledValue[0].signedMeterValue'),
  row('MeterValues bad timestamp in the second meterValue', 'MeterValues', { connectorId: 1, meterValue: [meterValue([{ value: '1' }]), meterValue([{ value: '2' }], '2024-05-01T10:00')] }, 'PropertyConstraintViolation', 'meterValue[1].timestamp'),
  row('MeterValues meterValue an object', 'MeterValues', { connectorId: 1, meterValue: meterValue([{ value: '1' }]) }, 'TypeConstraintViolation', 'meterValue'),
  row('MeterValues meterValue item a string', 'MeterValues', { connectorId: 1, meterValue: ['1234'] }, 'TypeConstraintViolation', 'meterValue[0]'),
  row('MeterValues transactionId 4.2', 'MeterValues', { connectorId: 1, transactionId: 4.2, meterValue: [meterValue([{ value: '1' }])] }, 'TypeConstraintViolation', 'transactionId'),
  // DataTransfer, notifications
  row('DataTransfer vendorId of 256 chars', 'DataTransfer', { vendorId: 'v'.repeat(256) }, 'PropertyConstraintViolation', 'vendorId'),
  row('DataTransfer messageId of 51 chars', 'DataTransfer', { vendorId: 'v', messageId: 'm'.repeat(51) }, 'PropertyConstraintViolation', 'messageId'),
  row('DataTransfer data as an object', 'DataTransfer', { vendorId: 'v', data: { price: 1 } }, 'TypeConstraintViolation', 'data'),
  row('DiagnosticsStatusNotification unknown status', 'DiagnosticsStatusNotification', { status: 'Done' }, 'PropertyConstraintViolation', 'status'),
  row('FirmwareStatusNotification without status', 'FirmwareStatusNotification', {}, 'OccurenceConstraintViolation', 'status'),
  // Precedence when several properties are wrong: Formation > Occurence > Type > Property.
  row('extra and missing properties', 'StatusNotification', { connectorId: 1, status: 'Available', colour: 'red' }, 'FormationViolation', 'colour'),
  row('missing, wrong type and bad enum', 'StatusNotification', { connectorId: '1', status: 'Nope' }, 'OccurenceConstraintViolation', 'errorCode'),
  row('wrong type and too long', 'StartTransaction', { ...start, idTag: 'A'.repeat(30), meterStart: '1' }, 'TypeConstraintViolation', 'meterStart'),
  // The action
  row('unknown action', 'FooBar', {}, 'NotImplemented'),
  row('an OCPP 2.0.1 action', 'TransactionEvent', {}, 'NotImplemented'),
  row('an action in the wrong case', 'heartbeat', {}, 'NotImplemented'),
  row('empty action', '', {}, 'NotImplemented'),
  row('an Object.prototype name', 'toString', {}, 'NotImplemented'),
  row('"__proto__" as action', '__proto__', {}, 'NotImplemented'),
  row('a CSMS-to-charger action sent by the charger', 'RemoteStartTransaction', { idTag: 'A' }, 'NotSupported'),
  row('an OCPP 1.6 action this CSMS does not handle', 'SecurityEventNotification', { type: 'x', timestamp: '2024-05-01T10:00:00Z' }, 'NotSupported'),
  row('an unknown action with an invalid payload still answers the action', 'FooBar', { x: 1 }, 'NotImplemented'),
];

describe('a charger CALL that breaks the OCPP 1.6 schema', () => {
  it.each(invalidCalls)('$name -> $code $property', ({ action, payload, code, property }) => {
    const messageId = 'msg-' + action.length;
    const message = ocpp16.decode(JSON.stringify([2, messageId, action, payload]));

    expect(message.kind).toBe('rejected');
    if (message.kind !== 'rejected') return;
    expect(message.error.code).toBe(code);
    expect(message.reply).toBeDefined();
    const reply = JSON.parse(message.reply ?? 'null') as unknown[];
    expect(reply.slice(0, 3)).toEqual([4, messageId, code]);
    expect(typeof reply[3]).toBe('string');
    if (property !== undefined) {
      const details = reply[4] as { issues: { property: string; code: string }[] };
      expect(details.issues).toContainEqual(expect.objectContaining({ property, code }));
      expect(reply[3]).toContain(property);
    }
  });

  it('checks at least 60 malformed payloads and actions', () => {
    expect(invalidCalls.length).toBeGreaterThanOrEqual(60);
  });

  it('reports every offending property, each with its own code, capped', () => {
    const error = captureOcppError(() =>
      validateRequest('BootNotification', {
        chargePointVendor: 7,
        chargePointSerialNumber: 'S'.repeat(26),
        extra: 1,
      }),
    );
    expect(error.code).toBe('FormationViolation');
    expect(error.details).toEqual({
      pdu: 'BootNotification.req',
      issues: expect.arrayContaining([
        expect.objectContaining({ property: 'chargePointVendor', code: 'TypeConstraintViolation' }),
        expect.objectContaining({ property: 'chargePointModel', code: 'OccurenceConstraintViolation' }),
        expect.objectContaining({ property: 'chargePointSerialNumber', code: 'PropertyConstraintViolation' }),
        expect.objectContaining({ property: 'extra', code: 'FormationViolation' }),
      ]),
    });

    const many = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`extra${i}`, i]));
    const capped = captureOcppError(() => validateRequest('Heartbeat', many));
    expect((capped.details as { issues: unknown[] }).issues).toHaveLength(MAX_REPORTED_ISSUES);
  });

  it('answers a payload that is not an object with FormationViolation', () => {
    expect(captureOcppError(() => validateRequest('Heartbeat', [])).code).toBe('FormationViolation');
    expect(captureOcppError(() => validateRequest('Heartbeat', null)).code).toBe('FormationViolation');
  });
});

describe('validateRequest / validateResponse', () => {
  it('returns the typed payload unchanged for a valid request', () => {
    const payload = { chargePointVendor: 'VendorX', chargePointModel: 'SingleSocketCharger' };
    const valid = validateRequest('BootNotification', payload);
    expectTypeOf(valid).toEqualTypeOf<BootNotificationRequest>();
    expect(valid).toEqual(payload);
  });

  it('never coerces', () => {
    expect(captureOcppError(() => validateRequest('RemoteStopTransaction', { transactionId: '5' }, 'csmsToCharger')).code).toBe(
      'TypeConstraintViolation',
    );
    expect(captureOcppError(() => validateResponse('GetConfiguration', { configurationKey: [{ key: 'K', readonly: 'false' }] })).code).toBe(
      'TypeConstraintViolation',
    );
  });

  it('validates a charger response to a CSMS call by default, and either direction on request', () => {
    const response = validateResponse('RemoteStartTransaction', { status: 'Accepted' });
    expectTypeOf(response).toEqualTypeOf<RemoteStartTransactionResponse>();
    expect(captureOcppError(() => validateResponse('RemoteStartTransaction', { status: 'Maybe' })).code).toBe(
      'PropertyConstraintViolation',
    );
    expect(validateResponse('BootNotification', { status: 'Accepted', currentTime: '2024-05-01T10:00:00Z', interval: 300 }, 'chargerToCsms')).toEqual(
      { status: 'Accepted', currentTime: '2024-05-01T10:00:00Z', interval: 300 },
    );
    expect(captureOcppError(() => validateResponse('BootNotification', {})).code).toBe('NotSupported');
    expect(validateRequest('Reset', { type: 'Soft' }, 'csmsToCharger')).toEqual({ type: 'Soft' });
    expect(captureOcppError(() => validateRequest('Reset', { type: 'Soft' })).code).toBe('NotSupported');
  });

  it('accepts every example of every charger-initiated action', () => {
    for (const [action, { request, response }] of Object.entries(chargerToCsmsExamples)) {
      for (const example of request) expect(validateRequest(action, example.payload), `${action} ${example.name}`).toEqual(example.payload);
      for (const example of response) {
        expect(validateResponse(action, example.payload, 'chargerToCsms'), `${action} ${example.name}`).toEqual(example.payload);
      }
    }
  });
});

describe('the CALLERROR a charger gets, in full', () => {
  const issue = (property: string, code: OcppErrorCode, message: string) => ({ property, code, message });

  it.each<[string, string, unknown, unknown[]]>([
    ['a missing idTag', 'Authorize', {}, ['OccurenceConstraintViolation', 'Authorize.req idTag: required property missing', { pdu: 'Authorize.req', issues: [issue('idTag', 'OccurenceConstraintViolation', 'required property missing')] }]],
    ['a numeric idTag', 'Authorize', { idTag: 1234 }, ['TypeConstraintViolation', 'Authorize.req idTag: expected string', { pdu: 'Authorize.req', issues: [issue('idTag', 'TypeConstraintViolation', 'expected string')] }]],
    ['a property of its own', 'Heartbeat', { ping: true }, ['FormationViolation', 'Heartbeat.req ping: property not defined by the schema', { pdu: 'Heartbeat.req', issues: [issue('ping', 'FormationViolation', 'property not defined by the schema')] }]],
    ['a CSMS action', 'RemoteStartTransaction', { idTag: 'A' }, ['NotSupported', 'RemoteStartTransaction from a charge point is not supported', { action: 'RemoteStartTransaction' }]],
    ['an OCPP 1.6 action this CSMS does not handle', 'SignCertificate', { csr: 'x' }, ['NotSupported', 'SignCertificate from a charge point is not supported', { action: 'SignCertificate' }]],
    ['an unknown action', 'FooBar', {}, ['NotImplemented', 'Unknown action: FooBar', { action: 'FooBar' }]],
  ])('%s', (_case, action, payload, error) => {
    const message = ocpp16.decode(JSON.stringify([2, 'm-42', action, payload]));
    expect(message.kind === 'rejected' && JSON.parse(message.reply!)).toEqual([4, 'm-42', ...error]);
  });
});

describe('our own calls and answers, checked before they go out', () => {
  it.each<[string, () => unknown, OcppErrorCode, string, unknown]>([
    [
      'a charger action sent by the CSMS',
      () => validateRequest('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' }, 'csmsToCharger'),
      'NotSupported',
      'BootNotification from the central system is not supported',
      { action: 'BootNotification' },
    ],
    ['an answer to a charger action from the central system', () => validateResponse('Heartbeat', { currentTime: '2024-05-01T10:00:00Z' }), 'NotSupported', 'Heartbeat from the central system is not supported', { action: 'Heartbeat' }],
    [
      'a charger answer with an unknown status',
      () => validateResponse('RemoteStartTransaction', { status: 'Maybe' }),
      'PropertyConstraintViolation',
      'RemoteStartTransaction.conf status: Invalid option: expected one of "Accepted"|"Rejected"',
      { pdu: 'RemoteStartTransaction.conf', issues: [expect.objectContaining({ property: 'status', code: 'PropertyConstraintViolation' })] },
    ],
    [
      'a payload that is no object',
      () => validateRequest('Reset', 'Soft', 'csmsToCharger'),
      'FormationViolation',
      'Reset.req payload must be a JSON object',
      { pdu: 'Reset.req', issues: [{ property: '', code: 'FormationViolation', message: 'payload must be a JSON object' }] },
    ],
    // JSON would drop a property set to undefined: it is missing, not of the wrong type.
    ['a required property set to undefined', () => validateRequest('Reset', { type: undefined }, 'csmsToCharger'), 'OccurenceConstraintViolation', 'Reset.req type: required property missing', expect.anything()],
    [
      'a charging limit that is no multiple of 0.1',
      () =>
        validateRequest(
          'RemoteStartTransaction',
          {
            idTag: 'A',
            chargingProfile: {
              chargingProfileId: 1,
              stackLevel: 0,
              chargingProfilePurpose: 'TxProfile',
              chargingProfileKind: 'Relative',
              chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16.05 }] },
            },
          },
          'csmsToCharger',
        ),
      'PropertyConstraintViolation',
      'RemoteStartTransaction.req chargingProfile.chargingSchedule.chargingSchedulePeriod[0].limit: Invalid number: must be a multiple of 0.1',
      expect.anything(),
    ],
  ])('%s', (_case, run, code, message, details) => {
    const error = captureOcppError(run);
    expect([error.code, error.message, error.details]).toEqual([code, message, details]);
  });
});
