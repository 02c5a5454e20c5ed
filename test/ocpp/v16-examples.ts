/**
 * Valid OCPP 1.6 payloads for every action and direction. The OCPP 1.6J specification's own
 * examples (section 4.2) are marked; the rest follow the field tables of OCPP 1.6 part 2
 * chapter 6 and are checked against the official JSON schema in the tests.
 */
import type { CsmsToChargerAction, ChargerToCsmsAction } from '../../lambdas/ocpp/v16/schemas';

type Example = { name: string; payload: Record<string, unknown> };
type Examples<A extends string> = Record<A, { request: Example[]; response: Example[] }>;

const ex = (name: string, payload: Record<string, unknown>): Example => ({ name, payload });

const sampledValue = {
  value: '1234.5',
  context: 'Sample.Periodic',
  format: 'Raw',
  measurand: 'Energy.Active.Import.Register',
  phase: 'L1-N',
  location: 'Outlet',
  unit: 'kWh',
};

const idTagInfo = { status: 'Accepted', expiryDate: '2030-01-01T00:00:00Z', parentIdTag: 'PARENT-1' };

export const chargingProfile = {
  chargingProfileId: 7,
  transactionId: 42,
  stackLevel: 0,
  chargingProfilePurpose: 'TxProfile',
  chargingProfileKind: 'Absolute',
  validFrom: '2024-05-01T10:00:00+02:00',
  validTo: '2024-05-01T22:00:00+02:00',
  chargingSchedule: {
    duration: 3600,
    startSchedule: '2024-05-01T10:00:00.000Z',
    chargingRateUnit: 'A',
    chargingSchedulePeriod: [
      { startPeriod: 0, limit: 16.1, numberPhases: 3 },
      { startPeriod: 1800, limit: 32 },
    ],
    minChargingRate: 6.5,
  },
};

export const chargerToCsmsExamples: Examples<ChargerToCsmsAction> = {
  Authorize: {
    request: [ex('idTag', { idTag: 'DEADBEEF01' }), ex('20-char idTag', { idTag: 'A'.repeat(20) })],
    response: [
      ex('accepted, all fields', { idTagInfo }),
      ex('blocked', { idTagInfo: { status: 'Blocked' } }),
      ex('concurrent', { idTagInfo: { status: 'ConcurrentTx' } }),
    ],
  },
  BootNotification: {
    request: [
      // OCPP 1.6J section 4.2.1, the specification's CALL example.
      ex('OCPP-J 4.2.1 example', { chargePointVendor: 'VendorX', chargePointModel: 'SingleSocketCharger' }),
      ex('all fields', {
        chargePointVendor: 'Alfen BV',
        chargePointModel: 'NG920-61001',
        chargePointSerialNumber: 'ACE0123456',
        chargeBoxSerialNumber: 'ACE0123456',
        firmwareVersion: '6.1.0-4189',
        iccid: '89310410106543789301',
        imsi: '204043728394856',
        meterType: 'Eastron SDM630',
        meterSerialNumber: '0012345678',
      }),
    ],
    response: [
      ex('accepted', { status: 'Accepted', currentTime: '2013-02-01T20:53:32.486Z', interval: 300 }),
      ex('pending with offset', { status: 'Pending', currentTime: '2024-05-01T10:00:00+02:00', interval: 60 }),
    ],
  },
  DataTransfer: {
    request: [
      ex('vendor only', { vendorId: 'com.example' }),
      ex('all fields', { vendorId: 'com.example', messageId: 'SetPrice', data: '{"price":0.35}' }),
    ],
    response: [ex('accepted with data', { status: 'Accepted', data: 'ok' }), ex('unknown vendor', { status: 'UnknownVendorId' })],
  },
  DiagnosticsStatusNotification: {
    request: [ex('uploaded', { status: 'Uploaded' })],
    response: [ex('empty', {})],
  },
  FirmwareStatusNotification: {
    request: [ex('installed', { status: 'Installed' }), ex('installation failed', { status: 'InstallationFailed' })],
    response: [ex('empty', {})],
  },
  Heartbeat: {
    request: [ex('empty', {})],
    response: [ex('current time', { currentTime: '2024-05-01T10:00:00Z' })],
  },
  MeterValues: {
    request: [
      ex('minimal', { connectorId: 1, meterValue: [{ timestamp: '2024-05-01T10:00:00Z', sampledValue: [{ value: '10' }] }] }),
      ex('connector 0, all sampled fields', {
        connectorId: 0,
        transactionId: 42,
        meterValue: [
          {
            timestamp: '2024-05-01T10:15:00.123+02:00',
            sampledValue: [sampledValue, { value: '16.0', measurand: 'Current.Import', unit: 'A', phase: 'L1' }],
          },
          { timestamp: '2024-05-01T10:16:00Z', sampledValue: [{ value: '48', measurand: 'SoC', unit: 'Percent', location: 'EV' }] },
        ],
      }),
      ex('legacy "Celcius" unit', {
        connectorId: 1,
        meterValue: [{ timestamp: '2024-05-01T10:00:00Z', sampledValue: [{ value: '31', measurand: 'Temperature', unit: 'Celcius' }] }],
      }),
    ],
    response: [ex('empty', {})],
  },
  StartTransaction: {
    request: [
      ex('required fields', { connectorId: 1, idTag: 'DEADBEEF01', meterStart: 0, timestamp: '2024-05-01T10:00:00Z' }),
      ex('with reservation', {
        connectorId: 2,
        idTag: 'DEADBEEF01',
        meterStart: 1234567,
        reservationId: 3,
        timestamp: '2024-05-01T10:00:00-05:00',
      }),
    ],
    response: [ex('accepted', { idTagInfo: { status: 'Accepted' }, transactionId: 42 })],
  },
  StatusNotification: {
    request: [
      ex('required fields', { connectorId: 1, errorCode: 'NoError', status: 'Available' }),
      ex('faulted, all fields', {
        connectorId: 0,
        errorCode: 'GroundFailure',
        info: 'RCD tripped',
        status: 'Faulted',
        timestamp: '2024-05-01T10:00:00Z',
        vendorId: 'com.example',
        vendorErrorCode: 'E42',
      }),
    ],
    response: [ex('empty', {})],
  },
  StopTransaction: {
    request: [
      ex('required fields', { meterStop: 12345, timestamp: '2024-05-01T11:00:00Z', transactionId: 42 }),
      ex('all fields', {
        idTag: 'DEADBEEF01',
        meterStop: 12345,
        timestamp: '2024-05-01T11:00:00Z',
        transactionId: 42,
        reason: 'EVDisconnected',
        transactionData: [
          { timestamp: '2024-05-01T10:00:00Z', sampledValue: [{ value: '0', context: 'Transaction.Begin' }] },
          { timestamp: '2024-05-01T11:00:00Z', sampledValue: [{ value: '12345', context: 'Transaction.End' }] },
        ],
      }),
      ex('empty transactionData', { meterStop: 1, timestamp: '2024-05-01T11:00:00Z', transactionId: 1, transactionData: [] }),
    ],
    response: [ex('empty', {}), ex('with idTagInfo', { idTagInfo: { status: 'Invalid' } })],
  },
};

