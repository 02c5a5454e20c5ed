/**
 * How the Payter client classifies each answer CPS can give, driven by an injected `fetch`
 * (no simulator, no sockets): the outcome kind decides whether money is retried, given up on,
 * or re-read, and its message/reason is what an operator reads in a refund's `detail`.
 */
import { describe, expect, it } from 'vitest';
import { PayterClient, describeFetchFailure, parseJson } from '../../lambdas/payter/cps-client';

const SERIAL = 'APOLLO-0001';
const SESSION = 'ps-1';
const BASE = 'https://cps.example.test';

interface Sent {
  readonly url: string;
  readonly init: RequestInit;
}

type Answer = { status: number; body?: unknown; text?: string } | { throws: unknown };

/** A client whose `fetch` records what it was sent and answers with `answer`. */
function clientAnswering(answer: Answer, options: { baseUrl?: string; timeoutMs?: number } = {}) {
  const sent: Sent[] = [];
  const fetch = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    sent.push({ url: String(url), init: init ?? {} });
    if ('throws' in answer) throw answer.throws;
    // Response cannot be built with a 1xx status; fetch could still hand one over.
    if (answer.status < 200) return { status: answer.status, text: async () => '' } as Response;
    const text = answer.text ?? (answer.body === undefined ? '' : JSON.stringify(answer.body));
    return new Response(answer.status === 204 || answer.status === 304 ? null : text, { status: answer.status });
  };
  const client = new PayterClient({ baseUrl: options.baseUrl ?? BASE, apiKey: 'k-1', fetch: fetch as typeof globalThis.fetch, timeoutMs: options.timeoutMs });
  return { client, sent };
}

const committed = { sessionId: SESSION, state: 'COMMITTED', committedAmount: 700 };
const cancelled = { sessionId: SESSION, state: 'CANCELLED' };
const refunded = { sessionId: SESSION, refundId: 'rf-1', refundedAmount: 300 };

/** The three finalizing calls an operator's money goes through, each with its good answer. */
const FINALIZING = [
  ['commit', committed, (c: PayterClient) => c.commit({ serial: SERIAL, sessionId: SESSION, commitAmount: 700 })],
  ['cancel', cancelled, (c: PayterClient) => c.cancel({ serial: SERIAL, sessionId: SESSION })],
  ['refund', refunded, (c: PayterClient) => c.refund({ serial: SERIAL, sessionId: SESSION, amount: 300 })],
] as const;

describe.each(FINALIZING)('%s: the outcome of each answer', (_call, good, call) => {
  it('200 with the contract body is ok with that value', async () => {
    const { client } = clientAnswering({ status: 200, body: good });
    expect(await call(client)).toEqual({ kind: 'ok', value: good });
  });

  it.each([201, 299])('%i is a success too', async (status) => {
    const { client } = clientAnswering({ status, body: good });
    expect(await call(client)).toEqual({ kind: 'ok', value: good });
  });

  it('409 (already final, or too much refunded) is a conflict carrying Payter message', async () => {
    const { client } = clientAnswering({ status: 409, body: { error: 'ALREADY_FINAL', message: 'session is already committed' } });
    expect(await call(client)).toEqual({ kind: 'conflict', message: 'session is already committed' });
  });

  it('409 without a message names Payter error code', async () => {
    const { client } = clientAnswering({ status: 409, body: { error: 'ALREADY_FINAL' } });
    expect(await call(client)).toEqual({ kind: 'conflict', message: 'ALREADY_FINAL' });
  });

  it('409 with an empty body still is a conflict, "HTTP 409"', async () => {
    const { client } = clientAnswering({ status: 409 });
    expect(await call(client)).toEqual({ kind: 'conflict', message: 'HTTP 409' });
  });

  it.each([
    [400, 'bad parameter'],
    [401, 'wrong key'],
    [403, 'forbidden'],
    [404, 'unknown session'],
    [407, 'proxy'],
    [422, 'unprocessable'],
    [499, 'odd client error'],
  ])('%i is rejected with its status and message', async (status, message) => {
    const { client } = clientAnswering({ status, body: { error: 'E', message } });
    expect(await call(client)).toEqual({ kind: 'rejected', status, message });
  });

  it.each([408, 429, 500, 502, 503, 504, 599])('%i is transient, its status and message in the reason', async (status) => {
    const { client } = clientAnswering({ status, body: { error: 'TERMINAL_OFFLINE', message: 'reader offline' } });
    expect(await call(client)).toEqual({ kind: 'transient', reason: `HTTP ${status}: reader offline`, status });
  });

  it('a 200 outside the contract is a protocol error (it may have moved money), naming the field', async () => {
    const { client } = clientAnswering({ status: 200, body: { ...good, sessionId: '' } });
    expect(await call(client)).toEqual({
      kind: 'protocol',
      status: 200,
      message: expect.stringMatching(/^unexpected answer to POST \/terminals\/APOLLO-0001\/sessions\/ps-1\/\w+: sessionId: /),
    });
  });

  it('a lost answer (the connection dropped) is transient with the network error as the reason', async () => {
    const { client } = clientAnswering({ throws: new TypeError('fetch failed', { cause: new Error('ECONNRESET') }) });
    expect(await call(client)).toEqual({ kind: 'transient', reason: 'network error: fetch failed: ECONNRESET' });
  });

  it('no answer in time is transient, naming the timeout', async () => {
    const { client } = clientAnswering({ throws: new DOMException('The operation timed out.', 'TimeoutError') }, { timeoutMs: 2_500 });
    expect(await call(client)).toEqual({ kind: 'transient', reason: 'no answer within 2500 ms' });
  });
});

