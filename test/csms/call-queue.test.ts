/** The per-station queue's rules: stops first, first come first served otherwise, one call in flight. */
import { describe, expect, it } from 'vitest';
import {
  answer,
  dispatch,
  dueAt,
  emptyQueue,
  enqueue,
  find,
  settle,
  stopTransactionId,
  undeliverable,
  withdraw,
  type CallQueue,
  type QueuedCall,
} from '../../lambdas/csms/call-queue';

const t0 = Date.parse('2026-01-01T10:00:00Z');
const at = (s: number) => new Date(t0 + s * 1000);
let ids = 0;

function call(action: string, options: Partial<QueuedCall> & { after?: number } = {}): QueuedCall {
  const { after = 0, ...rest } = options;
  ids += 1;
  return {
    id: `c${ids}`,
    action,
    payload: action === 'RemoteStopTransaction' ? { transactionId: 7 } : {},
    enqueuedAt: at(after).toISOString(),
    deadline: at(after + 30).toISOString(),
    attempts: 0,
    ...rest,
  };
}

const actions = (queue: CallQueue) => queue.waiting.map((c) => c.action);
const send = (queue: CallQueue, s: number, messageId = `m${s}`) =>
  dispatch(queue, { messageId, connectionId: 'conn-1', now: at(s), timeoutMs: 30_000 });

describe('the station call queue', () => {
  it('keeps the order of arrival, except that stops go before every other waiting call', () => {
    let queue = emptyQueue('CP-1');
    for (const c of [call('GetConfiguration'), call('RemoteStartTransaction'), call('RemoteStopTransaction'), call('Reset')]) {
      queue = enqueue(queue, c);
    }
    queue = enqueue(queue, call('RemoteStopTransaction', { payload: { transactionId: 8 } }));
    expect(actions(queue)).toEqual(['RemoteStopTransaction', 'RemoteStopTransaction', 'GetConfiguration', 'RemoteStartTransaction', 'Reset']);
    expect(queue.waiting.slice(0, 2).map((c) => (c.payload as { transactionId: number }).transactionId)).toEqual([7, 8]);
  });

  it('adds no second fire-and-forget stop of the same transaction, but keeps one a workflow waits for', () => {
    const once = enqueue(emptyQueue('CP-1'), call('RemoteStopTransaction'));
    expect(enqueue(once, call('RemoteStopTransaction'))).toBe(once);
    expect(enqueue(once, call('RemoteStopTransaction', { taskToken: 't' })).waiting).toHaveLength(2);
  });

  it('sends one call at a time: the next is the head once the one in flight is answered', () => {
    let queue = enqueue(enqueue(emptyQueue('CP-1'), call('GetConfiguration')), call('RemoteStartTransaction'));
    queue = send(queue, 1);
    expect(queue.inFlight?.action).toBe('GetConfiguration');
    expect(() => send(queue, 2)).toThrow();
    // A stop arriving now waits for the call in flight, then goes before the start.
    queue = enqueue(queue, call('RemoteStopTransaction', { after: 2 }));
    expect(answer(queue, 'other', { kind: 'result', payload: {} }, at(3))).toBeUndefined();
    queue = answer(queue, 'm1', { kind: 'result', payload: {} }, at(3))!.queue;
    expect(queue.inFlight).toBeUndefined();
    expect(actions(queue)).toEqual(['RemoteStopTransaction', 'RemoteStartTransaction']);
  });

  it('fails a call not answered in time and lets the next go, however late the look at the queue comes', () => {
    let queue = enqueue(emptyQueue('CP-1'), call('GetConfiguration', { awaited: true }));
    queue = send(queue, 0);
    queue = enqueue(queue, call('Reset', { after: 5 }));
    expect(dueAt(queue)).toBe(at(30).toISOString());
    expect(settle(queue, at(29), 'conn-1').queue).toBe(queue);
    // Looked at 10 s after the timeout, past the Reset's own deadline (35 s): the station was
    // free from 30 s on, before that deadline, so the Reset is still sent.
    const { queue: next, failed } = settle(queue, at(40), 'conn-1');
    expect(failed.map((f) => [f.call.action, f.failure.error])).toEqual([['GetConfiguration', 'CallTimeout']]);
    expect(next.finished).toEqual([expect.objectContaining({ action: 'GetConfiguration', failure: expect.objectContaining({ error: 'CallTimeout' }) })]);
    expect(actions(next)).toEqual(['Reset']);
  });

  it('fails waiting calls whose deadline passes while the station is offline, and a call in flight on a closed connection', () => {
    let queue = enqueue(emptyQueue('CP-1'), call('GetConfiguration'));
    queue = send(queue, 0);
    queue = enqueue(queue, call('RemoteStartTransaction', { after: 1, taskToken: 'token' }));
    const { queue: offline, failed } = settle(queue, at(5), undefined);
    expect(failed.map((f) => f.failure.error)).toEqual(['CallLost']);
    expect(actions(offline)).toEqual(['RemoteStartTransaction']);
    expect(settle(offline, at(30), undefined).failed).toEqual([]);
    const late = settle(offline, at(31), undefined);
    expect(late.failed.map((f) => [f.call.taskToken, f.failure.error])).toEqual([['token', 'StationOffline']]);
    expect(late.queue.waiting).toEqual([]);
  });

  it('puts a retried stop back at the head after a lost or unanswered send', () => {
    let queue = enqueue(enqueue(emptyQueue('CP-1'), call('RemoteStopTransaction', { retry: true, deadline: at(86_400).toISOString() })), call('Reset', { after: 1 }));
    queue = send(queue, 0);
    const timedOut = settle(queue, at(30), 'conn-1');
    expect(timedOut.failed).toEqual([]);
    expect(timedOut.queue.waiting.map((c) => [c.action, c.attempts])).toEqual([['RemoteStopTransaction', 1], ['Reset', 0]]);
    // Re-sent on a new connection, whose send finds it gone: it waits at the head again, attempt not counted.
    const again = send(timedOut.queue, 31, 'm-again');
    expect(again.inFlight?.attempts).toBe(2);
    expect(undeliverable(again, 'm-again').waiting.map((c) => [c.action, c.attempts])).toEqual([['RemoteStopTransaction', 1], ['Reset', 0]]);
    expect(settle(again, at(32), 'conn-2').queue.waiting[0]?.action).toBe('RemoteStopTransaction');
  });
});

