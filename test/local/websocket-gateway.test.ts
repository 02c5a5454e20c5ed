import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import WebSocket from 'ws';
import { RPCClient } from 'ocpp-rpc';
import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import {
  MAX_MESSAGE_BYTES,
  startWebSocketGateway,
  type WebSocketGateway,
  type WebSocketGatewayEvent,
  type WebSocketGatewayOptions,
  type WsHandler,
} from '../../lib/local/websocket-gateway';

const OCPP = { statusCode: 200, headers: { 'Sec-WebSocket-Protocol': 'ocpp1.6' } };

const running: Array<{ gateway: WebSocketGateway; clients: WebSocket[] }> = [];

afterEach(async () => {
  for (const { gateway, clients } of running.splice(0)) {
    for (const client of clients) client.terminate();
    await gateway.close();
  }
});

/** A gateway whose handlers record every event; `overrides` replace any of them. */
async function startRecordingGateway(overrides: Partial<WebSocketGatewayOptions> = {}) {
  const events: WebSocketGatewayEvent[] = [];
  const errors: Array<{ route: string; error: unknown }> = [];
  const record =
    (handler: WsHandler): WsHandler =>
    async (event) => {
      events.push(event);
      return handler(event);
    };
  const gateway = await startWebSocketGateway({
    pathToQuery: (path): Record<string, string> => {
      const match = /^\/ocpp\/([^/]+)$/.exec(path);
      return match?.[1] ? { stationId: decodeURIComponent(match[1]) } : {};
    },
    onHandlerError: (route, error) => errors.push({ route, error }),
    ...overrides,
    connect: record(overrides.connect ?? (async () => OCPP)),
    message: record(overrides.message ?? (async (event) => ({ statusCode: 200, body: `echo:${event.body}` }))),
    disconnect: record(overrides.disconnect ?? (async () => undefined)),
  });
  const clients: WebSocket[] = [];
  running.push({ gateway, clients });
  const connect = (path = '/ocpp/CP001', protocols: string[] = ['ocpp1.6'], headers: Record<string, string> = {}) =>
    openClient(`${gateway.url}${path}`, protocols, headers, clients);
  const management = new ApiGatewayManagementApiClient({
    endpoint: gateway.managementEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const ofRoute = (routeKey: string) => events.filter((e) => e.requestContext.routeKey === routeKey);
  return { gateway, events, errors, connect, management, ofRoute };
}

function openClient(
  url: string,
  protocols: string[],
  headers: Record<string, string>,
  clients: WebSocket[],
): Promise<WebSocket> {
  const ws = new WebSocket(url, protocols, { headers });
  clients.push(ws);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new HandshakeRefused(res.statusCode ?? 0)));
    ws.once('error', reject);
  });
}

class HandshakeRefused extends Error {
  constructor(readonly status: number) {
    super(`handshake refused with ${status}`);
  }
}

function nextMessage(ws: WebSocket): Promise<string> {
  return new Promise((resolve) => ws.once('message', (data) => resolve(data.toString())));
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve({ code: -1, reason: 'already closed' });
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
}