describe('what the client sends', () => {
  it('commits with the amount and reader texts in the query, the API key and JSON accept header, no body', async () => {
    const { client, sent } = clientAnswering({ status: 200, body: committed });
    await client.commit({ serial: SERIAL, sessionId: SESSION, commitAmount: 700, uiMessage: 'Thank you', uiMessageTimeout: 5, receiptLine: '12 kWh' });

    expect(sent).toHaveLength(1);
    const [{ url, init }] = sent as [Sent];
    expect(url).toBe(`${BASE}/terminals/APOLLO-0001/sessions/ps-1/commit?commitAmount=700&uiMessage=Thank+you&uiMessageTimeout=5&receiptLine=12+kWh`);
    expect(init.method).toBe('POST');
    expect(init.headers).toEqual({ authorization: 'CPS apikey="k-1"', accept: 'application/json' });
    expect(init.body).toBeUndefined();
    expect(init.redirect).toBe('manual');
    expect(init.signal).toBeInstanceOf(AbortSignal);
  });

  it('commits 0 (a cancel by commit): 0 is a valid amount, not a refusal', async () => {
    const { client, sent } = clientAnswering({ status: 200, body: { sessionId: SESSION, state: 'CANCELLED', committedAmount: 0 } });
    expect(await client.commit({ serial: SERIAL, sessionId: SESSION, commitAmount: 0 })).toMatchObject({ kind: 'ok' });
    expect(sent[0]?.url).toBe(`${BASE}/terminals/APOLLO-0001/sessions/ps-1/commit?commitAmount=0`);
  });

  it('cancels at the session cancel path, leaving out what was not given', async () => {
    const { client, sent } = clientAnswering({ status: 200, body: cancelled });
    await client.cancel({ serial: SERIAL, sessionId: SESSION });
    expect(sent[0]?.url).toBe(`${BASE}/terminals/APOLLO-0001/sessions/ps-1/cancel`);
    expect(sent[0]?.init.method).toBe('POST');
  });

  it('refunds with the amount parameter', async () => {
    const { client, sent } = clientAnswering({ status: 200, body: refunded });
    await client.refund({ serial: SERIAL, sessionId: SESSION, amount: 300 });
    expect(sent[0]?.url).toBe(`${BASE}/terminals/APOLLO-0001/sessions/ps-1/refund?amount=300`);
    expect(sent[0]?.init.method).toBe('POST');
  });

  it('encodes serials and session ids into the path, and drops trailing slashes of the base url', async () => {
    const { client, sent } = clientAnswering({ status: 200, body: cancelled }, { baseUrl: `${BASE}//` });
    await client.cancel({ serial: 'A/B 1', sessionId: 's?1' });
    expect(sent[0]?.url).toBe(`${BASE}/terminals/A%2FB%201/sessions/s%3F1/cancel`);
  });

  it('reads a session and a terminal with GET, no query', async () => {
    const session = { sessionId: SESSION, serialNumber: SERIAL, state: 'AUTHORIZED', authorizedAmount: 5000, currency: 'EUR' };
    const { client, sent } = clientAnswering({ status: 200, body: session });
    expect(await client.getSession({ serial: SERIAL, sessionId: SESSION })).toEqual({ kind: 'ok', value: { ...session, committedAmount: undefined } });
    expect(sent[0]?.url).toBe(`${BASE}/terminals/APOLLO-0001/sessions/ps-1`);
    expect(sent[0]?.init.method).toBe('GET');
  });

  it('lists the sessions of a terminal', async () => {
    const { client, sent } = clientAnswering({ status: 200, body: [] });
    expect(await client.listSessions({ serial: SERIAL })).toEqual({ kind: 'ok', value: [] });
    expect(sent[0]?.url).toBe(`${BASE}/terminals/APOLLO-0001/sessions`);
    expect(sent[0]?.init.method).toBe('GET');
  });

  it('reads a terminal', async () => {
    const { client, sent } = clientAnswering({ status: 200, body: { serialNumber: SERIAL, online: true, state: 'IDLE' } });
    expect(await client.getTerminal({ serial: SERIAL })).toEqual({ kind: 'ok', value: { serialNumber: SERIAL, online: true, state: 'IDLE' } });
    expect(sent[0]?.url).toBe(`${BASE}/terminals/APOLLO-0001`);
    expect(sent[0]?.init.method).toBe('GET');
  });

  it('shows a screen as a JSON body with its content type', async () => {
    const screen = { id: 'charging', type: 'message', properties: { title: 'Charging' } };
    const { client, sent } = clientAnswering({ status: 200 });
    expect(await client.showUi({ serial: SERIAL, callbackUrl: 'https://cb.example/ui', screen })).toEqual({ kind: 'ok', value: undefined });
    expect(sent[0]?.url).toBe(`${BASE}/terminals/APOLLO-0001/ui?callbackUrl=${encodeURIComponent('https://cb.example/ui')}`);
    expect(sent[0]?.init.headers).toEqual({ authorization: 'CPS apikey="k-1"', accept: 'application/json', 'content-type': 'application/json' });
    expect(sent[0]?.init.body).toBe(JSON.stringify(screen));
    expect(sent[0]?.init.method).toBe('POST');
  });

  it('starts and stops reading with their parameters; a body-less 204 is ok', async () => {
    const { client, sent } = clientAnswering({ status: 204 });
    expect(await client.startReading({ serial: SERIAL, authorizedAmount: 5000, callbackUrl: 'https://cb.example/card', hideAmount: false })).toEqual({ kind: 'ok', value: undefined });
    expect(await client.stopReading({ serial: SERIAL })).toEqual({ kind: 'ok', value: undefined });
    expect(sent.map((s) => s.init.method)).toEqual(['POST', 'POST']);
    expect(sent.map((s) => s.url)).toEqual([
      `${BASE}/terminals/APOLLO-0001/start?authorizedAmount=5000&callbackUrl=${encodeURIComponent('https://cb.example/card')}&hideAmount=false`,
      `${BASE}/terminals/APOLLO-0001/stop`,
    ]);
  });

  it('authorizes at the terminal authorize path', async () => {
    const { client, sent } = clientAnswering({ status: 200, body: { sessionId: SESSION, authorizedAmount: 5000 } });
    expect(await client.authorize({ serial: SERIAL, receiptLine: 'CP3' })).toEqual({ kind: 'ok', value: { sessionId: SESSION, authorizedAmount: 5000 } });
    expect(sent[0]?.url).toBe(`${BASE}/terminals/APOLLO-0001/authorize?receiptLine=CP3`);
    expect(sent[0]?.init.method).toBe('POST');
  });

  it.each([
    ['a fraction', 0.5],
    ['a negative', -1],
    ['an unsafe integer', Number.MAX_SAFE_INTEGER + 1],
    ['infinity', Number.POSITIVE_INFINITY],
  ])('refuses %s timeout before sending anything', async (_case, uiMessageTimeout) => {
    const { client, sent } = clientAnswering({ status: 200, body: cancelled });
    expect(await client.cancel({ serial: SERIAL, sessionId: SESSION, uiMessageTimeout })).toEqual({
      kind: 'rejected',
      status: 0,
      message: `uiMessageTimeout must be a non-negative integer, got ${uiMessageTimeout}`,
    });
    expect(sent).toEqual([]);
  });
});