export const csmsToChargerExamples: Examples<CsmsToChargerAction> = {
  RemoteStartTransaction: {
    request: [
      ex('idTag only', { idTag: 'PAYTER-7F3A' }),
      ex('connector', { connectorId: 1, idTag: 'PAYTER-7F3A' }),
      ex('with charging profile', { connectorId: 1, idTag: 'PAYTER-7F3A', chargingProfile }),
      ex('minimal charging profile', {
        idTag: 'PAYTER-7F3A',
        chargingProfile: {
          chargingProfileId: 1,
          stackLevel: 2,
          chargingProfilePurpose: 'TxProfile',
          chargingProfileKind: 'Relative',
          chargingSchedule: { chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 11000 }] },
        },
      }),
    ],
    response: [ex('accepted', { status: 'Accepted' }), ex('rejected', { status: 'Rejected' })],
  },
  RemoteStopTransaction: {
    request: [ex('transaction', { transactionId: 42 })],
    response: [ex('accepted', { status: 'Accepted' })],
  },
  ChangeAvailability: {
    request: [ex('whole station', { connectorId: 0, type: 'Inoperative' }), ex('connector', { connectorId: 2, type: 'Operative' })],
    response: [ex('scheduled', { status: 'Scheduled' })],
  },
  Reset: {
    request: [ex('soft', { type: 'Soft' }), ex('hard', { type: 'Hard' })],
    response: [ex('accepted', { status: 'Accepted' })],
  },
  UnlockConnector: {
    request: [ex('connector 1', { connectorId: 1 })],
    response: [ex('unlocked', { status: 'Unlocked' }), ex('not supported', { status: 'NotSupported' })],
  },
  TriggerMessage: {
    request: [
      ex('heartbeat', { requestedMessage: 'Heartbeat' }),
      ex('status of connector', { requestedMessage: 'StatusNotification', connectorId: 1 }),
    ],
    response: [ex('not implemented', { status: 'NotImplemented' })],
  },
  GetConfiguration: {
    request: [ex('all keys', {}), ex('some keys', { key: ['HeartbeatInterval', 'MeterValueSampleInterval'] })],
    response: [
      ex('empty', {}),
      ex('keys and unknown', {
        configurationKey: [
          { key: 'HeartbeatInterval', readonly: false, value: '300' },
          { key: 'NumberOfConnectors', readonly: true },
        ],
        unknownKey: ['VendorSpecificThing'],
      }),
    ],
  },
  ChangeConfiguration: {
    request: [ex('heartbeat interval', { key: 'HeartbeatInterval', value: '300' }), ex('500-char value', { key: 'K', value: 'v'.repeat(500) })],
    response: [ex('reboot required', { status: 'RebootRequired' })],
  },
  DataTransfer: {
    request: [ex('vendor message', { vendorId: 'com.payter', messageId: 'DisplayPrice', data: '0.35 EUR/kWh' })],
    response: [ex('rejected', { status: 'Rejected' })],
  },
};