async function waitFor(predicate: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function header(headers: Record<string, string>, name: string): string | undefined {
  return Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
}

/** A bare HTTP upgrade request, to see the exact handshake answer. */
function rawHandshake(url: string, protocol?: string): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url.replace('ws://', 'http://'), {
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...(protocol ? { 'Sec-WebSocket-Protocol': protocol } : {}),
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
    });
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('WebSocket gateway handshake', () => {
  it('answers only the subprotocol that $connect chose, not the first one offered', async () => {
    const { connect } = await startRecordingGateway();
    const ws = await connect('/ocpp/CP001', ['ocpp2.0.1', 'ocpp1.6']);
    expect(ws.protocol).toBe('ocpp1.6');
  });

  it('sends no Sec-WebSocket-Protocol when $connect chose none, so an OCPP client drops the connection', async () => {
    const { gateway, connect } = await startRecordingGateway({ connect: async () => ({ statusCode: 200 }) });
    const answer = await rawHandshake(`${gateway.url}/ocpp/CP001`, 'ocpp1.6');
    expect(answer.status).toBe(101);
    expect(answer.headers['sec-websocket-protocol']).toBeUndefined();
    await expect(connect('/ocpp/CP001', ['ocpp1.6'])).rejects.toThrow('Server sent no subprotocol');
  });

  it('refuses the handshake with the status $connect returned and never calls $disconnect', async () => {
    const { gateway, connect, ofRoute } = await startRecordingGateway({
      connect: async () => ({ statusCode: 400, body: 'unsupported subprotocol' }),
    });
    const refused = await connect('/ocpp/CP001', ['ocpp2.0.1']).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HandshakeRefused);
    expect((refused as HandshakeRefused).status).toBe(400);
    expect(gateway.connectionCount()).toBe(0);
    await new Promise((r) => setTimeout(r, 50));
    expect(ofRoute('$disconnect')).toHaveLength(0);
  });

  it('answers 500 when $connect throws, and keeps serving', async () => {
    let fail = true;
    const { connect, errors } = await startRecordingGateway({
      connect: async () => {
        if (fail) throw new Error('database down');
        return OCPP;
      },
    });
    const refused = await connect().catch((e: unknown) => e);
    expect((refused as HandshakeRefused).status).toBe(500);
    expect(errors.map((e) => e.route)).toEqual(['$connect']);
    fail = false;
    const ws = await connect();
    expect(ws.readyState).toBe(WebSocket.OPEN);
  });
});

describe('WebSocket gateway REQUEST authorizer', () => {
  const allow = (principalId: string): APIGatewayAuthorizerResult => ({
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: 'arn:aws:execute-api:*:*:*/*/$connect' }],
    },
    context: { stationId: principalId, securityProfile: 1 },
  });

  it('passes the authorizer context and principalId to $connect and later events', async () => {
    const authorizerEvents: any[] = [];
    const { connect, ofRoute } = await startRecordingGateway({
      authorizer: async (event) => {
        authorizerEvents.push(event);
        return allow('CP001');
      },
    });
    const basic = `Basic ${Buffer.from('CP001:secret').toString('base64')}`;
    const ws = await connect('/ocpp/CP001', ['ocpp1.6'], { Authorization: basic });
    ws.send('[2,"1","Heartbeat",{}]');
    await nextMessage(ws);

    expect(authorizerEvents[0]).toMatchObject({
      type: 'REQUEST',
      methodArn: 'arn:aws:execute-api:us-east-1:000000000000:local/local/$connect',
      headers: { Authorization: basic },
      queryStringParameters: { stationId: 'CP001' },
      requestContext: { routeKey: '$connect', eventType: 'CONNECT' },
    });
    const expected = { principalId: 'CP001', stationId: 'CP001', securityProfile: 1 };
    expect(ofRoute('$connect')[0]?.requestContext.authorizer).toMatchObject(expected);
    expect(ofRoute('$default')[0]?.requestContext.authorizer).toMatchObject(expected);
  });

  it('refuses with 403 on a Deny policy and with 401 on "Unauthorized", before $connect runs', async () => {
    const { connect, ofRoute } = await startRecordingGateway({
      authorizer: async (event) => {
        const auth = event.headers.Authorization as string | undefined;
        if (!auth) throw new Error('Unauthorized');
        const denied = allow('CP001');
        denied.policyDocument.Statement[0]!.Effect = 'Deny';
        return denied;
      },
    });
    const unauthorized = await connect('/ocpp/CP001').catch((e: unknown) => e);
    expect((unauthorized as HandshakeRefused).status).toBe(401);
    const forbidden = await connect('/ocpp/CP001', ['ocpp1.6'], { Authorization: 'Basic eDp5' }).catch(
      (e: unknown) => e,
    );
    expect((forbidden as HandshakeRefused).status).toBe(403);
    expect(ofRoute('$connect')).toHaveLength(0);
  });
});