describe('authorize: the only call a card can decline', () => {
  it('402 DECLINED is declined with Payter message', async () => {
    const { client } = clientAnswering({ status: 402, body: { error: 'DECLINED', message: 'Insufficient funds' } });
    expect(await client.authorize({ serial: SERIAL })).toEqual({ kind: 'declined', message: 'Insufficient funds' });
  });

  it('402 with another error code is rejected', async () => {
    const { client } = clientAnswering({ status: 402, body: { error: 'SUSPENDED', message: 'account suspended' } });
    expect(await client.authorize({ serial: SERIAL })).toEqual({ kind: 'rejected', status: 402, message: 'account suspended' });
  });

  it('a DECLINED error code on another status is not a decline', async () => {
    const { client } = clientAnswering({ status: 400, body: { error: 'DECLINED', message: 'bad' } });
    expect(await client.authorize({ serial: SERIAL })).toEqual({ kind: 'rejected', status: 400, message: 'bad' });
  });

  it('409 (no card read) is a conflict', async () => {
    const { client } = clientAnswering({ status: 409, body: { error: 'NO_CARD', message: 'no card has been read' } });
    expect(await client.authorize({ serial: SERIAL })).toEqual({ kind: 'conflict', message: 'no card has been read' });
  });
});

describe('the message of an error answer', () => {
  it.each<[string, Answer, string]>([
    ['the message when there is one', { status: 400, body: { error: 'BAD', message: 'commitAmount too high' } }, 'commitAmount too high'],
    ['else the error code', { status: 400, body: { error: 'BAD' } }, 'BAD'],
    ['else the body as text', { status: 400, text: 'Bad Gateway from the proxy' }, 'Bad Gateway from the proxy'],
    ['a JSON body of another shape as its text', { status: 400, text: '{"error":42}' }, '{"error":42}'],
    ['at most 200 characters of it', { status: 400, text: 'x'.repeat(250) }, 'x'.repeat(200)],
    ['else the status', { status: 400 }, 'HTTP 400'],
  ])('is %s', async (_case, answer, message) => {
    const { client } = clientAnswering(answer);
    expect(await client.cancel({ serial: SERIAL, sessionId: SESSION })).toEqual({ kind: 'rejected', status: 400, message });
  });

  it('a 200 whose body is no JSON at all is a protocol error about the body', async () => {
    const { client } = clientAnswering({ status: 200, text: '<html>' });
    expect(await client.cancel({ serial: SERIAL, sessionId: SESSION })).toEqual({
      kind: 'protocol',
      status: 200,
      message: expect.stringMatching(/^unexpected answer to POST \/terminals\/APOLLO-0001\/sessions\/ps-1\/cancel: \(body\): /),
    });
  });

  it('a 200 with several broken fields names each, separated by "; "', async () => {
    const { client } = clientAnswering({ status: 200, body: { sessionId: '', state: 'COMMITTED' } });
    const outcome = await client.cancel({ serial: SERIAL, sessionId: SESSION });
    expect(outcome.kind === 'protocol' && outcome.message.split(': ').slice(1).join(': ')).toMatch(/^sessionId: .+; state: .+$/);
  });

  it('a 1xx is no success either: a protocol error', async () => {
    const { client } = clientAnswering({ status: 101 });
    expect(await client.stopReading({ serial: SERIAL })).toEqual({ kind: 'protocol', status: 101, message: 'unexpected HTTP 101 to POST /terminals/APOLLO-0001/stop' });
  });

  it.each([300, 302])('a %i (a redirect we do not follow) is a protocol error naming the status and the call', async (status) => {
    const { client } = clientAnswering({ status, body: cancelled });
    expect(await client.cancel({ serial: SERIAL, sessionId: SESSION })).toEqual({
      kind: 'protocol',
      status,
      message: `unexpected HTTP ${status} to POST /terminals/APOLLO-0001/sessions/ps-1/cancel`,
    });
  });

  it('a broken session in a list is named by its place and field', async () => {
    const session = { sessionId: SESSION, serialNumber: SERIAL, state: 'AUTHORIZED', authorizedAmount: 5000, currency: 'EUR' };
    const { client } = clientAnswering({ status: 200, body: [session, { ...session, state: 'PENDING' }] });
    expect(await client.listSessions({ serial: SERIAL })).toEqual({
      kind: 'protocol',
      status: 200,
      message: expect.stringMatching(/^unexpected answer to GET \/terminals\/APOLLO-0001\/sessions: 1\.state: /),
    });
  });
});

