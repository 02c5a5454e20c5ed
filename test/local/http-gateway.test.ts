import { afterEach, describe, expect, it } from 'vitest';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import {
  startHttpGateway,
  type HttpGateway,
  type HttpGatewayOptions,
  type HttpRoute,
} from '../../lib/local/http-gateway';

const running: HttpGateway[] = [];

afterEach(async () => {
  for (const gateway of running.splice(0)) await gateway.close();
});

async function start(routes: HttpGatewayOptions['routes'], extra: Partial<HttpGatewayOptions> = {}) {
  const errors: unknown[] = [];
  const gateway = await startHttpGateway({ routes, onHandlerError: (_route, error) => errors.push(error), ...extra });
  running.push(gateway);
  return { gateway, errors };
}

/** A route whose handler answers with the event it received. */
function echo(method: HttpRoute['method'], path: string, extra: Partial<HttpRoute> = {}): HttpRoute {
  return { method, path, handler: async (event) => ({ statusCode: 200, body: JSON.stringify(event) }), ...extra };
}

async function eventOf(response: Response): Promise<APIGatewayProxyEventV2> {
  expect(response.status).toBe(200);
  return (await response.json()) as APIGatewayProxyEventV2;
}

describe('HTTP gateway routing', () => {
  it('picks the most specific route whatever the declaration order, with decoded path parameters', async () => {
    const { gateway } = await start([
      echo('ANY', '/installer/{proxy+}'),
      echo('GET', '/installer/sites/{siteId}'),
      echo('GET', '/installer/sites/special'),
      echo('ANY', '/ops/sessions/{sessionId}'),
      echo('GET', '/ops/sessions/{sessionId}'),
    ]);
    const literal = await eventOf(await fetch(`${gateway.url}/installer/sites/special`));
    expect(literal.routeKey).toBe('GET /installer/sites/special');
    expect(literal.pathParameters).toBeUndefined();

    const param = await eventOf(await fetch(`${gateway.url}/installer/sites/Site%20A`));
    expect(param.routeKey).toBe('GET /installer/sites/{siteId}');
    expect(param.pathParameters).toEqual({ siteId: 'Site A' });
    expect(param.rawPath).toBe('/installer/sites/Site%20A');

    const greedy = await eventOf(await fetch(`${gateway.url}/installer/readers/R1/extra`, { method: 'DELETE' }));
    expect(greedy.routeKey).toBe('ANY /installer/{proxy+}');
    expect(greedy.pathParameters).toEqual({ proxy: 'readers/R1/extra' });

    const explicit = await eventOf(await fetch(`${gateway.url}/ops/sessions/S1`));
    expect(explicit.routeKey).toBe('GET /ops/sessions/{sessionId}');
    const any = await eventOf(await fetch(`${gateway.url}/ops/sessions/S1`, { method: 'POST' }));
    expect(any.routeKey).toBe('ANY /ops/sessions/{sessionId}');
  });

  it('hands a malformed %-escape on to the handler as sent (the handler answers it), and no literal segment matches one', async () => {
    const { gateway, errors } = await start([echo('GET', '/ops/sessions/{sessionId}'), echo('GET', '/ops/sessions/{sessionId}/execution')]);
    const bad = await eventOf(await fetch(`${gateway.url}/ops/sessions/%zz`));
    expect(bad.rawPath).toBe('/ops/sessions/%zz');
    expect(bad.pathParameters).toEqual({ sessionId: '%zz' });
    const broken = await eventOf(await fetch(`${gateway.url}/ops/sessions/%E0%A4%A/execution`));
    expect(broken.pathParameters).toEqual({ sessionId: '%E0%A4%A' });
    expect((await fetch(`${gateway.url}/ops/%zzsessions/S1`)).status).toBe(404);
    expect(errors).toEqual([]);
  });

  it('answers 404 {"message":"Not Found"} for an unknown path or method', async () => {
    const { gateway } = await start([echo('GET', '/ops/sessions')]);
    for (const [path, method] of [
      ['/ops/nothing', 'GET'],
      ['/ops/sessions', 'POST'],
      ['/ops/sessions/S1', 'GET'],
    ] as const) {
      const response = await fetch(`${gateway.url}${path}`, { method });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ message: 'Not Found' });
    }
  });

  it('sends everything to a $default route when nothing else matches', async () => {
    const { gateway } = await start([echo('GET', '/a'), echo('ANY', '$default')]);
    expect((await eventOf(await fetch(`${gateway.url}/a`))).routeKey).toBe('GET /a');
    expect((await eventOf(await fetch(`${gateway.url}/b/c`, { method: 'PUT', body: 'x' }))).routeKey).toBe('$default');
  });

  it('serves plain routes for simulators on the same server', async () => {
    const { gateway } = await start([
      echo('GET', '/ops/sessions'),
      {
        method: 'POST',
        path: '/payter/terminals/{serial}/ui',
        raw: (req, res, params) => {
          let body = '';
          req.on('data', (chunk: Buffer) => (body += chunk.toString()));
          req.on('end', () => res.writeHead(202, { 'x-serial': params.serial ?? '' }).end(`got ${body}`));
        },
      },
    ]);
    const response = await fetch(`${gateway.url}/payter/terminals/T-9/ui`, { method: 'POST', body: 'screen' });
    expect(response.status).toBe(202);
    expect(response.headers.get('x-serial')).toBe('T-9');
    expect(await response.text()).toBe('got screen');
  });
});

