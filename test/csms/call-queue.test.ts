/** The per-station queue's rules: stops first, first come first served otherwise, one call in flight. */
import { describe, expect, it } from 'vitest';
import {
  answer,
  dispatch,
  dueAt,
  emptyQueue,
  enqueue,
  settle,
  undeliverable,
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