const stopOf = (transactionId: unknown, options: Parameters<typeof call>[1] = {}) => call('RemoteStopTransaction', { payload: { transactionId }, ...options });
const inFlightOn = (queue: CallQueue, connectionId: string, s: number) => dispatch(queue, { messageId: `m${s}`, connectionId, now: at(s), timeoutMs: 30_000 });

describe('which calls are stops of which transaction', () => {
  it.each([
    ['a stop', 'RemoteStopTransaction', { transactionId: 7 }, 7],
    ['a stop of transaction 0', 'RemoteStopTransaction', { transactionId: 0 }, 0],
    ['a stop with the id as a string', 'RemoteStopTransaction', { transactionId: '7' }, undefined],
    ['a stop without a payload', 'RemoteStopTransaction', undefined, undefined],
    ['another call carrying a transaction id', 'GetCompositeSchedule', { transactionId: 7 }, undefined],
  ])('%s -> %s', (_case, action, payload, transactionId) => {
    expect(stopTransactionId(call(action, { payload }))).toBe(transactionId);
  });
});

describe('queueing a stop', () => {
  it.each([
    ['the same transaction, in flight', (q: CallQueue) => send(enqueue(q, stopOf(7)), 1), stopOf(7), false],
    ['the same transaction, waiting', (q: CallQueue) => enqueue(q, stopOf(7)), stopOf(7), false],
    ['another transaction', (q: CallQueue) => send(enqueue(q, stopOf(7)), 1), stopOf(8), true],
    ['the same transaction, someone polls for its answer', (q: CallQueue) => enqueue(q, stopOf(7)), stopOf(7, { awaited: true }), true],
    ['no transaction id, behind other calls', (q: CallQueue) => enqueue(q, call('Reset')), stopOf('7'), true],
  ])('a second stop of %s: added %s', (_case, given, second, added) => {
    const queue = given(emptyQueue('CP-1'));
    const next = enqueue(queue, second);
    if (added) expect(next.waiting).toContain(second);
    else expect(next).toBe(queue);
  });

  it('keeps the order of stops among themselves when only stops wait', () => {
    const first = stopOf(7);
    const second = stopOf(8);
    const queue = enqueue(enqueue(emptyQueue('CP-1'), first), second);
    expect(queue.waiting).toEqual([first, second]);
  });
});

