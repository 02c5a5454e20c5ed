/**
 * CsmsCalls' rules, on in-memory ports (test/csms/support.ts): what the charger gets and when,
 * which workflow task is completed with what, what an operator's request hears, and what is
 * logged as a loud failure. One station CP-1, online on conn-1, calls time out after 30 s.
 */
import { describe, expect, it } from 'vitest';
import { CallFailedError, CsmsCalls, STOP_RETRY_MS, sendByAction } from '../../lambdas/csms/csms-calls';
import { remoteStartIdOf, type CallOutcome } from '../../lambdas/csms/model';
import { OcppError } from '../../lambdas/ocpp/frames';
import { CALL_TIMEOUT_SECONDS, csmsOnPorts, T0 } from './support';

type Harness = ReturnType<typeof csmsOnPorts>;

const result = (payload: unknown = { status: 'Accepted' }): CallOutcome => ({ kind: 'result', payload });
/** The charger answers the last frame it got. */
const answerLast = (h: Harness, outcome: CallOutcome = result()) => h.csms.receiveAnswer('CP-1', h.last()[1], outcome);
const errorsLogged = (h: Harness) => h.logs.filter((l) => l.level === 'error').map((l) => [l.message, l.details.action, l.details.error]);
const stop = (transactionId: number) => ({ transactionId });
const DAY_S = STOP_RETRY_MS / 1000;

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('sending a call', () => {
  it('sends it at once to a free online station, under a fresh OCPP message id', async () => {
    const h = csmsOnPorts();
    const sent = await h.csms.send('CP-1', 'GetConfiguration', { key: ['HeartbeatInterval'] });
    expect(h.frames).toEqual([{ connectionId: 'conn-1', frame: [2, expect.any(String), 'GetConfiguration', { key: ['HeartbeatInterval'] }] }]);
    // The id is the call's id in the queue, not the message id: a re-send gets a new message id.
    expect(sent).toEqual({ id: expect.any(String), action: 'GetConfiguration' });
    expect(sent.id).not.toBe(h.last()[1]);
    expect(h.logs).toEqual([
      { level: 'info', message: 'call sent to charger', details: { stationId: 'CP-1', action: 'GetConfiguration', messageId: h.last()[1], attempt: 1 } },
    ]);
  });

  it.each([
    ['an unknown station', 'CP-9', 'Reset', { type: 'Soft' }, {}, 'UnknownStation', 'station CP-9 is not provisioned'],
    ['an operator waiting for the answer of an offline station', 'CP-2', 'Reset', { type: 'Soft' }, { awaited: true }, 'StationOffline', 'station CP-2 is not connected'],
    // The caller's own mistake is told first, whatever the station's state.
    ['an invalid payload to an unknown station', 'CP-9', 'Reset', { type: 'Sometime' }, {}, 'PropertyConstraintViolation', 'Reset.req type'],
  ])('refuses %s, queueing nothing', async (_case, stationId, action, payload, options, name, message) => {
    const h = csmsOnPorts();
    h.provision('CP-2');
    const error = await rejection(h.csms.send(stationId, action, payload, options));
    expect(error instanceof OcppError ? error.code : error.name).toBe(name);
    expect(error.message).toContain(message);
    expect(h.queues.items.size).toBe(0);
    expect(h.frames).toEqual([]);
  });

  it('queues a call for an offline station nobody polls for: it waits for the reconnect', async () => {
    const h = csmsOnPorts();
    h.offline();
    const sent = await h.csms.send('CP-1', 'Reset', { type: 'Soft' }, { taskToken: 'task-reset' });
    expect(h.frames).toEqual([]);
    expect(h.queues.queue().waiting.map((c) => [c.id, c.action])).toEqual([[sent.id, 'Reset']]);
    h.advance(29);
    h.online('conn-2');
    await h.csms.stationReachable('CP-1');
    expect(h.frames.map((f) => [f.connectionId, f.frame[2]])).toEqual([['conn-2', 'Reset']]);
    await answerLast(h);
    expect(h.succeeded).toEqual([['task-reset', { status: 'Accepted' }]]);
  });

  it('sends one call at a time, the next on each answer, stops before everything else waiting', async () => {
    const h = csmsOnPorts();
    h.open(7);
    await h.csms.send('CP-1', 'GetConfiguration', {});
    await h.csms.send('CP-1', 'Reset', { type: 'Soft' });
    await h.csms.send('CP-1', 'ChangeAvailability', { connectorId: 1, type: 'Operative' });
    await h.csms.send('CP-1', 'RemoteStopTransaction', stop(7));
    expect(h.actions()).toEqual(['GetConfiguration']);
    for (let i = 0; i < 3; i++) await answerLast(h);
    expect(h.actions()).toEqual(['GetConfiguration', 'RemoteStopTransaction', 'Reset', 'ChangeAvailability']);
    expect(await answerLast(h)).toBe(true);
    expect(h.frames).toHaveLength(4);
  });
});