describe('WebSocket gateway events', () => {
  it('builds $connect and $default events like API Gateway and sends the route response back', async () => {
    const { gateway, connect, ofRoute } = await startRecordingGateway();
    const ws = await connect('/ocpp/CP%20042?tenant=demo');
    ws.send('first');
    expect(await nextMessage(ws)).toBe('echo:first');
    ws.send('second');
    expect(await nextMessage(ws)).toBe('echo:second');

    const [connectEvent] = ofRoute('$connect');
    const messages = ofRoute('$default');
    const connectionId = connectEvent!.requestContext.connectionId;
    expect(connectionId).toMatch(/^[A-Za-z0-9]{15}=$/);
    expect(connectEvent).toMatchObject({
      requestContext: {
        routeKey: '$connect',
        eventType: 'CONNECT',
        domainName: `127.0.0.1:${gateway.port}`,
        stage: 'local',
        apiId: 'local',
        identity: { sourceIp: '127.0.0.1' },
      },
      queryStringParameters: { stationId: 'CP 042', tenant: 'demo' },
      headers: {
        'Sec-WebSocket-Protocol': 'ocpp1.6',
        Host: `127.0.0.1:${gateway.port}`,
        'X-Forwarded-For': '127.0.0.1',
        'X-Forwarded-Port': String(gateway.port),
      },
      multiValueHeaders: { 'Sec-WebSocket-Protocol': ['ocpp1.6'] },
      isBase64Encoded: false,
    });
    expect(connectEvent!.requestContext.authorizer).toBeUndefined();
    // Hop-by-hop handshake headers stay at the gateway, as on AWS.
    expect(Object.keys(connectEvent!.headers!).map((h) => h.toLowerCase())).not.toContain('upgrade');
    expect(messages.map((m) => m.body)).toEqual(['first', 'second']);
    for (const message of messages) {
      expect(message.requestContext).toMatchObject({ routeKey: '$default', eventType: 'MESSAGE', connectionId });
    }
    expect(messages[0]!.requestContext.messageId).not.toBe(messages[1]!.requestContext.messageId);
  });

  it('gives null query parameters when the URL has none', async () => {
    const { connect, ofRoute } = await startRecordingGateway({ pathToQuery: undefined });
    await connect('/');
    expect(ofRoute('$connect')[0]?.queryStringParameters).toBeNull();
  });

  it('delivers the messages of one connection in order, one at a time', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const { connect } = await startRecordingGateway({
      message: async (event) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        // Earlier messages take longer: out-of-order handling would reorder the replies.
        await new Promise((r) => setTimeout(r, 40 - Number(event.body) * 10));
        inFlight--;
        return { statusCode: 200, body: event.body };
      },
    });
    const ws = await connect();
    const replies: string[] = [];
    ws.on('message', (data) => replies.push(data.toString()));
    for (const n of ['0', '1', '2', '3']) ws.send(n);
    await waitFor(() => replies.length === 4);
    expect(replies).toEqual(['0', '1', '2', '3']);
    expect(maxInFlight).toBe(1);
  });

  it('answers a throwing $default handler with the API Gateway error frame and keeps the connection', async () => {
    const { connect, errors, ofRoute } = await startRecordingGateway({
      message: async (event) => {
        if (event.body === 'boom') throw new Error('handler bug');
        return { statusCode: 200, body: `ok:${event.body}` };
      },
    });
    const ws = await connect();
    ws.send('boom');
    const frame = JSON.parse(await nextMessage(ws));
    expect(frame).toMatchObject({
      message: 'Internal server error',
      connectionId: ofRoute('$connect')[0]!.requestContext.connectionId,
    });
    expect(frame.requestId).toEqual(expect.any(String));
    ws.send('next');
    expect(await nextMessage(ws)).toBe('ok:next');
    expect(errors.map((e) => e.route)).toEqual(['$default']);
  });

  it('fires $disconnect with the client close code after a client close', async () => {
    const { connect, ofRoute, gateway } = await startRecordingGateway();
    const ws = await connect();
    ws.close(4000, 'rebooting');
    await waitFor(() => ofRoute('$disconnect').length === 1);
    expect(ofRoute('$disconnect')[0]!.requestContext).toMatchObject({
      eventType: 'DISCONNECT',
      connectionId: ofRoute('$connect')[0]!.requestContext.connectionId,
      disconnectStatusCode: 4000,
      disconnectReason: 'rebooting',
    });
    expect(gateway.connectionCount()).toBe(0);
  });
});

