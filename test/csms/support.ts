/**
 * In-memory ports for CsmsCalls unit tests: a station that goes on and offline, a charger
 * connection that records the frames it gets (or finds itself gone), the queue store with its
 * conditional writes and due times, the waiting workflow tasks, and a clock the test moves.
 * Test code only: the runtime uses the DynamoDB, API Gateway and Step Functions adapters.
 */
import type { CallQueue } from '../../lambdas/csms/call-queue';
import { CsmsCalls, type CsmsCallsDeps } from '../../lambdas/csms/csms-calls';
import type { IssuedIdTag, Station, Transaction } from '../../lambdas/csms/model';
import type { CallQueueRepository, StationRepository, TransactionRepository } from '../../lambdas/csms/ports';
import { ocpp16 } from '../../lambdas/ocpp/adapters';

export const T0 = Date.parse('2026-12-01T10:00:00Z');
export const CALL_TIMEOUT_SECONDS = 30;
/** Far more queue reads than any test needs. */
const MAX_LOADS = 500;

/** One record per station, written only from the version it was read at; keeps the due time it was given. */
export class InMemoryCallQueues implements CallQueueRepository {
  readonly items = new Map<string, { queue: CallQueue; version: number; dueAt: string | undefined }>();
  /** Saves to refuse from now on, as if another writer came first each time. */
  refuseSaves = 0;
  private loads = 0;

  async load(stationId: string) {
    // A poll that never ends fails the test at once instead of hanging it.
    if (++this.loads > MAX_LOADS) throw new Error(`the queue was read ${MAX_LOADS} times: something polls without end`);
    const item = this.items.get(stationId);
    return item ? structuredClone({ queue: item.queue, version: item.version }) : { queue: { stationId, waiting: [], finished: [] }, version: 0 };
  }

  async save(queue: CallQueue, version: number, dueAt: string | undefined) {
    if (this.refuseSaves > 0) {
      this.refuseSaves -= 1;
      return false;
    }
    if ((this.items.get(queue.stationId)?.version ?? 0) !== version) return false;
    this.items.set(queue.stationId, { queue: structuredClone(queue), version: version + 1, dueAt });
    return true;
  }

  async listDue(until: string) {
    return [...this.items].flatMap(([stationId, { dueAt }]) => (dueAt !== undefined && dueAt <= until ? [{ stationId, dueAt }] : []));
  }

  queue(stationId = 'CP-1'): CallQueue {
    return this.items.get(stationId)?.queue ?? { stationId, waiting: [], finished: [] };
  }
}

export type Frame = [number, string, string, Record<string, unknown>];
export type Log = { level: 'info' | 'warn' | 'error'; message: string; details: Record<string, unknown> };

/**
 * CsmsCalls on in-memory ports, station CP-1 online on conn-1 at T0. `online(...)`/`offline()`
 * move the station, `advance(s)` the clock; `gone` makes the next sends find the connection closed.
 */
export function csmsOnPorts(options: { idTagValiditySeconds?: number; onStationOffline?: boolean } = {}) {
  let now = T0;
  const stations = new Map<string, Station>();
  const station = (stationId: string, connectionId?: string): Station => ({
    stationId,
    siteId: 'site-main-st',
    connectors: [1, 2],
    passwordHash: 'scrypt$',
    createdAt: new Date(T0).toISOString(),
    updatedAt: new Date(T0).toISOString(),
    online: connectionId !== undefined,
    ...(connectionId !== undefined && { connectionId }),
  });
  stations.set('CP-1', station('CP-1', 'conn-1'));

  const transactions = new Map<number, Pick<Transaction, 'transactionId' | 'status'>>();
  const issued: IssuedIdTag[] = [];
  const frames: { connectionId: string; frame: Frame }[] = [];
  const gone = new Set<string>();
  const disconnected: { stationId: string; connectionId: string; at: string }[] = [];
  const offlineTold: string[] = [];
  const succeeded: [string, unknown][] = [];
  const failed: [string, string, string][] = [];
  const waitingTasks = new Set<string>();
  const gaveUp = new Set<string>();
  const logs: Log[] = [];
  const queues = new InMemoryCallQueues();

  const stationRepository = {
    get: async (stationId: string) => stations.get(stationId),
    markDisconnected: async (stationId: string, connectionId: string, at: string) => {
      disconnected.push({ stationId, connectionId, at });
      const current = stations.get(stationId);
      if (current?.connectionId !== connectionId) return false;
      stations.set(stationId, station(stationId));
      return true;
    },
  } as unknown as StationRepository;

  const deps: CsmsCallsDeps = {
    stations: stationRepository,
    queues,
    transactions: {
      get: async (transactionId: number) => transactions.get(transactionId),
      issueIdTag: async (tag: IssuedIdTag) => void issued.push(tag),
    } as unknown as TransactionRepository,
    link: {
      send: async (connectionId, text) => {
        if (gone.has(connectionId)) return 'gone';
        frames.push({ connectionId, frame: JSON.parse(text) as Frame });
        return 'sent';
      },
      close: async () => 'closed',
    },
    workflow: {
      succeed: async (token, output) => void succeeded.push([token, output]),
      fail: async (token, error, cause) => void failed.push([token, error, cause]),
      isWaiting: async (token) => {
        waitingTasks.add(token);
        return !gaveUp.has(token);
      },
    },
    encoder: ocpp16,
    clock: { now: () => new Date(now) },
    callTimeoutSeconds: CALL_TIMEOUT_SECONDS,
    log: {
      info: (message, details) => void logs.push({ level: 'info', message, details }),
      warn: (message, details) => void logs.push({ level: 'warn', message, details }),
      error: (message, details) => void logs.push({ level: 'error', message, details }),
    },
    ...(options.idTagValiditySeconds !== undefined && { idTagValiditySeconds: options.idTagValiditySeconds }),
    ...(options.onStationOffline && { onStationOffline: async (stationId: string) => void offlineTold.push(stationId) }),
  };

  return {
    csms: new CsmsCalls(deps),
    deps,
    queues,
    frames,
    /** The actions the charger got, in order. */
    actions: () => frames.map(({ frame }) => frame[2]),
    /** The last frame the charger got. */
    last: () => frames.at(-1)!.frame,
    issued,
    disconnected,
    offlineTold,
    succeeded,
    failed,
    /** The tokens whose task CsmsCalls asked about. */
    waitingTasks,
    gaveUp,
    logs,
    gone,
    transactions,
    open: (transactionId: number) => void transactions.set(transactionId, { transactionId, status: 'active' }),
    end: (transactionId: number) => void transactions.set(transactionId, { transactionId, status: 'stopped' }),
    online: (connectionId: string, stationId = 'CP-1') => void stations.set(stationId, station(stationId, connectionId)),
    offline: (stationId = 'CP-1') => void stations.set(stationId, station(stationId)),
    provision: (stationId: string) => void stations.set(stationId, station(stationId)),
    advance: (seconds: number) => void (now += seconds * 1000),
    at: (seconds: number) => new Date(T0 + seconds * 1000).toISOString(),
    now: () => new Date(now),
  };
}