describe('settling the queue', () => {
  it('tells the charger-side reason of each failure', () => {
    const busy = enqueue(enqueue(emptyQueue('CP-7'), call('Reset')), call('GetConfiguration', { after: 1, deadline: at(20).toISOString() }));
    const sent = inFlightOn(busy, 'conn-1', 0);
    expect(settle(sent, at(20), 'conn-1').failed.map((f) => f.failure)).toEqual([
      { error: 'StationBusy', message: "station CP-7 was busy with earlier calls until GetConfiguration's deadline" },
    ]);
    expect(settle(sent, at(20), undefined).failed.map((f) => f.failure)).toEqual([
      { error: 'CallLost', message: "station CP-7's connection closed before it answered Reset" },
      { error: 'StationOffline', message: "station CP-7 stayed offline until GetConfiguration's deadline" },
    ]);
    expect(settle(sent, at(30), 'conn-1').failed.map((f) => f.failure)).toEqual([
      { error: 'CallTimeout', message: 'station CP-7 did not answer Reset in time' },
      { error: 'StationBusy', message: "station CP-7 was busy with earlier calls until GetConfiguration's deadline" },
    ]);
  });

  it('gives a call lost with its connection no grace: the next waiting call fails at its deadline', () => {
    // Timed out at 30 s, lost at 40 s: the Reset's deadline (35 s) passed before anyone could send it.
    const queue = inFlightOn(enqueue(enqueue(emptyQueue('CP-1'), call('GetConfiguration')), call('Reset', { after: 5 })), 'conn-1', 0);
    expect(settle(queue, at(40), 'conn-2').failed.map((f) => [f.call.action, f.failure.error])).toEqual([
      ['GetConfiguration', 'CallLost'],
      ['Reset', 'StationBusy'],
    ]);
    expect(settle(queue, at(40), 'conn-1').failed.map((f) => [f.call.action, f.failure.error])).toEqual([['GetConfiguration', 'CallTimeout']]);
  });

  it('keeps the failures of awaited calls for their poller, and only theirs', () => {
    const queue = enqueue(enqueue(emptyQueue('CP-1'), call('Reset')), call('GetConfiguration', { awaited: true }));
    const { queue: next, failed } = settle(queue, at(30), undefined);
    expect(failed.map((f) => f.call.action)).toEqual(['Reset', 'GetConfiguration']);
    expect(next.finished).toEqual([
      { id: queue.waiting[1]!.id, action: 'GetConfiguration', finishedAt: at(30).toISOString(), failure: failed[1]!.failure },
    ]);
  });

  it('keeps finished calls readable for ten minutes', () => {
    let queue = enqueue(emptyQueue('CP-1'), call('GetConfiguration', { awaited: true }));
    queue = answer(send(queue, 0), 'm0', { kind: 'result', payload: {} }, at(1))!.queue;
    expect(settle(queue, at(1 + 599), 'conn-1').queue).toBe(queue);
    const later = settle(queue, at(1 + 600), 'conn-1');
    expect(later.queue.finished).toEqual([]);
    expect(later.failed).toEqual([]);
  });
});

describe('a call in flight', () => {
  it('is not sent again while another is in flight, nor from an empty queue', () => {
    const message = 'dispatch needs a waiting call and none in flight';
    expect(() => send(emptyQueue('CP-1'), 0)).toThrow(message);
    expect(() => send(send(enqueue(enqueue(emptyQueue('CP-1'), call('Reset')), call('GetConfiguration')), 0), 1)).toThrow(message);
  });

  it('is kept for its poller once answered, with the message id and outcome', () => {
    const queue = send(enqueue(emptyQueue('CP-1'), call('GetConfiguration', { awaited: true })), 0, 'm-get');
    const outcome = { kind: 'error', code: 'NotSupported', description: '' } as const;
    const answered = answer(queue, 'm-get', outcome, at(2))!;
    expect(answered.call.id).toBe(queue.inFlight!.id);
    expect(answered.queue.finished).toEqual([{ id: queue.inFlight!.id, action: 'GetConfiguration', messageId: 'm-get', finishedAt: at(2).toISOString(), outcome }]);
    expect(find(answered.queue, queue.inFlight!.id)).toEqual({ state: 'finished', finished: answered.queue.finished[0] });
  });

  it('stays in flight when a send under another message id finds the connection gone', () => {
    const queue = send(enqueue(emptyQueue('CP-1'), call('Reset')), 0, 'm-reset');
    expect(undeliverable(queue, 'm-other')).toBe(queue);
    expect(undeliverable(emptyQueue('CP-1'), 'm-reset')).toEqual(emptyQueue('CP-1'));
  });
});