describe("the charger's answer", () => {
  it.each<[string, CallOutcome, [string, unknown][], [string, string, string][]]>([
    ['a CALLRESULT completes the task with its payload', result({ status: 'Accepted' }), [['task-1', { status: 'Accepted' }]], []],
    ['a Rejected CALLRESULT fails the task: the charger did not do it', result({ status: 'Rejected' }), [], [['task-1', 'CallRejected', 'the charger rejected Reset']]],
    ['a CALLERROR fails the task with its code and description', { kind: 'error', code: 'NotSupported', description: 'no resets here' }, [], [['task-1', 'Ocpp.NotSupported', 'no resets here']]],
    ['a CALLERROR without a description fails the task with its code as the cause', { kind: 'error', code: 'InternalError', description: '' }, [], [['task-1', 'Ocpp.InternalError', 'InternalError']]],
  ])('%s', async (_case, outcome, succeeded, failed) => {
    const h = csmsOnPorts();
    await h.csms.send('CP-1', 'Reset', { type: 'Hard' }, { taskToken: 'task-1' });
    expect(await answerLast(h, outcome)).toBe(true);
    expect(h.succeeded).toEqual(succeeded);
    expect(h.failed).toEqual(failed);
  });

  it('completes no task for a call nobody waits for, and sends the next', async () => {
    const h = csmsOnPorts();
    await h.csms.send('CP-1', 'GetConfiguration', {});
    await h.csms.send('CP-1', 'Reset', { type: 'Soft' }, { taskToken: 'task-reset' });
    expect(await answerLast(h)).toBe(true);
    expect([h.succeeded, h.failed]).toEqual([[], []]);
    expect(h.actions()).toEqual(['GetConfiguration', 'Reset']);
  });

  it('ignores a late or foreign answer, and a second copy of the same answer', async () => {
    const h = csmsOnPorts();
    await h.csms.send('CP-1', 'Reset', { type: 'Soft' }, { taskToken: 'task-reset' });
    await h.csms.send('CP-1', 'GetConfiguration', {}, { taskToken: 'task-config' });
    const before = structuredClone(h.queues.items.get('CP-1'));
    expect(await h.csms.receiveAnswer('CP-1', 'not-our-message', result())).toBe(false);
    expect(h.queues.items.get('CP-1')).toEqual(before);
    expect([h.succeeded, h.actions()]).toEqual([[], ['Reset']]);
    const resetMessage = h.last()[1];
    expect(await h.csms.receiveAnswer('CP-1', resetMessage, result())).toBe(true);
    expect(await h.csms.receiveAnswer('CP-1', resetMessage, result())).toBe(false);
    expect(h.succeeded).toEqual([['task-reset', { status: 'Accepted' }]]);
    expect(h.actions()).toEqual(['Reset', 'GetConfiguration']);
  });

  it("names the action of the call in flight for that message id only", async () => {
    const h = csmsOnPorts();
    await h.csms.send('CP-1', 'GetConfiguration', {});
    const messageId = h.last()[1];
    expect(await h.csms.inFlightAction('CP-1', messageId)).toBe('GetConfiguration');
    expect(await h.csms.inFlightAction('CP-1', 'other')).toBeUndefined();
    expect(await h.csms.inFlightAction('CP-2', messageId)).toBeUndefined();
    await answerLast(h);
    expect(await h.csms.inFlightAction('CP-1', messageId)).toBeUndefined();
  });
});

