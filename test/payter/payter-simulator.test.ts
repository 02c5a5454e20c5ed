/**
 * The simulator's own rules: what it refuses at the HTTP level, how readers and sessions move,
 * and the callbacks it delivers to a local receiver.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PayterClient } from '../../lambdas/payter/cps-client';
import { cardReadCallbackSchema, terminalStateCallbackSchema, uiCallbackSchema } from '../../lambdas/payter/cps-contract';
import { DEMO_SITE } from '../../lib/local/demo';
import { startPayterSimulator, type PayterSimulator } from '../../lib/local/payter-simulator';
import { startCallbackReceiver, type CallbackReceiver } from './callback-receiver';

const API_KEY = 'sim-key';
const SERIAL = 'P68-0042';
const AUTH = { authorization: `CPS apikey="${API_KEY}"` };

let sim: PayterSimulator;
let receiver: CallbackReceiver;
let client: PayterClient;

beforeEach(async () => {
  sim = await startPayterSimulator({ apiKey: API_KEY });
  receiver = await startCallbackReceiver();
  sim.addReader(SERIAL, { currency: 'GBP' });
  client = new PayterClient({ baseUrl: sim.url, apiKey: API_KEY });
});

afterEach(async () => {
  await sim.close();
  await receiver.close();
});

async function raw(method: string, path: string, headers: Record<string, string> = AUTH) {
  const response = await fetch(`${sim.url}${path}`, { method, headers });
  return { status: response.status, body: (await response.json()) as unknown };
}

async function givenAuthorizedSession(authorizedAmount: number): Promise<string> {
  await client.startReading({ serial: SERIAL, authorizedAmount, callbackUrl: `${receiver.url}/card` });
  await sim.tap(SERIAL, { cardId: 'card-Z' });
  const authorized = await client.authorize({ serial: SERIAL });
  if (authorized.kind !== 'ok') throw new Error(`authorize: ${authorized.kind}`);
  return authorized.value.sessionId;
}

describe('HTTP rules', () => {
  it.each([
    ['no Authorization header', {}],
    ['a wrong key', { authorization: 'CPS apikey="other"' }],
    ['another scheme', { authorization: `Bearer ${API_KEY}` }],
  ])('%s gets 401', async (_, headers) => {
    expect(await raw('GET', `/terminals/${SERIAL}`, headers)).toMatchObject({ status: 401, body: { error: 'UNAUTHORIZED' } });
  });

  it('an unknown terminal gets 404, an unknown route 404', async () => {
    expect(await raw('GET', '/terminals/UNKNOWN')).toMatchObject({ status: 404, body: { error: 'TERMINAL_NOT_FOUND' } });
    expect(await raw('POST', `/terminals/${SERIAL}/explode`)).toMatchObject({ status: 404 });
  });

  it.each([
    ['start', `/terminals/${SERIAL}/start?authorizedAmount=12.50&callbackUrl=http://x/y`, 'authorizedAmount'],
    ['start', `/terminals/${SERIAL}/start?callbackUrl=http://x/y`, 'authorizedAmount'],
    ['start', `/terminals/${SERIAL}/start?authorizedAmount=100`, 'callbackUrl'],
    ['commit', `/terminals/${SERIAL}/sessions/any/commit?commitAmount=1e3`, 'commitAmount'],
    ['refund', `/terminals/${SERIAL}/sessions/any/refund?amount=-5`, 'amount'],
  ])('%s with a bad parameter gets 400 naming it', async (_, path, parameter) => {
    const answer = await raw('POST', path);

    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: 'INVALID_PARAMETER', message: expect.stringMatching(new RegExp(`^${parameter} `)) });
  });

  it('records every call received, the refused ones too', async () => {
    await raw('GET', `/terminals/${SERIAL}`, {});
    await client.getTerminal({ serial: SERIAL });

    expect(sim.calls().map((c) => [c.method, c.path, c.call, c.serial, c.status])).toEqual([
      ['GET', `/terminals/${SERIAL}`, undefined, undefined, 401],
      ['GET', `/terminals/${SERIAL}`, 'getTerminal', SERIAL, 200],
    ]);
  });

  it('a session of another terminal is not found', async () => {
    sim.addReader('OTHER');
    const sessionId = await givenAuthorizedSession(1_000);

    expect(await client.getSession({ serial: 'OTHER', sessionId })).toMatchObject({ kind: 'rejected', status: 404 });
    expect(await client.commit({ serial: 'OTHER', sessionId, commitAmount: 1 })).toMatchObject({ kind: 'rejected', status: 404 });
  });
});

describe('session rules', () => {
  it("a reader added without a currency holds money in the demo site's (USD), so the README's reader takes that site's payments", async () => {
    sim.addReader('PLAIN');
    await client.startReading({ serial: 'PLAIN', authorizedAmount: 5_000, callbackUrl: `${receiver.url}/card` });
    await sim.tap('PLAIN', { cardId: 'card-P' });
    expect((await client.authorize({ serial: 'PLAIN' })).kind).toBe('ok');

    expect(sim.sessions('PLAIN')).toEqual([expect.objectContaining({ state: 'AUTHORIZED', currency: DEMO_SITE.currency })]);
    expect(DEMO_SITE.currency).toBe('USD');
  });

  it('a session holds the amount of start in the reader currency', async () => {
    const sessionId = await givenAuthorizedSession(3_000);

    expect(sim.sessions(SERIAL)).toEqual([
      {
        sessionId,
        serialNumber: SERIAL,
        state: 'AUTHORIZED',
        authorizedAmount: 3_000,
        committedAmount: undefined,
        currency: 'GBP',
        cardId: 'card-Z',
        refunds: [],
        refundedAmount: 0,
        ifd: 'CONTACTLESS',
        authorizedAt: expect.any(String),
        changedAt: expect.any(String),
      },
    ]);
  });

  it.each([
    ['lower than authorized', 2_999, 'COMMITTED', 2_999],
    ['equal to authorized', 3_000, 'COMMITTED', 3_000],
    ['0 (a cancel)', 0, 'CANCELLED', 0],
  ])('a commit %s is accepted', async (_, commitAmount, state, committed) => {
    const sessionId = await givenAuthorizedSession(3_000);

    expect((await client.commit({ serial: SERIAL, sessionId, commitAmount })).kind).toBe('ok');
    expect(sim.sessions(SERIAL)[0]).toMatchObject({ state, committedAmount: committed });
  });

  it('a commit higher than authorized is refused, then a correct one goes through', async () => {
    const sessionId = await givenAuthorizedSession(3_000);

    expect(await client.commit({ serial: SERIAL, sessionId, commitAmount: 3_001 })).toMatchObject({ kind: 'rejected', status: 400 });
    expect(await client.commit({ serial: SERIAL, sessionId, commitAmount: 3_000 })).toMatchObject({ kind: 'ok' });
  });

  it('a final session answers 409 to commit and cancel, whichever came first', async () => {
    const committed = await givenAuthorizedSession(1_000);
    const cancelled = await givenAuthorizedSession(1_000);
    await client.commit({ serial: SERIAL, sessionId: committed, commitAmount: 500 });
    await client.cancel({ serial: SERIAL, sessionId: cancelled });

    const answers = await Promise.all([
      client.commit({ serial: SERIAL, sessionId: committed, commitAmount: 500 }),
      client.cancel({ serial: SERIAL, sessionId: committed }),
      client.commit({ serial: SERIAL, sessionId: cancelled, commitAmount: 500 }),
      client.cancel({ serial: SERIAL, sessionId: cancelled }),
    ]);

    expect(answers.map((a) => a.kind)).toEqual(['conflict', 'conflict', 'conflict', 'conflict']);
    expect(sim.sessions(SERIAL).map((s) => [s.state, s.committedAmount])).toEqual([
      ['COMMITTED', 500],
      ['CANCELLED', 0],
    ]);
  });

  it('refunds up to the committed amount in total, and only of a committed session', async () => {
    const sessionId = await givenAuthorizedSession(5_000);
    const open = await givenAuthorizedSession(5_000);
    await client.commit({ serial: SERIAL, sessionId, commitAmount: 2_000 });

    expect((await client.refund({ serial: SERIAL, sessionId: open, amount: 1 })).kind).toBe('conflict');
    expect((await client.refund({ serial: SERIAL, sessionId, amount: 2_001 })).kind).toBe('conflict');
    expect((await client.refund({ serial: SERIAL, sessionId, amount: 1_500 })).kind).toBe('ok');
    expect((await client.refund({ serial: SERIAL, sessionId, amount: 501 })).kind).toBe('conflict');
    expect((await client.refund({ serial: SERIAL, sessionId, amount: 500 })).kind).toBe('ok');
    expect((await client.refund({ serial: SERIAL, sessionId, amount: 0 })).kind).toBe('rejected');
    expect(sim.sessions(SERIAL)[0]?.refunds.map((r) => r.amount)).toEqual([1_500, 500]);
    const read = await client.getSession({ serial: SERIAL, sessionId });
    expect(read.kind === 'ok' && read.value.refundedAmount).toBe(2_000);
  });

  it('refunds but loses or garbles the answer when scripted, and the session shows the refund', async () => {
    const sessionId = await givenAuthorizedSession(5_000);
    await client.commit({ serial: SERIAL, sessionId, commitAmount: 2_000 });
    sim.script(SERIAL, 'refund', { kind: 'lost' });
    sim.script(SERIAL, 'refund', { kind: 'garbled' });
    expect((await client.refund({ serial: SERIAL, sessionId, amount: 300 })).kind).toBe('transient');
    expect((await client.refund({ serial: SERIAL, sessionId, amount: 200 })).kind).toBe('protocol');
    expect(sim.calls().filter((c) => c.call === 'refund').map((c) => c.status)).toEqual([0, 200]);
    const read = await client.getSession({ serial: SERIAL, sessionId });
    expect(read.kind === 'ok' && read.value.refundedAmount).toBe(500);
  });

  it('commit failing N times with 503 then succeeding', async () => {
    const sessionId = await givenAuthorizedSession(1_000);
    sim.script(SERIAL, 'commit', { kind: 'fail', status: 503 }, 3);

    const kinds: string[] = [];
    for (let i = 0; i < 4; i++) kinds.push((await client.commit({ serial: SERIAL, sessionId, commitAmount: 10 })).kind);

    expect(kinds).toEqual(['transient', 'transient', 'transient', 'ok']);
    expect(sim.sessions(SERIAL)[0]?.state).toBe('COMMITTED');
  });

  it('a slow reader answers late but answers', async () => {
    sim.configureReader(SERIAL, { answerDelayMs: 80 });
    const started = Date.now();

    expect((await client.getTerminal({ serial: SERIAL })).kind).toBe('ok');
    expect(Date.now() - started).toBeGreaterThanOrEqual(70);
  });
});

describe('callbacks', () => {
  it('a tap while reading POSTs the card to the callbackUrl of start', async () => {
    await client.startReading({ serial: SERIAL, authorizedAmount: 100, callbackUrl: `${receiver.url}/payter/tok/card/r7` });

    const status = await sim.tap(SERIAL, { cardId: 'card-1', maskedPan: '4111********1111' });

    expect(status).toBe(200);
    expect(receiver.received).toEqual([
      {
        path: '/payter/tok/card/r7',
        body: { serialNumber: SERIAL, ifd: 'CONTACTLESS', aid: 'A0000000031010', cardId: 'card-1', maskedPan: '4111********1111' },
      },
    ]);
    expect(cardReadCallbackSchema.safeParse(receiver.received[0]?.body).success).toBe(true);
    expect(sim.reader(SERIAL)).toMatchObject({ state: 'CARD', card: { cardId: 'card-1' } });
  });

  it('reports the status the callback got', async () => {
    receiver.answerWith(404);
    await client.startReading({ serial: SERIAL, authorizedAmount: 100, callbackUrl: `${receiver.url}/payter/wrong-token/card/r7` });

    expect(await sim.tap(SERIAL, { cardId: 'card-1', ifd: 'CHIP' })).toBe(404);
    expect(sim.callbacks()).toMatchObject([{ kind: 'card', status: 404 }]);
  });

  it('a tap on a reader that is not reading sends nothing', async () => {
    expect(await sim.tap(SERIAL, { cardId: 'card-1' })).toBeUndefined();

    await client.startReading({ serial: SERIAL, authorizedAmount: 100, callbackUrl: `${receiver.url}/card` });
    await client.stopReading({ serial: SERIAL });
    expect(await sim.tap(SERIAL, { cardId: 'card-1' })).toBeUndefined();
    expect(receiver.received).toEqual([]);
  });

  it('a button press on the current screen POSTs to its callbackUrl', async () => {
    const screen = { id: 'receipt', type: 'message', properties: { title: 'Thanks', 'buttons.done.label': 'Done' } };
    await client.showUi({ serial: SERIAL, callbackUrl: `${receiver.url}/payter/tok/ui/r7`, screen });

    expect(await sim.pressButton(SERIAL, 'receipt', 'done')).toBe(200);
    expect(await sim.pressButton(SERIAL, 'charging', 'stop')).toBeUndefined();
    expect(receiver.received).toEqual([{ path: '/payter/tok/ui/r7', body: { serialNumber: SERIAL, screenId: 'receipt', response: 'done' } }]);
    expect(uiCallbackSchema.safeParse(receiver.received[0]?.body).success).toBe(true);
  });

  it('going offline and back fires the state web hook; back online the reader shows Payter idle', async () => {
    sim.setStateWebhook(`${receiver.url}/payter/tok/state`);
    const screen = { id: 'tap', type: 'message', properties: { message: 'Tap to pay' } };
    await client.showUi({ serial: SERIAL, screen });
    await client.startReading({ serial: SERIAL, authorizedAmount: 100, callbackUrl: `${receiver.url}/card` });

    expect(await sim.setOnline(SERIAL, false)).toBe(200);
    expect(await client.showUi({ serial: SERIAL, screen })).toMatchObject({ kind: 'transient', status: 503 });
    expect(await sim.setOnline(SERIAL, false)).toBeUndefined();
    expect(await sim.setOnline(SERIAL, true)).toBe(200);

    expect(receiver.received.map((r) => r.body)).toEqual([
      { serialNumber: SERIAL, online: false, state: 'READING' },
      { serialNumber: SERIAL, online: true, state: 'IDLE' },
    ]);
    expect(terminalStateCallbackSchema.safeParse(receiver.received[0]?.body).success).toBe(true);
    expect(sim.currentScreen(SERIAL)).toBeUndefined();
    expect(sim.screens(SERIAL).map((s) => s.screen.id)).toEqual(['tap']);
  });
});
