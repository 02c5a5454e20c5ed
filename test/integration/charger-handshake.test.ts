/**
 * What a charger meets at the door and on a bad day: refused handshakes, malformed frames
 * answered with the right CALLERROR on a connection that stays up, and a reconnect that
 * overtakes the old connection's $disconnect.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRuntime } from '../../lib/local/runtime';
import { localDynamoDb, startTestSystem, waitFor, type TestSystem } from '../support/local-system';

const PASSWORD = 'very-secret-password-1';
let system: TestSystem;

beforeAll(async () => {
  // A short call timeout so the test of a charger that never answers stays quick.
  system = await startTestSystem({ csmsCallTimeoutSeconds: 2, heartbeatIntervalSeconds: 120 });
  await system.provisionStation('CP-DOOR', PASSWORD);
  // The official schemas to the letter: a property they do not define is refused (field-chargers.test.ts reads leniently).
  await system.api('PUT', '/installer/stations/CP-DOOR', { siteId: 'site-main-st', connectors: [1, 2], password: PASSWORD, strict: true });
  await system.provisionStation('CP-RACE', PASSWORD);
  await system.provisionStation('CP-SUBPROTOCOL', PASSWORD);
  await system.provisionStation('CP-TWICE', PASSWORD);
});

afterAll(async () => {
  await system?.close();
});

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** Opens a raw socket; resolves with the socket or with the HTTP status that refused it. */
function open(stationId: string, authorization: string | undefined, protocols: string[] = ['ocpp1.6'], header = 'authorization') {
  return new Promise<{ ws?: WebSocket; status?: number; protocol?: string }>((resolve, reject) => {
    const ws = new WebSocket(`${system.runtime.ocppUrl}/${stationId}`, protocols, {
      headers: authorization ? { [header]: authorization } : {},
    });
    ws.once('open', () => resolve({ ws, protocol: ws.protocol }));
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode }));
    ws.once('error', reject);
  });
}