describe('a RemoteStartTransaction issues its id tag for the charger to start with', () => {
  it.each([
    ['a day by default', undefined, 86_400],
    ['the configured validity', 600, 600],
  ])('valid %s from when it is sent', async (_case, idTagValiditySeconds, seconds) => {
    const h = csmsOnPorts(idTagValiditySeconds === undefined ? {} : { idTagValiditySeconds });
    await h.csms.send('CP-1', 'GetConfiguration', {});
    await h.csms.remoteStart('CP-1', { connectorId: 2, idTag: 'TAG-42' });
    expect(h.issued).toEqual([]);
    h.advance(5);
    await answerLast(h);
    expect(h.actions()).toEqual(['GetConfiguration', 'RemoteStartTransaction']);
    expect(h.issued).toEqual([{ idTag: 'TAG-42', stationId: 'CP-1', expiresAt: h.at(5 + seconds), remoteStartId: remoteStartIdOf('TAG-42') }]);
  });

  it('issues none for other calls, even one that carries an id tag', async () => {
    // An encoder that lets any payload through, as another OCPP version's might (ReserveNow carries an idTag).
    const h = csmsOnPorts();
    const csms = new CsmsCalls({ ...h.deps, encoder: { encodeCall: (action, payload) => ({ messageId: `m-${action}`, text: JSON.stringify([2, `m-${action}`, action, payload]) }) } });
    // Named by its action, as an operator's call comes.
    await sendByAction(csms, 'CP-1', 'ReserveNow', { connectorId: 1, idTag: 'TAG-R', reservationId: 1, expiryDate: h.at(600) });
    expect(h.actions()).toEqual(['ReserveNow']);
    expect(h.issued).toEqual([]);
  });

  it('issues it for a remote start named by its action (a workflow task, an operator), and refuses one without an id tag', async () => {
    const h = csmsOnPorts();
    await sendByAction(h.csms, 'CP-1', 'RemoteStartTransaction', { connectorId: 1, idTag: 'TAG-OPS' });
    expect(h.issued).toEqual([{ idTag: 'TAG-OPS', stationId: 'CP-1', expiresAt: h.at(86_400), remoteStartId: remoteStartIdOf('TAG-OPS') }]);
    await expect(sendByAction(h.csms, 'CP-1', 'RemoteStartTransaction', { connectorId: 1 })).rejects.toMatchObject({ name: 'OcppError' });
    expect(h.actions()).toEqual(['RemoteStartTransaction']);
  });
});