describe('WebSocket gateway limits', () => {
  it('delivers a 128 KB message and closes with 1009 on a bigger one', async () => {
    const { connect, ofRoute } = await startRecordingGateway({
      message: async (event) => ({ statusCode: 200, body: String(event.body.length) }),
    });
    const ws = await connect();
    ws.send('x'.repeat(MAX_MESSAGE_BYTES));
    expect(await nextMessage(ws)).toBe(String(MAX_MESSAGE_BYTES));
    const closing = closed(ws);
    ws.send('x'.repeat(MAX_MESSAGE_BYTES + 1));
    expect((await closing).code).toBe(1009);
    await waitFor(() => ofRoute('$disconnect').length === 1);
    expect(ofRoute('$disconnect')[0]!.requestContext.disconnectStatusCode).toBe(1009);
    expect(ofRoute('$default').map((e) => e.body?.length)).toEqual([MAX_MESSAGE_BYTES]);
  });

  it('closes an idle connection with 1001 and reports it to $disconnect', async () => {
    const { connect, ofRoute } = await startRecordingGateway({ idleTimeoutMs: 150 });
    const ws = await connect();
    const started = Date.now();
    const { code } = await closed(ws);
    expect(code).toBe(1001);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await waitFor(() => ofRoute('$disconnect').length === 1);
    expect(ofRoute('$disconnect')[0]!.requestContext.disconnectStatusCode).toBe(1001);
  });

  it('keeps a connection with traffic open past the idle timeout, up to the maximum connection time', async () => {
    const { connect } = await startRecordingGateway({ idleTimeoutMs: 400, maxConnectionMs: 900 });
    const ws = await connect();
    const started = Date.now();
    const heartbeat = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send('hb'), 50);
    const { code } = await closed(ws);
    clearInterval(heartbeat);
    expect(code).toBe(1001);
    expect(Date.now() - started).toBeGreaterThanOrEqual(880);
  });
});