describe('HTTP gateway v2 events', () => {
  it('builds the payload format 2.0 event', async () => {
    const { gateway } = await start([echo('PUT', '/installer/sites/{siteId}')]);
    const response = await fetch(`${gateway.url}/installer/sites/S1?status=open&siteId=a&siteId=b&empty=`, {
      method: 'PUT',
      headers: {
        'Content-Type': 'application/json',
        'X-Custom': 'one',
        Cookie: 'session=abc; theme=dark',
        'User-Agent': 'installer-panel/2',
      },
      body: '{"name":"Depot"}',
    });
    const event = await eventOf(response);
    expect(response.headers.get('apigw-requestid')).toBe(event.requestContext.requestId);
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'PUT /installer/sites/{siteId}',
      rawPath: '/installer/sites/S1',
      rawQueryString: 'status=open&siteId=a&siteId=b&empty=',
      cookies: ['session=abc', 'theme=dark'],
      queryStringParameters: { status: 'open', siteId: 'a,b', empty: '' },
      pathParameters: { siteId: 'S1' },
      body: '{"name":"Depot"}',
      isBase64Encoded: false,
      requestContext: {
        accountId: expect.any(String),
        apiId: 'local',
        domainName: `127.0.0.1:${gateway.port}`,
        http: {
          method: 'PUT',
          path: '/installer/sites/S1',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'installer-panel/2',
        },
        routeKey: 'PUT /installer/sites/{siteId}',
        stage: '$default',
      },
    });
    expect(event.headers).toMatchObject({
      'content-type': 'application/json',
      'x-custom': 'one',
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-port': String(gateway.port),
    });
    expect(event.headers.cookie).toBeUndefined();
    expect(event.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(Math.abs(event.requestContext.timeEpoch - Date.now())).toBeLessThan(5_000);
  });

  it('leaves out query, path parameters, cookies and body when there are none', async () => {
    const { gateway } = await start([echo('GET', '/ops/sessions')]);
    const event = await eventOf(await fetch(`${gateway.url}/ops/sessions`));
    expect(event.rawQueryString).toBe('');
    expect(event).not.toHaveProperty('queryStringParameters');
    expect(event).not.toHaveProperty('pathParameters');
    expect(event).not.toHaveProperty('cookies');
    expect(event).not.toHaveProperty('body');
    expect(event.isBase64Encoded).toBe(false);
  });

  it('base64-encodes non-text bodies, as HTTP API does (form posts included)', async () => {
    const { gateway } = await start([echo('POST', '/upload')]);
    const binary = Buffer.from([0, 1, 2, 250, 255]);
    const event = await eventOf(
      await fetch(`${gateway.url}/upload`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: binary,
      }),
    );
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body!, 'base64')).toEqual(binary);

    const form = await eventOf(
      await fetch(`${gateway.url}/upload`, { method: 'POST', body: new URLSearchParams({ a: '1' }) }),
    );
    expect(form.isBase64Encoded).toBe(true);
    expect(Buffer.from(form.body!, 'base64').toString()).toBe('a=1');
  });
});