describe('a call that cannot be answered fails loudly', () => {
  it('fails the task of a call unanswered in time, and sends the next', async () => {
    const h = csmsOnPorts();
    await h.csms.send('CP-1', 'Reset', { type: 'Soft' }, { taskToken: 'task-reset' });
    h.advance(1);
    await h.csms.send('CP-1', 'GetConfiguration', {});
    h.advance(CALL_TIMEOUT_SECONDS - 2);
    expect(await h.csms.runDue()).toBe(0);
    h.advance(1);
    expect(await h.csms.runDue()).toBe(1);
    expect(h.failed).toEqual([['task-reset', 'CallTimeout', "station CP-1 did not answer Reset in time"]]);
    expect(h.logs.find((l) => l.message === 'call failed')).toEqual({
      level: 'error',
      message: 'call failed',
      details: {
        stationId: 'CP-1',
        action: 'Reset',
        callId: expect.any(String),
        error: 'CallTimeout',
        reason: 'station CP-1 did not answer Reset in time',
        attempts: 1,
      },
    });
    expect(h.actions()).toEqual(['Reset', 'GetConfiguration']);
  });

  it('fails a call whose deadline passes while its station is offline; a later reconnect sends nothing', async () => {
    const h = csmsOnPorts();
    h.offline();
    await h.csms.remoteStart('CP-1', { connectorId: 1, idTag: 'TAG-1' }, { taskToken: 'task-start' });
    h.advance(CALL_TIMEOUT_SECONDS - 1);
    await h.csms.runDue();
    expect(h.failed).toEqual([]);
    h.advance(1);
    expect(await h.csms.runDue()).toBe(1);
    expect(h.failed).toEqual([['task-start', 'StationOffline', "station CP-1 stayed offline until RemoteStartTransaction's deadline"]]);
    expect(errorsLogged(h)).toEqual([['call failed', 'RemoteStartTransaction', 'StationOffline']]);
    h.online('conn-2');
    await h.csms.stationReachable('CP-1');
    expect(h.frames).toEqual([]);
    expect(h.issued).toEqual([]);
    expect(await h.csms.runDue()).toBe(0);
  });

  it('fails a call still waiting behind a call in flight at its deadline as StationBusy', async () => {
    const h = csmsOnPorts();
    await h.csms.send('CP-1', 'ChangeAvailability', { connectorId: 0, type: 'Inoperative' });
    h.advance(1);
    await h.csms.send('CP-1', 'GetConfiguration', {});
    h.advance(1);
    await h.csms.send('CP-1', 'Reset', { type: 'Soft' }, { taskToken: 'task-reset' });
    // The first times out at 30 s and the second goes out; the third's deadline (32 s) comes while it is in flight.
    h.advance(CALL_TIMEOUT_SECONDS - 2);
    await h.csms.runDue();
    expect(h.actions()).toEqual(['ChangeAvailability', 'GetConfiguration']);
    h.advance(1);
    await h.csms.runDue();
    expect(h.failed).toEqual([]);
    h.advance(1);
    expect(await h.csms.runDue()).toBe(1);
    expect(h.failed).toEqual([['task-reset', 'StationBusy', "station CP-1 was busy with earlier calls until Reset's deadline"]]);
    await answerLast(h);
    expect(h.actions()).toEqual(['ChangeAvailability', 'GetConfiguration']);
  });

  it('fails the task of a call lost with its connection', async () => {
    const h = csmsOnPorts();
    await h.csms.send('CP-1', 'Reset', { type: 'Soft' }, { taskToken: 'task-reset' });
    h.offline();
    await h.csms.stationReachable('CP-1');
    expect(h.failed).toEqual([['task-reset', 'CallLost', "station CP-1's connection closed before it answered Reset"]]);
  });

  it("skips a waiting call whose task gave up, telling it and logging no error, and sends the next at once", async () => {
    const h = csmsOnPorts();
    await h.csms.send('CP-1', 'GetConfiguration', {});
    await h.csms.send('CP-1', 'Reset', { type: 'Hard' }, { taskToken: 'task-gone' });
    await h.csms.send('CP-1', 'ChangeAvailability', { connectorId: 1, type: 'Operative' }, { taskToken: 'task-here' });
    h.gaveUp.add('task-gone');
    await answerLast(h);
    expect(h.actions()).toEqual(['GetConfiguration', 'ChangeAvailability']);
    expect(h.failed).toEqual([['task-gone', 'WorkflowGone', 'the workflow task that asked for Reset no longer waits for it']]);
    expect(h.logs.filter((l) => l.details.error === 'WorkflowGone').map((l) => [l.level, l.message])).toEqual([['info', 'call no longer needed']]);
    expect(errorsLogged(h)).toEqual([]);
  });

  it('does not ask whether the task of a call it sends at once still waits: it just asked', async () => {
    const h = csmsOnPorts();
    h.gaveUp.add('task-fresh');
    await h.csms.send('CP-1', 'Reset', { type: 'Soft' }, { taskToken: 'task-fresh' });
    expect(h.actions()).toEqual(['Reset']);
    expect(h.waitingTasks.size).toBe(0);
  });

  it('sends a call with no task whatever the workflow says', async () => {
    const h = csmsOnPorts();
    await h.csms.send('CP-1', 'GetConfiguration', {});
    await h.csms.send('CP-1', 'Reset', { type: 'Soft' });
    await answerLast(h);
    expect(h.actions()).toEqual(['GetConfiguration', 'Reset']);
    expect(h.waitingTasks.size).toBe(0);
  });
});

