/**
 * Contract tests: the one Payter client against the CPS simulator, every call and every
 * outcome kind.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PayterClient } from '../../lambdas/payter/cps-client';
import { startPayterSimulator, type PayterSimulator } from '../../lib/local/payter-simulator';
import { startCallbackReceiver, type CallbackReceiver } from './callback-receiver';

const API_KEY = 'test-api-key';
const SERIAL = 'APOLLO-0001';

let sim: PayterSimulator;
let receiver: CallbackReceiver;
let client: PayterClient;

beforeEach(async () => {
  sim = await startPayterSimulator({ apiKey: API_KEY });
  receiver = await startCallbackReceiver();
  sim.addReader(SERIAL, { currency: 'EUR' });
  client = new PayterClient({ baseUrl: sim.url, apiKey: API_KEY, timeoutMs: 2_000 });
});

afterEach(async () => {
  await sim.close();
  await receiver.close();
});

async function givenCardPresented(authorizedAmount = 5_000): Promise<void> {
  const started = await client.startReading({ serial: SERIAL, authorizedAmount, callbackUrl: `${receiver.url}/card/r1` });
  expect(started.kind).toBe('ok');
  expect(await sim.tap(SERIAL, { cardId: 'card-A' })).toBe(200);
}

async function givenAuthorizedSession(authorizedAmount = 5_000): Promise<string> {
  await givenCardPresented(authorizedAmount);
  const authorized = await client.authorize({ serial: SERIAL });
  if (authorized.kind !== 'ok') throw new Error(`authorize: ${authorized.kind}`);
  return authorized.value.sessionId;
}

describe('the happy path, call by call', () => {
  it('reads a terminal', async () => {
    expect(await client.getTerminal({ serial: SERIAL })).toEqual({
      kind: 'ok',
      value: { serialNumber: SERIAL, online: true, state: 'IDLE' },
    });
  });

  it('starts reading with every parameter in the query string and the API key header', async () => {
    const callbackUrl = `${receiver.url}/payter/tok/card/r1`;
    const outcome = await client.startReading({
      serial: SERIAL,
      authorizedAmount: 2_500,
      callbackUrl,
      uiMessage: 'Tap your card',
      uiMessageTitle: 'Charge point 3',
      language: 'nl',
      hideAmount: true,
    });

    expect(outcome).toEqual({ kind: 'ok', value: undefined });
    const [call] = sim.calls();
    expect(call).toMatchObject({
      method: 'POST',
      path: `/terminals/${SERIAL}/start`,
      query: {
        authorizedAmount: '2500',
        callbackUrl,
        uiMessage: 'Tap your card',
        uiMessageTitle: 'Charge point 3',
        language: 'nl',
        hideAmount: 'true',
      },
      body: undefined,
      status: 200,
    });
    expect(sim.reader(SERIAL).state).toBe('READING');
  });

  it('authorizes the amount of start once a card is read, and the session reads back', async () => {
    await givenCardPresented(4_200);

    const authorized = await client.authorize({ serial: SERIAL, uiMessage: 'Authorizing', uiMessageTimeout: 5, receiptLine: 'CP3' });

    expect(authorized).toEqual({ kind: 'ok', value: { sessionId: expect.any(String), authorizedAmount: 4_200 } });
    expect(sim.calls().at(-1)?.query).toEqual({ uiMessage: 'Authorizing', uiMessageTimeout: '5', receiptLine: 'CP3' });
    const sessionId = authorized.kind === 'ok' ? authorized.value.sessionId : '';
    expect(await client.getSession({ serial: SERIAL, sessionId })).toEqual({
      kind: 'ok',
      value: {
        sessionId,
        serialNumber: SERIAL,
        state: 'AUTHORIZED',
        authorizedAmount: 4_200,
        committedAmount: undefined,
        currency: 'EUR',
        refundedAmount: 0,
      },
    });
  });

  it('commits less than authorized', async () => {
    const sessionId = await givenAuthorizedSession(5_000);

    const committed = await client.commit({ serial: SERIAL, sessionId, commitAmount: 1_234, receiptLine: '12.3 kWh' });

    expect(committed).toEqual({ kind: 'ok', value: { sessionId, state: 'COMMITTED', committedAmount: 1_234 } });
    expect(sim.calls().at(-1)).toMatchObject({
      path: `/terminals/${SERIAL}/sessions/${sessionId}/commit`,
      query: { commitAmount: '1234', receiptLine: '12.3 kWh' },
    });
    expect(sim.sessions(SERIAL)[0]).toMatchObject({ state: 'COMMITTED', committedAmount: 1_234 });
  });

  it('commits 0 as a cancel', async () => {
    const sessionId = await givenAuthorizedSession();

    expect(await client.commit({ serial: SERIAL, sessionId, commitAmount: 0 })).toEqual({
      kind: 'ok',
      value: { sessionId, state: 'CANCELLED', committedAmount: 0 },
    });
    expect(sim.sessions(SERIAL)[0]?.state).toBe('CANCELLED');
  });

  it('cancels', async () => {
    const sessionId = await givenAuthorizedSession();

    expect(await client.cancel({ serial: SERIAL, sessionId, uiMessage: 'Cancelled' })).toEqual({
      kind: 'ok',
      value: { sessionId, state: 'CANCELLED' },
    });
    expect(sim.sessions(SERIAL)[0]?.state).toBe('CANCELLED');
  });

  it('lists the sessions of a terminal', async () => {
    const first = await givenAuthorizedSession(1_000);
    const second = await givenAuthorizedSession(2_000);
    await client.commit({ serial: SERIAL, sessionId: first, commitAmount: 900 });

    const listed = await client.listSessions({ serial: SERIAL });

    expect(listed.kind).toBe('ok');
    expect(listed.kind === 'ok' && listed.value.map((s) => [s.sessionId, s.state, s.committedAmount])).toEqual([
      [first, 'COMMITTED', 900],
      [second, 'AUTHORIZED', undefined],
    ]);
  });

  it('stops reading', async () => {
    await givenCardPresented();

    expect(await client.stopReading({ serial: SERIAL, uiMessage: 'Bye', uiMessageTimeout: 3 })).toEqual({ kind: 'ok', value: undefined });
    expect(sim.reader(SERIAL).state).toBe('IDLE');
    expect(sim.calls().at(-1)?.query).toEqual({ uiMessage: 'Bye', uiMessageTimeout: '3' });
  });

  it('shows a screen with its body and button callback', async () => {
    const screen = { id: 'plug-in', type: 'message', properties: { title: 'Plug in', message: 'Connect your car', 'buttons.stop.label': 'Stop' } };
    const callbackUrl = `${receiver.url}/payter/tok/ui/r1`;

    expect(await client.showUi({ serial: SERIAL, callbackUrl, screen })).toEqual({ kind: 'ok', value: undefined });
    expect(sim.currentScreen(SERIAL)).toEqual(screen);
    expect(sim.calls().at(-1)).toMatchObject({ path: `/terminals/${SERIAL}/ui`, query: { callbackUrl }, body: screen });
  });

  it('refunds part of a committed session', async () => {
    const sessionId = await givenAuthorizedSession();
    await client.commit({ serial: SERIAL, sessionId, commitAmount: 3_000 });

    const refunded = await client.refund({ serial: SERIAL, sessionId, amount: 1_000 });

    expect(refunded).toEqual({ kind: 'ok', value: { sessionId, refundId: expect.any(String), refundedAmount: 1_000 } });
    expect(sim.calls().at(-1)).toMatchObject({ path: `/terminals/${SERIAL}/sessions/${sessionId}/refund`, query: { amount: '1000' } });
  });
});

describe('declines and conflicts', () => {
  it('a declined card is `declined` with its message, and no session is held', async () => {
    sim.configureReader(SERIAL, { authorize: 'decline' });
    await givenCardPresented();

    expect(await client.authorize({ serial: SERIAL })).toEqual({ kind: 'declined', message: 'Card declined' });
    expect(sim.sessions(SERIAL)).toEqual([]);
    expect(sim.reader(SERIAL).state).toBe('IDLE');
  });

  it('a decline scripted for the next authorize only', async () => {
    sim.script(SERIAL, 'authorize', { kind: 'decline', message: 'Insufficient funds' });
    await givenCardPresented();
    expect(await client.authorize({ serial: SERIAL })).toEqual({ kind: 'declined', message: 'Insufficient funds' });

    await givenCardPresented();
    expect((await client.authorize({ serial: SERIAL })).kind).toBe('ok');
  });

  it('authorize without a read card is a conflict', async () => {
    expect(await client.authorize({ serial: SERIAL })).toEqual({ kind: 'conflict', message: 'no card has been read' });
  });

  it('a second commit, or a cancel after a commit, is a conflict', async () => {
    const sessionId = await givenAuthorizedSession();
    await client.commit({ serial: SERIAL, sessionId, commitAmount: 100 });

    expect((await client.commit({ serial: SERIAL, sessionId, commitAmount: 100 })).kind).toBe('conflict');
    expect((await client.cancel({ serial: SERIAL, sessionId })).kind).toBe('conflict');
    expect(sim.sessions(SERIAL)[0]).toMatchObject({ state: 'COMMITTED', committedAmount: 100 });
  });

  it('a commit above the authorized amount is rejected and leaves the session open', async () => {
    const sessionId = await givenAuthorizedSession(5_000);

    const outcome = await client.commit({ serial: SERIAL, sessionId, commitAmount: 5_001 });

    expect(outcome).toEqual({ kind: 'rejected', status: 400, message: 'commitAmount 5001 is above the authorized 5000' });
    expect(sim.sessions(SERIAL)[0]?.state).toBe('AUTHORIZED');
  });

  it('a refund above what is left is a conflict', async () => {
    const sessionId = await givenAuthorizedSession();
    await client.commit({ serial: SERIAL, sessionId, commitAmount: 3_000 });
    expect((await client.refund({ serial: SERIAL, sessionId, amount: 2_000 })).kind).toBe('ok');

    expect((await client.refund({ serial: SERIAL, sessionId, amount: 1_001 })).kind).toBe('conflict');
    expect((await client.refund({ serial: SERIAL, sessionId, amount: 1_000 })).kind).toBe('ok');
    expect(sim.sessions(SERIAL)[0]?.refunds.map((r) => r.amount)).toEqual([2_000, 1_000]);
  });

  it('a forced 409 is a conflict', async () => {
    const sessionId = await givenAuthorizedSession();
    sim.script(SERIAL, 'cancel', { kind: 'fail', status: 409, message: 'already final' });

    expect(await client.cancel({ serial: SERIAL, sessionId })).toEqual({ kind: 'conflict', message: 'already final' });
    expect(sim.sessions(SERIAL)[0]?.state).toBe('AUTHORIZED');
  });
});

describe('transient failures', () => {
  it.each([500, 503, 429])('HTTP %i is transient, and the next attempt goes through', async (status) => {
    const sessionId = await givenAuthorizedSession();
    sim.script(SERIAL, 'commit', { kind: 'fail', status }, 2);

    const first = await client.commit({ serial: SERIAL, sessionId, commitAmount: 700 });
    const second = await client.commit({ serial: SERIAL, sessionId, commitAmount: 700 });
    const third = await client.commit({ serial: SERIAL, sessionId, commitAmount: 700 });

    expect(first).toMatchObject({ kind: 'transient', status });
    expect(second).toMatchObject({ kind: 'transient', status });
    expect(third).toMatchObject({ kind: 'ok', value: { state: 'COMMITTED', committedAmount: 700 } });
  });

  it('no answer within the timeout is transient, though the command may have happened', async () => {
    const sessionId = await givenAuthorizedSession();
    sim.script(SERIAL, 'commit', { kind: 'slow', delayMs: 1_000 });
    const impatient = new PayterClient({ baseUrl: sim.url, apiKey: API_KEY, timeoutMs: 50 });

    const outcome = await impatient.commit({ serial: SERIAL, sessionId, commitAmount: 800 });

    expect(outcome).toEqual({ kind: 'transient', reason: 'no answer within 50 ms' });
    // The simulator committed before answering slowly: the retry learns it from the 409.
    expect((await client.commit({ serial: SERIAL, sessionId, commitAmount: 800 })).kind).toBe('conflict');
  });

  it('a network error is transient', async () => {
    const unreachable = new PayterClient({ baseUrl: 'http://127.0.0.1:1', apiKey: API_KEY });

    const outcome = await unreachable.getTerminal({ serial: SERIAL });

    expect(outcome.kind).toBe('transient');
    expect(outcome.kind === 'transient' && outcome.reason).toMatch(/^network error/);
  });

  it('an offline reader refuses commands as transient but still answers reads', async () => {
    const sessionId = await givenAuthorizedSession();
    await sim.setOnline(SERIAL, false);

    expect(await client.commit({ serial: SERIAL, sessionId, commitAmount: 1 })).toMatchObject({ kind: 'transient', status: 503 });
    expect(await client.getTerminal({ serial: SERIAL })).toMatchObject({ kind: 'ok', value: { online: false } });
    expect(await client.getSession({ serial: SERIAL, sessionId })).toMatchObject({ kind: 'ok', value: { state: 'AUTHORIZED' } });
  });
});

describe('rejections and protocol errors', () => {
  it('a wrong API key is rejected with 401', async () => {
    const wrongKey = new PayterClient({ baseUrl: sim.url, apiKey: 'old-key' });

    expect(await wrongKey.getTerminal({ serial: SERIAL })).toMatchObject({ kind: 'rejected', status: 401 });
  });

  it('an unknown terminal or session is rejected with 404', async () => {
    expect(await client.getTerminal({ serial: 'NOPE' })).toMatchObject({ kind: 'rejected', status: 404 });
    expect(await client.getSession({ serial: SERIAL, sessionId: 'nope' })).toMatchObject({ kind: 'rejected', status: 404 });
  });

  it.each([
    ['a fraction', 12.5],
    ['a negative', -1],
    ['NaN', Number.NaN],
  ])('%s amount is rejected before anything is sent', async (_, amount) => {
    const start = await client.startReading({ serial: SERIAL, authorizedAmount: amount, callbackUrl: `${receiver.url}/c` });
    const commit = await client.commit({ serial: SERIAL, sessionId: 's', commitAmount: amount });
    const refund = await client.refund({ serial: SERIAL, sessionId: 's', amount });

    expect(start).toEqual({ kind: 'rejected', status: 0, message: `authorizedAmount must be a non-negative integer, got ${amount}` });
    expect(commit).toMatchObject({ kind: 'rejected', status: 0, message: expect.stringContaining('commitAmount') });
    expect(refund).toMatchObject({ kind: 'rejected', status: 0, message: expect.stringContaining('amount') });
    expect(sim.calls()).toEqual([]);
  });

  it('a 200 whose body breaks the contract is a protocol error, not a success', async () => {
    const lying = new PayterClient({
      baseUrl: 'http://cps.invalid',
      apiKey: API_KEY,
      fetch: async () => new Response(JSON.stringify({ sessionId: 'x', authorizedAmount: 12.5 }), { status: 200 }),
    });

    const outcome = await lying.authorize({ serial: SERIAL });

    expect(outcome).toMatchObject({ kind: 'protocol', status: 200, message: expect.stringContaining('authorizedAmount') });
  });

  it('a 402 DECLINED on a call that cannot decline is rejected', async () => {
    const sessionId = await givenAuthorizedSession();
    sim.script(SERIAL, 'commit', { kind: 'fail', status: 402, error: 'DECLINED' });

    expect(await client.commit({ serial: SERIAL, sessionId, commitAmount: 1 })).toMatchObject({ kind: 'rejected', status: 402 });
  });

  it('a 402 without DECLINED on authorize is rejected, not a decline', async () => {
    await givenCardPresented();
    sim.script(SERIAL, 'authorize', { kind: 'fail', status: 402, error: 'PAYMENT_REQUIRED', message: 'account suspended' });

    expect(await client.authorize({ serial: SERIAL })).toEqual({ kind: 'rejected', status: 402, message: 'account suspended' });
  });
});
