/**
 * What an operator gets from the ops API's session operations, on in-memory ports: the stop of
 * a charge, refunds through Payter (docs/pricing.md "Refunds": the split back, the race and
 * unknown-answer rules), the session views, and reconciliation with Payter
 * (docs/reconciliation.md).
 */
import { describe, expect, it } from 'vitest';
import { InvalidPaymentAmountError } from '../../lambdas/pricing/capture';
import type { ChargingSession, SessionRefund } from '../../lambdas/sessions/model';
import { SessionOperations, refundSettlements } from '../../lambdas/sessions/session-operations';
import { ConflictError, NotFoundError, PayterUnavailableError } from '../../lambdas/shared/errors';
import { PAYTER, SERIAL, STATION_ID, T0, givenWorld, type World } from '../support/in-memory';

const usd = (minor: number) => ({ currency: 'USD', minor });
/** docs/pricing.md's worked example: captured 764, tax 62, platform 120, host 582. */
const SPLIT = { captured: usd(764), taxCollected: usd(62), platformFee: usd(120), hostRevenue: usd(582) };
const PAYMENT = { captured: usd(764), shortfall: usd(0), taxCollected: usd(62), capped: false, cancel: false };
const at = (minutes: number, ms = 0) => new Date(Date.parse(T0) + minutes * 60_000 + ms).toISOString();

/** The worked example's session, committed at Payter (764 of a 5000 hold). */
function committedSession(w: World, fields: Partial<ChargingSession> = {}): ChargingSession {
  const payterSessionId = w.payter.holdElsewhere(SERIAL, { amount: 5000, state: 'COMMITTED', committedAmount: 764 });
  return w.givenSession({
    status: 'completed',
    paymentState: 'committed',
    payterSessionId,
    authorizedAmount: 5000,
    committedAmount: 764,
    payment: PAYMENT,
    split: SPLIT,
    endReason: 'driverTap',
    ...fields,
  });
}

const aRefund = (amount: number, fields: Partial<SessionRefund> = {}): SessionRefund => ({
  amount,
  tax: 0,
  platformFee: 0,
  hostRevenue: amount,
  reason: 'earlier',
  requestedAt: T0,
  state: 'pending',
  ...fields,
});

/** A session with one refund already recorded (its amount counted in refundedAmount unless failed). */
function withRefund(w: World, refund: SessionRefund, fields: Partial<ChargingSession> = {}): ChargingSession {
  return committedSession(w, { refunds: [refund], refundedAmount: refund.state === 'failed' ? 0 : refund.amount, ...fields });
}

const refundCalls = (w: World) => w.payter.callsOf('refund');

describe('stop', () => {
  it('a charging session is moved to stopping (operatorStop) and its charger asked to stop the transaction', async () => {
    const w = givenWorld();
    w.givenSession({ sessionId: 's1', status: 'charging', transactionId: 7 });
    w.clock.advance({ minutes: 3 });
    expect(await w.operations.stop('s1')).toEqual({ stopping: true });
    expect(w.session('s1')).toMatchObject({ status: 'stopping', endReason: 'operatorStop', updatedAt: at(3) });
    expect(w.remoteStops).toEqual([{ stationId: STATION_ID, transactionId: 7 }]);
  });

  it.each([
    { status: 'starting', transactionId: undefined },
    { status: 'charging', transactionId: undefined },
    { status: 'stopping', transactionId: 7 },
    { status: 'stopped', transactionId: 7 },
    { status: 'completed', transactionId: 7 },
  ] as const)('a $status session (transaction $transactionId) is a conflict and nothing is sent', async ({ status, transactionId }) => {
    const w = givenWorld();
    w.givenSession({ sessionId: 's1', status, ...(transactionId !== undefined && { transactionId }) });
    const stopping = w.operations.stop('s1');
    await expect(stopping).rejects.toBeInstanceOf(ConflictError);
    await expect(stopping).rejects.toMatchObject({ field: 'sessionId', message: `session s1 is ${status}, not charging` });
    expect(w.session('s1').status).toBe(status);
    expect(w.remoteStops).toEqual([]);
  });

  it('an unknown session is not found', async () => {
    const w = givenWorld();
    await expect(w.operations.stop('nope')).rejects.toThrow(new NotFoundError('session nope does not exist'));
  });

  it('a stop that loses the race to the charger ending the charge itself sends no remote stop', async () => {
    const w = givenWorld();
    w.givenSession({ sessionId: 's1', status: 'charging', transactionId: 7 });
    const transition = w.sessions.transition.bind(w.sessions);
    // The charger's StopTransaction lands between the operator's read and the transition.
    w.sessions.transition = async (...args) => {
      await transition('s1', ['charging'], 'stopped', T0, { endReason: 'chargerStopped' });
      return transition(...args);
    };
    expect(await w.operations.stop('s1')).toEqual({ stopping: true });
    expect(w.session('s1')).toMatchObject({ status: 'stopped', endReason: 'chargerStopped' });
    expect(w.remoteStops).toEqual([]);
  });
});

