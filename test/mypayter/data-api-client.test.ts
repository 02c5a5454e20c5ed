/**
 * The MyPayter Data API client against the MyPayter simulator: login, token reuse and
 * renewal, incremental paging, and every failure as a typed outcome.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MyPayterClient } from '../../lambdas/mypayter/data-api-client';
import { DATA_API_ASSUMED } from '../../lambdas/mypayter/data-api-assumed';
import { startMyPayterSimulator, type MyPayterSimulator } from '../../lib/local/mypayter-simulator';
import type { SimulatedSession } from '../../lib/local/payter-simulator';

const credentials = { username: 'ops@example.com', password: 'pw-1', domain: 'example' };
const sessions: SimulatedSession[] = [];
let sim: MyPayterSimulator;

function hold(n: number, state: SimulatedSession['state'] = 'COMMITTED'): SimulatedSession {
  const at = new Date(Date.UTC(2026, 0, 1, 10, 0, n)).toISOString();
  return {
    sessionId: `cps-${n}`,
    serialNumber: 'APOLLO-1',
    state,
    authorizedAmount: 5000,
    committedAmount: state === 'COMMITTED' ? 700 + n : undefined,
    currency: 'EUR',
    cardId: `card-${n}`,
    refunds: [],
    ifd: 'CONTACTLESS',
    maskedPan: '4111********1111',
    authorizedAt: at,
    changedAt: at,
  };
}

beforeAll(async () => {
  sim = await startMyPayterSimulator({ cps: { allSessions: () => sessions }, credentials });
});
afterAll(async () => {
  await sim.close();
});

const client = (options: Partial<ConstructorParameters<typeof MyPayterClient>[0]> = {}) => new MyPayterClient({ baseUrl: sim.url, credentials, ...options });
const calls = (path: string) => sim.requests().filter((r) => r.path === path);

describe('MyPayterClient', () => {
  it('logs in once, sends the CURO token, and pages incrementally by ingest time', async () => {
    sessions.push(hold(1), hold(2), hold(3, 'AUTHORIZED'));
    const before = calls(DATA_API_ASSUMED.authPath).length;
    const mypayter = client();
    const first = await mypayter.transactionsAfter(undefined, 2);
    expect(first).toMatchObject({ kind: 'ok', value: { done: false, next: { transactionId: 'tx-cps-2' } } });
    if (first.kind !== 'ok') throw new Error('unreachable');
    expect(first.value.transactions.map((t) => [t.sessionId, t.state, t.committedAmount, t.maskedPan])).toEqual([
      ['cps-1', 'COMMITTED', 701, '4111********1111'],
      ['cps-2', 'COMMITTED', 702, '4111********1111'],
    ]);
    const second = await mypayter.transactionsAfter(first.value.next, 2);
    expect(second).toMatchObject({ kind: 'ok', value: { done: true } });
    if (second.kind !== 'ok') throw new Error('unreachable');
    expect(second.value.transactions.map((t) => [t.sessionId, t.state, t.committedAmount])).toEqual([['cps-3', 'AUTHORIZED', undefined]]);
    // One login for both pages; the second page resumed after the first.
    expect(calls(DATA_API_ASSUMED.authPath).length - before).toBe(1);
    expect(calls(DATA_API_ASSUMED.dataPath).at(-1)?.body).toMatchObject({ index: 'Transactions', searchAfter: [first.value.next!.ingestTime, 'tx-cps-2'] });
    // The password never appears in what the simulator records.
    expect(JSON.stringify(sim.requests())).not.toContain(credentials.password);
  });

  it('logs in again when its token has lived its assumed lifetime', async () => {
    let now = Date.now();
    const mypayter = client({ now: () => now });
    const before = calls(DATA_API_ASSUMED.authPath).length;
    expect((await mypayter.transactionsAfter(undefined)).kind).toBe('ok');
    now += DATA_API_ASSUMED.tokenLifetimeMs - 1;
    expect((await mypayter.transactionsAfter(undefined)).kind).toBe('ok');
    expect(calls(DATA_API_ASSUMED.authPath).length - before).toBe(1);
    now += 2;
    expect((await mypayter.transactionsAfter(undefined)).kind).toBe('ok');
    expect(calls(DATA_API_ASSUMED.authPath).length - before).toBe(2);
  });

  it('logs in once more when MyPayter refuses a token early, and answers as if nothing happened', async () => {
    const mypayter = client();
    expect((await mypayter.transactionsAfter(undefined)).kind).toBe('ok');
    sim.expireTokens();
    const before = calls(DATA_API_ASSUMED.authPath).length;
    expect((await mypayter.transactionsAfter(undefined)).kind).toBe('ok');
    expect(calls(DATA_API_ASSUMED.authPath).length - before).toBe(1);
  });

  it('tells wrong credentials apart: rejected 401, naming the credentials', async () => {
    const answer = await client({ credentials: { ...credentials, password: 'wrong' } }).transactionsAfter(undefined);
    expect(answer).toMatchObject({ kind: 'rejected', status: 401, message: expect.stringMatching(/refused the credentials/) });
  });

  it('reports an unreachable API as transient, and a timeout too', async () => {
    expect(await new MyPayterClient({ baseUrl: 'http://127.0.0.1:1', credentials }).transactionsAfter(undefined)).toMatchObject({ kind: 'transient' });
    const hanging: typeof fetch = (_url, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)));
    expect(await client({ fetch: hanging, timeoutMs: 20 }).transactionsAfter(undefined)).toMatchObject({ kind: 'transient', reason: 'no answer within 20 ms' });
  });

  it('reports 5xx and 429 as transient, a 400 as rejected, and an answer outside the contract as protocol', async () => {
    const answering = (status: number, body: unknown): typeof fetch => async (url) =>
      String(url).endsWith(DATA_API_ASSUMED.authPath) ? Response.json({ token: 't' }) : Response.json(body, { status });
    expect(await client({ fetch: answering(503, { error: 'DOWN' }) }).transactionsAfter(undefined)).toMatchObject({ kind: 'transient', status: 503 });
    expect(await client({ fetch: answering(429, {}) }).transactionsAfter(undefined)).toMatchObject({ kind: 'transient', status: 429 });
    expect(await client({ fetch: answering(400, { message: 'bad index' }) }).transactionsAfter(undefined)).toMatchObject({ kind: 'rejected', status: 400, message: 'bad index' });
    expect(await client({ fetch: answering(200, { results: [{ transactionId: 'x' }] }) }).transactionsAfter(undefined)).toMatchObject({
      kind: 'protocol',
      message: expect.stringMatching(/results\.0\.serialNumber/),
    });
    // A 401 that persists after a fresh login is a rejection, not a loop.
    expect(await client({ fetch: answering(401, {}) }).transactionsAfter(undefined)).toMatchObject({ kind: 'rejected', status: 401 });
  });
});
