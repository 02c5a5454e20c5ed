/**
 * Our OCPP 2.0.1 zod schemas against the official 2.0.1 JSON schemas that ocpp-rpc bundles,
 * checked with ocpp-rpc's own validator: for a valid example of each PDU and many mutations
 * of it, ours accept exactly what the official schema accepts.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { OcppError } from '../../lambdas/ocpp/frames';
import { chargerToCsms, csmsToCharger } from '../../lambdas/ocpp/v201/schemas';
import { validateRequest, validateResponse } from '../../lambdas/ocpp/v201/validate';

const require = createRequire(import.meta.url);
const { createValidator } = require('ocpp-rpc/lib/validator') as typeof import('ocpp-rpc');
const official = createValidator('ocpp2.0.1', require('ocpp-rpc/lib/schemas/ocpp2_0_1.json'));

function officialAccepts(id: string, payload: unknown): boolean {
  try {
    return official.validate(`urn:${id}`, payload) === true;
  } catch {
    return false;
  }
}

function oursAccepts(id: string, payload: unknown): boolean {
  const [action = '', kind] = id.split('.');
  try {
    const ours = Object.hasOwn(csmsToCharger, action);
    if (kind === 'req') validateRequest(action, payload, ours ? 'csmsToCharger' : 'chargerToCsms');
    else validateResponse(action, payload, ours ? 'csmsToCharger' : 'chargerToCsms');
    return true;
  } catch (error) {
    if (error instanceof OcppError) return false;
    throw error;
  }
}

const EXAMPLES: Record<string, Record<string, unknown>> = {
  'BootNotification.req': {
    reason: 'PowerUp',
    chargingStation: { vendorName: 'V', model: 'M', serialNumber: 'S', firmwareVersion: 'F', modem: { iccid: 'I', imsi: 'J' } },
    customData: { vendorId: 'acme', extra: 1 },
  },
  'BootNotification.conf': { currentTime: '2026-12-01T10:00:00Z', interval: 60, status: 'Accepted', statusInfo: { reasonCode: 'ok', additionalInfo: 'x' } },
  'Authorize.req': {
    idToken: { idToken: 'A1B2', type: 'Central', additionalInfo: [{ additionalIdToken: 'X', type: 'Y' }] },
    certificate: 'PEM',
    iso15118CertificateHashData: [{ hashAlgorithm: 'SHA256', issuerNameHash: 'a', issuerKeyHash: 'b', serialNumber: 'c', responderURL: 'https://ocsp.example' }],
  },
  'Authorize.conf': {
    idTokenInfo: {
      status: 'Accepted',
      cacheExpiryDateTime: '2026-12-01T10:00:00Z',
      chargingPriority: 0,
      language1: 'en',
      language2: 'nl',
      evseId: [1],
      groupIdToken: { idToken: 'G', type: 'Local' },
      personalMessage: { format: 'UTF8', language: 'en', content: 'Hello' },
    },
    certificateStatus: 'Accepted',
  },
  'DataTransfer.req': { vendorId: 'acme', messageId: 'm', data: { any: ['thing'] } },
  'DataTransfer.conf': { status: 'UnknownVendorId', statusInfo: { reasonCode: 'r' }, data: 5 },
  'FirmwareStatusNotification.req': { status: 'InstallRebooting', requestId: 3 },
  'FirmwareStatusNotification.conf': {},
  'LogStatusNotification.req': { status: 'Uploaded', requestId: 4 },
  'LogStatusNotification.conf': {},
  'SecurityEventNotification.req': { type: 'FirmwareUpdated', timestamp: '2026-12-01T10:00:00Z', techInfo: 'v2' },
  'SecurityEventNotification.conf': {},
  'Heartbeat.req': {},
  'Heartbeat.conf': { currentTime: '2026-12-01T10:00:00.123+01:00' },
  'StatusNotification.req': { timestamp: '2026-12-01T10:00:00Z', connectorStatus: 'Occupied', evseId: 1, connectorId: 1 },
  'StatusNotification.conf': {},
  'TransactionEvent.req': {
    eventType: 'Updated',
    timestamp: '2026-12-01T10:00:00Z',
    triggerReason: 'ChargingStateChanged',
    seqNo: 2,
    offline: true,
    numberOfPhasesUsed: 3,
    cableMaxCurrent: 32,
    reservationId: 1,
    transactionInfo: { transactionId: 'tx-1', chargingState: 'SuspendedEV', timeSpentCharging: 60, stoppedReason: 'Local', remoteStartId: 7 },
    evse: { id: 1, connectorId: 1 },
    idToken: { idToken: 'PT1', type: 'Central' },
    meterValue: [
      {
        timestamp: '2026-12-01T10:00:00Z',
        sampledValue: [
          {
            value: 1234.5,
            context: 'Sample.Periodic',
            measurand: 'Energy.Active.Import.Register',
            phase: 'L1',
            location: 'Outlet',
            unitOfMeasure: { unit: 'Wh', multiplier: 0 },
            signedMeterValue: { signedMeterData: 'd', signingMethod: 'm', encodingMethod: 'e', publicKey: 'k' },
          },
        ],
      },
    ],
  },
  'TransactionEvent.conf': {
    totalCost: 12.5,
    chargingPriority: 0,
    idTokenInfo: { status: 'Accepted' },
    updatedPersonalMessage: { format: 'UTF8', content: 'EUR 12.50' },
  },
  // The CSMS's own calls: what we send, and the charger's answers we read.
  'RequestStartTransaction.req': { idToken: { idToken: 'PT1', type: 'Central' }, remoteStartId: 7, evseId: 1, groupIdToken: { idToken: 'G', type: 'Local' } },
  'RequestStartTransaction.conf': { status: 'Rejected', statusInfo: { reasonCode: 'Occupied' }, transactionId: 'tx-1' },
  'RequestStopTransaction.req': { transactionId: 'tx-1' },
  'RequestStopTransaction.conf': { status: 'Accepted', statusInfo: { reasonCode: 'ok', additionalInfo: 'x' } },
  'Reset.req': { type: 'OnIdle', evseId: 1 },
  'Reset.conf': { status: 'Scheduled', statusInfo: { reasonCode: 'busy' } },
  'ChangeAvailability.req': { operationalStatus: 'Inoperative', evse: { id: 1, connectorId: 1 } },
  'ChangeAvailability.conf': { status: 'Scheduled', statusInfo: { reasonCode: 'busy' } },
  'UnlockConnector.req': { evseId: 1, connectorId: 1 },
  'UnlockConnector.conf': { status: 'OngoingAuthorizedTransaction', statusInfo: { reasonCode: 'tx' } },
  'TriggerMessage.req': { requestedMessage: 'StatusNotification', evse: { id: 1, connectorId: 1 } },
  'TriggerMessage.conf': { status: 'NotImplemented', statusInfo: { reasonCode: 'no' } },
  'GetVariables.req': {
    getVariableData: [{ attributeType: 'Actual', component: { name: 'DisplayMessageCtrlr', instance: 'main', evse: { id: 1 } }, variable: { name: 'Available', instance: 'x' } }],
  },
  'GetVariables.conf': {
    getVariableResult: [
      {
        attributeStatus: 'Accepted',
        attributeStatusInfo: { reasonCode: 'ok' },
        attributeType: 'Actual',
        attributeValue: 'true',
        component: { name: 'DisplayMessageCtrlr' },
        variable: { name: 'Available' },
      },
    ],
  },
  'SetVariables.req': {
    setVariableData: [{ attributeType: 'Actual', attributeValue: '300', component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }],
  },
  'SetVariables.conf': {
    setVariableResult: [
      { attributeType: 'Actual', attributeStatus: 'RebootRequired', attributeStatusInfo: { reasonCode: 'r' }, component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } },
    ],
  },
  'GetBaseReport.req': { requestId: 1, reportBase: 'FullInventory' },
  'GetBaseReport.conf': { status: 'EmptyResultSet', statusInfo: { reasonCode: 'none' } },
  'GetTransactionStatus.req': { transactionId: 'tx-1' },
  'GetTransactionStatus.conf': { ongoingIndicator: true, messagesInQueue: false },
  'SetDisplayMessage.req': {
    message: {
      id: 1,
      priority: 'InFront',
      state: 'Charging',
      startDateTime: '2026-12-01T10:00:00Z',
      endDateTime: '2026-12-01T11:00:00Z',
      transactionId: 'tx-1',
      display: { name: 'DisplayMessageCtrlr' },
      message: { format: 'UTF8', language: 'en', content: 'Welcome' },
    },
  },
  'SetDisplayMessage.conf': { status: 'NotSupportedPriority', statusInfo: { reasonCode: 'p' } },
  'ClearDisplayMessage.req': { id: 1 },
  'ClearDisplayMessage.conf': { status: 'Unknown', statusInfo: { reasonCode: 'u' } },
  'CostUpdated.req': { totalCost: 7.64, transactionId: 'tx-1' },
  'CostUpdated.conf': {},
  // What a charging station tells of itself besides its transactions.
  'MeterValues.req': {
    evseId: 1,
    meterValue: [{ timestamp: '2026-12-01T10:00:00Z', sampledValue: [{ value: 1234, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh', multiplier: 0 } }] }],
  },
  'MeterValues.conf': {},
  'NotifyEvent.req': {
    generatedAt: '2026-12-01T10:00:00Z',
    tbc: false,
    seqNo: 0,
    eventData: [
      {
        eventId: 1,
        timestamp: '2026-12-01T10:00:00Z',
        trigger: 'Alerting',
        cause: 2,
        actualValue: 'Faulted',
        techCode: 'E12',
        techInfo: 'ground fault',
        cleared: false,
        transactionId: 'tx-1',
        component: { name: 'Connector', evse: { id: 1, connectorId: 1 } },
        variableMonitoringId: 3,
        eventNotificationType: 'HardWiredNotification',
        variable: { name: 'Problem' },
      },
    ],
  },
  'NotifyEvent.conf': {},
  'NotifyReport.req': {
    requestId: 1,
    generatedAt: '2026-12-01T10:00:00Z',
    tbc: false,
    seqNo: 0,
    reportData: [
      {
        component: { name: 'DisplayMessageCtrlr' },
        variable: { name: 'Available' },
        variableAttribute: [{ type: 'Actual', value: 'true', mutability: 'ReadOnly', persistent: true, constant: true }],
        variableCharacteristics: { unit: 'u', dataType: 'boolean', minLimit: 0, maxLimit: 1, valuesList: 'true,false', supportsMonitoring: false },
      },
    ],
  },
  'NotifyReport.conf': {},
};

type Json = unknown;
const REPLACEMENTS: Json[] = [null, 0, 1.5, -1, '', 'x'.repeat(21), 'x'.repeat(600), true, [], {}, 'Available', '2026-12-01T10:00:00'];

/** Every payload one change away from `value`: a property dropped, replaced or added, at any depth. */
function mutations(value: Json): Json[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return REPLACEMENTS;
  const object = value as Record<string, Json>;
  const out: Json[] = [{ ...object, unknownProperty: 1 }];
  for (const [key, child] of Object.entries(object)) {
    const { [key]: _dropped, ...rest } = object;
    out.push(rest);
    for (const mutated of mutations(child)) out.push({ ...object, [key]: mutated });
  }
  return out;
}

