/**
 * Local stand-in for an API Gateway HTTP API with Lambda proxy integrations (payload
 * format 2.0): routes requests like HTTP API does, hands the handlers the same v2 events
 * and maps their results to HTTP responses the same way. Plain `raw` routes let a
 * simulator share the server.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { apiGatewayRequestTime, awsStyleId, listenOn, readRequestBody } from './http-server';

/** HTTP API's payload limit. */
const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE' | 'PATCH' | 'HEAD' | 'OPTIONS' | 'ANY';

/**
 * A Lambda authorizer's verdict: a boolean, or HTTP API's "simple response" whose
 * context reaches the handler as `requestContext.authorizer.lambda`; 'forbidden' is a JWT
 * authorizer's answer to a valid token without the route's scope (403).
 */
export type HttpAuthorization =
  | boolean
  | 'forbidden'
  | { isAuthorized: boolean; context?: Record<string, unknown> }
  /** A JWT authorizer's pass: the token's claims reach the handler as `requestContext.authorizer.jwt`. */
  | { isAuthorized: true; jwt: { claims: Record<string, string>; scopes: string[] } };

/** A route integrated with a Lambda handler. */
export interface HttpRoute {
  method: HttpMethod;
  /** '/installer/sites/{siteId}', greedy '/files/{proxy+}', or '$default'. */
  path: string;
  /**
   * Resolves to a structured result ({statusCode, headers, body, isBase64Encoded, cookies})
   * or to anything else, which HTTP API turns into a 200 JSON response.
   */
  handler: (event: APIGatewayProxyEventV2) => Promise<unknown>;
  /** false => 401 {"message":"Unauthorized"}, like a failing JWT authorizer; 'forbidden' => 403 {"message":"Forbidden"}. */
  authorize?: (event: APIGatewayProxyEventV2) => HttpAuthorization | Promise<HttpAuthorization>;
}

/** A plain Node route (simulators, static pages); it reads the request itself. */
export interface RawHttpRoute {
  method: HttpMethod;
  path: string;
  raw: (req: IncomingMessage, res: ServerResponse, pathParameters: Record<string, string>) => void | Promise<void>;
}

export interface HttpGatewayOptions {
  /** @default 0 (a free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  routes: Array<HttpRoute | RawHttpRoute>;
  /** @default 10 MB, as HTTP API */
  maxBodyBytes?: number;
  /** Where handler failures are reported. @default console.error */
  onHandlerError?: (routeKey: string, error: unknown) => void;
}

export interface HttpGateway {
  port: number;
  /** http://host:port */
  url: string;
  close(): Promise<void>;
}

type Segment = { kind: 'literal'; value: string } | { kind: 'param'; name: string } | { kind: 'greedy'; name: string };

interface CompiledRoute {
  route: HttpRoute | RawHttpRoute;
  routeKey: string;
  /** null for '$default', which matches anything. */
  segments: Segment[] | null;
}

