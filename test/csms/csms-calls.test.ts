/**
 * CsmsCalls over in-memory ports: many writers racing on one station's queue (conditional
 * writes on its version) lose no call and never put two in flight.
 */
import { describe, expect, it } from 'vitest';
import type { CallQueue } from '../../lambdas/csms/call-queue';
import { CsmsCalls } from '../../lambdas/csms/csms-calls';
import type { CallQueueRepository, StationRepository, TransactionRepository } from '../../lambdas/csms/ports';
import { ocpp16 } from '../../lambdas/ocpp/adapters';

/** Stores a copy per version and refuses a write from a stale version, as the DynamoDB adapter does. */
class InMemoryQueues implements CallQueueRepository {
  private readonly items = new Map<string, { queue: CallQueue; version: number }>();

  async load(stationId: string) {
    await tick();
    const item = this.items.get(stationId);
    return item ? structuredClone(item) : { queue: { stationId, waiting: [], finished: [] }, version: 0 };
  }

  async save(queue: CallQueue, version: number) {
    await tick();
    if ((this.items.get(queue.stationId)?.version ?? 0) !== version) return false;
    this.items.set(queue.stationId, { queue: structuredClone(queue), version: version + 1 });
    return true;
  }

  async listDue() {
    return [...this.items.keys()].map((stationId) => ({ stationId, dueAt: '1970-01-01T00:00:00.000Z' }));
  }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, Math.random() * 3));

function calls({ waiting = async (_token: string) => true, transactionStatus = async (_id: number) => 'active' } = {}) {
  const sent: string[][] = [];
  const failed: [string, string][] = [];
  const station = { stationId: 'CP-1', online: true, connectionId: 'conn-1' };
  const csms = new CsmsCalls({
    stations: { get: async () => station, markDisconnected: async () => false } as unknown as StationRepository,
    queues: new InMemoryQueues(),
    transactions: { get: async (id: number) => ({ status: await transactionStatus(id) }), issueIdTag: async () => undefined } as unknown as TransactionRepository,
    link: {
      send: async (_connection, text) => {
        sent.push(JSON.parse(text));
        return 'sent';
      },
      close: async () => 'closed',
    },
    workflow: {
      succeed: async () => undefined,
      fail: async (token, error) => void failed.push([token, error]),
      isWaiting: waiting,
    },
    encoder: ocpp16,
    clock: { now: () => new Date() },
    callTimeoutSeconds: 30,
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  return { csms, sent, failed };
}

describe('CSMS calls racing on one station', () => {
  it('queues all of ten concurrent calls, sends one at a time, and the next on each answer: stops first', async () => {
    const { csms, sent } = calls();
    const starts = Array.from({ length: 8 }, (_, i) => csms.remoteStart('CP-1', { connectorId: 1, idTag: `tag-${i}` }, { taskToken: `t${i}` }));
    const stops = [1, 2].map((transactionId) => csms.send('CP-1', 'RemoteStopTransaction', { transactionId }));
    await Promise.all([...starts, ...stops]);
    expect(sent).toHaveLength(1);

    for (let answered = 1; answered < 10; answered++) {
      const [, messageId] = sent.at(-1)!;
      // The answer comes from several handlers at once (a replayed frame): it counts once.
      const results = await Promise.all([1, 2].map(() => csms.receiveAnswer('CP-1', messageId as string, { kind: 'result', payload: { status: 'Accepted' } })));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(sent).toHaveLength(answered + 1);
    }
    const actions = sent.map((frame) => frame[2]);
    // Whichever call won the empty station goes first; every stop then goes before every start.
    const afterFirst = actions.slice(1);
    const lastStop = afterFirst.lastIndexOf('RemoteStopTransaction');
    expect(afterFirst.slice(0, lastStop + 1).every((a) => a === 'RemoteStopTransaction')).toBe(true);
    expect(actions.filter((a) => a === 'RemoteStopTransaction')).toHaveLength(2);
    expect(new Set(sent.map((frame) => (frame[3] as { idTag?: string }).idTag).filter(Boolean)).size).toBe(8);
  });

  it('skips a waiting call whose workflow task gave up, and a stop whose transaction ended meanwhile', async () => {
    const ended = new Set<number>();
    const { csms, sent, failed } = calls({
      waiting: async (token) => token !== 'gave-up',
      transactionStatus: async (id) => (ended.has(id) ? 'stopped' : 'active'),
    });
    await csms.send('CP-1', 'GetConfiguration', {});
    await csms.send('CP-1', 'RemoteStopTransaction', { transactionId: 5 }, { taskToken: 'stop-task' });
    await csms.remoteStart('CP-1', { connectorId: 1, idTag: 'late' }, { taskToken: 'gave-up' });
    await csms.send('CP-1', 'Reset', { type: 'Soft' });
    ended.add(5);
    await csms.receiveAnswer('CP-1', sent[0]![1] as string, { kind: 'result', payload: { configurationKey: [] } });
    expect(sent.map((frame) => frame[2])).toEqual(['GetConfiguration', 'Reset']);
    expect(failed).toEqual([
      ['stop-task', 'TransactionEnded'],
      ['gave-up', 'WorkflowGone'],
    ]);
  });
});