describe('a stop of an open transaction is never lost', () => {
  it('is sent again after each unanswered send, until the charger answers', async () => {
    const h = csmsOnPorts();
    h.open(7);
    await h.csms.send('CP-1', 'RemoteStopTransaction', stop(7), { taskToken: 'task-stop' });
    for (let attempt = 2; attempt <= 4; attempt++) {
      h.advance(CALL_TIMEOUT_SECONDS);
      await h.csms.runDue();
      expect(h.frames).toHaveLength(attempt);
      expect(h.logs.at(-1)?.details).toMatchObject({ action: 'RemoteStopTransaction', attempt });
    }
    expect(new Set(h.frames.map((f) => f.frame[1])).size).toBe(4);
    expect(h.failed).toEqual([]);
    await answerLast(h);
    expect(h.succeeded).toEqual([['task-stop', { status: 'Accepted' }]]);
    h.advance(CALL_TIMEOUT_SECONDS);
    await h.csms.runDue();
    expect(h.frames).toHaveLength(4);
  });

  it('is sent again after its connection is lost, on the next one', async () => {
    const h = csmsOnPorts();
    h.open(7);
    await h.csms.send('CP-1', 'RemoteStopTransaction', stop(7));
    h.online('conn-2');
    await h.csms.stationReachable('CP-1');
    expect(h.frames.map((f) => [f.connectionId, f.frame[2]])).toEqual([['conn-1', 'RemoteStopTransaction'], ['conn-2', 'RemoteStopTransaction']]);
    expect(errorsLogged(h)).toEqual([]);
  });

  it('is not sent again once the transaction ended: its task hears so, and nothing is logged as an error', async () => {
    const h = csmsOnPorts();
    h.open(7);
    await h.csms.send('CP-1', 'RemoteStopTransaction', stop(7), { taskToken: 'task-stop' });
    h.end(7);
    h.advance(CALL_TIMEOUT_SECONDS);
    await h.csms.runDue();
    expect(h.frames).toHaveLength(1);
    expect(h.failed).toEqual([['task-stop', 'TransactionEnded', 'transaction 7 has already ended']]);
    expect(h.logs.filter((l) => l.details.error === 'TransactionEnded').map((l) => [l.level, l.message])).toEqual([['info', 'call no longer needed']]);
    expect(errorsLogged(h)).toEqual([]);
    expect(h.queues.queue().waiting).toEqual([]);
  });

  it('is sent even when the task that asked for it gave up: the charge must end', async () => {
    const h = csmsOnPorts();
    h.open(7);
    await h.csms.send('CP-1', 'GetConfiguration', {});
    await h.csms.send('CP-1', 'RemoteStopTransaction', stop(7), { taskToken: 'task-gone' });
    h.gaveUp.add('task-gone');
    await answerLast(h);
    expect(h.actions()).toEqual(['GetConfiguration', 'RemoteStopTransaction']);
    expect(h.failed).toEqual([]);
  });

  it('is not sent at all when the transaction already ended', async () => {
    const h = csmsOnPorts();
    h.end(7);
    await h.csms.send('CP-1', 'RemoteStopTransaction', stop(7), { taskToken: 'task-stop' });
    expect(h.frames).toEqual([]);
    expect(h.failed).toEqual([['task-stop', 'TransactionEnded', 'transaction 7 has already ended']]);
  });

  it('is not retried for a transaction we have no record of: an unanswered send fails its task', async () => {
    const h = csmsOnPorts();
    h.open(7);
    await h.csms.send('CP-1', 'RemoteStopTransaction', stop(8), { taskToken: 'task-stop' });
    expect(h.actions()).toEqual(['RemoteStopTransaction']);
    h.advance(CALL_TIMEOUT_SECONDS);
    await h.csms.runDue();
    expect(h.frames).toHaveLength(1);
    expect(h.failed.map(([token, error]) => [token, error])).toEqual([['task-stop', 'CallTimeout']]);
  });

  it('waits up to a day for its offline station, then fails loudly', async () => {
    const h = csmsOnPorts();
    h.open(7);
    h.offline();
    await h.csms.send('CP-1', 'RemoteStopTransaction', stop(7), { taskToken: 'task-stop' });
    h.advance(DAY_S - 1);
    await h.csms.runDue();
    expect(h.failed).toEqual([]);
    h.advance(1);
    await h.csms.runDue();
    expect(h.failed).toEqual([['task-stop', 'StationOffline', "station CP-1 stayed offline until RemoteStopTransaction's deadline"]]);
    expect(errorsLogged(h)).toEqual([['call failed', 'RemoteStopTransaction', 'StationOffline']]);
  });

  it('a day after it was asked for, a charger that never answers has it fail as StationBusy', async () => {
    const h = csmsOnPorts();
    h.open(7);
    await h.csms.send('CP-1', 'RemoteStopTransaction', stop(7), { taskToken: 'task-stop' });
    // Looked at next only a day later: the station was free from the timeout on, so it is sent again.
    h.advance(DAY_S);
    await h.csms.runDue();
    expect([h.frames.length, h.failed]).toEqual([2, []]);
    h.advance(CALL_TIMEOUT_SECONDS);
    await h.csms.runDue();
    expect(h.frames).toHaveLength(2);
    expect(h.failed.map(([token, error]) => [token, error])).toEqual([['task-stop', 'StationBusy']]);
    expect(errorsLogged(h)).toEqual([['call failed', 'RemoteStopTransaction', 'StationBusy']]);
  });

  it('a second stop of the same transaction nobody waits for adds nothing', async () => {
    const h = csmsOnPorts();
    h.open(7);
    await h.csms.send('CP-1', 'RemoteStopTransaction', stop(7));
    await h.csms.send('CP-1', 'RemoteStopTransaction', stop(7));
    await answerLast(h);
    expect(h.actions()).toEqual(['RemoteStopTransaction']);
  });
});

