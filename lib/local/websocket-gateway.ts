/**
 * Local stand-in for an API Gateway WebSocket API: one `node:http` server that upgrades
 * connections with `ws`, invokes the `$connect` / `$default` / `$disconnect` handlers
 * in-process with the events API Gateway would build, and serves the `@connections`
 * management API so the real `ApiGatewayManagementApiClient` works against it.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { APIGatewayAuthorizerResult, PolicyDocument } from 'aws-lambda';
import { apiGatewayRequestTime, awsStyleId, listenOn, readRequestBody } from './http-server';

/** API Gateway's message payload limit; bigger messages close the connection with 1009. */
export const MAX_MESSAGE_BYTES = 128 * 1024;
const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60_000;
const DEFAULT_MAX_CONNECTION_MS = 2 * 60 * 60_000;
/** How long a closing peer gets to answer our close frame before the socket is dropped. */
const CLOSE_GRACE_MS = 1_000;
const LOST_DURING_HANDSHAKE = 'Connection lost before the handshake completed';

/**
 * `any` on purpose: production handlers are typed with @types/aws-lambda's
 * APIGatewayProxyWebsocketEventV2, which claims fields ($connect's `messageId`) that
 * API Gateway does not send, so no honest event type is assignable to it.
 * The result is inspected at run time (statusCode, headers, body).
 */
export type WsHandler = (event: any) => Promise<unknown>;
export type WsAuthorizer = (event: any) => Promise<APIGatewayAuthorizerResult>;

export interface WebSocketGatewayOptions {
  /** @default 0 (a free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 'local' */
  stage?: string;
  /** REQUEST authorizer on `$connect`, with API Gateway's result shape. */
  authorizer?: WsAuthorizer;
  connect: WsHandler;
  /** The `$default` route. */
  message: WsHandler;
  disconnect: WsHandler;
  /** Path to query parameters before routing, as the CloudFront function does in AWS. */
  pathToQuery?: (path: string) => Record<string, string>;
  /** @default 10 minutes */
  idleTimeoutMs?: number;
  /** @default 2 hours */
  maxConnectionMs?: number;
  /** Where handler failures are reported. @default console.error */
  onHandlerError?: (route: string, error: unknown) => void;
}

export interface WebSocketGateway {
  port: number;
  /** ws://host:port */
  url: string;
  /** http://host:port, the `endpoint` for ApiGatewayManagementApiClient. */
  managementEndpoint: string;
  close(): Promise<void>;
  connectionCount(): number;
}

type Headers = Record<string, string>;
type MultiValueHeaders = Record<string, string[]>;

interface WebSocketRequestContext {
  routeKey: '$connect' | '$default' | '$disconnect';
  eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT';
  messageId?: string;
  extendedRequestId: string;
  requestTime: string;
  messageDirection: 'IN';
  stage: string;
  connectedAt: number;
  requestTimeEpoch: number;
  identity: { sourceIp: string; userAgent: string | null };
  requestId: string;
  domainName: string;
  connectionId: string;
  apiId: string;
  authorizer?: Record<string, string | number | boolean>;
  disconnectStatusCode?: number;
  disconnectReason?: string;
}

/** The events handed to the handlers (API Gateway's WebSocket proxy format). */
export interface WebSocketGatewayEvent {
  requestContext: WebSocketRequestContext;
  headers?: Headers;
  multiValueHeaders?: MultiValueHeaders;
  queryStringParameters?: Record<string, string> | null;
  multiValueQueryStringParameters?: Record<string, string[]> | null;
  body?: string;
  isBase64Encoded: boolean;
}