export async function startHttpGateway(opts: HttpGatewayOptions): Promise<HttpGateway> {
  const host = opts.host ?? '127.0.0.1';
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const reportError =
    opts.onHandlerError ?? ((routeKey, error) => console.error(`[http-gateway] ${routeKey} failed`, error));
  const routes = opts.routes.map(compileRoute).sort(bySpecificity);

  const server = createServer((req, res) => {
    handleRequest(req, res).catch((error: unknown) => {
      reportError(`${req.method} ${req.url}`, error);
      if (!res.headersSent) sendJson(res, 500, { message: 'Internal Server Error' });
      else res.destroy();
    });
  });

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const queryAt = rawUrl.indexOf('?');
    const rawPath = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
    const rawQueryString = queryAt === -1 ? '' : rawUrl.slice(queryAt + 1);
    const method = (req.method ?? 'GET').toUpperCase();

    const found = findRoute(routes, method, rawPath);
    if (!found) return sendJson(res, 404, { message: 'Not Found' });
    const { compiled, pathParameters } = found;

    if ('raw' in compiled.route) {
      await compiled.route.raw(req, res, pathParameters);
      return;
    }
    const route = compiled.route;

    const body = await readRequestBody(req, maxBodyBytes);
    if (body === 'too-large') return sendJson(res, 413, { message: 'Request Entity Too Large' });

    const event = buildEvent(req, {
      routeKey: compiled.routeKey,
      rawPath,
      rawQueryString,
      pathParameters,
      body,
      domainName: req.headers.host ?? `${host}:${port}`,
      port,
    });

    if (route.authorize) {
      let verdict: HttpAuthorization;
      try {
        verdict = await route.authorize(event);
      } catch (error) {
        reportError(`authorizer of ${compiled.routeKey}`, error);
        return sendJson(res, 500, { message: 'Internal Server Error' });
      }
      if (verdict === 'forbidden') return sendJson(res, 403, { message: 'Forbidden' });
      const allowed = typeof verdict === 'boolean' ? verdict : verdict.isAuthorized;
      if (!allowed) return sendJson(res, 401, { message: 'Unauthorized' });
      if (typeof verdict === 'object' && 'jwt' in verdict) {
        (event.requestContext as { authorizer?: unknown }).authorizer = { jwt: verdict.jwt };
      } else if (typeof verdict === 'object' && verdict.context) {
        (event.requestContext as { authorizer?: unknown }).authorizer = { lambda: verdict.context };
      }
    }

    let result: unknown;
    try {
      result = await route.handler(event);
    } catch (error) {
      reportError(compiled.routeKey, error);
      return sendJson(res, 500, { message: 'Internal Server Error' });
    }
    sendResult(res, result, event.requestContext.requestId);
  }

  const { port, publicHost } = await listenOn(server, opts.port ?? 0, host);

  return {
    port,
    url: `http://${publicHost}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// --- routing -------------------------------------------------------------------------

function compileRoute(route: HttpRoute | RawHttpRoute): CompiledRoute {
  if (route.path === '$default') return { route, routeKey: '$default', segments: null };
  const segments = splitPath(route.path).map((part): Segment => {
    const param = /^\{([^}]+)\}$/.exec(part);
    if (!param?.[1]) return { kind: 'literal', value: part };
    return param[1].endsWith('+') ? { kind: 'greedy', name: param[1].slice(0, -1) } : { kind: 'param', name: param[1] };
  });
  return { route, routeKey: `${route.method} ${route.path}`, segments };
}

const SEGMENT_RANK = { literal: 0, param: 1, greedy: 2 } as const;

/**
 * HTTP API picks the most specific route: at the first segment where two routes differ,
 * a literal beats a {param}, which beats a {greedy+}; then an explicit method beats ANY;
 * `$default` comes last.
 */
function bySpecificity(a: CompiledRoute, b: CompiledRoute): number {
  if (!a.segments || !b.segments) return (a.segments ? 0 : 1) - (b.segments ? 0 : 1);
  const length = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < length; i++) {
    const rankA = a.segments[i] ? SEGMENT_RANK[a.segments[i]!.kind] : -1;
    const rankB = b.segments[i] ? SEGMENT_RANK[b.segments[i]!.kind] : -1;
    if (rankA !== rankB) return rankA - rankB;
  }
  return (a.route.method === 'ANY' ? 1 : 0) - (b.route.method === 'ANY' ? 1 : 0);
}

function findRoute(
  routes: CompiledRoute[],
  method: string,
  rawPath: string,
): { compiled: CompiledRoute; pathParameters: Record<string, string> } | undefined {
  const parts = splitPath(rawPath);
  for (const compiled of routes) {
    if (compiled.route.method !== 'ANY' && compiled.route.method !== method) continue;
    if (!compiled.segments) return { compiled, pathParameters: {} };
    const pathParameters = matchSegments(compiled.segments, parts);
    if (pathParameters) return { compiled, pathParameters };
  }
  return undefined;
}

function matchSegments(segments: Segment[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const part = parts[i];
    if (segment.kind === 'greedy') {
      const rest = parts.slice(i);
      if (rest.length === 0) return undefined;
      params[segment.name] = rest.map(safeDecode).join('/');
      return params;
    }
    if (part === undefined || part === '') return undefined;
    if (segment.kind === 'literal') {
      if (safeDecode(part) !== segment.value) return undefined;
    } else {
      params[segment.name] = safeDecode(part);
    }
  }
  return parts.length === segments.length ? params : undefined;
}

/** '/a/b/' and '/a/b' route alike. */
function splitPath(path: string): string[] {
  const parts = path.split('/').slice(1);
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

// --- events --------------------------------------------------------------------------

/** HTTP API hands these to Lambda as UTF-8 text; every other body (even none declared) as base64. */
function isTextContentType(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    type === 'application/json' ||
    type === 'application/xml' ||
    type === 'application/javascript'
  );
}

function buildEvent(
  req: IncomingMessage,
  parts: {
    routeKey: string;
    rawPath: string;
    rawQueryString: string;
    pathParameters: Record<string, string>;
    body: Buffer;
    domainName: string;
    port: number;
  },
): APIGatewayProxyEventV2 {
  // Lower-case names, repeated headers joined with ',' (Node drops some duplicates in req.headers).
  const headers: Record<string, string> = {};
  const cookieHeaders: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    const value = req.rawHeaders[i + 1]!;
    if (name === 'cookie') cookieHeaders.push(value);
    else headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  // Added by API Gateway in front of every integration.
  headers['x-forwarded-for'] ??= sourceIp;
  headers['x-forwarded-port'] ??= String(parts.port);
  headers['x-forwarded-proto'] ??= 'http';
  const cookies = cookieHeaders.flatMap((h) => h.split(';')).map((c) => c.trim()).filter(Boolean);

  const query: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(parts.rawQueryString)) {
    query[key] = key in query ? `${query[key]},${value}` : value;
  }

  const now = Date.now();
  const requestId = awsStyleId();
  const hasBody = parts.body.length > 0;
  const base64 = hasBody && !isTextContentType(headers['content-type']);
  return {
    version: '2.0',
    routeKey: parts.routeKey,
    rawPath: parts.rawPath,
    rawQueryString: parts.rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(parts.pathParameters).length > 0 ? { pathParameters: parts.pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: parts.domainName,
      domainPrefix: parts.domainName.split('.')[0]!.split(':')[0]!,
      http: {
        method: (req.method ?? 'GET').toUpperCase(),
        path: parts.rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: parts.routeKey,
      stage: '$default',
      time: apiGatewayRequestTime(now),
      timeEpoch: now,
    },
    ...(hasBody ? { body: parts.body.toString(base64 ? 'base64' : 'utf8') } : {}),
    isBase64Encoded: base64,
  };
}

// --- responses -----------------------------------------------------------------------

/**
 * HTTP API's v2 mapping: a result with a statusCode is used as is; anything else is
 * "inferred" as 200 application/json, a string as its own body, other values as JSON.
 */
function sendResult(res: ServerResponse, result: unknown, requestId: string): void {
  const isStructured = typeof result === 'object' && result !== null && 'statusCode' in result;
  if (!isStructured) {
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'apigw-requestid': requestId,
    });
    res.end(body);
    return;
  }
  const structured = result as {
    statusCode: unknown;
    headers?: Record<string, string | number | boolean>;
    body?: unknown;
    isBase64Encoded?: boolean;
    cookies?: string[];
  };
  const status = Number(structured.statusCode);
  if (!Number.isInteger(status) || status < 100 || status > 599) {
    sendJson(res, 500, { message: 'Internal Server Error' });
    return;
  }
  const rawBody = typeof structured.body === 'string' ? structured.body : '';
  const body = Buffer.from(rawBody, structured.isBase64Encoded ? 'base64' : 'utf8');
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(structured.headers ?? {})) headers[name.toLowerCase()] = String(value);
  if (structured.cookies?.length) headers['set-cookie'] = structured.cookies;
  headers['content-length'] = String(body.length);
  headers['apigw-requestid'] = requestId;
  res.writeHead(status, headers);
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(payload)),
    'apigw-requestid': awsStyleId(),
  });
  res.end(payload);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