describe('a send that finds the connection gone', () => {
  it('keeps the call for the reconnect, marks the station offline and tells whoever drives its readers', async () => {
    const h = csmsOnPorts({ onStationOffline: true });
    h.gone.add('conn-1');
    h.advance(3);
    await h.csms.send('CP-1', 'Reset', { type: 'Soft' }, { taskToken: 'task-reset' });
    expect(h.frames).toEqual([]);
    expect(h.disconnected).toEqual([{ stationId: 'CP-1', connectionId: 'conn-1', at: h.at(3) }]);
    expect(h.offlineTold).toEqual(['CP-1']);
    expect(h.failed).toEqual([]);
    expect(h.queues.queue().inFlight).toBeUndefined();
    expect(h.queues.queue().waiting.map((c) => [c.action, c.attempts])).toEqual([['Reset', 0]]);
    h.online('conn-2');
    await h.csms.stationReachable('CP-1');
    expect(h.frames.map((f) => [f.connectionId, f.frame[2]])).toEqual([['conn-2', 'Reset']]);
    expect(h.logs.at(-1)?.details).toMatchObject({ action: 'Reset', attempt: 1 });
  });

  it('tells nobody when a reconnect already took the station over', async () => {
    const h = csmsOnPorts({ onStationOffline: true });
    h.gone.add('conn-1');
    const { markDisconnected } = h.deps.stations;
    // The charger reconnected between the look at the station and the send.
    h.deps.stations.markDisconnected = async (stationId, connectionId, at) => {
      h.online('conn-2');
      return markDisconnected(stationId, connectionId, at);
    };
    await h.csms.send('CP-1', 'Reset', { type: 'Soft' });
    expect(h.disconnected).toHaveLength(1);
    expect(h.offlineTold).toEqual([]);
  });

  it('needs no one to be told', async () => {
    const h = csmsOnPorts();
    h.gone.add('conn-1');
    await h.csms.send('CP-1', 'Reset', { type: 'Soft' });
    expect(h.disconnected).toHaveLength(1);
    expect(h.queues.queue().waiting.map((c) => c.action)).toEqual(['Reset']);
  });
});

