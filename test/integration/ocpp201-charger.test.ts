/**
 * A charger that speaks OCPP 2.0.1 (a strict ocpp-rpc peer with the official 2.0.1 schemas):
 * it is accepted, boots, beats and reports its connectors; a mixed offer gets 2.0.1; and a broken
 * frame gets OCPP-J 2.0.1's own CALLERROR on a connection that stays up.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoStationRepository } from '../../lambdas/aws/station-repository';
import { localDynamoDb, startTestSystem, type TestSystem } from '../support/local-system';

const PASSWORD = 'very-secret-password-201';
let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem({ heartbeatIntervalSeconds: 120 });
  for (const id of ['CP-201-BOOT', 'CP-201-MIXED', 'CP-201-BAD']) await system.provisionStation(id, PASSWORD, 'site-main-st', [1]);
  await system.api('PUT', '/installer/stations/CP-201-BAD', { siteId: 'site-main-st', connectors: [1], password: PASSWORD, strict: true });
});

afterAll(async () => {
  await system?.close();
});

const basic = (user: string) => `Basic ${Buffer.from(`${user}:${PASSWORD}`).toString('base64')}`;

function open(stationId: string, protocols: string[]): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${system.runtime.ocppUrl}/${stationId}`, protocols, { headers: { authorization: basic(stationId) } });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function exchange(ws: WebSocket, text: string, timeoutMs = 5_000): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to ${text.slice(0, 60)}`)), timeoutMs);
    ws.once('message', (data) => {
      clearTimeout(timer);
      resolve(JSON.parse(String(data)) as unknown[]);
    });
    ws.send(text);
  });
}

const BOOT = { reason: 'PowerUp', chargingStation: { vendorName: 'Alpitronic', model: 'HYC300', serialNumber: 'SN-201', firmwareVersion: '1.2.3' } };

describe('a strict OCPP 2.0.1 charger', () => {
  it('boots, beats and reports its EVSE, answered by the 2.0.1 schemas', async () => {
    const charger = system.charger('CP-201-BOOT', PASSWORD, ['ocpp2.0.1']);
    await charger.connect();
    try {
      expect(charger.protocol).toBe('ocpp2.0.1');
      const boot = await charger.call('BootNotification', BOOT);
      expect(boot).toEqual({ status: 'Accepted', currentTime: expect.any(String), interval: 120 });
      expect(Math.abs(Date.parse(boot.currentTime) - Date.now())).toBeLessThan(60_000);
      const beat = await charger.call('Heartbeat', {});
      expect(Object.keys(beat)).toEqual(['currentTime']);
      for (const connectorStatus of ['Occupied', 'Faulted', 'Available']) {
        expect(await charger.call('StatusNotification', { timestamp: '2026-12-01T10:00:00Z', connectorStatus, evseId: 1, connectorId: 1 })).toEqual({});
      }
    } finally {
      await charger.close();
    }
    const { body } = await system.api('GET', '/ops/stations/CP-201-BOOT/connectors/1/history');
    expect(body.history.map((h: { status: string }) => h.status)).toEqual(['Occupied', 'Faulted', 'Available']);
    // The domain keeps its own states: 2.0.1's words stay in the adapter.
    const history = await new DynamoStationRepository(localDynamoDb(), process.env.STATIONS_TABLE!).listStatusHistory('CP-201-BOOT', 1);
    expect(history.map((h) => h.state)).toEqual(['preparing', 'faulted', 'available']);
  });

  it('is answered on Authorize, DataTransfer, firmware, log and security notifications', async () => {
    const charger = system.charger('CP-201-BOOT', PASSWORD, ['ocpp2.0.1']);
    await charger.connect();
    try {
      // A token the CSMS did not issue for a start here: the card reader, not an RFID list, pays.
      expect(await charger.call('Authorize', { idToken: { idToken: 'RFID-0042', type: 'ISO14443' } })).toEqual({ idTokenInfo: { status: 'Invalid' } });
      expect(await charger.call('DataTransfer', { vendorId: 'com.alpitronic', data: { any: 1 } })).toEqual({ status: 'UnknownVendorId' });
      expect(await charger.call('FirmwareStatusNotification', { status: 'Installing', requestId: 7 })).toEqual({});
      expect(await charger.call('LogStatusNotification', { status: 'Uploaded', requestId: 8 })).toEqual({});
      expect(await charger.call('SecurityEventNotification', { type: 'FirmwareUpdated', timestamp: '2026-12-01T10:00:00Z' })).toEqual({});
    } finally {
      await charger.close();
    }
    const { body } = await system.api('GET', '/installer/stations/CP-201-BOOT');
    expect(body).toMatchObject({ firmwareStatus: 'Installing', diagnosticsStatus: 'Uploaded' });
  });

  it.each([
    [['ocpp2.0.1', 'ocpp1.6']],
    [['ocpp1.6', 'ocpp2.0.1']],
  ])('offering %j speaks 2.0.1, our first choice', async (protocols) => {
    const charger = system.charger('CP-201-MIXED', PASSWORD, protocols);
    await charger.connect();
    try {
      expect(charger.protocol).toBe('ocpp2.0.1');
      expect((await charger.call('BootNotification', BOOT)).status).toBe('Accepted');
    } finally {
      await charger.close();
    }
  });

  it('offering 1.6 alone still speaks 1.6', async () => {
    const charger = system.charger('CP-201-MIXED', PASSWORD, ['ocpp1.6']);
    await charger.connect();
    try {
      expect(charger.protocol).toBe('ocpp1.6');
      expect((await charger.call('BootNotification', { chargePointVendor: 'ABB', chargePointModel: 'Terra' })).status).toBe('Accepted');
    } finally {
      await charger.close();
    }
  });
});

describe("the station's protocols preference", () => {
  const provision = (stationId: string, protocols: unknown) =>
    system.api('PUT', `/installer/stations/${stationId}`, { siteId: 'site-main-st', connectors: [1], password: PASSWORD, protocols });

  it('decides between the versions a charger offers', async () => {
    expect((await provision('CP-201-PREFS', ['ocpp1.6', 'ocpp2.0.1'])).body.protocols).toEqual(['ocpp1.6', 'ocpp2.0.1']);
    const charger = system.charger('CP-201-PREFS', PASSWORD, ['ocpp2.0.1', 'ocpp1.6']);
    await charger.connect();
    try {
      expect(charger.protocol).toBe('ocpp1.6');
      expect((await charger.call('BootNotification', { chargePointVendor: 'ABB', chargePointModel: 'Terra' })).status).toBe('Accepted');
    } finally {
      await charger.close();
    }
  });

  it('keeps a station that may speak 1.6 only from speaking 2.0.1', async () => {
    await provision('CP-201-ONLY16', ['ocpp1.6']);
    await expect(open('CP-201-ONLY16', ['ocpp2.0.1'])).rejects.toThrow(/subprotocol/i);
  });

  it('is 2.0.1 first by default, and names only versions we speak', async () => {
    await system.provisionStation('CP-201-DEFAULT', PASSWORD, 'site-main-st', [1]);
    expect((await system.api('GET', '/installer/stations/CP-201-DEFAULT')).body.protocols).toEqual(['ocpp2.0.1', 'ocpp1.6']);
    for (const protocols of [['ocpp2.0'], [], ['ocpp1.6', 'ocpp1.6'], 'ocpp1.6']) {
      const refused = await provision('CP-201-DEFAULT', protocols);
      expect(refused.status).toBe(400);
    }
    expect((await system.api('GET', '/installer/stations/CP-201-DEFAULT')).body.protocols).toEqual(['ocpp2.0.1', 'ocpp1.6']);
  });
});

const status = (change: Record<string, unknown>) =>
  JSON.stringify([2, 's1', 'StatusNotification', { timestamp: '2026-12-01T10:00:00Z', connectorStatus: 'Available', evseId: 1, connectorId: 1, ...change }]);
const boot = (change: Record<string, unknown>, station: Record<string, unknown> = {}) =>
  JSON.stringify([2, 'b1', 'BootNotification', { ...BOOT, chargingStation: { ...BOOT.chargingStation, ...station }, ...change }]);
const withoutKey = (key: string) => {
  const payload: Record<string, unknown> = { timestamp: '2026-12-01T10:00:00Z', connectorStatus: 'Available', evseId: 1, connectorId: 1 };
  delete payload[key];
  return JSON.stringify([2, 's1', 'StatusNotification', payload]);
};

/** [frame, the CALLERROR's code, its message id] by OCPP-J 2.0.1 section 4.3. */
const MALFORMED: [string, string, string][] = [
  // Not a readable RPC frame.
  ['not json', 'RpcFrameworkError', '-1'],
  ['', 'RpcFrameworkError', '-1'],
  ['{}', 'RpcFrameworkError', '-1'],
  ['"Heartbeat"', 'RpcFrameworkError', '-1'],
  ['42', 'RpcFrameworkError', '-1'],
  ['null', 'RpcFrameworkError', '-1'],
  ['[]', 'RpcFrameworkError', '-1'],
  ['["2","m1","Heartbeat",{}]', 'RpcFrameworkError', '-1'],
  ['[null,"m1","Heartbeat",{}]', 'RpcFrameworkError', '-1'],
  ['[2,5,"Heartbeat",{}]', 'RpcFrameworkError', '-1'],
  ['[2,null,"Heartbeat",{}]', 'RpcFrameworkError', '-1'],
  ['[2,"","Heartbeat",{}]', 'RpcFrameworkError', '-1'],
  [`[2,"${'x'.repeat(37)}","Heartbeat",{}]`, 'RpcFrameworkError', '-1'],
  ['[2,"m2","Heartbeat"]', 'RpcFrameworkError', 'm2'],
  ['[2,"m3","Heartbeat",{},{}]', 'RpcFrameworkError', 'm3'],
  ['[2,"m4"]', 'RpcFrameworkError', 'm4'],
  ['[2,"m5",5,{}]', 'RpcFrameworkError', 'm5'],
  ['[2,"m6",null,{}]', 'RpcFrameworkError', 'm6'],
  ['[2,"m7","Heartbeat",{', 'RpcFrameworkError', 'm7'],
  ['[2,"m8","Heartbeat",{}]]', 'RpcFrameworkError', 'm8'],
  // A message type OCPP-J does not have.
  ['[5,"t1","Heartbeat",{}]', 'MessageTypeNotSupported', '-1'],
  ['[1,"t2","Heartbeat",{}]', 'MessageTypeNotSupported', '-1'],
  ['[0,"t3"]', 'MessageTypeNotSupported', '-1'],
  ['[6,"t4",{}]', 'MessageTypeNotSupported', '-1'],
  ['[2.5,"t5","Heartbeat",{}]', 'MessageTypeNotSupported', '-1'],
  // Actions.
  ['[2,"a1","Foo",{}]', 'NotImplemented', 'a1'],
  ['[2,"a2","StartTransaction",{}]', 'NotImplemented', 'a2'],
  ['[2,"a3","heartbeat",{}]', 'NotImplemented', 'a3'],
  ['[2,"a4","",{}]', 'NotImplemented', 'a4'],
  ['[2,"a5","RequestStartTransaction",{}]', 'NotSupported', 'a5'],
  ['[2,"a6","Reset",{}]', 'NotSupported', 'a6'],
  ['[2,"a7","GetVariables",{}]', 'NotSupported', 'a7'],
  ['[2,"a8","SetDisplayMessage",{}]', 'NotSupported', 'a8'],
  // Payloads that are not the PDU.
  ['[2,"f1","Heartbeat",[]]', 'FormatViolation', 'f1'],
  ['[2,"f2","Heartbeat","x"]', 'FormatViolation', 'f2'],
  ['[2,"f3","Heartbeat",null]', 'FormatViolation', 'f3'],
  ['[2,"f4","Heartbeat",5]', 'FormatViolation', 'f4'],
  ['[2,"f5","Heartbeat",{"x":1}]', 'FormatViolation', 'f5'],
  [boot({}, { colour: 'red' }), 'FormatViolation', 'b1'],
  [status({ status: 'Available' }), 'FormatViolation', 's1'],
  // Required properties missing.
  [withoutKey('timestamp'), 'OccurrenceConstraintViolation', 's1'],
  [withoutKey('connectorStatus'), 'OccurrenceConstraintViolation', 's1'],
  [withoutKey('evseId'), 'OccurrenceConstraintViolation', 's1'],
  [withoutKey('connectorId'), 'OccurrenceConstraintViolation', 's1'],
  [JSON.stringify([2, 'b1', 'BootNotification', { chargingStation: BOOT.chargingStation }]), 'OccurrenceConstraintViolation', 'b1'],
  [JSON.stringify([2, 'b1', 'BootNotification', { reason: 'PowerUp' }]), 'OccurrenceConstraintViolation', 'b1'],
  [JSON.stringify([2, 'b1', 'BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'A' } }]), 'OccurrenceConstraintViolation', 'b1'],
  // The wrong JSON type.
  [status({ evseId: '1' }), 'TypeConstraintViolation', 's1'],
  [status({ evseId: 1.5 }), 'TypeConstraintViolation', 's1'],
  [status({ connectorId: null }), 'TypeConstraintViolation', 's1'],
  [status({ connectorStatus: 1 }), 'TypeConstraintViolation', 's1'],
  [boot({ reason: 5 }), 'TypeConstraintViolation', 'b1'],
  [boot({}, { model: 7 }), 'TypeConstraintViolation', 'b1'],
  [boot({ chargingStation: 'HYC300' }), 'TypeConstraintViolation', 'b1'],
  // The right type, a value out of bounds.
  [status({ connectorStatus: 'Charging' }), 'PropertyConstraintViolation', 's1'],
  [status({ connectorStatus: 'available' }), 'PropertyConstraintViolation', 's1'],
  [status({ timestamp: 'yesterday' }), 'PropertyConstraintViolation', 's1'],
  [status({ timestamp: '2026-12-01T10:00:00' }), 'PropertyConstraintViolation', 's1'],
  [boot({ reason: 'Boot' }), 'PropertyConstraintViolation', 'b1'],
  [boot({}, { model: 'M'.repeat(21) }), 'PropertyConstraintViolation', 'b1'],
  [boot({}, { vendorName: 'V'.repeat(51) }), 'PropertyConstraintViolation', 'b1'],
  [boot({}, { serialNumber: 'S'.repeat(26) }), 'PropertyConstraintViolation', 'b1'],
];

describe('malformed frames from a 2.0.1 charger', () => {
  it('are at least 50', () => {
    expect(MALFORMED.length).toBeGreaterThanOrEqual(50);
  });

  it('each get the right OCPP-J 2.0.1 CALLERROR, and the connection stays up', async () => {
    const ws = await open('CP-201-BAD', ['ocpp2.0.1']);
    try {
      expect(ws.protocol).toBe('ocpp2.0.1');
      const answers: [string, unknown, unknown][] = [];
      for (const [frame] of MALFORMED) {
        const answer = await exchange(ws, frame);
        expect(answer[0]).toBe(4);
        expect(typeof answer[3]).toBe('string');
        expect(answer[4]).toEqual(expect.any(Object));
        answers.push([frame, answer[2], answer[1]]);
      }
      expect(answers).toEqual(MALFORMED);
      expect(ws.readyState).toBe(WebSocket.OPEN);
      const beat = await exchange(ws, '[2,"ok","Heartbeat",{}]');
      expect(beat).toEqual([3, 'ok', { currentTime: expect.any(String) }]);
    } finally {
      ws.close();
    }
  });

  it('a CALLRESULT or CALLERROR answering no call is not answered', async () => {
    const ws = await open('CP-201-BAD', ['ocpp2.0.1']);
    try {
      ws.send('[3,"nothing",{}]');
      ws.send('[4,"nothing","GenericError","",{}]');
      ws.send('[3,"broken",5]');
      expect(await exchange(ws, '[2,"after","Heartbeat",{}]')).toEqual([3, 'after', { currentTime: expect.any(String) }]);
    } finally {
      ws.close();
    }
  });
});