function exchange(ws: WebSocket, text: string, timeoutMs = 5_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to ${text.slice(0, 60)}`)), timeoutMs);
    ws.once('message', (data) => {
      clearTimeout(timer);
      resolve(JSON.parse(String(data)));
    });
    ws.send(text);
  });
}

describe('the heartbeat interval', () => {
  it('is the configured one at boot, and a configuration above 540 s is refused at start-up', async () => {
    const charger = system.charger('CP-DOOR', PASSWORD);
    await charger.connect();
    try {
      expect((await charger.call('BootNotification', { chargePointVendor: 'ABB', chargePointModel: 'Terra' })).interval).toBe(120);
    } finally {
      await charger.close({ force: true });
    }
    await expect(startLocalRuntime({ heartbeatIntervalSeconds: 541 })).rejects.toThrow(/from 1 to 540, got 541/);
  });
});

describe('the handshake', () => {
  it('accepts the right password and answers only the ocpp1.6 subprotocol offered', async () => {
    const { ws, protocol } = await open('CP-DOOR', basic('CP-DOOR', PASSWORD), ['ocpp1.5', 'ocpp1.6']);
    expect(protocol).toBe('ocpp1.6');
    ws?.close();
  });

  it('accepts the credentials CloudFront forwards as X-Ocpp-Authorization (it cannot forward Authorization)', async () => {
    const { ws, protocol } = await open('CP-DOOR', basic('CP-DOOR', PASSWORD), ['ocpp1.6'], 'X-Ocpp-Authorization');
    expect(protocol).toBe('ocpp1.6');
    ws?.close();
    const wrong = await open('CP-DOOR', basic('CP-DOOR', 'wrong-password-entirely'), ['ocpp1.6'], 'X-Ocpp-Authorization');
    expect(wrong.status).toBe(401);
  });

  it('accepts a password with colons in it (RFC 7617: the user ends at the first colon)', async () => {
    const password = 'a:b::c-colons-allowed:';
    await system.provisionStation('CP-COLON', password);
    const { ws, protocol } = await open('CP-COLON', basic('CP-COLON', password));
    expect(protocol).toBe('ocpp1.6');
    ws?.close();
    expect((await open('CP-COLON', basic('CP-COLON', 'a:b::c-colons-allowed'))).status).toBe(401);
  });

  it.each([
    ['a wrong password', 'CP-DOOR', basic('CP-DOOR', 'not-the-password-at-all'), ['ocpp1.6'], 401],
    ['an unknown station', 'CP-NOBODY', basic('CP-NOBODY', PASSWORD), ['ocpp1.6'], 401],
    ['a user other than the station', 'CP-DOOR', basic('CP-RACE', PASSWORD), ['ocpp1.6'], 401],
    ['no credentials', 'CP-DOOR', undefined, ['ocpp1.6'], 401],
  ])('refuses %s', async (_case, stationId, auth, protocols, status) => {
    const result = await open(stationId, auth, protocols);
    expect(result.ws).toBeUndefined();
    expect(result.status).toBe(status);
  });
});

/**
 * A handshake by hand (`ws` itself fails a handshake that answers none of its protocols, as
 * many chargers do): the status and headers of the answer, and the upgraded socket.
 */
function rawHandshake(stationId: string, protocols: string | undefined) {
  return new Promise<{ status: number; headers: IncomingHttpHeaders; socket: Duplex }>((resolve, reject) => {
    const url = new URL(`${system.runtime.ocppUrl}/${stationId}`);
    const request = httpRequest({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        Authorization: basic(stationId, PASSWORD),
        ...(protocols !== undefined && { 'Sec-WebSocket-Protocol': protocols }),
      },
    });
    request.once('upgrade', (res, socket) => resolve({ status: res.statusCode ?? 0, headers: res.headers, socket }));
    request.once('response', (res) => reject(new Error(`handshake answered ${res.statusCode}`)));
    request.once('error', reject);
    request.end();
  });
}

/** A masked text frame, as a client sends it (RFC 6455 section 5.2). */
function clientTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  if (payload.length > 125) throw new Error('a short frame only');
  const mask = randomBytes(4);
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, payload.map((byte, i) => byte ^ mask[i % 4]!)]);
}

/** Resolves with what the server sent before closing: a close frame (opcode 8) or the end of the socket. */
function closedByServer(socket: Duplex, timeoutMs = 10_000): Promise<{ frames: Buffer }> {
  return new Promise((resolve, reject) => {
    let frames = Buffer.alloc(0);
    const timer = setTimeout(() => reject(new Error('the server did not close the connection')), timeoutMs);
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ frames });
    };
    socket.on('data', (chunk: Buffer) => {
      frames = Buffer.concat([frames, chunk]);
      if ((chunk[0]! & 0x0f) === 0x8) done();
    });
    socket.once('close', done);
  });
}

describe('a handshake offering no subprotocol we speak (OCPP-J 1.6 section 3.1.2)', () => {
  it.each([
    ['only unsupported subprotocols (matched exactly: OCPP1.6 is not ocpp1.6)', 'ocpp1.5, OCPP1.6'],
    ['no subprotocol at all', undefined],
  ])('with %s completes without Sec-WebSocket-Protocol and is closed at once, before it can talk', async (_case, offered) => {
    const { status, headers, socket } = await rawHandshake('CP-SUBPROTOCOL', offered);
    expect(status).toBe(101);
    expect(headers).not.toHaveProperty('sec-websocket-protocol');
    const closed = closedByServer(socket);
    // A charger that talks anyway: its BootNotification is not answered, the connection closes.
    socket.write(clientTextFrame('[2,"boot-1","BootNotification",{"chargePointVendor":"A","chargePointModel":"M"}]'));
    const { frames } = await closed;
    expect(frames.includes('boot-1')).toBe(false);
    const station = await system.api('GET', '/installer/stations/CP-SUBPROTOCOL');
    expect(station.body.online).toBe(false);
    expect(station.body).not.toHaveProperty('boot');
  });

  it('closes one that stays silent too, without waiting for a frame', async () => {
    const { status, headers, socket } = await rawHandshake('CP-SUBPROTOCOL', 'ocpp2.0');
    expect(status).toBe(101);
    expect(headers).not.toHaveProperty('sec-websocket-protocol');
    await closedByServer(socket);
  });
});

// [frame sent, CALLERROR code expected, message id expected in the answer]
const MALFORMED: [string, string, string][] = [
  ['not json', 'FormationViolation', '-1'],
  ['[2, "m1", "Heartbeat", {}', 'FormationViolation', 'm1'],
  ['{"messageTypeId": 2}', 'FormationViolation', '-1'],
  ['"just a string"', 'FormationViolation', '-1'],
  ['42', 'FormationViolation', '-1'],
  ['null', 'FormationViolation', '-1'],
  ['[]', 'ProtocolError', '-1'],
  ['[2]', 'FormationViolation', '-1'],
  ['[2, "m2"]', 'ProtocolError', 'm2'],
  ['[2, "m3", "Heartbeat"]', 'ProtocolError', 'm3'],
  ['[2, "m4", "Heartbeat", {}, {}]', 'ProtocolError', 'm4'],
  // Without a known message type the second element cannot be trusted to be a message id.
  ['[5, "m5", "Heartbeat", {}]', 'ProtocolError', '-1'],
  ['[0, "m6", "Heartbeat", {}]', 'ProtocolError', '-1'],
  ['["2", "m7", "Heartbeat", {}]', 'FormationViolation', '-1'],
  ['[2.5, "m8", "Heartbeat", {}]', 'ProtocolError', '-1'],
  ['[2, 9, "Heartbeat", {}]', 'FormationViolation', '-1'],
  [`[2, "${'x'.repeat(37)}", "Heartbeat", {}]`, 'ProtocolError', '-1'],
  ['[2, "", "Heartbeat", {}]', 'ProtocolError', '-1'],
  ['[2, "m9", 7, {}]', 'FormationViolation', 'm9'],
  ['[2, "m10", "Heartbeat", []]', 'FormationViolation', 'm10'],
  ['[2, "m11", "Heartbeat", null]', 'FormationViolation', 'm11'],
  ['[2, "m12", "Heartbeat", "x"]', 'FormationViolation', 'm12'],
  ['[2, "m13", "FlyToTheMoon", {}]', 'NotImplemented', 'm13'],
  ['[2, "m14", "RemoteStartTransaction", {"idTag": "A"}]', 'NotSupported', 'm14'],
  ['[2, "m15", "Reset", {"type": "Hard"}]', 'NotSupported', 'm15'],
  ['[2, "m16", "BootNotification", {}]', 'OccurenceConstraintViolation', 'm16'],
  ['[2, "m17", "BootNotification", {"chargePointVendor": "A"}]', 'OccurenceConstraintViolation', 'm17'],
  ['[2, "m18", "BootNotification", {"chargePointVendor": 5, "chargePointModel": "M"}]', 'TypeConstraintViolation', 'm18'],
  [`[2, "m19", "BootNotification", {"chargePointVendor": "${'v'.repeat(21)}", "chargePointModel": "M"}]`, 'PropertyConstraintViolation', 'm19'],
  ['[2, "m20", "BootNotification", {"chargePointVendor": "A", "chargePointModel": "M", "colour": "red"}]', 'FormationViolation', 'm20'],
  ['[2, "m21", "Heartbeat", {"extra": 1}]', 'FormationViolation', 'm21'],
  ['[2, "m22", "Authorize", {}]', 'OccurenceConstraintViolation', 'm22'],
  ['[2, "m23", "Authorize", {"idTag": 12}]', 'TypeConstraintViolation', 'm23'],
  [`[2, "m24", "Authorize", {"idTag": "${'t'.repeat(21)}"}]`, 'PropertyConstraintViolation', 'm24'],
  ['[2, "m25", "StatusNotification", {"connectorId": 1, "errorCode": "NoError"}]', 'OccurenceConstraintViolation', 'm25'],
  ['[2, "m26", "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Sleeping"}]', 'PropertyConstraintViolation', 'm26'],
  ['[2, "m27", "StatusNotification", {"connectorId": "1", "errorCode": "NoError", "status": "Available"}]', 'TypeConstraintViolation', 'm27'],
  ['[2, "m28", "StatusNotification", {"connectorId": 1.5, "errorCode": "NoError", "status": "Available"}]', 'TypeConstraintViolation', 'm28'],
  ['[2, "m29", "StatusNotification", {"connectorId": 1, "errorCode": "Oops", "status": "Available"}]', 'PropertyConstraintViolation', 'm29'],
  ['[2, "m30", "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Available", "timestamp": "yesterday"}]', 'PropertyConstraintViolation', 'm30'],
  ['[2, "m31", "StartTransaction", {"connectorId": 1, "idTag": "A", "meterStart": 0}]', 'OccurenceConstraintViolation', 'm31'],
  ['[2, "m32", "StartTransaction", {"connectorId": 1, "idTag": "A", "meterStart": "0", "timestamp": "2026-11-23T10:00:00Z"}]', 'TypeConstraintViolation', 'm32'],
  ['[2, "m33", "StartTransaction", {"connectorId": 1, "idTag": "A", "meterStart": 1.5, "timestamp": "2026-11-23T10:00:00Z"}]', 'TypeConstraintViolation', 'm33'],
  ['[2, "m34", "StartTransaction", {"connectorId": 1, "idTag": "A", "meterStart": 0, "timestamp": "2026-13-45T10:00:00Z"}]', 'PropertyConstraintViolation', 'm34'],
  ['[2, "m35", "StopTransaction", {"meterStop": 10, "timestamp": "2026-11-23T10:00:00Z"}]', 'OccurenceConstraintViolation', 'm35'],
  ['[2, "m36", "StopTransaction", {"transactionId": 1, "meterStop": 10, "timestamp": "2026-11-23T10:00:00Z", "reason": "Bored"}]', 'PropertyConstraintViolation', 'm36'],
  ['[2, "m37", "MeterValues", {"connectorId": 1}]', 'OccurenceConstraintViolation', 'm37'],
  ['[2, "m38", "MeterValues", {"connectorId": 1, "meterValue": {}}]', 'TypeConstraintViolation', 'm38'],
  ['[2, "m39", "MeterValues", {"connectorId": 1, "meterValue": [{"timestamp": "2026-11-23T10:00:00Z"}]}]', 'OccurenceConstraintViolation', 'm39'],
  ['[2, "m40", "MeterValues", {"connectorId": 1, "meterValue": [{"timestamp": "2026-11-23T10:00:00Z", "sampledValue": [{"value": 5}]}]}]', 'TypeConstraintViolation', 'm40'],
  ['[2, "m41", "MeterValues", {"connectorId": 1, "meterValue": [{"timestamp": "2026-11-23T10:00:00Z", "sampledValue": [{"value": "5", "unit": "furlong"}]}]}]', 'PropertyConstraintViolation', 'm41'],
  ['[2, "m42", "MeterValues", {"connectorId": 1, "meterValue": [{"timestamp": "2026-11-23T10:00:00Z", "sampledValue": [{"value": "5", "measurand": "Happiness"}]}]}]', 'PropertyConstraintViolation', 'm42'],
  ['[2, "m43", "DataTransfer", {}]', 'OccurenceConstraintViolation', 'm43'],
  [`[2, "m44", "DataTransfer", {"vendorId": "${'v'.repeat(256)}"}]`, 'PropertyConstraintViolation', 'm44'],
  ['[2, "m45", "FirmwareStatusNotification", {"status": "Exploded"}]', 'PropertyConstraintViolation', 'm45'],
  ['[2, "m46", "DiagnosticsStatusNotification", {"status": 1}]', 'TypeConstraintViolation', 'm46'],
  ['[2, "m47", "DiagnosticsStatusNotification", {}]', 'OccurenceConstraintViolation', 'm47'],
  ['[2, "m48", "StatusNotification", {"connectorId": -1, "errorCode": "NoError", "status": "Available"}]', 'PropertyConstraintViolation', 'm48'],
  ['[2, "m49", "StartTransaction", {"connectorId": 0, "idTag": "A", "meterStart": 0, "timestamp": "2026-11-23T10:00:00Z"}]', 'PropertyConstraintViolation', 'm49'],
  ['[2, "m50", "Heartbeat", {}, null]', 'ProtocolError', 'm50'],
  ['[2, "m51", "BootNotification", {"chargePointVendor": null, "chargePointModel": "M"}]', 'TypeConstraintViolation', 'm51'],
  ['[2, "m52", "heartbeat", {}]', 'NotImplemented', 'm52'],
];

describe('malformed frames on a live connection', () => {
  it(`answers each of ${MALFORMED.length} malformed frames with the right CALLERROR and stays up`, async () => {
    const { ws } = await open('CP-DOOR', basic('CP-DOOR', PASSWORD));
    if (!ws) throw new Error('handshake failed');
    const mismatches: string[] = [];
    try {
      for (const [frame, code, messageId] of MALFORMED) {
        const answer = (await exchange(ws, frame)) as unknown[];
        if (answer[0] !== 4 || answer[1] !== messageId || answer[2] !== code) {
          mismatches.push(`${frame.slice(0, 70)} -> ${JSON.stringify(answer).slice(0, 120)} (wanted ${code} for ${messageId})`);
        }
      }
      // Still up and still serving: a valid call right after all of that.
      const heartbeat = (await exchange(ws, '[2, "ok-1", "Heartbeat", {}]')) as unknown[];
      expect(heartbeat.slice(0, 2)).toEqual([3, 'ok-1']);
      expect(ws.readyState).toBe(WebSocket.OPEN);
    } finally {
      ws.close();
    }
    expect(mismatches).toEqual([]);
  });

  it('sends nothing back for a stray CALLRESULT or CALLERROR and keeps the connection', async () => {
    const { ws } = await open('CP-DOOR', basic('CP-DOOR', PASSWORD));
    if (!ws) throw new Error('handshake failed');
    try {
      const received: string[] = [];
      ws.on('message', (data) => received.push(String(data)));
      ws.send('[3, "nobody-asked", {"status": "Accepted"}]');
      ws.send('[4, "nobody-asked-2", "GenericError", "", {}]');
      ws.send('[3, "broken"');
      const heartbeat = (await exchange(ws, '[2, "ok-2", "Heartbeat", {}]')) as unknown[];
      expect(heartbeat.slice(0, 2)).toEqual([3, 'ok-2']);
      expect(received.map((t) => JSON.parse(t)[1])).toEqual(['ok-2']);
    } finally {
      ws.close();
    }
  });

  it('answers a CALLRESULT or CALLERROR whose message id is unreadable with a CALLERROR "-1" at once', async () => {
    const { ws } = await open('CP-DOOR', basic('CP-DOOR', PASSWORD));
    if (!ws) throw new Error('handshake failed');
    try {
      const answers = [
        await exchange(ws, '[3, 7, {"status": "Accepted"}]'),
        await exchange(ws, `[3, "${'r'.repeat(37)}", {"status": "Accepted"}]`),
        await exchange(ws, '[4, null, "GenericError", "", {}]'),
      ] as unknown[][];
      expect(answers.map((a) => a.slice(0, 3))).toEqual([
        [4, '-1', 'FormationViolation'],
        [4, '-1', 'ProtocolError'],
        [4, '-1', 'FormationViolation'],
      ]);
      expect(ws.readyState).toBe(WebSocket.OPEN);
    } finally {
      ws.close();
    }
  });
});

describe('a reconnect that overtakes the old $disconnect', () => {
  it('keeps the station online on its new connection when the old one closes late', async () => {
    const first = await open('CP-RACE', basic('CP-RACE', PASSWORD));
    const second = await open('CP-RACE', basic('CP-RACE', PASSWORD));
    if (!first.ws || !second.ws) throw new Error('handshake failed');
    const closed = new Promise((resolve) => first.ws!.once('close', resolve));
    first.ws.close();
    await closed;
    // Give the old connection's $disconnect time to run.
    await new Promise((r) => setTimeout(r, 300));
    const station = await system.api('GET', '/installer/stations/CP-RACE');
    expect(station.body.online).toBe(true);

    // CSMS-to-charger calls now reach the new connection.
    second.ws.on('message', (data) => {
      const [type, id, action] = JSON.parse(String(data));
      if (type === 2 && action === 'Reset') second.ws!.send(JSON.stringify([3, id, { status: 'Accepted' }]));
    });
    const reset = await system.api('POST', '/ops/stations/CP-RACE/calls', { action: 'Reset', payload: { type: 'Soft' } });
    expect(reset.status).toBe(200);
    expect(reset.body.result).toEqual({ status: 'Accepted' });
    second.ws.close();
    await waitFor(async () => (await system.api('GET', '/installer/stations/CP-RACE')).body.online === false, 5_000, 'offline');
  });

  it('closes the older connection when the station connects again, so the station never goes "offline" with a socket open', async () => {
    const first = await open('CP-TWICE', basic('CP-TWICE', PASSWORD));
    if (!first.ws) throw new Error('handshake failed');
    const firstClosed = new Promise<number>((resolve) => first.ws!.once('close', (code) => resolve(code)));
    const second = await open('CP-TWICE', basic('CP-TWICE', PASSWORD));
    if (!second.ws) throw new Error('handshake failed');
    // OCPP-J: the CSMS closes the older connection (@connections DELETE), the newer one serves.
    expect(await firstClosed).toBe(1000);
    second.ws.on('message', (data) => {
      const [type, id, action] = JSON.parse(String(data));
      if (type === 2 && action === 'Reset') second.ws!.send(JSON.stringify([3, id, { status: 'Accepted' }]));
    });
    const reset = await system.api('POST', '/ops/stations/CP-TWICE/calls', { action: 'Reset', payload: { type: 'Soft' } });
    expect(reset.status).toBe(200);
    // The second socket comes and goes: no socket of the station is left open, so offline is true.
    second.ws.close();
    await waitFor(async () => (await system.api('GET', '/installer/stations/CP-TWICE')).body.online === false, 5_000, 'offline');
    expect(first.ws.readyState).toBe(WebSocket.CLOSED);
  });

  it('closes a connection whose handshake a newer one of its station overtook, at its first frame', async () => {
    const older = await open('CP-TWICE', basic('CP-TWICE', PASSWORD));
    if (!older.ws) throw new Error('handshake failed');
    // The newer connection took over while this one's handshake completed (too early to close it then).
    await localDynamoDb().send(
      new UpdateCommand({
        TableName: process.env.STATIONS_TABLE!,
        Key: { stationId: 'CP-TWICE', sk: 'PROFILE' },
        UpdateExpression: 'SET connectionId = :newer',
        ExpressionAttributeValues: { ':newer': 'newer-connection=' },
      }),
    );
    const closed = new Promise<number>((resolve) => older.ws!.once('close', (code) => resolve(code)));
    expect(((await exchange(older.ws, '[2, "hb-1", "Heartbeat", {}]')) as unknown[]).slice(0, 2)).toEqual([3, 'hb-1']);
    expect(await closed).toBe(1000);
    expect((await system.api('GET', '/installer/stations/CP-TWICE')).body.connectionId).toBe('newer-connection=');
  });

  it('marks the station offline when a post finds its connection gone (410)', async () => {
    // A connection that vanished without a $disconnect (API Gateway does not promise one).
    const db = DynamoDBDocumentClient.from(
      new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } }),
    );
    await db.send(
      new UpdateCommand({
        TableName: process.env.STATIONS_TABLE!,
        Key: { stationId: 'CP-RACE', sk: 'PROFILE' },
        UpdateExpression: 'SET connectionId = :gone, #online = :true',
        ExpressionAttributeNames: { '#online': 'online' },
        ExpressionAttributeValues: { ':gone': 'vanished-connection=', ':true': true },
      }),
    );
    expect((await system.api('GET', '/installer/stations/CP-RACE')).body.online).toBe(true);

    const call = await system.api('POST', '/ops/stations/CP-RACE/calls', { action: 'Reset', payload: { type: 'Soft' } });
    expect(call.status).toBe(409);
    expect(call.body.error).toBe('StationOffline');
    const station = await system.api('GET', '/installer/stations/CP-RACE');
    expect(station.body.online).toBe(false);
    expect(station.body).not.toHaveProperty('connectionId');
  });
});

describe('CSMS-to-charger calls', () => {
  it('keeps one call in flight per station: the next waits its turn, sent when the first times out', async () => {
    const { ws } = await open('CP-DOOR', basic('CP-DOOR', PASSWORD));
    if (!ws) throw new Error('handshake failed');
    const received: unknown[][] = [];
    ws.on('message', (data) => received.push(JSON.parse(String(data))));
    try {
      // The charger stays silent: the operator's call times out (504)...
      const silent = system.api('POST', '/ops/stations/CP-DOOR/calls', { action: 'GetConfiguration', payload: { key: ['HeartbeatInterval'] } });
      await waitFor(() => received.length > 0 || undefined, 5_000, 'the CALL');
      await new Promise((r) => setTimeout(r, 300));
      // ...and while it is outstanding the next call waits its turn (OCPP 1.6 section 4.1.1).
      const queued = system.api('POST', '/ops/stations/CP-DOOR/calls', { action: 'Reset', payload: { type: 'Soft' } });
      await new Promise((r) => setTimeout(r, 300));
      expect(received).toHaveLength(1);
      expect(received[0]?.slice(0, 3)).toEqual([2, expect.any(String), 'GetConfiguration']);
      expect((await silent).status).toBe(504);
      const reset = await waitFor(() => received.find((m) => m[2] === 'Reset'), 5_000, 'the queued Reset');
      ws.send(JSON.stringify([3, reset[1], { status: 'Accepted' }]));
      const answered = await queued;
      expect(answered.status).toBe(200);
      expect(answered.body).toMatchObject({ action: 'Reset', messageId: reset[1], result: { status: 'Accepted' } });

      // A late answer to the abandoned call changes nothing.
      ws.send(JSON.stringify([3, received[0]?.[1], { configurationKey: [] }]));
      ws.on('message', (data) => {
        const [type, id, action] = JSON.parse(String(data));
        if (type === 2 && action === 'ChangeConfiguration') ws.send(JSON.stringify([3, id, { status: 'RebootRequired' }]));
        if (type === 2 && action === 'TriggerMessage') ws.send(JSON.stringify([4, id, 'NotSupported', 'no', {}]));
      });
      const change = await system.api('POST', '/ops/stations/CP-DOOR/calls', {
        action: 'ChangeConfiguration',
        payload: { key: 'HeartbeatInterval', value: '300' },
      });
      expect(change.status).toBe(200);
      expect(change.body.result).toEqual({ status: 'RebootRequired' });
      const trigger = await system.api('POST', '/ops/stations/CP-DOOR/calls', { action: 'TriggerMessage', payload: { requestedMessage: 'Heartbeat' } });
      expect(trigger.status).toBe(502);
      expect(trigger.body).toMatchObject({ error: 'CallError', code: 'NotSupported' });
    } finally {
      ws.close();
    }
  });

  it('refuses a payload that is not valid OCPP 1.6 before sending anything', async () => {
    const bad = await system.api('POST', '/ops/stations/CP-DOOR/calls', { action: 'Reset', payload: { type: 'Gentle' } });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].message).toContain('PropertyConstraintViolation');
    const unknown = await system.api('POST', '/ops/stations/CP-DOOR/calls', { action: 'Teleport', payload: {} });
    expect(unknown.status).toBe(400);
  });
});
