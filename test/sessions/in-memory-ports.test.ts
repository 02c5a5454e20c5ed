/**
 * The in-memory ports (test/support/in-memory.ts) keep the conditions of their DynamoDB adapters
 * and Payter's rules that the domain relies on: a write that loses a race loses here too, so a
 * unit test of a race means what it says.
 */
import { describe, expect, it } from 'vitest';
import type { SessionRefund } from '../../lambdas/sessions/model';
import { connectorStateOf16 } from '../../lambdas/ocpp/v16/connector-states';
import {
  FakePayter,
  InMemoryReaderRepository,
  InMemorySessionRepository,
  InMemoryStationRepository,
  InMemoryTransactionRepository,
  InMemoryWorkflow,
  PAYTER,
  aSession,
  givenWorld,
} from '../support/in-memory';

const AT = '2026-12-01T12:05:00.000Z';
const refund = (amount: number): SessionRefund => ({ amount, tax: 0, platformFee: 0, hostRevenue: amount, reason: 'r', requestedAt: AT, state: 'pending' });

describe('in-memory sessions', () => {
  it.each([
    { status: 'starting', from: ['authorizing', 'starting'], moved: true },
    { status: 'charging', from: ['authorizing', 'starting'], moved: false },
  ] as const)('transition from $from of a $status session: moved $moved', async ({ status, from, moved }) => {
    const sessions = new InMemorySessionRepository();
    sessions.seed(aSession({ sessionId: 's1', status }));
    const after = await sessions.transition('s1', from, 'cancelled', AT, { endReason: 'noTransaction' });
    expect(after?.status).toBe(moved ? 'cancelled' : undefined);
    expect(sessions.record('s1')).toMatchObject(moved ? { status: 'cancelled', endReason: 'noTransaction', updatedAt: AT } : { status });
  });

  it('a missing session: transition loses, update throws the condition failure', async () => {
    const sessions = new InMemorySessionRepository();
    expect(await sessions.transition('none', ['authorizing'], 'failed', AT)).toBeUndefined();
    await expect(sessions.update('none', { runningTotal: 1 }, AT)).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
  });

  it('lists newest first within the filters and limit; the unsettled oldest first', async () => {
    const sessions = new InMemorySessionRepository();
    sessions.seed(
      aSession({ sessionId: 'a', createdAt: '2026-12-01T10:00:00Z', status: 'completed', paymentState: 'committed' }),
      aSession({ sessionId: 'b', createdAt: '2026-12-01T11:00:00Z', status: 'charging' }),
      aSession({ sessionId: 'c', createdAt: '2026-12-01T12:00:00Z', stationId: 'CP-2', status: 'failed', paymentState: 'authorized' }),
    );
    const ids = async (query: Parameters<typeof sessions.list>[0]) => (await sessions.list(query)).map((s) => s.sessionId);
    expect(await ids({})).toEqual(['c', 'b', 'a']);
    expect(await ids({ stationId: 'CP-1' })).toEqual(['b', 'a']);
    expect(await ids({ from: '2026-12-01T10:30:00Z', limit: 1 })).toEqual(['c']);
    expect(await ids({ to: '2026-12-01T11:00:00Z' })).toEqual(['b', 'a']);
    expect((await sessions.listUnsettled()).map((s) => s.sessionId)).toEqual(['b', 'c']);
  });

  it('reserves a refund only against the refunded amount it read; a failed refund gives it back', async () => {
    const sessions = new InMemorySessionRepository();
    sessions.seed(aSession({ sessionId: 's1' }));
    expect(await sessions.reserveRefund('s1', 0, refund(300), AT)).toBe(0);
    expect(await sessions.reserveRefund('s1', 0, refund(300), AT)).toBeUndefined(); // the second operator lost
    expect(await sessions.reserveRefund('s1', 300, refund(200), AT)).toBe(1);
    expect(await sessions.settleRefund('s1', 0, 'pending', { state: 'failed', amount: 300, detail: 'no' }, AT)).toBe(true);
    expect(await sessions.settleRefund('s1', 0, 'pending', { state: 'done' }, AT)).toBe(false); // settled meanwhile
    expect(await sessions.settleRefund('s1', 1, 'pending', { state: 'unknown', detail: 'timeout' }, AT)).toBe(true);
    const { refundedAmount, refunds } = sessions.record('s1');
    expect(refundedAmount).toBe(200);
    expect(refunds?.map((r) => [r.state, r.settledAt, r.detail])).toEqual([
      ['failed', AT, 'no'],
      ['unknown', undefined, 'timeout'],
    ]);
  });
});