interface Connection {
  id: string;
  state: 'connecting' | 'open' | 'closed';
  /** Only connections whose `$connect` succeeded get a `$disconnect`. */
  connected: boolean;
  ws?: WebSocket;
  connectedAt: number;
  lastActiveAt: number;
  identity: { sourceIp: string; userAgent: string | null };
  headers: Headers;
  multiValueHeaders: MultiValueHeaders;
  authorizer?: Record<string, string | number | boolean>;
  /** Per-connection chain: messages, then `$disconnect`, run one after the other. */
  queue: Promise<void>;
  /** Set when the gateway closes the connection, so `$disconnect` reports our reason. */
  closedBy?: { code: number; reason: string };
  idleTimer?: NodeJS.Timeout;
  lifetimeTimer?: NodeJS.Timeout;
}

/** What API Gateway bills a WebSocket API for: messages each way, metered in 32 KB units. */
export interface WebSocketTraffic {
  /** Frames received from clients, and their 32 KB units. */
  received: number;
  receivedUnits: number;
  /** Frames sent to clients (route replies and `@connections` posts), and their 32 KB units. */
  sent: number;
  sentUnits: number;
  /** Connections opened (a `$connect` that succeeded). */
  connections: number;
}

const BILLING_UNIT_BYTES = 32 * 1024;
const meters = new Set<WebSocketTraffic>();

/** Counts the traffic of every gateway of this process from now on (the bench's cost meter); `stop` ends it. */
export function meterWebSocketTraffic(): { traffic: WebSocketTraffic; stop(): void } {
  const traffic: WebSocketTraffic = { received: 0, receivedUnits: 0, sent: 0, sentUnits: 0, connections: 0 };
  meters.add(traffic);
  return { traffic, stop: () => meters.delete(traffic) };
}

function meter(kind: 'received' | 'sent' | 'connections', bytes = 0): void {
  for (const traffic of meters) {
    traffic[kind] += 1;
    if (kind !== 'connections') traffic[kind === 'received' ? 'receivedUnits' : 'sentUnits'] += Math.max(1, Math.ceil(bytes / BILLING_UNIT_BYTES));
  }
}

const MANAGEMENT_PATH = /^(?:\/[^/]+)?\/@connections\/([^/]+)\/?$/;