describe('an operator polling for the answer (awaitAnswer)', () => {
  const poll = { pollMs: 0 };
  /** Lets a poll that has started go round a few times. */
  const aFewPolls = () => new Promise((resolve) => setTimeout(resolve, 5));
  /** An awaited GetConfiguration waiting behind a Reset in flight. */
  async function behindReset() {
    const h = csmsOnPorts();
    await h.csms.send('CP-1', 'Reset', { type: 'Soft' });
    return { h, sent: await h.csms.send('CP-1', 'GetConfiguration', {}, { awaited: true }) };
  }

  it.each<[string, CallOutcome]>([
    ['a CALLRESULT', result({ configurationKey: [] })],
    ['a CALLERROR', { kind: 'error', code: 'NotImplemented', description: 'nope' }],
  ])("gets the charger's answer: %s", async (_case, outcome) => {
    const h = csmsOnPorts();
    const sent = await h.csms.send('CP-1', 'GetConfiguration', {}, { awaited: true });
    const messageId = h.last()[1];
    const waiting = h.csms.awaitAnswer('CP-1', sent, poll);
    await h.csms.receiveAnswer('CP-1', messageId, outcome);
    expect(await waiting).toEqual({ messageId, outcome });
  });

  it('waits its turn behind another call, then gets its answer', async () => {
    const { h, sent } = await behindReset();
    await answerLast(h);
    await answerLast(h, result({ configurationKey: [{ key: 'K', readonly: true }] }));
    expect(await h.csms.awaitAnswer('CP-1', sent, poll)).toEqual({ messageId: h.last()[1], outcome: result({ configurationKey: [{ key: 'K', readonly: true }] }) });
  });

  it.each([
    ['the charger does not answer in time', CALL_TIMEOUT_SECONDS, false, 'station CP-1 did not answer GetConfiguration in time'],
    ["the request's own time is up first", CALL_TIMEOUT_SECONDS - 1, true, "station CP-1 did not answer GetConfiguration within the request's time"],
  ])('hears CallTimeout when %s', async (_case, seconds, limited, message) => {
    const h = csmsOnPorts();
    const sent = await h.csms.send('CP-1', 'GetConfiguration', {}, { awaited: true });
    h.advance(seconds);
    const error = await rejection(h.csms.awaitAnswer('CP-1', sent, { ...poll, ...(limited && { until: h.now() }) }));
    expect(error).toBeInstanceOf(CallFailedError);
    expect([error.name, error.message]).toEqual(['CallTimeout', message]);
  });

  it('moves a due queue on itself: the timed-out call before it fails, its own goes out', async () => {
    const h = csmsOnPorts();
    await h.csms.send('CP-1', 'Reset', { type: 'Soft' }, { taskToken: 'task-reset' });
    h.advance(1);
    const sent = await h.csms.send('CP-1', 'GetConfiguration', {}, { awaited: true });
    h.advance(CALL_TIMEOUT_SECONDS - 1);
    const waiting = h.csms.awaitAnswer('CP-1', sent, poll);
    await aFewPolls();
    expect(h.actions()).toEqual(['Reset', 'GetConfiguration']);
    expect(h.failed.map(([token, error]) => [token, error])).toEqual([['task-reset', 'CallTimeout']]);
    await answerLast(h, result({ configurationKey: [] }));
    expect((await waiting).outcome).toEqual(result({ configurationKey: [] }));
  });

  it('gives up at its own time limit: the call is taken out and never sent', async () => {
    const { h, sent } = await behindReset();
    h.advance(10);
    const error = await rejection(h.csms.awaitAnswer('CP-1', sent, { ...poll, until: new Date(T0 + 10_000) }));
    expect([error.name, error.message]).toEqual(['CallTimeout', "station CP-1 did not answer GetConfiguration within the request's time"]);
    await answerLast(h);
    expect(h.actions()).toEqual(['Reset']);
    // Its failure stays readable for a later poll.
    expect((await rejection(h.csms.awaitAnswer('CP-1', sent, poll))).name).toBe('CallTimeout');
  });

  it('keeps polling before its time limit', async () => {
    const { h, sent } = await behindReset();
    h.advance(10);
    let settled = false;
    const waiting = h.csms.awaitAnswer('CP-1', sent, { ...poll, until: new Date(T0 + 10_001) }).finally(() => (settled = true));
    await aFewPolls();
    expect(settled).toBe(false);
    await answerLast(h);
    await answerLast(h, result({ configurationKey: [] }));
    expect((await waiting).outcome).toEqual(result({ configurationKey: [] }));
  });

  it('hears at once that a station went offline while its call waited', async () => {
    const { h, sent } = await behindReset();
    h.offline();
    const error = await rejection(h.csms.awaitAnswer('CP-1', sent, poll));
    expect([error.name, error.message]).toEqual(['StationOffline', 'station CP-1 is not connected']);
    h.online('conn-2');
    await h.csms.stationReachable('CP-1');
    expect(h.actions()).toEqual(['Reset']);
  });

  it('still gets an answer that comes in after its station was marked offline', async () => {
    const h = csmsOnPorts();
    const sent = await h.csms.send('CP-1', 'GetConfiguration', {}, { awaited: true });
    const messageId = h.last()[1];
    h.offline();
    const waiting = h.csms.awaitAnswer('CP-1', sent, poll);
    await aFewPolls();
    await h.csms.receiveAnswer('CP-1', messageId, result({ configurationKey: [] }));
    expect(await waiting).toEqual({ messageId, outcome: result({ configurationKey: [] }) });
  });

  it('takes a finished record without the message id of its answer for no answer', async () => {
    // As a record written before answers kept their message id would read.
    const h = csmsOnPorts();
    const finished = { id: 'old-call', action: 'Reset', finishedAt: h.at(0), outcome: result() };
    h.queues.items.set('CP-1', { queue: { stationId: 'CP-1', waiting: [], finished: [finished] }, version: 1, dueAt: undefined });
    const error = await rejection(h.csms.awaitAnswer('CP-1', { id: 'old-call', action: 'Reset' }, poll));
    expect([error.name, error.message]).toEqual(['CallTimeout', 'Reset ended without an answer']);
  });

  it('hears that a call no longer queued ended without an answer', async () => {
    const h = csmsOnPorts();
    const error = await rejection(h.csms.awaitAnswer('CP-1', { id: 'forgotten', action: 'Reset' }, poll));
    expect([error.name, error.message]).toEqual(['CallTimeout', 'Reset to station CP-1 is no longer queued']);
  });
});