describe('in-memory readers', () => {
  const reader = { serialNumber: 'R1', stationId: 'CP-1', siteId: 's', connectorIds: [1], commissionedAt: AT, updatedAt: AT };

  it('binds one session a connector, claims only the open reading, never commissions over a binding', async () => {
    const readers = new InMemoryReaderRepository();
    const [one, two] = [{ stationId: 'CP-1', connectorId: 1 }, { stationId: 'CP-1', connectorId: 2 }];
    expect(await readers.commission(reader)).toBe(true);
    expect(await readers.attachSession('R1', 's1', one)).toBe(true);
    expect(await readers.attachSession('R1', 's1', one)).toBe(true);
    expect(await readers.attachSession('R1', 's2', one)).toBe(false);
    expect(await readers.commission(reader)).toBe(false);
    await readers.restore(reader); // a session took it since: not put back
    expect(readers.record('R1').activeSessionId).toBe('s1');
    await readers.detachSession('R1', 's2', one);
    expect(readers.record('R1').activeSessionId).toBe('s1');
    expect(await readers.attachSession('R1', 's2', two)).toBe(true);
    expect(readers.record('R1')).toMatchObject({ activeSessionId: 's2', sessionsByConnector: { 'CP-1#1': 's1', 'CP-1#2': 's2' } });
    await readers.detachSession('R1', 's2', two);
    expect(readers.record('R1')).toMatchObject({ sessionsByConnector: { 'CP-1#1': 's1' } });
    expect(readers.record('R1').activeSessionId).toBeUndefined();
    expect(await readers.commission(reader)).toBe(false); // s1 still runs
    await readers.detachSession('R1', 's1', one);
    expect(readers.record('R1').sessionsByConnector).toEqual({});
    expect(await readers.commission({ ...reader, stationId: 'CP-2' })).toBe(false);

    await readers.openReading('R1', { id: 'x', state: 'open', startedAt: AT }, 'tapCard');
    expect(await readers.claimReading('R1', 'y')).toBe(false);
    expect(await readers.claimReading('R1', 'x')).toBe(true);
    expect(await readers.claimReading('R1', 'x')).toBe(false);
    expect(await readers.recordOnline('R1', false)).toBeUndefined(); // never reported before
    expect(await readers.recordOnline('R1', true)).toBe(false);
    expect(await readers.recordOnline('R9', true)).toBeUndefined();
    expect(await readers.attachSession('R9', 's1', { stationId: 'CP-1', connectorId: 1 })).toBe(false);
  });
});

describe('in-memory stations and transactions', () => {
  it("a connector's history since an instant starts with the status in force then", async () => {
    const stations = new InMemoryStationRepository();
    for (const [status, timestamp] of [['Available', '10:00'], ['Preparing', '10:05'], ['Charging', '10:10'], ['Finishing', '10:20']]) {
      await stations.putConnectorStatus({ stationId: 'CP-1', connectorId: 1, state: connectorStateOf16(status!), status: status!, errorCode: 'NoError', timestamp: `2026-12-01T${timestamp}:00Z`, receivedAt: AT });
    }
    const since = await stations.listStatusHistory('CP-1', 1, '2026-12-01T10:07:00Z');
    expect(since.map((s) => s.status)).toEqual(['Preparing', 'Charging', 'Finishing']);
    expect((await stations.getConnectorStatuses('CP-1')).map((s) => s.status)).toEqual(['Finishing']);
  });

  it('a second stop keeps the first; an older meter value does not replace a newer one', async () => {
    const transactions = new InMemoryTransactionRepository();
    const { transaction } = await transactions.start({ stationId: 'CP-1', connectorId: 1, idTag: 'T', meterStart: 10, timestamp: AT });
    expect((await transactions.start({ stationId: 'CP-1', connectorId: 1, idTag: 'T', meterStart: 10, timestamp: AT })).replayed).toBe(true);
    await transactions.stop({ stationId: 'CP-1', transactionId: transaction.transactionId, meterStop: 500, timestamp: AT });
    const again = await transactions.stop({ stationId: 'CP-1', transactionId: transaction.transactionId, meterStop: 900, timestamp: AT });
    expect(again?.meterStop).toBe(500);
    await transactions.recordLastMeter(transaction.transactionId, 300, '2026-12-01T12:10:00Z');
    await transactions.recordLastMeter(transaction.transactionId, 200, '2026-12-01T12:09:00Z');
    expect((await transactions.get(transaction.transactionId))?.lastMeterWh).toBe(300);
  });
});

