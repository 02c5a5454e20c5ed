/**
 * What the fuzz suites found answered 500, one by one: each is now a 4xx naming the field
 * (or the documented 504), and a refused request stores nothing.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallbackUrls } from '../../lambdas/readers/callback-urls';
import { snapshotTables, tableChanges } from '../fuzz/support';
import { OPS_TOKEN, localDynamoDb, startTestSystem, type TestSystem } from '../support/local-system';

const PASSWORD = 'bad-requests-secret';
let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem();
  await system.provisionStation('CP-BAD', PASSWORD);
});

afterAll(async () => {
  await system?.close();
});

const fieldsOf = (body: { details?: { field: string }[] }) => (body.details ?? []).map((d) => d.field);

describe('paths', () => {
  it('answers a malformed %-escape with a 400 naming the path parameter', async () => {
    for (const path of ['/ops/sessions/%zz', '/ops/sessions/%E0%A4%A/execution', '/installer/sites/%', '/installer/readers/%zz']) {
      const answer = await system.api(path.startsWith('/installer/readers') ? 'DELETE' : 'GET', path);
      expect(answer.status, path).toBe(400);
      expect(fieldsOf(answer.body), path).toEqual([expect.stringMatching(/^(sessionId|siteId|serialNumber)$/)]);
    }
  });

  it('refuses an id longer than its kind allows with a 400 naming it, on paths, queries and bodies alike', async () => {
    const long = 'x'.repeat(3000);
    const cases: [string, string, string, unknown?][] = [
      ['GET', `/ops/sessions/${long}`, 'sessionId'],
      ['POST', `/ops/sessions/${long}/stop`, 'sessionId'],
      ['GET', `/installer/sites/${long}`, 'siteId'],
      ['GET', `/installer/stations/${long}`, 'stationId'],
      ['GET', `/installer/readers/${long}`, 'serialNumber'],
      ['POST', `/ops/stations/${long}/calls`, 'stationId', { action: 'Reset', payload: { type: 'Soft' } }],
      ['GET', `/ops/sessions?stationId=${long}`, 'stationId'],
      ['PUT', '/installer/stations/CP-LONG', 'siteId', { siteId: long, connectors: [1], password: PASSWORD }],
    ];
    for (const [method, path, field, body] of cases) {
      const answer = await system.api(method, path, body);
      expect(answer.status, `${method} ${path.slice(0, 40)}`).toBe(400);
      expect(fieldsOf(answer.body)).toContain(field);
    }
  });

  it("refuses a Payter callback with a 3,000-character serial number (400 naming it) and stores nothing, even the idempotency layer's record", async () => {
    const urls = new CallbackUrls(process.env.PUBLIC_BASE_URL!, process.env.PAYTER_CALLBACK_SECRET!);
    const serial = 'S'.repeat(3000);
    const before = await snapshotTables();
    const post = (url: string, body: unknown) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as { details?: { field: string }[] } }));
    const state = await post(urls.state(), { serialNumber: serial, online: true, state: 'IDLE' });
    const card = await post(urls.card(serial, 'r-1'), { serialNumber: serial, ifd: 'CONTACTLESS', aid: 'A0', cardId: 'C' });
    const forged = await post(`${process.env.PUBLIC_BASE_URL}/payter/forged/card/r-1`, { serialNumber: 'S1', ifd: 'CONTACTLESS', aid: 'A0', cardId: 'C' });
    expect([state.status, card.status, forged.status]).toEqual([400, 400, 404]);
    expect(fieldsOf(state.body)).toEqual(['serialNumber']);
    expect(fieldsOf(card.body)).toEqual(['serialNumber']);
    expect(tableChanges(before, await snapshotTables())).toEqual([]);
  });

  it('refuses a charger handshake with a malformed %-escape or an overlong station id as unauthorized, not a 500', async () => {
    const status = (path: string, user: string) =>
      new Promise<number | 'open'>((resolve) => {
        const ws = new WebSocket(`${system.runtime.ocppUrl}/${path}`, ['ocpp1.6'], {
          headers: { authorization: `Basic ${Buffer.from(`${user}:${PASSWORD}`).toString('base64')}` },
        });
        ws.once('open', () => (ws.close(), resolve('open')));
        ws.once('unexpected-response', (_q, res) => (res.resume(), resolve(res.statusCode ?? 0)));
      });
    expect(await status('%zz', '%zz')).toBe(401);
    expect(await status('C'.repeat(3000), 'C'.repeat(3000))).toBe(401);
  });
});

describe('periods', () => {
  it('refuses from after to with a 400 naming to, on the sessions list and reconciliation', async () => {
    for (const path of ['/ops/sessions', '/ops/reconciliation', '/ops/reconciliation/mypayter']) {
      const answer = await system.api('GET', `${path}?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z`);
      expect(answer.status, path).toBe(400);
      expect(fieldsOf(answer.body)).toEqual(['to']);
    }
  });

  it('takes a plain date as that whole UTC day, full datetimes as ever, and names a bad one', async () => {
    const day = await system.api('GET', '/ops/reconciliation?from=2026-12-01&to=2026-12-01');
    expect(day.status).toBe(200);
    expect(day.body).toMatchObject({ from: '2026-12-01T00:00:00.000Z', to: '2026-12-01T23:59:59.999Z' });
    const full = await system.api('GET', `/ops/reconciliation?from=${encodeURIComponent('2026-12-01T08:00:00+05:00')}&to=2026-12-01T10:00:00Z`);
    expect(full.body).toMatchObject({ from: '2026-12-01T03:00:00.000Z', to: '2026-12-01T10:00:00.000Z' });
    const bad = await system.api('GET', '/ops/reconciliation?from=2026-02-30&to=yesterday');
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad.body)).toEqual(['from', 'to']);
  });
});

describe('sessions', () => {
  it('answers 404 for the execution of a session whose workflow never started', async () => {
    const sessionId = randomUUID();
    await localDynamoDb().send(
      new PutCommand({
        TableName: process.env.SESSIONS_TABLE!,
        Item: { sessionId, siteId: 'site-main-st', stationId: 'CP-BAD', status: 'cancelled', createdAt: new Date().toISOString() },
      }),
    );
    const answer = await system.api('GET', `/ops/sessions/${sessionId}/execution`);
    expect(answer.status).toBe(404);
    expect(answer.body.message).toContain(sessionId);
  });
});

describe('calls to chargers', () => {
  it("answers 504 within 30 s of the request reaching API Gateway when the charger is silent, the time before the handler counted", async () => {
    const ws = new WebSocket(`${system.runtime.ocppUrl}/CP-BAD`, ['ocpp1.6'], {
      headers: { authorization: `Basic ${Buffer.from(`CP-BAD:${PASSWORD}`).toString('base64')}` },
    });
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    try {
      ws.send(JSON.stringify([2, 'boot', 'BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' }]));
      await new Promise((resolve) => ws.once('message', resolve));
      // The request reached API Gateway 24 s ago (a cold start, a slow queue): 6 s are left.
      const { handler } = await import('../../lambdas/ops-api');
      const receivedAt = Date.now() - 24_000;
      const answer = (await handler(opsEvent('POST', '/ops/stations/CP-BAD/calls', { action: 'Reset', payload: { type: 'Soft' } }, receivedAt), lambdaContext())) as {
        statusCode: number;
        body: string;
      };
      expect(answer.statusCode).toBe(504);
      expect(JSON.parse(answer.body).error).toBe('CallTimeout');
      expect(Date.now() - receivedAt).toBeLessThan(30_000);
    } finally {
      ws.close();
    }
  });
});

function opsEvent(method: string, path: string, body: unknown, timeEpoch: number): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'ANY /ops/{proxy+}',
    rawPath: path,
    rawQueryString: '',
    headers: { authorization: `Bearer ${OPS_TOKEN}`, 'content-type': 'application/json' },
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'local',
      domainPrefix: 'local',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: randomUUID(),
      routeKey: 'ANY /ops/{proxy+}',
      // The claims the JWT authorizer hands on for an operator.
      authorizer: { jwt: { claims: { 'cognito:groups': '[operators]' }, scopes: [] } },
      stage: '$default',
      time: new Date(timeEpoch).toUTCString(),
      timeEpoch,
    },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  } as APIGatewayProxyEventV2;
}

function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'ops-api',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:ops-api',
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/ops-api',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 29_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