describe('describeFetchFailure and parseJson', () => {
  it.each<[string, unknown, string]>([
    ['a timeout', new DOMException('timed out', 'TimeoutError'), 'no answer within 10000 ms'],
    ['an error with a cause', new TypeError('fetch failed', { cause: new Error('ENOTFOUND cps') }), 'network error: fetch failed: ENOTFOUND cps'],
    ['an error whose cause is no error', new TypeError('fetch failed', { cause: 'ECONNREFUSED' }), 'network error: fetch failed'],
    ['an error without a cause', new Error('socket hang up'), 'network error: socket hang up'],
    ['something thrown that is no error', 'boom', 'network error: boom'],
  ])('%s', (_case, error, reason) => {
    expect(describeFetchFailure(error, 10_000)).toBe(reason);
  });

  it('the default timeout is 10 s', async () => {
    const { client } = clientAnswering({ throws: new DOMException('timed out', 'TimeoutError') });
    expect(await client.getTerminal({ serial: SERIAL })).toEqual({ kind: 'transient', reason: 'no answer within 10000 ms' });
  });

  it.each<[string, unknown]>([
    ['', undefined],
    ['{"a":1}', { a: 1 }],
    ['not json', 'not json'],
  ])('parses %j', (text, value) => {
    expect(parseJson(text)).toEqual(value);
  });
});