describe('HTTP gateway responses', () => {
  it('maps a structured result: status, headers, cookies and a base64 body', async () => {
    const { gateway } = await start([
      {
        method: 'GET',
        path: '/receipt',
        handler: async () => ({
          statusCode: 201,
          headers: { 'Content-Type': 'application/pdf', 'X-Count': 3 as unknown as string },
          cookies: ['a=1; Path=/', 'b=2'],
          body: Buffer.from('%PDF-1.7').toString('base64'),
          isBase64Encoded: true,
        }),
      },
    ]);
    const response = await fetch(`${gateway.url}/receipt`);
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('x-count')).toBe('3');
    expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2']);
    expect(await response.text()).toBe('%PDF-1.7');
  });

  it('infers 200 application/json for a plain object or a string', async () => {
    const { gateway } = await start([
      { method: 'GET', path: '/object', handler: async () => ({ sessions: [{ id: 'S1' }] }) },
      { method: 'GET', path: '/string', handler: async () => 'Hello from Lambda!' },
      { method: 'GET', path: '/empty', handler: async () => ({ statusCode: 204 }) },
    ]);
    const object = await fetch(`${gateway.url}/object`);
    expect(object.status).toBe(200);
    expect(object.headers.get('content-type')).toBe('application/json');
    expect(await object.json()).toEqual({ sessions: [{ id: 'S1' }] });

    const text = await fetch(`${gateway.url}/string`);
    expect(text.status).toBe(200);
    expect(text.headers.get('content-type')).toBe('application/json');
    expect(await text.text()).toBe('Hello from Lambda!');

    const empty = await fetch(`${gateway.url}/empty`);
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe('');
  });

  it('answers 500 when a handler throws, and serves the next request', async () => {
    let calls = 0;
    const { gateway, errors } = await start([
      {
        method: 'POST',
        path: '/ops/sessions/{sessionId}/stop',
        handler: async () => {
          calls++;
          if (calls === 1) throw new Error('bug');
          return { statusCode: 202, body: '{"stopping":true}' };
        },
      },
    ]);
    const failed = await fetch(`${gateway.url}/ops/sessions/S1/stop`, { method: 'POST' });
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ message: 'Internal Server Error' });
    expect(errors).toHaveLength(1);

    const next = await fetch(`${gateway.url}/ops/sessions/S1/stop`, { method: 'POST' });
    expect(next.status).toBe(202);
    expect(await next.json()).toEqual({ stopping: true });
  });
});

describe('HTTP gateway authorization and limits', () => {
  it('answers 401 without calling the handler when authorize says no', async () => {
    let handled = 0;
    const { gateway } = await start([
      {
        method: 'GET',
        path: '/ops/sessions',
        authorize: (event) =>
          event.headers.authorization === 'Bearer right'
            ? { isAuthorized: true, context: { operator: 'ops-1' } }
            : false,
        handler: async (event) => {
          handled++;
          return { authorizer: (event.requestContext as { authorizer?: unknown }).authorizer };
        },
      },
    ]);
    const denied = await fetch(`${gateway.url}/ops/sessions`, { headers: { authorization: 'Bearer wrong' } });
    expect(denied.status).toBe(401);
    expect(await denied.json()).toEqual({ message: 'Unauthorized' });
    expect(handled).toBe(0);

    const allowed = await fetch(`${gateway.url}/ops/sessions`, { headers: { authorization: 'Bearer right' } });
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toEqual({ authorizer: { lambda: { operator: 'ops-1' } } });
  });

  it("answers 403 without calling the handler when authorize finds the caller's role short of the route", async () => {
    let handled = 0;
    const { gateway } = await start([
      { method: 'GET', path: '/ops/sessions', authorize: () => 'forbidden', handler: async () => (handled++, { ok: true }) },
    ]);
    const refused = await fetch(`${gateway.url}/ops/sessions`, { headers: { authorization: 'Bearer installer' } });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ message: 'Forbidden' });
    expect(handled).toBe(0);
  });

  it('answers 413 to a body over the limit without calling the handler', async () => {
    let handled = 0;
    const { gateway } = await start(
      [
        {
          method: 'POST',
          path: '/payter/callbacks/{kind}',
          handler: async () => {
            handled++;
            return { ok: true };
          },
        },
      ],
      { maxBodyBytes: 1024 },
    );
    const tooBig = await fetch(`${gateway.url}/payter/callbacks/card`, { method: 'POST', body: 'x'.repeat(1025) });
    expect(tooBig.status).toBe(413);
    expect(handled).toBe(0);
    const fits = await fetch(`${gateway.url}/payter/callbacks/card`, { method: 'POST', body: 'x'.repeat(1024) });
    expect(fits.status).toBe(200);
    expect(handled).toBe(1);
  });
});