describe('refund through Payter', () => {
  it.each([
    // Split back in proportion: tax round(R * 62 / 764), platform round(R * 120 / 764), host the rest.
    { amount: 764, tax: 62, platformFee: 120, hostRevenue: 582 },
    { amount: 382, tax: 31, platformFee: 60, hostRevenue: 291 },
    { amount: 100, tax: 8, platformFee: 16, hostRevenue: 76 },
    { amount: 1, tax: 0, platformFee: 0, hostRevenue: 1 },
  ])('a refund of $amount of 764: tax $tax, platform $platformFee, host $hostRevenue, done at Payter', async ({ amount, tax, platformFee, hostRevenue }) => {
    const w = givenWorld();
    const session = committedSession(w, { sessionId: 's1' });
    w.clock.advance({ minutes: 30 });
    const refund = await w.operations.refund('s1', amount, 'charger fault');
    const expected = { amount, tax, platformFee, hostRevenue, reason: 'charger fault', requestedAt: at(30), state: 'done', payterRefundId: 'refund-2', settledAt: at(30) };
    expect(refund).toStrictEqual(expected); // no requestKey without a key
    expect(w.session('s1')).toMatchObject({ refundedAmount: amount, refunds: [expected] });
    expect(refundCalls(w)).toEqual([{ serial: SERIAL, sessionId: session.payterSessionId, amount }]);
    expect(w.payter.hold(session.payterSessionId!)).toMatchObject({ state: 'COMMITTED', committedAmount: 764 });
  });

  it('a second part takes the proportion on the total so far: both halves give back 31 of tax, 60 of platform', async () => {
    const w = givenWorld();
    committedSession(w, { sessionId: 's1' });
    await w.operations.refund('s1', 382, 'first half');
    const second = await w.operations.refund('s1', 382, 'second half');
    expect(second).toMatchObject({ amount: 382, tax: 31, platformFee: 60, hostRevenue: 291, state: 'done' });
    expect(w.session('s1').refundedAmount).toBe(764);
    expect(refundCalls(w).map((r) => r.amount)).toEqual([382, 382]);
  });

  it.each([
    { refunded: 0, amount: 765 },
    { refunded: 700, amount: 65 },
  ])('more than is left to refund ($amount after $refunded) is a conflict on the amount, nothing asked of Payter', async ({ refunded, amount }) => {
    const w = givenWorld();
    committedSession(w, { sessionId: 's1', ...(refunded && { refundedAmount: refunded, refunds: [aRefund(refunded, { state: 'done' })] }) });
    const refunding = w.operations.refund('s1', amount, 'too much');
    await expect(refunding).rejects.toBeInstanceOf(ConflictError);
    await expect(refunding).rejects.toMatchObject({ field: 'amount', message: expect.stringContaining(`only USD ${((764 - refunded) / 100).toFixed(2)}`) });
    expect(refundCalls(w)).toEqual([]);
    expect(w.session('s1').refundedAmount).toBe(refunded || undefined);
  });

  it('all that is left can still be refunded (700 refunded, 64 left)', async () => {
    const w = givenWorld();
    committedSession(w, { sessionId: 's1', refundedAmount: 700, refunds: [aRefund(700, { state: 'done' })] });
    expect(await w.operations.refund('s1', 64, 'rest')).toMatchObject({ amount: 64, state: 'done' });
    expect(w.session('s1').refundedAmount).toBe(764);
  });

  it('a refund of nothing is refused as an invalid amount, not as a conflict', async () => {
    const w = givenWorld();
    committedSession(w, { sessionId: 's1' });
    const refunding = w.operations.refund('s1', 0, 'nothing');
    await expect(refunding).rejects.toBeInstanceOf(InvalidPaymentAmountError);
    await expect(refunding).rejects.not.toBeInstanceOf(ConflictError);
    expect(refundCalls(w)).toEqual([]);
  });

  it.each([
    { case: 'a hold still authorized', fields: { paymentState: 'authorized' } },
    { case: 'a cancelled payment', fields: { paymentState: 'cancelled' } },
    { case: 'no split recorded', fields: { split: undefined } },
    { case: 'no Payter session', fields: { payterSessionId: undefined } },
  ] as const)('$case: no committed payment to refund', async ({ fields }) => {
    const w = givenWorld();
    committedSession(w, { sessionId: 's1', ...fields });
    const refunding = w.operations.refund('s1', 100, 'why');
    await expect(refunding).rejects.toBeInstanceOf(ConflictError);
    await expect(refunding).rejects.toMatchObject({ field: 'sessionId', message: 'session s1 has no committed payment to refund' });
    expect(refundCalls(w)).toEqual([]);
  });

  it('an unknown session is not found', async () => {
    const w = givenWorld();
    await expect(w.operations.refund('nope', 100, 'why')).rejects.toThrow(new NotFoundError('session nope does not exist'));
  });

  it('an open refund of a session without a Payter session: nothing to ask Payter, so it stays unknown', async () => {
    const w = givenWorld();
    withRefund(w, aRefund(300, { state: 'unknown' }), { sessionId: 's1', payterSessionId: undefined });
    await expect(w.operations.refund('s1', 100, 'why')).rejects.toMatchObject({ message: expect.stringContaining('is still unknown') });
    expect(w.payter.calls).toEqual([]);
    expect(w.refundEvidence.asked).toEqual([]);
  });

  it('a retried request (same Idempotency-Key, same amount) gets the first refund back, Payter asked once', async () => {
    const w = givenWorld();
    committedSession(w, { sessionId: 's1' });
    const first = await w.operations.refund('s1', 300, 'fault', 'key-1');
    w.clock.advance({ minutes: 1 });
    expect(await w.operations.refund('s1', 300, 'fault', 'key-1')).toEqual(first);
    expect(first).toMatchObject({ requestKey: 'key-1', state: 'done' });
    expect(refundCalls(w)).toHaveLength(1);
    expect(w.session('s1').refundedAmount).toBe(300);
  });

  it('the same Idempotency-Key for another amount is a conflict on the key', async () => {
    const w = givenWorld();
    committedSession(w, { sessionId: 's1' });
    await w.operations.refund('s1', 300, 'fault', 'key-1');
    const refunding = w.operations.refund('s1', 200, 'fault', 'key-1');
    await expect(refunding).rejects.toBeInstanceOf(ConflictError);
    await expect(refunding).rejects.toMatchObject({ field: 'Idempotency-Key', message: 'this key was used for a refund of another amount' });
    expect(refundCalls(w)).toHaveLength(1);
  });

  it('a key whose refund failed may be used again: the money is refunded then', async () => {
    const w = givenWorld();
    committedSession(w, { sessionId: 's1' });
    w.payter.script('refund', PAYTER.conflict);
    await expect(w.operations.refund('s1', 300, 'fault', 'key-1')).rejects.toBeInstanceOf(ConflictError);
    expect(await w.operations.refund('s1', 300, 'fault', 'key-1')).toMatchObject({ state: 'done', requestKey: 'key-1' });
    expect(w.session('s1').refunds?.map((r) => r.state)).toEqual(['failed', 'done']);
    expect(w.session('s1').refundedAmount).toBe(300);
  });

  it('another key, or none, is another refund', async () => {
    const w = givenWorld();
    committedSession(w, { sessionId: 's1' });
    await w.operations.refund('s1', 300, 'fault', 'key-1');
    await w.operations.refund('s1', 100, 'fault', 'key-2');
    await w.operations.refund('s1', 100, 'fault');
    expect(w.session('s1').refunds?.map((r) => [r.amount, r.requestKey])).toEqual([
      [300, 'key-1'],
      [100, 'key-2'],
      [100, undefined],
    ]);
    expect(refundCalls(w)).toHaveLength(3);
  });

  it("Payter's 409 refuses the refund: failed, the amount refundable again, a conflict for the operator", async () => {
    const w = givenWorld();
    committedSession(w, { sessionId: 's1' });
    w.payter.script('refund', { kind: 'conflict', message: 'already refunded' });
    const refunding = w.operations.refund('s1', 300, 'fault');
    await expect(refunding).rejects.toBeInstanceOf(ConflictError);
    await expect(refunding).rejects.toMatchObject({ field: 'amount', message: 'Payter refused the refund: already refunded' });
    expect(w.session('s1')).toMatchObject({ refundedAmount: 0, refunds: [{ amount: 300, state: 'failed', detail: 'already refunded', settledAt: T0 }] });
  });

  it("Payter's other refusals (422): failed, nothing refunded, Payter unavailable for the operator", async () => {
    const w = givenWorld();
    committedSession(w, { sessionId: 's1' });
    w.payter.script('refund', { kind: 'rejected', status: 422, message: 'bad amount' });
    const refunding = w.operations.refund('s1', 300, 'fault');
    await expect(refunding).rejects.toBeInstanceOf(PayterUnavailableError);
    await expect(refunding).rejects.toThrow('Payter refused the refund (HTTP 422: bad amount); nothing was refunded');
    expect(w.session('s1')).toMatchObject({ refundedAmount: 0, refunds: [{ state: 'failed', detail: 'HTTP 422: bad amount' }] });
    // Nothing was refunded: the whole amount can be refunded now.
    expect(await w.operations.refund('s1', 764, 'fault')).toMatchObject({ state: 'done' });
  });

  it.each([
    { answer: PAYTER.lost, detail: 'no answer within 10000 ms' },
    { answer: PAYTER.garbled, detail: 'unexpected answer to refund (scripted)' },
  ])("a lost or garbled answer ($answer.kind): unknown, the money still counted as refunded", async ({ answer, detail }) => {
    const w = givenWorld();
    committedSession(w, { sessionId: 's1' });
    w.payter.script('refund', answer);
    const refund = await w.operations.refund('s1', 300, 'fault');
    expect(refund).toMatchObject({ amount: 300, state: 'unknown', detail });
    expect(refund.settledAt).toBeUndefined();
    expect(w.session('s1')).toMatchObject({ refundedAmount: 300, refunds: [{ state: 'unknown', detail }] });
  });

  it('a retry after a lost answer that Payter shows done returns the refund done, never sent twice', async () => {
    const w = givenWorld();
    committedSession(w, { sessionId: 's1' });
    w.payter.script('refund', PAYTER.lost); // it happened at Payter
    await w.operations.refund('s1', 300, 'fault', 'key-1');
    w.clock.advance({ minutes: 1 });
    const retried = await w.operations.refund('s1', 300, 'fault', 'key-1');
    expect(retried).toMatchObject({ amount: 300, state: 'done', detail: 'Payter shows 300 refunded of the session', settledAt: at(1) });
    expect(refundCalls(w)).toHaveLength(1);
    expect(w.session('s1').refundedAmount).toBe(300);
  });

  it('a lost answer Payter shows did not happen: failed, and the new refund is made', async () => {
    const w = givenWorld();
    committedSession(w, { sessionId: 's1' });
    w.payter.script('refund', PAYTER.unavailable); // a transient answer, nothing refunded
    expect(await w.operations.refund('s1', 300, 'fault')).toMatchObject({ state: 'unknown' });
    const again = await w.operations.refund('s1', 764, 'fault');
    expect(again).toMatchObject({ amount: 764, state: 'done' });
    expect(w.session('s1').refunds?.map((r) => [r.state, r.detail])).toEqual([
      ['failed', 'Payter shows it did not happen (0 refunded of the session)'],
      ['done', undefined],
    ]);
    expect(w.session('s1').refundedAmount).toBe(764);
  });

  it('while Payter shows neither, no new refund is made: a conflict that says so', async () => {
    const w = givenWorld();
    withRefund(w, aRefund(300, { state: 'unknown' }), { sessionId: 's1' });
    w.payter.script('getSession', PAYTER.unavailable);
    const refunding = w.operations.refund('s1', 100, 'more');
    await expect(refunding).rejects.toBeInstanceOf(ConflictError);
    await expect(refunding).rejects.toMatchObject({
      field: 'sessionId',
      message: `the outcome of the refund of 300 requested at ${T0} is still unknown and Payter does not show it yet; it is checked again before any new refund, try later`,
    });
    expect(refundCalls(w)).toEqual([]);
    expect(w.session('s1').refunds?.map((r) => r.state)).toEqual(['unknown']);
  });

  it("Payter's transaction data settles it when CPS cannot be read (the data was asked since the payment)", async () => {
    const w = givenWorld();
    const session = withRefund(w, aRefund(300, { state: 'unknown' }), { sessionId: 's1', createdAt: at(-60) });
    w.payter.script('getSession', PAYTER.unavailable);
    w.refundEvidence.show(session.payterSessionId!, 300);
    expect(await w.operations.refund('s1', 100, 'more')).toMatchObject({ state: 'done' });
    expect(w.session('s1').refunds?.map((r) => r.state)).toEqual(['done', 'done']);
    expect(w.refundEvidence.asked).toEqual([{ serialNumber: SERIAL, payterSessionId: session.payterSessionId, since: at(-60) }]);
  });

  it.each([
    { cps: 0, data: 300, settled: 'done' },
    { cps: 300, data: 0, settled: 'done' },
    { cps: 300, data: undefined, settled: 'done' },
    { cps: 0, data: undefined, settled: 'failed' },
  ])('CPS shows $cps, the data $data refunded: the unknown refund of 300 is $settled (the larger counts)', async ({ cps, data, settled }) => {
    const w = givenWorld();
    const session = withRefund(w, aRefund(300, { state: 'unknown' }), { sessionId: 's1' });
    const payterSessionId = session.payterSessionId!;
    w.payter.script('getSession', { kind: 'answer', outcome: { kind: 'ok', value: { ...w.payter.hold(payterSessionId), refundedAmount: cps } } });
    w.refundEvidence.show(payterSessionId, data);
    await w.operations.refund('s1', 100, 'more');
    expect(w.session('s1').refunds?.map((r) => r.state)).toEqual([settled, 'done']);
  });

  it.each([
    { minutes: 5, ms: 0, stale: false },
    { minutes: 5, ms: 1, stale: true },
  ])('a pending refund $minutes min $ms ms old: its request died ($stale)', async ({ minutes, ms, stale }) => {
    const w = givenWorld();
    withRefund(w, aRefund(300, { state: 'pending' }), { sessionId: 's1' });
    w.payter.script('getSession', PAYTER.unavailable);
    w.clock.set(at(minutes, ms));
    const refunding = w.operations.refund('s1', 100, 'more');
    if (stale) await expect(refunding).rejects.toBeInstanceOf(ConflictError);
    else await expect(refunding).resolves.toMatchObject({ state: 'done' });
    expect(refundCalls(w)).toHaveLength(stale ? 0 : 1);
  });

  it.each(['failed', 'done'] as const)('a refund %s long ago asks Payter nothing before the next one', async (state) => {
    const w = givenWorld();
    withRefund(w, aRefund(300, { state }), { sessionId: 's1' });
    w.clock.advance({ hours: 1 });
    await w.operations.refund('s1', 100, 'more');
    expect(w.payter.trace()).toEqual(['refund READER-1/payter-1']);
    expect(w.refundEvidence.asked).toEqual([]);
  });

  it('one refund done and one unknown: the unknown one is settled before the next refund', async () => {
    const w = givenWorld();
    committedSession(w, { sessionId: 's1', refundedAmount: 300, refunds: [aRefund(100, { state: 'done' }), aRefund(200, { state: 'unknown' })] });
    w.refundEvidence.show('payter-1', 300);
    expect(await w.operations.refund('s1', 100, 'more')).toMatchObject({ state: 'done' });
    expect(w.session('s1').refunds?.map((r) => r.state)).toEqual(['done', 'done', 'done']);
  });

  it('without the transaction data hook, CPS alone settles an unknown refund', async () => {
    const w = givenWorld();
    withRefund(w, aRefund(300, { state: 'unknown' }), { sessionId: 's1' });
    const operations = new SessionOperations({ sessions: w.sessions, workflow: w.workflow, payter: w.payter.client, stopTransaction: async () => {}, clock: w.clock });
    expect(await operations.refund('s1', 100, 'more')).toMatchObject({ state: 'done' });
    expect(w.session('s1').refunds?.map((r) => r.state)).toEqual(['failed', 'done']);
  });

  it('two operators at once: the one who reserves second is told to look again, Payter asked once', async () => {
    const w = givenWorld();
    committedSession(w, { sessionId: 's1' });
    const reserve = w.sessions.reserveRefund.bind(w.sessions);
    let raced = false;
    w.sessions.reserveRefund = async (...args) => {
      if (!raced) {
        raced = true;
        await w.operations.refund('s1', 500, 'the other operator');
      }
      return reserve(...args);
    };
    const refunding = w.operations.refund('s1', 500, 'fault');
    await expect(refunding).rejects.toBeInstanceOf(ConflictError);
    await expect(refunding).rejects.toMatchObject({ field: 'amount', message: 'another refund of this session was just made; look again' });
    expect(refundCalls(w).map((r) => r.amount)).toEqual([500]);
    expect(w.session('s1').refundedAmount).toBe(500);
  });
});