describe('answers outside the contract (docs/payter.md) are protocol errors, never a success', () => {
  const session = { sessionId: SESSION, serialNumber: SERIAL, state: 'COMMITTED', authorizedAmount: 5000, committedAmount: 700, currency: 'EUR' };
  const terminal = { serialNumber: SERIAL, online: true, state: 'IDLE' };
  const authorization = { sessionId: SESSION, authorizedAmount: 5000 };
  const readSession = (c: PayterClient) => c.getSession({ serial: SERIAL, sessionId: SESSION });
  const readTerminal = (c: PayterClient) => c.getTerminal({ serial: SERIAL });
  const authorize = (c: PayterClient) => c.authorize({ serial: SERIAL });
  const commit = (c: PayterClient) => c.commit({ serial: SERIAL, sessionId: SESSION, commitAmount: 700 });
  const refund = (c: PayterClient) => c.refund({ serial: SERIAL, sessionId: SESSION, amount: 300 });

  it.each<[string, (c: PayterClient) => Promise<{ kind: string }>, unknown, string]>([
    // [case, call, body, the field the message names]
    ['a session of a reader without a serial', readSession, { ...session, serialNumber: '' }, 'serialNumber'],
    ['a session without an id', readSession, { ...session, sessionId: '' }, 'sessionId'],
    ['a session in an unknown state', readSession, { ...session, state: 'PENDING' }, 'state'],
    ['a negative authorized amount', readSession, { ...session, authorizedAmount: -1 }, 'authorizedAmount'],
    ['a fractional committed amount', readSession, { ...session, committedAmount: 700.5 }, 'committedAmount'],
    ['a negative committed amount', readSession, { ...session, committedAmount: -700 }, 'committedAmount'],
    ['a currency that is no ISO code', readSession, { ...session, currency: 'EURO' }, 'currency'],
    ['a session without a currency', readSession, { ...session, currency: undefined }, 'currency'],
    ['a negative refunded amount', readSession, { ...session, refundedAmount: -1 }, 'refundedAmount'],
    ['a fractional refunded amount', readSession, { ...session, refundedAmount: 0.5 }, 'refundedAmount'],
    ['a terminal without a serial', readTerminal, { ...terminal, serialNumber: '' }, 'serialNumber'],
    ['a terminal whose online is no boolean', readTerminal, { ...terminal, online: 'yes' }, 'online'],
    ['a terminal without a state', readTerminal, { ...terminal, state: '' }, 'state'],
    ['a terminal currency that is no ISO code', readTerminal, { ...terminal, currency: 'EU' }, 'currency'],
    ['an authorization without a session id', authorize, { ...authorization, sessionId: '' }, 'sessionId'],
    ['an authorization without an amount', authorize, { sessionId: SESSION }, 'authorizedAmount'],
    ['an authorization currency that is no ISO code', authorize, { ...authorization, currency: 'E' }, 'currency'],
    ['a commit answer in the authorized state', commit, { sessionId: SESSION, state: 'AUTHORIZED', committedAmount: 700 }, 'state'],
    ['a commit answer with a negative amount', commit, { sessionId: SESSION, state: 'COMMITTED', committedAmount: -1 }, 'committedAmount'],
    ['a commit answer without a session id', commit, { sessionId: '', state: 'COMMITTED', committedAmount: 700 }, 'sessionId'],
    ['a refund answer without a refund id', refund, { ...refunded, refundId: '' }, 'refundId'],
    ['a refund answer without a session id', refund, { ...refunded, sessionId: '' }, 'sessionId'],
    ['a refund answer with a fractional amount', refund, { ...refunded, refundedAmount: 0.5 }, 'refundedAmount'],
    ['a refund answer with a negative amount', refund, { ...refunded, refundedAmount: -1 }, 'refundedAmount'],
  ])('%s', async (_case, call, body, field) => {
    const { client } = clientAnswering({ status: 200, body });
    expect(await call(client)).toMatchObject({ kind: 'protocol', status: 200, message: expect.stringContaining(`: ${field}: `) });
  });

  it.each<[string, (c: PayterClient) => Promise<unknown>, unknown, unknown]>([
    // [case, call, body, value]
    ['a session only authorized, committedAmount null', readSession, { ...session, state: 'AUTHORIZED', committedAmount: null }, { ...session, state: 'AUTHORIZED', committedAmount: undefined }],
    ['a session with what Payter shows refunded', readSession, { ...session, refundedAmount: 300 }, { ...session, refundedAmount: 300 }],
    ['a session committed at 0', readSession, { ...session, committedAmount: 0 }, { ...session, committedAmount: 0 }],
    ['a terminal that says its currency', readTerminal, { ...terminal, currency: 'EUR' }, { ...terminal, currency: 'EUR' }],
    ['a terminal in a state we do not know', readTerminal, { ...terminal, state: 'UPDATING' }, { ...terminal, state: 'UPDATING' }],
    ['an authorization that says its currency', authorize, { ...authorization, currency: 'EUR' }, { ...authorization, currency: 'EUR' }],
    ['an authorization of 0', authorize, { ...authorization, authorizedAmount: 0 }, { ...authorization, authorizedAmount: 0 }],
    ['a refund of 0', refund, { ...refunded, refundedAmount: 0 }, { ...refunded, refundedAmount: 0 }],
  ])('accepts %s', async (_case, call, body, value) => {
    const { client } = clientAnswering({ status: 200, body });
    expect(await call(client)).toEqual({ kind: 'ok', value });
  });
});