describe('withdrawing a waiting call', () => {
  const failure = { error: 'StationOffline', message: 'station CP-1 is not connected' };

  it('takes it out and keeps the reason for its poller', () => {
    const polled = call('GetConfiguration', { awaited: true });
    const queue = enqueue(enqueue(emptyQueue('CP-1'), call('Reset')), polled);
    const { queue: next, call: taken } = withdraw(queue, polled.id, failure, at(3));
    expect(taken).toBe(polled);
    expect(actions(next)).toEqual(['Reset']);
    expect(next.finished).toEqual([{ id: polled.id, action: 'GetConfiguration', finishedAt: at(3).toISOString(), failure }]);
  });

  it('keeps nothing for a call nobody polls for, and changes nothing for a call not waiting', () => {
    const reset = call('Reset');
    const queue = send(enqueue(enqueue(emptyQueue('CP-1'), reset), call('GetConfiguration')), 0);
    expect(withdraw(queue, reset.id, failure, at(3))).toEqual({ queue });
    const other = queue.waiting[0]!;
    expect(withdraw(queue, other.id, failure, at(3)).queue).toEqual({ ...queue, waiting: [] });
  });
});

describe('when the queue needs a look (dueAt)', () => {
  it.each([
    ['nothing queued', () => emptyQueue('CP-1'), undefined],
    // Nothing in flight: the station is offline or a sender crashed; look from the first arrival on.
    ['only waiting calls', () => enqueue(enqueue(emptyQueue('CP-1'), call('Reset', { after: 4 })), stopOf(7, { after: 9 })), at(4)],
    ['a call in flight', () => send(enqueue(emptyQueue('CP-1'), call('Reset')), 2), at(32)],
    [
      'a waiting call whose deadline comes before the answer is due',
      () => enqueue(send(enqueue(emptyQueue('CP-1'), call('Reset', { deadline: at(40).toISOString() })), 20), call('GetConfiguration', { deadline: at(25).toISOString() })),
      at(25),
    ],
    [
      'waiting calls out of deadline order',
      () => enqueue(enqueue(send(enqueue(emptyQueue('CP-1'), call('Reset')), 0), call('GetConfiguration', { deadline: at(28).toISOString() })), stopOf(7, { deadline: at(29).toISOString() })),
      at(28),
    ],
  ])('%s', (_case, queue, due) => {
    expect(dueAt(queue())).toBe(due?.toISOString());
  });
});

describe('where a call stands (find)', () => {
  it('is waiting, in flight, finished or unknown', () => {
    const first = call('Reset', { awaited: true });
    const second = call('GetConfiguration');
    const third = call('ChangeAvailability');
    let queue = enqueue(enqueue(enqueue(emptyQueue('CP-1'), first), second), third);
    queue = send(queue, 0, 'm-reset');
    expect(find(queue, first.id)).toEqual({ state: 'inFlight' });
    expect(find(queue, second.id)).toEqual({ state: 'waiting' });
    expect(find(queue, third.id)).toEqual({ state: 'waiting' });
    expect(find(queue, 'unknown')).toBeUndefined();
    queue = answer(queue, 'm-reset', { kind: 'result', payload: {} }, at(1))!.queue;
    expect(find(queue, first.id)).toEqual({ state: 'finished', finished: expect.objectContaining({ id: first.id, outcome: { kind: 'result', payload: {} } }) });
    // Another call's finished record says nothing about this one.
    expect(find(queue, second.id)).toEqual({ state: 'waiting' });
    expect(find(queue, 'unknown')).toBeUndefined();
  });
});