describe('refund through the acquirer', () => {
  it('is recorded for the operator to make, Payter not asked', async () => {
    const w = givenWorld({ refundChannel: 'acquirer' });
    committedSession(w, { sessionId: 's1' });
    const refund = await w.operations.refund('s1', 382, 'fault');
    expect(refund).toStrictEqual({ amount: 382, tax: 31, platformFee: 60, hostRevenue: 291, reason: 'fault', requestedAt: T0, state: 'toBeRefundedByAcquirer' });
    expect(w.session('s1')).toMatchObject({ refundedAmount: 382, refunds: [refund] });
    expect(w.payter.calls).toEqual([]);
  });

  it('is done once Payter shows it; until then it stays open (never failed by a CPS that shows nothing)', async () => {
    const w = givenWorld({ refundChannel: 'acquirer' });
    const session = committedSession(w, { sessionId: 's1' });
    await w.operations.refund('s1', 300, 'first');
    await w.operations.refund('s1', 100, 'second');
    expect(w.session('s1').refunds?.map((r) => r.state)).toEqual(['toBeRefundedByAcquirer', 'toBeRefundedByAcquirer']);
    w.refundEvidence.show(session.payterSessionId!, 300);
    await w.operations.refund('s1', 50, 'third');
    expect(w.session('s1').refunds?.map((r) => r.state)).toEqual(['done', 'toBeRefundedByAcquirer', 'toBeRefundedByAcquirer']);
    expect(w.session('s1').refundedAmount).toBe(450);
  });

  it('without a channel set, refunds go through CPS', async () => {
    const w = givenWorld();
    committedSession(w, { sessionId: 's1' });
    const operations = new SessionOperations({ sessions: w.sessions, workflow: w.workflow, payter: w.payter.client, stopTransaction: async () => {}, clock: w.clock });
    expect(await operations.refund('s1', 100, 'fault')).toMatchObject({ state: 'done' });
    expect(refundCalls(w)).toHaveLength(1);
  });
});