export async function startWebSocketGateway(opts: WebSocketGatewayOptions): Promise<WebSocketGateway> {
  const host = opts.host ?? '127.0.0.1';
  const stage = opts.stage ?? 'local';
  const idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const maxConnectionMs = opts.maxConnectionMs ?? DEFAULT_MAX_CONNECTION_MS;
  const reportError = opts.onHandlerError ?? ((route, error) => console.error(`[ws-gateway] ${route} handler failed`, error));

  const connections = new Map<string, Connection>();
  const draining = new Set<Promise<void>>();
  /** What `$connect` chose, read back by `ws` while it completes the handshake. */
  const chosenProtocol = new WeakMap<IncomingMessage, string>();
  let domainName = '';

  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: MAX_MESSAGE_BYTES,
    handleProtocols: (_offered, req) => chosenProtocol.get(req) ?? false,
  });
  // `ws` only consults handleProtocols when the client offered protocols; API Gateway
  // passes $connect's header through regardless, so add it when `ws` did not.
  wss.on('headers', (lines: string[], req: IncomingMessage) => {
    const chosen = chosenProtocol.get(req);
    if (chosen && !lines.some((line) => /^sec-websocket-protocol:/i.test(line))) {
      lines.push(`Sec-WebSocket-Protocol: ${chosen}`);
    }
  });

  const server = createServer((req, res) => {
    handleManagementRequest(req, res).catch((error: unknown) => {
      reportError('@connections', error);
      if (!res.headersSent) sendJson(res, 500, { message: 'Internal server error' });
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    handleUpgrade(req, socket, head).catch((error: unknown) => {
      reportError('$connect', error);
      refuseHandshake(socket, 500);
    });
  });

  const { port, publicHost } = await listenOn(server, opts.port ?? 0, host);
  domainName = `${publicHost}:${port}`;

  function baseContext(
    conn: Connection,
    routeKey: WebSocketRequestContext['routeKey'],
    eventType: WebSocketRequestContext['eventType'],
  ): WebSocketRequestContext {
    const now = Date.now();
    return {
      routeKey,
      eventType,
      extendedRequestId: awsStyleId(),
      requestTime: apiGatewayRequestTime(now),
      messageDirection: 'IN',
      stage,
      connectedAt: conn.connectedAt,
      requestTimeEpoch: now,
      identity: conn.identity,
      requestId: awsStyleId(),
      domainName,
      connectionId: conn.id,
      apiId: 'local',
      ...(conn.authorizer ? { authorizer: conn.authorizer } : {}),
    };
  }

  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // The client may vanish while $connect runs; that must not crash the process.
    socket.on('error', () => undefined);
    if (!isWebSocketHandshake(req)) return refuseHandshake(socket, 400);

    const url = new URL(req.url ?? '/', 'http://local');
    const query = queryParameters(url.searchParams, opts.pathToQuery?.(url.pathname));
    const allHeaders = apiGatewayHeaders(req.rawHeaders);
    const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    const now = Date.now();
    const conn: Connection = {
      id: uniqueConnectionId(),
      state: 'connecting',
      connected: false,
      connectedAt: now,
      lastActiveAt: now,
      identity: { sourceIp, userAgent: singleHeader(req, 'user-agent') },
      // The integration sees the handshake without its hop-by-hop headers, plus the
      // X-Forwarded-* that API Gateway adds.
      ...withoutHopByHop(withForwardedHeaders(allHeaders, sourceIp, port)),
      queue: Promise.resolve(),
    };
    connections.set(conn.id, conn);
    socket.once('close', () => {
      // Closed before the upgrade completed: no WebSocket 'close' event will follow.
      if (conn.state === 'connecting') finish(conn, 1006, LOST_DURING_HANDSHAKE);
    });

    if (opts.authorizer) {
      const started = Date.now();
      const methodArn = `arn:aws:execute-api:us-east-1:000000000000:local/${stage}/$connect`;
      let result: APIGatewayAuthorizerResult;
      try {
        result = await opts.authorizer({
          type: 'REQUEST',
          methodArn,
          headers: allHeaders.headers,
          multiValueHeaders: allHeaders.multiValueHeaders,
          ...query,
          stageVariables: {},
          requestContext: baseContext(conn, '$connect', 'CONNECT'),
        });
      } catch (error) {
        // API Gateway maps the conventional `Error('Unauthorized')` to 401, anything else to 500.
        const unauthorized = error instanceof Error && error.message === 'Unauthorized';
        if (!unauthorized) reportError('authorizer', error);
        return abandon(conn, socket, unauthorized ? 401 : 500);
      }
      // An explicit or implicit Deny is 403 on API Gateway, like REST APIs' "explicit deny".
      if (!policyAllows(result.policyDocument, methodArn)) return abandon(conn, socket, 403);
      if (conn.state === 'closed') return;
      conn.authorizer = {
        ...(result.context ?? {}),
        principalId: result.principalId,
        integrationLatency: Date.now() - started,
      };
    }

    const connectEvent: WebSocketGatewayEvent = {
      requestContext: baseContext(conn, '$connect', 'CONNECT'),
      headers: conn.headers,
      multiValueHeaders: conn.multiValueHeaders,
      ...query,
      isBase64Encoded: false,
    };
    let result: unknown;
    try {
      result = await opts.connect(connectEvent);
    } catch (error) {
      reportError('$connect', error);
      return abandon(conn, socket, 500);
    }
    const status = statusCodeOf(result) ?? 200;
    if (status < 200 || status > 299) return abandon(conn, socket, status, bodyOf(result));

    conn.connected = true;
    if (conn.state === 'closed' || socket.destroyed) {
      // The client left while $connect ran; the application may already have stored it.
      if (conn.state === 'closed') emitDisconnect(conn, 1006, LOST_DURING_HANDSHAKE);
      else finish(conn, 1006, LOST_DURING_HANDSHAKE);
      return;
    }
    const protocol = headerOf(result, 'sec-websocket-protocol');
    if (protocol) chosenProtocol.set(req, protocol);
    // If `ws` rejects the handshake the callback never runs; the socket 'close' listener cleans up.
    wss.handleUpgrade(req, socket, head, (ws) => onOpen(conn, ws));
  }

  function abandon(conn: Connection, socket: Duplex, status: number, body?: string): void {
    conn.state = 'closed';
    connections.delete(conn.id);
    refuseHandshake(socket, status, body);
  }

  function onOpen(conn: Connection, ws: WebSocket): void {
    conn.ws = ws;
    conn.state = 'open';
    touch(conn);
    conn.lifetimeTimer = setTimeout(() => closeByGateway(conn, 1001, 'Going away'), maxConnectionMs);
    conn.lifetimeTimer.unref();

    if (meters.size > 0) meter('connections');
    ws.on('message', (data: RawData) => {
      touch(conn);
      // Binary frames reach the integration as UTF-8 text; OCPP-J only uses text.
      const buffer = rawDataToBuffer(data);
      if (meters.size > 0) meter('received', buffer.length);
      const body = buffer.toString('utf8');
      enqueue(conn, () => deliverMessage(conn, body));
    });
    ws.on('error', (error: Error & { code?: string }) => {
      // `ws` has already started closing with the matching code (1009 for oversize).
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        conn.closedBy ??= { code: 1009, reason: 'Message too big' };
      }
    });
    ws.on('close', (code: number, reason: Buffer) => {
      finish(conn, conn.closedBy?.code ?? code, conn.closedBy?.reason ?? reason.toString('utf8'));
    });
  }

  async function deliverMessage(conn: Connection, body: string): Promise<void> {
    const requestContext = { ...baseContext(conn, '$default', 'MESSAGE'), messageId: awsStyleId() };
    const event: WebSocketGatewayEvent = { requestContext, body, isBase64Encoded: false };
    let reply: string | undefined;
    try {
      // A two-way route: the integration's body goes back on the connection.
      reply = bodyOf(await opts.message(event));
    } catch (error) {
      reportError('$default', error);
      reply = JSON.stringify({
        message: 'Internal server error',
        connectionId: conn.id,
        requestId: requestContext.requestId,
      });
    }
    if (reply && conn.state === 'open') sendText(conn, Buffer.from(reply, 'utf8'));
  }

  function finish(conn: Connection, code: number, reason: string): void {
    if (conn.state === 'closed') return;
    conn.state = 'closed';
    clearTimeout(conn.idleTimer);
    clearTimeout(conn.lifetimeTimer);
    connections.delete(conn.id);
    if (conn.connected) {
      emitDisconnect(conn, code, reason);
      // Closed connections leave the map at once; close() must still wait for their $disconnect.
      const drained = conn.queue.finally(() => draining.delete(drained));
      draining.add(drained);
    }
  }

  function emitDisconnect(conn: Connection, code: number, reason: string): void {
    const event: WebSocketGatewayEvent = {
      requestContext: {
        ...baseContext(conn, '$disconnect', 'DISCONNECT'),
        disconnectStatusCode: code,
        disconnectReason: reason,
      },
      headers: { Host: domainName, 'X-Forwarded-For': conn.identity.sourceIp },
      multiValueHeaders: { Host: [domainName], 'X-Forwarded-For': [conn.identity.sourceIp] },
      isBase64Encoded: false,
    };
    // After the queued messages, so a handler never sees $disconnect before a message
    // the station sent earlier.
    enqueue(conn, async () => {
      try {
        await opts.disconnect(event);
      } catch (error) {
        reportError('$disconnect', error);
      }
    });
  }

  function enqueue(conn: Connection, task: () => Promise<void>): void {
    conn.queue = conn.queue.then(task, task);
  }

  function touch(conn: Connection): void {
    conn.lastActiveAt = Date.now();
    clearTimeout(conn.idleTimer);
    conn.idleTimer = setTimeout(() => closeByGateway(conn, 1001, 'Going away'), idleTimeoutMs);
    conn.idleTimer.unref();
  }

  function sendText(conn: Connection, data: Buffer): void {
    touch(conn);
    if (meters.size > 0) meter('sent', data.length);
    conn.ws?.send(data, { binary: false });
  }

  function closeByGateway(conn: Connection, code: number, reason: string): void {
    const ws = conn.ws;
    if (!ws || conn.state !== 'open') return;
    conn.closedBy ??= { code, reason };
    ws.close(code, reason);
    // Don't wait ws's 30 s for a peer that never answers the close frame.
    setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  async function handleManagementRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const pathname = new URL(req.url ?? '/', 'http://local').pathname;
    const match = MANAGEMENT_PATH.exec(pathname);
    if (!match?.[1]) {
      // What API Gateway answers for anything it has no route for.
      return sendError(res, 403, 'ForbiddenException', 'Missing Authentication Token');
    }
    const conn = connections.get(safeDecode(match[1]));
    const open = conn?.state === 'open' ? conn : undefined;

    switch (req.method) {
      case 'POST': {
        const data = await readRequestBody(req, MAX_MESSAGE_BYTES);
        if (data === 'too-large') return sendError(res, 413, 'PayloadTooLargeException', 'Request entity too large');
        if (!open) return sendGone(res);
        sendText(open, data);
        res.writeHead(200, { 'content-length': '0' }).end();
        return;
      }
      case 'GET':
        if (!open) return sendGone(res);
        return sendJson(res, 200, {
          connectedAt: new Date(open.connectedAt).toISOString(),
          identity: open.identity,
          lastActiveAt: new Date(open.lastActiveAt).toISOString(),
        });
      case 'DELETE':
        if (!open) return sendGone(res);
        closeByGateway(open, 1000, '');
        res.writeHead(204).end();
        return;
      default:
        return sendError(res, 403, 'ForbiddenException', 'Missing Authentication Token');
    }
  }

  function uniqueConnectionId(): string {
    let id = awsStyleId();
    while (connections.has(id)) id = awsStyleId();
    return id;
  }

  return {
    port,
    url: `ws://${domainName}`,
    managementEndpoint: `http://${domainName}`,
    connectionCount: () => [...connections.values()].filter((c) => c.state === 'open').length,
    async close() {
      const open = [...connections.values()].filter((c) => c.state === 'open');
      for (const conn of open) closeByGateway(conn, 1001, 'Going away');
      // Wait for each socket to close and its $disconnect to run.
      await Promise.all(
        open.map(
          (conn) =>
            new Promise<void>((resolve) => {
              if (conn.state === 'closed') return resolve();
              conn.ws?.once('close', () => resolve());
            }),
        ),
      );
      await Promise.all([...open].map((conn) => conn.queue));
      await Promise.all([...draining]);
      wss.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

// --- handshake helpers -------------------------------------------------------------

function isWebSocketHandshake(req: IncomingMessage): boolean {
  return (
    req.method === 'GET' &&
    (req.headers.upgrade ?? '').toLowerCase() === 'websocket' &&
    typeof req.headers['sec-websocket-key'] === 'string' &&
    req.headers['sec-websocket-version'] === '13'
  );
}

function refuseHandshake(socket: Duplex, status: number, body?: string): void {
  if (socket.destroyed) return;
  const payload = body ?? JSON.stringify({ message: STATUS_CODES[status] ?? 'Error' });
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(payload)}\r\n` +
      `x-amzn-RequestId: ${awsStyleId()}\r\n\r\n` +
      payload,
  );
}

/** API Gateway keeps the client's header casing; the last value wins in `headers`. */
function apiGatewayHeaders(rawHeaders: string[]): { headers: Headers; multiValueHeaders: MultiValueHeaders } {
  const headers: Headers = {};
  const multiValueHeaders: MultiValueHeaders = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const value = rawHeaders[i + 1]!;
    headers[name] = value;
    (multiValueHeaders[name] ??= []).push(value);
  }
  return { headers, multiValueHeaders };
}

function withForwardedHeaders(
  all: { headers: Headers; multiValueHeaders: MultiValueHeaders },
  sourceIp: string,
  port: number,
): { headers: Headers; multiValueHeaders: MultiValueHeaders } {
  const headers = { ...all.headers };
  const multiValueHeaders = { ...all.multiValueHeaders };
  const present = new Set(Object.keys(headers).map((k) => k.toLowerCase()));
  const add = (name: string, value: string) => {
    if (present.has(name.toLowerCase())) return;
    headers[name] = value;
    multiValueHeaders[name] = [value];
  };
  add('X-Forwarded-For', sourceIp);
  add('X-Forwarded-Port', String(port));
  add('X-Forwarded-Proto', 'http');
  return { headers, multiValueHeaders };
}

function withoutHopByHop(all: { headers: Headers; multiValueHeaders: MultiValueHeaders }): {
  headers: Headers;
  multiValueHeaders: MultiValueHeaders;
} {
  const keep = (name: string) => !['connection', 'upgrade'].includes(name.toLowerCase());
  return {
    headers: Object.fromEntries(Object.entries(all.headers).filter(([k]) => keep(k))),
    multiValueHeaders: Object.fromEntries(Object.entries(all.multiValueHeaders).filter(([k]) => keep(k))),
  };
}

function singleHeader(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return typeof value === 'string' ? value : null;
}

/** The mapped path parameters override the real query, as the CloudFront function rewrites it. */
function queryParameters(
  search: URLSearchParams,
  fromPath: Record<string, string> | undefined,
): {
  queryStringParameters: Record<string, string> | null;
  multiValueQueryStringParameters: Record<string, string[]> | null;
} {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [key, value] of search) {
    single[key] = value;
    (multi[key] ??= []).push(value);
  }
  for (const [key, value] of Object.entries(fromPath ?? {})) {
    single[key] = value;
    multi[key] = [value];
  }
  const none = Object.keys(single).length === 0;
  return {
    queryStringParameters: none ? null : single,
    multiValueQueryStringParameters: none ? null : multi,
  };
}

/** IAM-style evaluation: an explicit Deny wins, otherwise some Allow must match. */
function policyAllows(policy: PolicyDocument | undefined, methodArn: string): boolean {
  const statements = policy?.Statement ?? [];
  const matching = statements.filter((statement) => {
    const s = statement as { Action?: string | string[]; Resource?: string | string[] };
    const actions = [s.Action ?? []].flat();
    const resources = [s.Resource ?? []].flat();
    return (
      actions.some((a) => globMatches(a, 'execute-api:Invoke')) && resources.some((r) => globMatches(r, methodArn))
    );
  });
  if (matching.some((s) => s.Effect === 'Deny')) return false;
  return matching.some((s) => s.Effect === 'Allow');
}

function globMatches(pattern: string, value: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(value);
}

// --- integration results -------------------------------------------------------------

function statusCodeOf(result: unknown): number | undefined {
  const code = (result as { statusCode?: unknown } | null | undefined)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

function bodyOf(result: unknown): string | undefined {
  const body = (result as { body?: unknown } | null | undefined)?.body;
  return typeof body === 'string' ? body : undefined;
}

function headerOf(result: unknown, name: string): string | undefined {
  const headers = (result as { headers?: Record<string, unknown> } | null | undefined)?.headers;
  if (!headers || typeof headers !== 'object') return undefined;
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
  return entry && entry[1] !== undefined ? String(entry[1]) : undefined;
}

// --- management API helpers -----------------------------------------------------------

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res
    .writeHead(status, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(payload)),
      'x-amzn-RequestId': awsStyleId(),
      ...headers,
    })
    .end(payload);
}

function sendError(res: ServerResponse, status: number, errorType: string, message: string | null): void {
  sendJson(res, status, { message }, { 'x-amzn-ErrorType': errorType });
}

function sendGone(res: ServerResponse): void {
  sendError(res, 410, 'GoneException', null);
}

function rawDataToBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