describe('the station-call timer', () => {
  it('moves on every due queue, goes on past one that fails, and says how many it looked at', async () => {
    const h = csmsOnPorts();
    h.offline();
    h.provision('CP-2');
    await h.csms.send('CP-1', 'Reset', { type: 'Soft' }, { taskToken: 'task-1' });
    await h.csms.send('CP-2', 'Reset', { type: 'Soft' }, { taskToken: 'task-2' });
    const { get } = h.deps.stations;
    h.deps.stations.get = async (stationId) => {
      if (stationId === 'CP-1') throw new Error('throttled');
      return get(stationId);
    };
    h.advance(CALL_TIMEOUT_SECONDS);
    expect(await h.csms.runDue()).toBe(2);
    expect(h.logs.filter((l) => l.level === 'error').map((l) => [l.message, l.details])).toEqual([
      ['station call queue not moved on', { stationId: 'CP-1', error: 'Error: throttled' }],
      ['call failed', expect.objectContaining({ stationId: 'CP-2', error: 'StationOffline' })],
    ]);
    expect(h.failed.map(([token]) => token)).toEqual(['task-2']);
  });
});

describe('writers racing on the queue', () => {
  it('a look at a queue with nothing to do writes nothing, so racing writers lose no round to it', async () => {
    const h = csmsOnPorts();
    await h.csms.send('CP-1', 'GetConfiguration', {});
    await h.csms.send('CP-1', 'Reset', { type: 'Soft' });
    const before = h.queues.items.get('CP-1')!.version;
    await h.csms.stationReachable('CP-1');
    h.advance(CALL_TIMEOUT_SECONDS - 1);
    await h.csms.stationReachable('CP-1');
    expect(h.queues.items.get('CP-1')!.version).toBe(before);
    expect(h.actions()).toEqual(['GetConfiguration']);
  });


  it.each([
    [19, ['Reset']],
    [20, []],
  ])('%i lost races in a row: sent below 20, left to the next pass at 20', async (lost, sent) => {
    const h = csmsOnPorts();
    h.offline();
    await h.csms.send('CP-1', 'Reset', { type: 'Soft' });
    h.online('conn-2');
    h.queues.refuseSaves = lost;
    await h.csms.stationReachable('CP-1');
    expect(h.actions()).toEqual(sent);
    expect(h.logs.filter((l) => l.level === 'warn')).toEqual(
      sent.length ? [] : [{ level: 'warn', message: 'station call queue contended; left to the next pass', details: { stationId: 'CP-1' } }],
    );
    await h.csms.runDue();
    expect(h.actions()).toEqual(['Reset']);
  });

  it.each([
    [19, true],
    [20, false],
  ])('%i lost races in a row: the answer is recorded below 20, the handler throws at 20', async (lost, recorded) => {
    const h = csmsOnPorts();
    await h.csms.send('CP-1', 'Reset', { type: 'Soft' }, { taskToken: 'task-reset' });
    h.queues.refuseSaves = lost;
    const answered = answerLast(h);
    if (recorded) expect(await answered).toBe(true);
    else expect((await rejection(answered)).message).toBe("station CP-1's call queue stayed contended");
    expect(h.succeeded).toHaveLength(recorded ? 1 : 0);
  });
});