describe('refund settlements: how they read', () => {
  const isOpen = (r: SessionRefund) => r.state === 'unknown' || r.state === 'toBeRefundedByAcquirer';

  it.each([
    { shown: 300, refunds: [aRefund(300, { state: 'unknown' })], outcome: { state: 'done', detail: 'Payter shows 300 refunded of the session' } },
    {
      shown: 100,
      refunds: [aRefund(100, { state: 'done' }), aRefund(200, { state: 'unknown' })],
      outcome: { state: 'failed', amount: 200, detail: 'Payter shows it did not happen (100 refunded of the session)' },
    },
    // A failed refund is not part of what Payter shows.
    { shown: 200, refunds: [aRefund(200, { state: 'failed' }), aRefund(200, { state: 'unknown' })], outcome: { state: 'done', detail: 'Payter shows 200 refunded of the session' } },
  ] as const)('Payter shows $shown: $outcome.state', ({ shown, refunds, outcome }) => {
    expect(refundSettlements(refunds, shown, isOpen).map((s) => s.outcome)).toEqual([outcome]);
  });

  it('a refund not open is left as it is, even when Payter shows less', () => {
    expect(refundSettlements([aRefund(100, { state: 'pending' })], 0, isOpen)).toEqual([]);
  });
});

describe('views', () => {
  it('lists the sessions of a status, as operators see them', async () => {
    const w = givenWorld();
    w.givenSession({ sessionId: 'a', status: 'charging', transactionId: 7, createdAt: at(-2) });
    committedSession(w, { sessionId: 'b', createdAt: at(-1) });
    expect((await w.operations.list({})).map((s) => s.sessionId)).toEqual(['b', 'a']);
    expect((await w.operations.list({ status: 'completed' })).map((s) => s.sessionId)).toEqual(['b']);
    expect(await w.operations.list({ status: 'failed' })).toEqual([]);
  });

  it('a priced session in full: meter, receipt total, payment, refunds', async () => {
    const w = givenWorld();
    w.workflow.setExecution('b', 'SUCCEEDED', { startDate: T0, stopDate: at(70) });
    committedSession(w, {
      sessionId: 'b',
      maskedPan: '**** 4242',
      transactionId: 7,
      meterStart: 1000,
      meterStop: 13345,
      startedAt: at(1),
      stoppedAt: at(61),
      stopReason: 'EVDisconnected',
      timestampsWithoutOffset: true,
      receipt: { total: usd(764), usage: { energyWh: 12345, durationSeconds: 3600, idleSeconds: 900, anomalies: [] } },
      receiptView: { lines: ['Total $7.64'] },
      refundedAmount: 100,
      refunds: [aRefund(100, { state: 'done' })],
    });
    expect(await w.operations.detail('b')).toEqual({
      sessionId: 'b',
      status: 'completed',
      createdAt: T0,
      siteId: 'site-main-st',
      stationId: STATION_ID,
      connectorId: 1,
      serialNumber: SERIAL,
      maskedPan: '**** 4242',
      payterSessionId: 'payter-1',
      paymentState: 'committed',
      authorizedAmount: 5000,
      transactionId: 7,
      meter: { meterStart: 1000, meterStop: 13345, startedAt: at(1), stoppedAt: at(61) },
      total: 764,
      tax: 62,
      captured: 764,
      shortfall: 0,
      committedAmount: 764,
      refundedAmount: 100,
      endReason: 'driverTap',
      stopReason: 'EVDisconnected',
      timestampsWithoutOffset: true,
      executionName: 'b',
      usage: { energyWh: 12345, durationSeconds: 3600, idleSeconds: 900, soFar: false },
      receipt: { lines: ['Total $7.64'] },
      split: SPLIT,
      refunds: [aRefund(100, { state: 'done' })],
      execution: { name: 'b', status: 'SUCCEEDED', startDate: T0, stopDate: at(70), arn: expect.stringContaining(':execution:charging-session:b') },
    });
  });

  it('a session that never got far: nulls, not undefined', async () => {
    const w = givenWorld();
    w.givenSession({ sessionId: 'a', status: 'declined', paymentState: undefined });
    expect(await w.operations.detail('a')).toMatchObject({
      maskedPan: null,
      payterSessionId: null,
      paymentState: 'none',
      authorizedAmount: null,
      transactionId: null,
      meter: null,
      total: null,
      tax: null,
      captured: null,
      shortfall: null,
      committedAmount: null,
      refundedAmount: 0,
      endReason: null,
      stopReason: null,
      timestampsWithoutOffset: false,
      usage: null,
      receipt: null,
      split: null,
      refunds: [],
      execution: null,
    });
  });

  it('a receipt without a total shows none', async () => {
    const w = givenWorld();
    w.givenSession({ sessionId: 'a', status: 'stopped', receipt: {} });
    expect((await w.operations.detail('a')).total).toBeNull();
  });

  it('a started, still running meter shows no stop yet', async () => {
    const w = givenWorld();
    w.givenSession({ sessionId: 'a', status: 'stopping', transactionId: 7, meterStart: 1000, startedAt: at(1) });
    expect((await w.operations.detail('a')).meter).toEqual({ meterStart: 1000, meterStop: null, startedAt: at(1), stoppedAt: null });
  });

  describe('a session still charging shows its cost so far, priced as the receipt will be', () => {
    /** 12345 Wh over an hour, no idle: 100 + 432 + 120 = 652, tax 58, total 710. */
    function charging(fields: Partial<ChargingSession> = {}) {
      const w = givenWorld();
      w.givenSession({ sessionId: 'a', status: 'charging', transactionId: 7, meterStart: 1000, startedAt: T0, ...fields });
      w.transactions.seed({ transactionId: 7, stationId: STATION_ID, connectorId: 1, idTag: 'TAG-a', meterStart: 1000, startedAt: T0, status: 'active', lastMeterWh: 13345 });
      w.clock.advance({ hours: 1 });
      return w;
    }

    it('its running total and usage so far, at now', async () => {
      const w = charging();
      expect(await w.operations.detail('a')).toMatchObject({
        total: 710,
        usage: { energyWh: 12345, durationSeconds: 3600, idleSeconds: 0, soFar: true, at: at(60) },
      });
    });

    it.each([
      { case: 'stopped', fields: { stoppedAt: at(50) } },
      { case: 'priced', fields: { receipt: { total: usd(764) } } },
      { case: 'with no transaction', fields: { transactionId: undefined } },
      { case: 'of a site gone', fields: { siteId: 'site-gone' } },
      { case: 'whose transaction is not stored', fields: { transactionId: 8 } },
    ])('not when $case', async ({ fields }) => {
      const w = charging(fields);
      const detail = await w.operations.detail('a');
      expect(detail.total).toBe(fields.receipt ? 764 : null);
      expect(detail.usage).toBeNull();
    });

    it('not without the charging ports', async () => {
      const w = charging();
      const operations = new SessionOperations({ sessions: w.sessions, workflow: w.workflow, payter: w.payter.client, stopTransaction: async () => {}, clock: w.clock });
      expect(await operations.detail('a')).toMatchObject({ total: null, usage: null });
    });
  });

  it("the workflow execution's history, or not found", async () => {
    const w = givenWorld();
    w.givenSession({ sessionId: 'a', status: 'charging' });
    w.givenSession({ sessionId: 'b', status: 'failed' });
    const history = [{ timestamp: T0, type: 'ExecutionStarted' }];
    w.workflow.setExecution('a', 'RUNNING', { history });
    expect(await w.operations.execution('a')).toEqual({ executionName: 'a', events: history });
    await expect(w.operations.execution('b')).rejects.toThrow(new NotFoundError('session b has no workflow execution b'));
    await expect(w.operations.execution('nope')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('reconcile with Payter', () => {
  /** What every difference of the first session names. */
  const BASE = { serialNumber: SERIAL, payterSessionId: 'payter-1', sessionId: 's1' };
  const FROM = at(-24 * 60);
  const TO = at(60);

  it('a committed session Payter shows committed for the captured amount matches', async () => {
    const w = givenWorld();
    committedSession(w, { sessionId: 's1' });
    expect(await w.operations.reconcile(FROM, TO)).toEqual({ from: FROM, to: TO, sessions: 1, matched: 1, differences: [], openHolds: [] });
    expect(w.payter.callsOf('listSessions')).toEqual([{ serial: SERIAL }]);
  });

  it('Payter committed another amount than we captured: amountDiffers', async () => {
    const w = givenWorld();
    committedSession(w, { sessionId: 's1', payment: { ...PAYMENT, captured: usd(700) }, committedAmount: 700 });
    const { matched, differences } = await w.operations.reconcile(FROM, TO);
    expect(matched).toBe(0);
    expect(differences).toEqual([
      {
        ...BASE,
        kind: 'amountDiffers',
        ours: { paymentState: 'committed', committedAmount: 700 },
        payters: { state: 'COMMITTED', committedAmount: 764 },
      },
    ]);
  });

  it.each([
    { theirs: null, captured: 0, kind: undefined },
    { theirs: null, captured: 1, kind: 'amountDiffers' },
    { theirs: 0, captured: undefined, kind: 'amountDiffers' },
    { theirs: 1, captured: undefined, kind: 'amountDiffers' },
  ])('Payter committed $theirs, we captured $captured: $kind', async ({ theirs, captured, kind }) => {
    const w = givenWorld();
    committedSession(w, { sessionId: 's1', payment: captured === undefined ? undefined : { ...PAYMENT, captured: usd(captured) } });
    const listed = { ...w.payter.hold('payter-1'), committedAmount: theirs, refundedAmount: 0 };
    w.payter.script('listSessions', { kind: 'answer', outcome: { kind: 'ok', value: [listed] } });
    const { matched, differences } = await w.operations.reconcile(FROM, TO);
    expect(differences.map((d) => d.kind)).toEqual(kind ? [kind] : []);
    expect(matched).toBe(kind ? 0 : 1);
  });

  it.each([
    { ours: 'committed', theirs: 'CANCELLED', differs: true },
    { ours: 'cancelled', theirs: 'COMMITTED', differs: true },
    { ours: 'unfinalized', theirs: 'COMMITTED', differs: true },
    { ours: 'none', theirs: 'CANCELLED', differs: true },
    { ours: 'cancelled', theirs: 'CANCELLED', differs: false },
  ] as const)('ours $ours, Payter $theirs: stateDiffers $differs', async ({ ours, theirs, differs }) => {
    const w = givenWorld();
    const payterSessionId = w.payter.holdElsewhere(SERIAL, { amount: 5000, state: theirs, committedAmount: theirs === 'COMMITTED' ? 764 : 0 });
    w.givenSession({ sessionId: 's1', status: 'completed', paymentState: ours, payterSessionId, payment: PAYMENT });
    const { matched, differences } = await w.operations.reconcile(FROM, TO);
    expect(differences).toEqual(
      differs
        ? [{ serialNumber: SERIAL, payterSessionId, sessionId: 's1', kind: 'stateDiffers', ours: { paymentState: ours }, payters: { state: theirs, committedAmount: theirs === 'COMMITTED' ? 764 : 0 } }]
        : [],
    );
    expect(matched).toBe(differs ? 0 : 1);
  });

  it('a hold of a session still charging, within its time, is listed open and matches', async () => {
    const w = givenWorld();
    w.givenSession({ sessionId: 's1', status: 'charging', transactionId: 7 }, { hold: true });
    w.clock.advance({ minutes: 90 });
    const report = await w.operations.reconcile(FROM, TO);
    expect(report).toMatchObject({ matched: 1, differences: [] });
    expect(report.openHolds).toEqual([{ serialNumber: SERIAL, payterSessionId: 'payter-1', sessionId: 's1', ageMinutes: 90, overdue: false }]);
  });

  it.each([
    { case: 'ended 15 min ago', fields: { status: 'stopped', stoppedAt: at(15) }, now: 30, overdue: true },
    { case: 'ended 14 min ago', fields: { status: 'stopped', stoppedAt: at(16) }, now: 30, overdue: false },
    { case: 'recorded committed', fields: { status: 'completed', paymentState: 'committed', stoppedAt: at(29) }, now: 30, overdue: true },
    { case: 'running 13 hours', fields: { status: 'charging' }, now: 13 * 60, overdue: true },
  ] as const)('a hold still open of a session $case: holdStillOpen $overdue', async ({ fields, now, overdue }) => {
    const w = givenWorld();
    w.givenSession({ sessionId: 's1', transactionId: 7, ...fields }, { hold: true });
    w.clock.set(at(now));
    const { matched, differences, openHolds } = await w.operations.reconcile(FROM, TO);
    expect(openHolds).toEqual([{ serialNumber: SERIAL, payterSessionId: 'payter-1', sessionId: 's1', ageMinutes: now, overdue }]);
    expect(matched).toBe(overdue ? 0 : 1);
    if (overdue) {
      expect(differences).toEqual([
        {
          ...BASE,
          kind: 'holdStillOpen',
          ours: { paymentState: fields.status === 'completed' ? 'committed' : 'authorized' },
          payters: { state: 'AUTHORIZED' },
          hold: { ageMinutes: now, overdue: true, ...('stoppedAt' in fields ? { endedAt: fields.stoppedAt } : {}) },
        },
      ]);
    } else expect(differences).toEqual([]);
  });

  it('the hold policy is the operator\'s: 5 minutes of grace flags a hold 5 minutes after the end', async () => {
    const w = givenWorld({ holdPolicy: { graceMinutesAfterEnd: 5, maxOpenHours: 1 } });
    w.givenSession({ sessionId: 's1', status: 'stopped', transactionId: 7, stoppedAt: at(1) }, { hold: true });
    w.clock.set(at(6));
    expect((await w.operations.reconcile(FROM, TO)).differences.map((d) => d.kind)).toEqual(['holdStillOpen']);
  });

  it('a session whose hold Payter does not list: unknownToPayter', async () => {
    const w = givenWorld();
    committedSession(w, { sessionId: 's1', payterSessionId: 'payter-99' });
    const { matched, differences } = await w.operations.reconcile(FROM, TO);
    expect(matched).toBe(0);
    expect(differences).toEqual([
      { serialNumber: SERIAL, payterSessionId: 'payter-99', sessionId: 's1', kind: 'unknownToPayter', ours: { paymentState: 'committed', committedAmount: 764 } },
    ]);
  });

  it('a hold on our reader no session knows is open, overdue and unknownToUs; a final one is not listed', async () => {
    const w = givenWorld();
    committedSession(w, { sessionId: 's1' });
    const open = w.payter.holdElsewhere(SERIAL, { amount: 5000 });
    w.payter.holdElsewhere(SERIAL, { amount: 5000, state: 'COMMITTED', committedAmount: 300 });
    const report = await w.operations.reconcile(FROM, TO);
    expect(report.matched).toBe(1);
    expect(report.openHolds).toEqual([{ serialNumber: SERIAL, payterSessionId: open, overdue: true }]);
    expect(report.differences).toEqual([{ serialNumber: SERIAL, payterSessionId: open, kind: 'unknownToUs', payters: { state: 'AUTHORIZED' } }]);
  });

  it("a reader with no session of ours in the period (the job's serials): each of Payter's sessions is unknownToUs", async () => {
    const w = givenWorld();
    w.payter.addReader('READER-2');
    const committed = w.payter.holdElsewhere('READER-2', { amount: 5000, state: 'COMMITTED', committedAmount: 300 });
    const report = await w.operations.reconcile(FROM, TO, { serials: ['READER-2'] });
    expect(report).toMatchObject({ sessions: 0, matched: 0, openHolds: [] });
    expect(report.differences).toEqual([{ serialNumber: 'READER-2', payterSessionId: committed, kind: 'unknownToUs', payters: { state: 'COMMITTED', committedAmount: 300 } }]);
  });

  it("each reader's sessions are compared with that reader's list; sessions without a hold, or outside the period, are not", async () => {
    const w = givenWorld();
    w.payter.addReader('READER-2');
    committedSession(w, { sessionId: 's1' });
    const other = w.payter.holdElsewhere('READER-2', { amount: 5000, state: 'COMMITTED', committedAmount: 764 });
    w.givenSession({ sessionId: 's2', serialNumber: 'READER-2', status: 'completed', paymentState: 'committed', payterSessionId: other, payment: PAYMENT });
    w.givenSession({ sessionId: 's3', status: 'declined' });
    committedSession(w, { sessionId: 's4', serialNumber: 'READER-3', createdAt: at(-25 * 60) });
    const report = await w.operations.reconcile(FROM, TO);
    expect(report).toMatchObject({ sessions: 2, matched: 2, differences: [] });
    expect(w.payter.callsOf('listSessions').map((c) => c.serial).sort()).toEqual([SERIAL, 'READER-2']);
  });

  it('reconciles up to 1000 sessions of the period, not a page of 100', async () => {
    const w = givenWorld();
    for (let n = 0; n < 101; n++) w.sessions.seed({ ...w.givenSession({ sessionId: `s${n}`, status: 'completed' }), payterSessionId: `payter-x${n}` });
    const report = await w.operations.reconcile(FROM, TO);
    expect(report.sessions).toBe(101);
    expect(report.differences).toHaveLength(101);
  });

  it('a reader Payter does not list: reconciliation fails, Payter unavailable', async () => {
    const w = givenWorld();
    committedSession(w, { sessionId: 's1' });
    w.payter.script('listSessions', PAYTER.unavailable);
    await expect(w.operations.reconcile(FROM, TO)).rejects.toThrow(new PayterUnavailableError('Payter did not list the sessions of READER-1 (transient)'));
  });

  it('a lost charger that reported other figures after it was billed: chargerReportedOtherUsage', async () => {
    const w = givenWorld();
    const charger = { stoppedAt: at(70), meterStop: 14000, stopReason: 'EVDisconnected' };
    committedSession(w, { sessionId: 's1', endReason: 'chargerLost', meterStop: 13345, chargerReportedStop: charger });
    committedSession(w, { sessionId: 's2', endReason: 'chargerLost', meterStop: 14000, chargerReportedStop: charger });
    const { matched, differences } = await w.operations.reconcile(FROM, TO);
    expect(matched).toBe(2);
    expect(differences).toEqual([
      {
        ...BASE,
        kind: 'chargerReportedOtherUsage',
        ours: { paymentState: 'committed', committedAmount: 764 },
        charger: { billedMeterStop: 13345, ...charger },
      },
    ]);
  });

  describe('refunds', () => {
    it('refunds done that Payter shows match; nothing more is asked', async () => {
      const w = givenWorld();
      committedSession(w, { sessionId: 's1' });
      await w.operations.refund('s1', 300, 'fault');
      const calls = w.payter.calls.length;
      expect((await w.operations.reconcile(FROM, TO)).differences).toEqual([]);
      expect(w.payter.trace().slice(calls)).toEqual(['listSessions READER-1']);
    });

    it('one refund done, one unknown the listing shows: both done, no difference', async () => {
      const w = givenWorld();
      committedSession(w, { sessionId: 's1', refundedAmount: 300, refunds: [aRefund(100, { state: 'done' }), aRefund(200, { state: 'unknown' })] });
      w.payter.script('listSessions', { kind: 'answer', outcome: { kind: 'ok', value: [{ ...w.payter.hold('payter-1'), refundedAmount: 300 }] } });
      expect((await w.operations.reconcile(FROM, TO)).differences).toEqual([]);
      expect(w.session('s1').refunds?.map((r) => r.state)).toEqual(['done', 'done']);
    });

    it('no refund recorded at all while CPS shows one: refundDiffers', async () => {
      const w = givenWorld();
      committedSession(w, { sessionId: 's1' });
      w.payter.script('listSessions', { kind: 'answer', outcome: { kind: 'ok', value: [{ ...w.payter.hold('payter-1'), refundedAmount: 200 }] } });
      expect((await w.operations.reconcile(FROM, TO)).differences).toMatchObject([{ kind: 'refundDiffers', ours: { refundedAmount: 0 }, payters: { refundedAmount: 200 } }]);
    });

    it('a cancelled payment without refunds: nothing to compare, neither CPS nor the data asked about refunds', async () => {
      const w = givenWorld();
      committedSession(w, { sessionId: 's1' });
      w.payter.script('listSessions', { kind: 'answer', outcome: { kind: 'ok', value: [{ ...w.payter.hold('payter-1'), state: 'CANCELLED', committedAmount: 0 }] } });
      w.sessions.seed({ ...w.session('s1'), paymentState: 'cancelled', committedAmount: 0 });
      w.refundEvidence.show('payter-1', 250);
      expect((await w.operations.reconcile(FROM, TO)).differences.filter((d) => d.kind.startsWith('refund'))).toEqual([]);
      expect(w.refundEvidence.asked).toEqual([]);
    });

    it('no refund anywhere: nothing differs', async () => {
      const w = givenWorld();
      committedSession(w, { sessionId: 's1' });
      expect((await w.operations.reconcile(FROM, TO)).differences).toEqual([]);
    });

    it('a refund only MyPayter\'s data shows (made in MyPayter or by the acquirer, neither we nor CPS know it): refundDiffers', async () => {
      const w = givenWorld();
      committedSession(w, { sessionId: 's1' });
      w.refundEvidence.show('payter-1', 250);
      expect((await w.operations.reconcile(FROM, TO)).differences).toEqual([
        {
          ...BASE,
          kind: 'refundDiffers',
          ours: { paymentState: 'committed', committedAmount: 764, refundedAmount: 0 },
          payters: { state: 'COMMITTED', committedAmount: 764, refundedAmount: 250 },
        },
      ]);
    });

    it.each([
      { case: 'CPS shows a refund we never made', refunds: [], ours: 0, shown: 200, by: 'cps' },
      { case: 'we recorded more refunded than the data shows', refunds: [aRefund(300, { state: 'done' })], ours: 300, shown: 200, by: 'data' },
    ])('$case: refundDiffers', async ({ refunds, ours, shown, by }) => {
      const w = givenWorld();
      committedSession(w, { sessionId: 's1', refunds, refundedAmount: ours });
      if (by === 'data') w.refundEvidence.show('payter-1', shown);
      else w.payter.script('listSessions', { kind: 'answer', outcome: { kind: 'ok', value: [{ ...w.payter.hold('payter-1'), refundedAmount: shown }] } });
      const { differences } = await w.operations.reconcile(FROM, TO);
      expect(differences).toEqual([
        {
          ...BASE,
          kind: 'refundDiffers',
          ours: { paymentState: 'committed', committedAmount: 764, refundedAmount: ours },
          payters: { state: 'COMMITTED', committedAmount: 764, refundedAmount: shown },
        },
      ]);
    });

    it('an unknown refund Payter neither shows nor denies: refundUnknown, asked of the listing only', async () => {
      const w = givenWorld();
      withRefund(w, aRefund(300, { state: 'unknown', requestedAt: at(-10) }), { sessionId: 's1' });
      const { refundedAmount: _none, ...listed } = { ...w.payter.hold('payter-1'), refundedAmount: undefined };
      w.payter.script('listSessions', { kind: 'answer', outcome: { kind: 'ok', value: [listed] } });
      const { differences } = await w.operations.reconcile(FROM, TO);
      expect(differences).toEqual([
        {
          ...BASE,
          kind: 'refundUnknown',
          ours: { paymentState: 'committed', committedAmount: 764, refundedAmount: 0 },
          refund: { amount: 300, state: 'unknown', requestedAt: at(-10) },
        },
      ]);
      expect(w.payter.trace()).toEqual(['listSessions READER-1']);
    });

    it('an unknown refund the listing shows: recorded done, no difference', async () => {
      const w = givenWorld();
      withRefund(w, aRefund(300, { state: 'unknown' }), { sessionId: 's1' });
      w.payter.script('listSessions', { kind: 'answer', outcome: { kind: 'ok', value: [{ ...w.payter.hold('payter-1'), refundedAmount: 300 }] } });
      expect((await w.operations.reconcile(FROM, TO)).differences).toEqual([]);
      expect(w.session('s1').refunds?.map((r) => [r.state, r.detail])).toEqual([['done', 'Payter shows 300 refunded of the session']]);
    });

    it('an acquirer refund not yet in the data: refundAwaitingAcquirer; once there: done', async () => {
      const w = givenWorld({ refundChannel: 'acquirer' });
      committedSession(w, { sessionId: 's1' });
      await w.operations.refund('s1', 300, 'fault');
      const { differences } = await w.operations.reconcile(FROM, TO);
      expect(differences).toEqual([
        {
          ...BASE,
          kind: 'refundAwaitingAcquirer',
          ours: { paymentState: 'committed', committedAmount: 764, refundedAmount: 0 },
          refund: { amount: 300, state: 'toBeRefundedByAcquirer', requestedAt: T0 },
        },
      ]);
      w.refundEvidence.show('payter-1', 300);
      expect((await w.operations.reconcile(FROM, TO)).differences).toEqual([]);
      expect(w.session('s1').refunds?.map((r) => r.state)).toEqual(['done']);
    });
  });
});