describe('the OCPP 2.0.1 schemas we check', () => {
  it('cover every action we handle from a charging station and every one we send, both ways', () => {
    const actions = [...Object.keys(chargerToCsms), ...Object.keys(csmsToCharger)];
    expect(Object.keys(EXAMPLES).sort()).toEqual(actions.flatMap((a) => [`${a}.conf`, `${a}.req`]).sort());
  });

  it.each(Object.entries(EXAMPLES))('%s accepts what the official schema accepts, and only that', (id, example) => {
    expect(officialAccepts(id, example)).toBe(true);
    expect(oursAccepts(id, example)).toBe(true);
    const candidates = mutations(example);
    expect(candidates.length).toBeGreaterThan(0);
    const disagreements = candidates
      .filter((candidate) => oursAccepts(id, candidate) !== officialAccepts(id, candidate))
      .map((candidate) => ({ candidate, ours: oursAccepts(id, candidate) }));
    // The one difference, ours stricter: OCPP 2.0.1 part 2 section 2.1.3 wants RFC 3339 times,
    // whose offset is mandatory; ocpp-rpc's ajv-formats lets a time without one through.
    expect(disagreements.filter((d) => !JSON.stringify(d.candidate).includes('T10:00:00"'))).toEqual([]);
    expect(disagreements.every((d) => !d.ours)).toBe(true);
  });
});