describe('@connections management API with the real SDK client', () => {
  it('posts to a connection and reads it back', async () => {
    const { connect, management, ofRoute } = await startRecordingGateway();
    const ws = await connect('/ocpp/CP001', ['ocpp1.6'], { 'User-Agent': 'wallbox/1.0' });
    const ConnectionId = ofRoute('$connect')[0]!.requestContext.connectionId;

    const received = nextMessage(ws);
    const call = '[2,"m1","RemoteStartTransaction",{"idTag":"payter"}]';
    await management.send(new PostToConnectionCommand({ ConnectionId, Data: Buffer.from(call) }));
    expect(await received).toBe(call);

    const info = await management.send(new GetConnectionCommand({ ConnectionId }));
    expect(info.ConnectedAt).toBeInstanceOf(Date);
    expect(info.Identity).toEqual({ SourceIp: '127.0.0.1', UserAgent: 'wallbox/1.0' });
    expect(info.LastActiveAt!.getTime()).toBeGreaterThanOrEqual(info.ConnectedAt!.getTime());
  });

  it('accepts the stage in the endpoint path', async () => {
    const { gateway, connect, ofRoute } = await startRecordingGateway();
    const ws = await connect();
    const staged = new ApiGatewayManagementApiClient({
      endpoint: `${gateway.managementEndpoint}/local`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const received = nextMessage(ws);
    const ConnectionId = ofRoute('$connect')[0]!.requestContext.connectionId;
    await staged.send(new PostToConnectionCommand({ ConnectionId, Data: Buffer.from('hi') }));
    expect(await received).toBe('hi');
  });

  it('throws GoneException for an unknown connection id', async () => {
    const { management } = await startRecordingGateway();
    const error = await management
      .send(new PostToConnectionCommand({ ConnectionId: 'Nope0000000000A=', Data: Buffer.from('x') }))
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe('GoneException');
    expect((error as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(410);
  });

  it('throws GoneException for a post from inside $connect, as the upgrade has not completed', async () => {
    let postError: unknown;
    const { management, connect } = await startRecordingGateway({
      connect: async (event) => {
        postError = await management
          .send(
            new PostToConnectionCommand({ ConnectionId: event.requestContext.connectionId, Data: Buffer.from('early') }),
          )
          .catch((e: unknown) => e);
        return OCPP;
      },
    });
    const ws = await connect();
    const frames: string[] = [];
    ws.on('message', (data) => frames.push(data.toString()));
    expect((postError as Error).name).toBe('GoneException');
    await new Promise((r) => setTimeout(r, 50));
    expect(frames).toEqual([]);
  });

  it('closes the connection on DeleteConnection, fires $disconnect, then answers Gone', async () => {
    const { gateway, connect, management, ofRoute } = await startRecordingGateway();
    const ws = await connect();
    const ConnectionId = ofRoute('$connect')[0]!.requestContext.connectionId;
    const closing = closed(ws);
    await management.send(new DeleteConnectionCommand({ ConnectionId }));
    await closing;
    await waitFor(() => ofRoute('$disconnect').length === 1);
    expect(ofRoute('$disconnect')[0]!.requestContext.connectionId).toBe(ConnectionId);
    expect(gateway.connectionCount()).toBe(0);
    const error = await management
      .send(new PostToConnectionCommand({ ConnectionId, Data: Buffer.from('late') }))
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe('GoneException');
  });

  it('closes every connection with 1001 and runs $disconnect when the gateway stops', async () => {
    const { gateway, connect, ofRoute } = await startRecordingGateway();
    const ws = await connect();
    const closing = closed(ws);
    expect(gateway.connectionCount()).toBe(1);
    await gateway.close();
    expect((await closing).code).toBe(1001);
    expect(ofRoute('$disconnect')).toHaveLength(1);
    running.pop();
  });
});

describe('WebSocket gateway with a real OCPP 1.6J client (ocpp-rpc, strict mode)', () => {
  it('authenticates with Basic auth, answers a CALL and carries a server CALL via @connections', async () => {
    const results: unknown[] = [];
    const { gateway, management, ofRoute } = await startRecordingGateway({
      authorizer: async (event) => {
        const expected = `Basic ${Buffer.from('CP001:secret').toString('base64')}`;
        // API Gateway keeps the client's header casing (ocpp-rpc sends `authorization`).
        if (header(event.headers, 'authorization') !== expected) throw new Error('Unauthorized');
        return {
          principalId: 'CP001',
          policyDocument: {
            Version: '2012-10-17',
            Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
          },
        };
      },
      connect: async (event) => {
        const offered = (header(event.headers, 'sec-websocket-protocol') ?? '').split(',').map((p) => p.trim());
        return offered.includes('ocpp1.6') ? OCPP : { statusCode: 400 };
      },
      message: async (event) => {
        const frame = JSON.parse(event.body) as [number, string, ...unknown[]];
        if (frame[0] === 2) return { statusCode: 200, body: JSON.stringify([3, frame[1], { currentTime: new Date().toISOString() }]) };
        results.push(frame);
        return { statusCode: 200 };
      },
    });
    // ocpp-rpc's typings mark every option required; the library fills in defaults.
    const station = new RPCClient({
      endpoint: `${gateway.url}/ocpp`,
      identity: 'CP001',
      password: 'secret',
      protocols: ['ocpp1.6'],
      strictMode: true,
      reconnect: false,
    } as ConstructorParameters<typeof RPCClient>[0]);
    station.handle('Reset', async () => ({ status: 'Accepted' }));
    try {
      await station.connect();
      const heartbeat = (await station.call('Heartbeat', {})) as { currentTime: string };
      expect(Date.parse(heartbeat.currentTime)).not.toBeNaN();

      const ConnectionId = ofRoute('$connect')[0]!.requestContext.connectionId;
      await management.send(
        new PostToConnectionCommand({ ConnectionId, Data: Buffer.from('[2,"srv-1","Reset",{"type":"Soft"}]') }),
      );
      await waitFor(() => results.length === 1);
      expect(results[0]).toEqual([3, 'srv-1', { status: 'Accepted' }]);
      expect(ofRoute('$connect')[0]!.queryStringParameters).toEqual({ stationId: 'CP001' });
    } finally {
      await station.close({ force: true });
    }
  });
});