describe('the fake Payter', () => {
  it("authorizes a read card once; a final hold's commit or cancel is 409", async () => {
    const payter = new FakePayter();
    payter.addReader('R1');
    expect((await payter.authorize({ serial: 'R1' })).kind).toBe('conflict'); // no card
    payter.presentCard('R1', 5000);
    const held = await payter.authorize({ serial: 'R1' });
    expect(held).toEqual({ kind: 'ok', value: { sessionId: 'payter-1', authorizedAmount: 5000 } });
    expect((await payter.commit({ serial: 'R1', sessionId: 'payter-1', commitAmount: 5001 })).kind).toBe('rejected');
    expect((await payter.commit({ serial: 'R1', sessionId: 'payter-1', commitAmount: 1234 })).kind).toBe('ok');
    expect((await payter.cancel({ serial: 'R1', sessionId: 'payter-1' })).kind).toBe('conflict');
    expect(payter.hold('payter-1')).toMatchObject({ state: 'COMMITTED', committedAmount: 1234 });
  });

  it.each([
    { scripted: PAYTER.lost, answer: 'transient', state: 'CANCELLED' },
    { scripted: PAYTER.garbled, answer: 'protocol', state: 'CANCELLED' },
    { scripted: PAYTER.unavailable, answer: 'transient', state: 'AUTHORIZED' },
    { scripted: PAYTER.conflict, answer: 'conflict', state: 'AUTHORIZED' },
    { scripted: PAYTER.rejected, answer: 'rejected', state: 'AUTHORIZED' },
  ])('a scripted $scripted.kind cancel answers $answer and leaves the hold $state', async ({ scripted, answer, state }) => {
    const payter = new FakePayter();
    payter.addReader('R1');
    const id = payter.holdElsewhere('R1', { amount: 5000 });
    payter.script('cancel', scripted);
    expect((await payter.cancel({ serial: 'R1', sessionId: id })).kind).toBe(answer);
    expect(payter.hold(id).state).toBe(state);
    expect(payter.calls.map((c) => [c.call, c.outcome.kind])).toEqual([['cancel', answer]]);
  });

  it('an offline reader cannot move money (503), its holds are still listed', async () => {
    const payter = new FakePayter();
    payter.addReader('R1', { online: false });
    const id = payter.holdElsewhere('R1', { amount: 100 });
    expect(await payter.commit({ serial: 'R1', sessionId: id, commitAmount: 50 })).toMatchObject({ kind: 'transient', status: 503 });
    expect(await payter.listSessions({ serial: 'R1' })).toMatchObject({ kind: 'ok', value: [{ sessionId: id, state: 'AUTHORIZED' }] });
  });

  it('a workflow start is recorded once per session; other input for the same session is refused', async () => {
    const workflow = new InMemoryWorkflow();
    const input = { sessionId: 's1', stationId: 'CP-1', connectorId: 1, idTag: 'TAG-1', timing: { plugInWindowSeconds: 60, maxSessionSeconds: 600 } };
    await workflow.start(input);
    await workflow.start(input);
    await expect(workflow.start({ ...input, connectorId: 2 })).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    expect(workflow.starts).toEqual([input]);
    expect((await workflow.describe('s1'))?.status).toBe('RUNNING');
  });
});

describe('a world', () => {
  it("wires the services: a tap on the start screen starts a session whose first step holds the site's amount", async () => {
    const world = givenWorld();
    await world.display.showStartScreen(world.reader(), world.site);
    expect(await world.tap('card-7')).toEqual({ action: 'started', sessionId: 'session-1' });
    expect(world.workflow.starts.map((s) => s.sessionId)).toEqual(['session-1']);
    expect(await world.steps.authorize('session-1')).toEqual({ outcome: 'approved' });
    expect(world.session('session-1')).toMatchObject({ status: 'starting', paymentState: 'authorized', payterSessionId: 'payter-1', authorizedAmount: 5000, cardId: 'card-7' });
    expect(world.payter.screenIds(world.serial)).toEqual(['authorizing', 'plugIn']);
  });
});
