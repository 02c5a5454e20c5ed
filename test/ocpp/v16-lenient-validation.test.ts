/**
 * OCPP 1.6 frames read leniently, as for a station that is not strict: a property the schema
 * does not define is dropped and named, a date-time without an offset is read in the site's
 * zone; everything else is refused with the CALLERROR a strict station gets.
 */
import { describe, expect, it } from 'vitest';
import type { OcppErrorCode } from '../../lambdas/ocpp/frames';
import { validateRequestLeniently, validateResponseLeniently } from '../../lambdas/ocpp/v16/validate';
import { captureOcppError } from './capture-ocpp-error';

const berlin = { timeZone: 'Europe/Berlin' };
const boot = { chargePointVendor: 'Alfen BV', chargePointModel: 'NG920-61001' };
const start = { connectorId: 1, idTag: 'DEADBEEF01', meterStart: 1200, timestamp: '2024-05-01T10:00:00Z' };
const sample = (fields: Record<string, unknown> = {}) => ({ value: '1234', unit: 'Wh', measurand: 'Energy.Active.Import.Register', ...fields });

describe('a frame read leniently', () => {
  it.each([
    ['a valid BootNotification, untouched', 'BootNotification', boot, boot, [], false],
    ['a vendor telemetry property', 'BootNotification', { ...boot, telemetry: { rssi: -70 } }, boot, ['telemetry'], false],
    [
      'an OCPP 2.0-style signed value in a sample',
      'MeterValues',
      { connectorId: 1, meterValue: [{ timestamp: '2024-05-01T10:00:00Z', sampledValue: [sample(), sample({ signedMeterValue: 'b64...', phase: 'L1' })] }] },
      { connectorId: 1, meterValue: [{ timestamp: '2024-05-01T10:00:00Z', sampledValue: [sample(), sample({ phase: 'L1' })] }] },
      ['meterValue[0].sampledValue[1].signedMeterValue'],
      false,
    ],
    ['a start time of the wall clock (summer time)', 'StartTransaction', { ...start, timestamp: '2024-05-01T10:00:00' }, { ...start, timestamp: '2024-05-01T08:00:00.000Z' }, [], true],
    ['a start time of the wall clock (winter time)', 'StartTransaction', { ...start, timestamp: '2024-12-01T10:00:00.5' }, { ...start, timestamp: '2024-12-01T09:00:00.500Z' }, [], true],
    [
      'a stop with its meter values on the wall clock, and a property of its own',
      'StopTransaction',
      { transactionId: 42, meterStop: 5200, timestamp: '2024-05-01T11:00:00', reason: 'EVDisconnected', socAtStop: 80, transactionData: [{ timestamp: '2024-05-01T10:30:00', sampledValue: [sample()] }] },
      { transactionId: 42, meterStop: 5200, timestamp: '2024-05-01T09:00:00.000Z', reason: 'EVDisconnected', transactionData: [{ timestamp: '2024-05-01T08:30:00.000Z', sampledValue: [sample()] }] },
      ['socAtStop'],
      true,
    ],
    ['several unknown properties on one object', 'Heartbeat', { uptime: 5, build: 'x' }, {}, ['uptime', 'build'], false],
  ])('%s', (_case, action, payload, read, ignored, timestampsWithoutOffset) => {
    const original = structuredClone(payload);
    expect(validateRequestLeniently(action, payload, berlin)).toEqual({ payload: read, ignored, timestampsWithoutOffset });
    // The charger's frame itself is not changed.
    expect(payload).toEqual(original);
  });

  it.each<[string, string, unknown, OcppErrorCode, string]>([
    ['a wrong type', 'StartTransaction', { ...start, meterStart: '1200' }, 'TypeConstraintViolation', 'StartTransaction.req meterStart: expected number'],
    ['a missing property', 'StartTransaction', { connectorId: 1, idTag: 'A', meterStart: 0, extra: 1 }, 'OccurenceConstraintViolation', 'StartTransaction.req timestamp: required property missing'],
    ['a time that is no time', 'StartTransaction', { ...start, timestamp: 'yesterday' }, 'PropertyConstraintViolation', 'StartTransaction.req timestamp: Invalid ISO datetime'],
    ['a wall-clock day that does not exist', 'StartTransaction', { ...start, timestamp: '2024-02-30T10:00:00' }, 'PropertyConstraintViolation', 'StartTransaction.req timestamp: Invalid ISO datetime'],
    // Only date-times are read in the zone: a serial number that looks like a local time stays too long.
    [
      'a serial number of 26 characters that looks like a wall-clock time',
      'BootNotification',
      { ...boot, chargePointSerialNumber: '2024-05-01T10:00:00.000000' },
      'PropertyConstraintViolation',
      'BootNotification.req chargePointSerialNumber: Too big: expected string to have <=25 characters',
    ],
    ['a status in lower case, with an unknown property', 'StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'available', colour: 'red' }, 'PropertyConstraintViolation', 'StatusNotification.req status: Invalid option'],
    ['a payload that is no object', 'Heartbeat', ['ping'], 'FormationViolation', 'Heartbeat.req payload must be a JSON object'],
  ])('still refuses %s', (_case, action, payload, code, message) => {
    const error = captureOcppError(() => validateRequestLeniently(action, payload, berlin));
    expect(error.code).toBe(code);
    expect(error.message.slice(0, message.length)).toBe(message);
    expect(error.details).toMatchObject({ pdu: `${action}.req` });
  });

  it('reads the actions of the direction asked for, by default the charger\'s', () => {
    expect(captureOcppError(() => validateRequestLeniently('RemoteStartTransaction', { idTag: 'A' }, berlin)).message).toBe(
      'RemoteStartTransaction from a charge point is not supported',
    );
    expect(validateRequestLeniently('Reset', { type: 'Soft', delay: 5 }, berlin, 'csmsToCharger')).toEqual({ payload: { type: 'Soft' }, ignored: ['delay'], timestampsWithoutOffset: false });
  });
});

describe("a charger's answer read leniently", () => {
  it('drops what the schema does not define and reads wall-clock times in the zone', () => {
    const answer = { configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300', unit: 's' }], unknownKey: [] };
    expect(validateResponseLeniently('GetConfiguration', answer, berlin)).toEqual({
      payload: { configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }], unknownKey: [] },
      ignored: ['configurationKey[0].unit'],
      timestampsWithoutOffset: false,
    });
    expect(validateResponseLeniently('BootNotification', { status: 'Accepted', currentTime: '2024-05-01T10:00:00', interval: 300 }, berlin, 'chargerToCsms')).toEqual({
      payload: { status: 'Accepted', currentTime: '2024-05-01T08:00:00.000Z', interval: 300 },
      ignored: [],
      timestampsWithoutOffset: true,
    });
  });

  it('refuses the rest, naming the answer (.conf)', () => {
    const error = captureOcppError(() => validateResponseLeniently('RemoteStartTransaction', { status: 'Maybe', extra: 1 }, berlin));
    expect(error.code).toBe('PropertyConstraintViolation');
    expect(error.message).toMatch(/^RemoteStartTransaction\.conf status: Invalid option/);
    expect(error.details).toMatchObject({ pdu: 'RemoteStartTransaction.conf' });
    // By default an answer to a CSMS call: a charger's own action has no answer from it.
    expect(captureOcppError(() => validateResponseLeniently('BootNotification', { status: 'Accepted' }, berlin)).message).toBe(
      'BootNotification from the central system is not supported',
    );
  });
});
