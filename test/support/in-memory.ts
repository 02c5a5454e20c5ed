/**
 * In-memory implementations of the domain ports (lambdas/sessions/ports.ts, shared/workflow.ts,
 * lambdas/readers/ports.ts, lambdas/csms/ports.ts) and a scripted Payter CPS, for unit tests
 * of the sessions and readers services. Each repository keeps the conditions of its DynamoDB
 * adapter (lambdas/aws/*-repository.ts) that the domain relies on: a conditional write that
 * loses returns false/undefined (or throws ConditionalCheckFailedException where the adapter
 * lets it through), so a test of a race reads like the race. Records are copied in and out,
 * as a store would.
 *
 * Test code only: never imported by lambdas/ or lib/.
 */
import type { SiteRepository, StationProvisioning, StationRepository, TransactionRepository } from '../../lambdas/csms/ports';
import type { Clock } from '../../lambdas/shared/clock';
import type { SessionWorkflow, SessionWorkflowInput, WorkflowEvent, WorkflowExecution } from '../../lambdas/shared/workflow';
import {
  MAX_KEPT_STATUSES,
  newTransaction,
  type KeptStatus,
  type ConnectorStatus,
  type IssuedIdTag,
  type MeterReading,
  type StartTransactionInput,
  type Station,
  type StationBootInfo,
  type StopTransactionInput,
  type Transaction,
} from '../../lambdas/csms/model';
import type { StoredSite } from '../../lambdas/sites/site-settings';
import type {
  AuthorizeOutcome,
  AuthorizeRequest,
  CancelRequest,
  CommitRequest,
  Declined,
  PayterClient,
  PayterOutcome,
  RefundRequest,
  SessionRef,
  ShowUiRequest,
  StartReadingRequest,
  StopReadingRequest,
  TerminalRef,
} from '../../lambdas/payter/cps-client';
import type { Authorization, Cancellation, CommitAnswer, PayterScreen, PayterSession, Terminal } from '../../lambdas/payter/cps-contract';
import type { Refund } from '../../lambdas/payter/cps-assumed';
import { CallbackUrls } from '../../lambdas/readers/callback-urls';
import { connectorKey, mayAttach, runningSessionIds, type CardReading, type Reader } from '../../lambdas/readers/model';
import type { ReaderRepository } from '../../lambdas/readers/ports';
import { PayterCallbacks } from '../../lambdas/sessions/payter-callbacks';
import { TerminalStates } from '../../lambdas/sessions/terminal-states';
import { ReaderDisplay } from '../../lambdas/readers/reader-display';
import {
  OPEN_SESSION_STATUSES,
  type ChargingSession,
  type RefundState,
  type SessionRefund,
  type SessionStatus,
} from '../../lambdas/sessions/model';
import type {
  RefundEvidence,
  RefundSettlement,
  SessionQuery,
  SessionRepository,
  UnsettledSessions,
} from '../../lambdas/sessions/ports';
import { SessionEvents } from '../../lambdas/sessions/session-events';
import { SessionOperations, type RefundChannel } from '../../lambdas/sessions/session-operations';
import { SessionSteps } from '../../lambdas/sessions/session-steps';
import type { HoldAgePolicy } from '../../lambdas/sessions/open-holds';
import type { MetricName } from '../../lambdas/shared/metric-names';
import { aSite } from '../pricing/builders';

// ---------------------------------------------------------------------------------------------
// Shared machinery

const copy = <T>(value: T): T => structuredClone(value);

/** What DynamoDB (and so each adapter) throws when a condition the adapter does not catch fails. */
export function conditionFailure(message: string): Error {
  const error = new Error(message);
  error.name = 'ConditionalCheckFailedException';
  return error;
}

/** Every in-memory port: `failNext('update')` makes the next call of that method throw (an outage of the store). */
class FailurePoints<Method extends string> {
  private readonly failures = new Map<string, Error[]>();

  failNext(method: Method, error: Error = new Error(`${method} failed (injected)`), times = 1): void {
    this.failures.set(method, [...(this.failures.get(method) ?? []), ...Array.from({ length: times }, () => error)]);
  }

  protected maybeFail(method: Method): void {
    const error = this.failures.get(method)?.shift();
    if (error) throw error;
  }
}

/** A table of records keyed by one attribute: `seed` puts them as they are (test setup), `record` reads one back. */
class InMemoryRecords<Method extends string, Item extends object> extends FailurePoints<Method> {
  protected readonly items = new Map<string, Item>();

  constructor(
    private readonly what: string,
    private readonly keyOf: (item: Item) => string,
  ) {
    super();
  }

  seed(...items: Item[]): void {
    for (const item of items) this.items.set(this.keyOf(item), copy(withoutUndefined(item)));
  }

  /** The stored record (a copy); throws if there is none, so a test never reads `undefined` by mistake. */
  record(key: string): Item {
    const item = this.items.get(key);
    if (!item) throw new Error(`no ${this.what} ${key} in the in-memory repository`);
    return copy(item);
  }
}

/** Fields written through `update`/`transition`: DynamoDB refuses an undefined value (removeUndefinedValues drops it). */
function definedFields<T extends object>(fields: T, what: string): T {
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) throw new Error(`${what}: field ${key} is undefined (DynamoDB would refuse the expression)`);
  }
  return fields;
}

/** A Put with removeUndefinedValues: undefined attributes are not stored. */
function withoutUndefined<T extends object>(item: T): T {
  return Object.fromEntries(Object.entries(item).filter(([, value]) => value !== undefined)) as T;
}

// ---------------------------------------------------------------------------------------------
// Clock

export const T0 = '2026-12-01T12:00:00.000Z';

/** A clock that stands still until told: `advance({ seconds: 30 })`, `set('2026-...')`. */
export class TestClock implements Clock {
  private ms: number;

  constructor(start: string | Date = T0) {
    this.ms = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.ms);
  }

  iso(): string {
    return this.now().toISOString();
  }

  advance({ ms = 0, seconds = 0, minutes = 0, hours = 0, days = 0 }: { ms?: number; seconds?: number; minutes?: number; hours?: number; days?: number }): Date {
    this.ms += ms + 1000 * (seconds + 60 * (minutes + 60 * (hours + 24 * days)));
    return this.now();
  }

  set(at: string | Date): void {
    this.ms = new Date(at).getTime();
  }
}

// ---------------------------------------------------------------------------------------------
// Sessions

type SessionMethod = keyof SessionRepository | 'listUnsettled';

/** Sessions: open status or authorized hold, as the sparse byUnsettled index holds them. */
function isUnsettled(session: ChargingSession): boolean {
  return OPEN_SESSION_STATUSES.includes(session.status) || session.paymentState === 'authorized';
}

export class InMemorySessionRepository extends InMemoryRecords<SessionMethod, ChargingSession> implements SessionRepository, UnsettledSessions {
  constructor() {
    super('session', (s) => s.sessionId);
  }

  all(): ChargingSession[] {
    return [...this.items.values()].map(copy);
  }

  async create(session: ChargingSession): Promise<void> {
    this.maybeFail('create');
    if (this.items.has(session.sessionId)) throw conditionFailure(`session ${session.sessionId} exists`);
    this.items.set(session.sessionId, copy(withoutUndefined(session)));
  }

  async get(sessionId: string): Promise<ChargingSession | undefined> {
    this.maybeFail('get');
    const session = this.items.get(sessionId);
    return session && copy(session);
  }

  async findByIdTag(idTag: string): Promise<ChargingSession | undefined> {
    this.maybeFail('findByIdTag');
    const session = [...this.items.values()].find((s) => s.idTag === idTag);
    return session && copy(session);
  }

  async transition(
    sessionId: string,
    from: readonly SessionStatus[],
    to: SessionStatus,
    at: string,
    fields: Partial<ChargingSession> = {},
  ): Promise<ChargingSession | undefined> {
    this.maybeFail('transition');
    const session = this.items.get(sessionId);
    // `#status IN (...)` fails on a missing item as on another status.
    if (!session || !from.includes(session.status)) return undefined;
    return this.set(session, { ...definedFields(fields, 'transition'), status: to }, at);
  }

  async update(sessionId: string, fields: Partial<ChargingSession>, at: string): Promise<ChargingSession> {
    this.maybeFail('update');
    const session = this.items.get(sessionId);
    // The adapter's `attribute_exists(sessionId)` is not caught: the step fails.
    if (!session) throw conditionFailure(`session ${sessionId} does not exist`);
    return this.set(session, definedFields(fields, 'update'), at);
  }

  async list(query: SessionQuery): Promise<ChargingSession[]> {
    this.maybeFail('list');
    const limit = Math.min(query.limit ?? 100, 1000);
    const from = query.from ?? '0000';
    const to = query.to ?? '9999';
    return [...this.items.values()]
      .filter((s) => (query.stationId === undefined || s.stationId === query.stationId) && (query.siteId === undefined || s.siteId === query.siteId))
      .filter((s) => s.createdAt >= from && s.createdAt <= to)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .slice(0, limit)
      .map(copy);
  }

  async listUnsettled(limit = 1000): Promise<ChargingSession[]> {
    this.maybeFail('listUnsettled');
    return [...this.items.values()]
      .filter(isUnsettled)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .slice(0, limit)
      .map(copy);
  }

  async reserveRefund(sessionId: string, refundedBefore: number, refund: SessionRefund, at: string): Promise<number | undefined> {
    this.maybeFail('reserveRefund');
    const session = this.items.get(sessionId);
    if (!session) return undefined;
    const current = session.refundedAmount;
    const unchanged = refundedBefore === 0 ? current === undefined || current === 0 : current === refundedBefore;
    if (!unchanged) return undefined; // another refund came first
    const refunds = [...(session.refunds ?? []), copy(withoutUndefined(refund))];
    this.items.set(sessionId, { ...session, refundedAmount: refundedBefore + refund.amount, refunds, updatedAt: at });
    return refunds.length - 1;
  }

  async settleRefund(sessionId: string, index: number, from: RefundState, outcome: RefundSettlement, at: string): Promise<boolean> {
    this.maybeFail('settleRefund');
    const session = this.items.get(sessionId);
    const refund = session?.refunds?.[index];
    if (!session || !refund || refund.state !== from) return false;
    const settled: SessionRefund = {
      ...refund,
      state: outcome.state,
      ...(outcome.state !== 'unknown' && { settledAt: at }),
      ...(outcome.state === 'done' && outcome.payterRefundId !== undefined && { payterRefundId: outcome.payterRefundId }),
      ...(outcome.detail !== undefined && { detail: outcome.detail }),
    };
    const refunds = session.refunds!.map((r, i) => (i === index ? settled : r));
    this.items.set(sessionId, {
      ...session,
      refunds,
      updatedAt: at,
      ...(outcome.state === 'failed' && { refundedAmount: (session.refundedAmount ?? 0) - outcome.amount }),
    });
    return true;
  }

  private set(session: ChargingSession, fields: Partial<ChargingSession>, at: string): ChargingSession {
    const updated = { ...session, ...copy(fields), updatedAt: at } as ChargingSession;
    this.items.set(session.sessionId, updated);
    return copy(updated);
  }
}

/** Payter's data (MyPayter) as the refund evidence hook sees it: `show(payterSessionId, refunded)`. */
export class InMemoryRefundEvidence implements RefundEvidence {
  private readonly refunded = new Map<string, number>();
  readonly asked: { serialNumber: string; payterSessionId: string; since: string }[] = [];

  show(payterSessionId: string, refundedAmount: number | undefined): void {
    if (refundedAmount === undefined) this.refunded.delete(payterSessionId);
    else this.refunded.set(payterSessionId, refundedAmount);
  }

  async refundedAmount(payment: { serialNumber: string; payterSessionId: string; since: string }): Promise<number | undefined> {
    this.asked.push({ ...payment });
    return this.refunded.get(payment.payterSessionId);
  }
}

// ---------------------------------------------------------------------------------------------
// The session workflow: starts, executions, task signals

export interface InMemoryExecution {
  name: string;
  status: string;
  startDate?: string;
  stopDate?: string;
  history?: WorkflowEvent[];
}

export type RecordedSignal =
  | { readonly kind: 'succeed'; readonly taskToken: string; readonly output: unknown }
  | { readonly kind: 'fail'; readonly taskToken: string; readonly error: string; readonly cause: string };

/**
 * Step Functions as the services see it. `start` records each start (and a RUNNING execution,
 * named after the session); `failNextStart()` makes the next start throw; `setExecution` is what
 * operators and the sweeper read back. A second start of the same session with other input
 * throws, as ExecutionAlreadyExists does; with the same input it is a no-op.
 *
 * The callback tasks: every succeed/fail recorded in order (`signals`). A token is waiting until
 * it is completed or `expire`d (as SendTaskHeartbeat tells); completing it again is recorded too
 * (the adapter ignores a late token, it does not throw). `failNextSignal()` makes the next throw.
 */
export class InMemoryWorkflow implements SessionWorkflow {
  readonly starts: SessionWorkflowInput[] = [];
  readonly signals: RecordedSignal[] = [];
  private readonly executions = new Map<string, InMemoryExecution>();
  private readonly startFailures: Error[] = [];
  private readonly signalFailures: Error[] = [];
  private readonly done = new Set<string>();

  constructor(private readonly clock: Clock = new TestClock()) {}

  failNextStart(error: Error = Object.assign(new Error('StartExecution failed (injected)'), { name: 'ServiceUnavailable' }), times = 1): void {
    for (let i = 0; i < times; i++) this.startFailures.push(error);
  }

  setExecution(sessionId: string, status: string, extra: Omit<InMemoryExecution, 'name' | 'status'> = {}): void {
    this.executions.set(sessionId, { name: sessionId, status, ...extra });
  }

  async start(input: SessionWorkflowInput): Promise<void> {
    const failure = this.startFailures.shift();
    if (failure) throw failure;
    const earlier = this.starts.find((s) => s.sessionId === input.sessionId);
    if (earlier && JSON.stringify(earlier) !== JSON.stringify(input)) {
      throw Object.assign(new Error(`execution ${input.sessionId} already exists`), { name: 'ExecutionAlreadyExists' });
    }
    if (!earlier) {
      this.starts.push(copy(input));
      this.executions.set(input.sessionId, { name: input.sessionId, status: 'RUNNING', startDate: this.clock.now().toISOString() });
    }
  }

  async describe(sessionId: string): Promise<WorkflowExecution | undefined> {
    const execution = this.executions.get(sessionId);
    if (!execution) return undefined;
    const { history: _history, ...described } = execution;
    return { ...described, arn: `arn:aws:states:us-east-1:000000000000:execution:charging-session:${sessionId}` };
  }

  async history(sessionId: string): Promise<WorkflowEvent[] | undefined> {
    const execution = this.executions.get(sessionId);
    return execution ? [...(execution.history ?? [])] : undefined;
  }

  failNextSignal(error: Error = new Error('SendTask failed (injected)')): void {
    this.signalFailures.push(error);
  }

  expire(taskToken: string): void {
    this.done.add(taskToken);
  }

  async succeed(taskToken: string, output: unknown): Promise<void> {
    const failure = this.signalFailures.shift();
    if (failure) throw failure;
    this.signals.push({ kind: 'succeed', taskToken, output: copy(output) });
    this.done.add(taskToken);
  }

  async fail(taskToken: string, error: string, cause: string): Promise<void> {
    const failure = this.signalFailures.shift();
    if (failure) throw failure;
    this.signals.push({ kind: 'fail', taskToken, error, cause });
    this.done.add(taskToken);
  }

  async isWaiting(taskToken: string): Promise<boolean> {
    return !this.done.has(taskToken);
  }

  of(taskToken: string): RecordedSignal[] {
    return this.signals.filter((s) => s.taskToken === taskToken);
  }
}

// ---------------------------------------------------------------------------------------------
// Readers

type ReaderMethod = keyof ReaderRepository;

export class InMemoryReaderRepository extends InMemoryRecords<ReaderMethod, Reader> implements ReaderRepository {
  constructor() {
    super('reader', (r) => r.serialNumber);
  }

  async get(serialNumber: string): Promise<Reader | undefined> {
    this.maybeFail('get');
    const reader = this.items.get(serialNumber);
    return reader && copy(reader);
  }

  async listBySite(siteId: string): Promise<Reader[]> {
    this.maybeFail('listBySite');
    return [...this.items.values()].filter((r) => r.siteId === siteId).map(copy);
  }

  async list(): Promise<Reader[]> {
    this.maybeFail('list');
    return [...this.items.values()].map(copy);
  }

  async commission(reader: Reader): Promise<boolean> {
    this.maybeFail('commission');
    const existing = this.items.get(reader.serialNumber);
    // Never over another station's reader or a session's binding.
    if (existing && (existing.stationId !== reader.stationId || runningSessionIds(existing).length > 0)) return false;
    this.items.set(reader.serialNumber, copy(withoutUndefined(reader)));
    return true;
  }

  async restore(reader: Reader): Promise<void> {
    this.maybeFail('restore');
    const current = this.items.get(reader.serialNumber);
    if (current && runningSessionIds(current).length > 0) return; // a session took it since
    this.items.set(reader.serialNumber, copy(withoutUndefined(reader)));
  }

  async delete(serialNumber: string): Promise<void> {
    this.maybeFail('delete');
    this.items.delete(serialNumber);
  }

  async openReading(serialNumber: string, reading: CardReading, screen: string): Promise<void> {
    this.maybeFail('openReading');
    this.change(serialNumber, () => true, (r) => ({ ...r, reading: copy(reading), screen, updatedAt: reading.startedAt }));
  }

  async claimReading(serialNumber: string, readingId: string): Promise<boolean> {
    this.maybeFail('claimReading');
    return this.change(
      serialNumber,
      (r) => r.reading?.id === readingId && r.reading.state === 'open',
      (r) => ({ ...r, reading: { ...r.reading!, state: 'card' } }),
    );
  }

  async attachSession(serialNumber: string, sessionId: string, connector: { stationId: string; connectorId: number }): Promise<boolean> {
    this.maybeFail('attachSession');
    const key = connectorKey(connector);
    return this.change(
      serialNumber,
      (r) => mayAttach(r, sessionId, connector),
      (r) => ({ ...r, activeSessionId: sessionId, sessionsByConnector: { ...r.sessionsByConnector, [key]: sessionId } }),
    );
  }

  async detachSession(serialNumber: string, sessionId: string, connector: { stationId: string; connectorId: number }): Promise<void> {
    this.maybeFail('detachSession');
    const key = connectorKey(connector);
    this.change(
      serialNumber,
      (r) => r.sessionsByConnector?.[key] === sessionId,
      (r) => ({ ...r, sessionsByConnector: Object.fromEntries(Object.entries(r.sessionsByConnector ?? {}).filter(([k]) => k !== key)) }),
    );
    this.change(
      serialNumber,
      (r) => r.activeSessionId === sessionId,
      ({ activeSessionId: _gone, ...r }) => r,
    );
  }

  async recordOnline(serialNumber: string, online: boolean): Promise<boolean | undefined> {
    this.maybeFail('recordOnline');
    const reader = this.items.get(serialNumber);
    if (!reader) return undefined;
    this.items.set(serialNumber, { ...reader, online });
    return reader.online;
  }

  async recordScreen(serialNumber: string, screen: string): Promise<void> {
    this.maybeFail('recordScreen');
    this.change(serialNumber, () => true, (r) => ({ ...r, screen }));
  }

  async markOutOfService(serialNumber: string, since: string, reason: string): Promise<void> {
    this.maybeFail('markOutOfService');
    // if_not_exists: the first refusal's time and reason stay.
    this.change(serialNumber, () => true, (r) => ({ ...r, outOfService: r.outOfService ?? { since, reason } }));
  }

  async clearOutOfService(serialNumber: string): Promise<void> {
    this.maybeFail('clearOutOfService');
    this.change(serialNumber, () => true, ({ outOfService: _cleared, ...r }) => r);
  }

  async recordPayterCurrency(serialNumber: string, currency: string): Promise<void> {
    this.maybeFail('recordPayterCurrency');
    this.change(serialNumber, () => true, (r) => ({ ...r, payterCurrency: currency }));
  }

  /** The adapter's conditional update of an existing reader: false when the reader or the condition is not there. */
  private change(serialNumber: string, condition: (reader: Reader) => boolean, apply: (reader: Reader) => Reader): boolean {
    const reader = this.items.get(serialNumber);
    if (!reader || !condition(reader)) return false;
    this.items.set(serialNumber, apply(reader));
    return true;
  }
}

// ---------------------------------------------------------------------------------------------
// Sites, stations, transactions

export class InMemorySiteRepository implements SiteRepository<StoredSite> {
  private readonly items = new Map<string, StoredSite>();

  async get(siteId: string): Promise<StoredSite | undefined> {
    const site = this.items.get(siteId);
    return site && copy(site);
  }

  async put(site: StoredSite): Promise<void> {
    this.items.set(site.siteId, copy(withoutUndefined(site)));
  }
}

type StationMethod = keyof StationRepository;

/** History order: UTC time, then arrival (the adapter's sort key). */
const utc = (timestamp: string) => {
  const ms = Date.parse(timestamp);
  return Number.isNaN(ms) ? timestamp : new Date(ms).toISOString();
};
const byTimeThenArrival = (a: ConnectorStatus, b: ConnectorStatus) =>
  utc(a.timestamp).localeCompare(utc(b.timestamp)) || (a.arrival ?? 0) - (b.arrival ?? 0);

/** Station profiles (`seed`, `record`), connector statuses and their history. */
export class InMemoryStationRepository extends InMemoryRecords<StationMethod, Station> implements StationRepository {
  private readonly current = new Map<string, ConnectorStatus>();
  private readonly history: ConnectorStatus[] = [];
  private readonly arrivals = new Map<string, number>();

  constructor() {
    super('station', (s) => s.stationId);
  }

  /** Takes the station off or on line (test setup: no connection bookkeeping). */
  setOnline(stationId: string, online: boolean): void {
    this.changeProfile(stationId, (s) => ({ ...s, online }));
  }

  async get(stationId: string): Promise<Station | undefined> {
    this.maybeFail('get');
    const station = this.items.get(stationId);
    return station && copy(station);
  }

  async list(): Promise<Station[]> {
    this.maybeFail('list');
    return [...this.items.values()].map(copy);
  }

  async provision(station: StationProvisioning, now: string): Promise<Station | undefined> {
    this.maybeFail('provision');
    const existing = this.items.get(station.stationId);
    if (station.passwordHash === undefined && existing?.passwordHash === undefined) return undefined;
    const { displaySetting: _replaced, ...kept } = existing ?? {};
    const saved: Station = {
      ...(kept as Partial<Station>),
      stationId: station.stationId,
      siteId: station.siteId,
      connectors: [...station.connectors],
      passwordHash: station.passwordHash ?? existing!.passwordHash,
      strict: station.strict,
      protocols: [...station.protocols],
      ...(station.display !== undefined && { displaySetting: station.display }),
      updatedAt: now,
      createdAt: existing?.createdAt ?? now,
      online: existing?.online ?? false,
    };
    this.items.set(station.stationId, saved);
    return copy(saved);
  }

  async recordBoot(stationId: string, boot: StationBootInfo): Promise<void> {
    this.maybeFail('recordBoot');
    this.changeProfile(stationId, (s) => ({ ...s, boot: copy(boot), lastSeenAt: boot.bootedAt }));
  }

  async recordSeen(stationId: string, at: string): Promise<void> {
    this.maybeFail('recordSeen');
    this.changeProfile(stationId, (s) => ({ ...s, lastSeenAt: at }));
  }

  async recordFirmwareStatus(stationId: string, status: string, at: string): Promise<void> {
    this.maybeFail('recordFirmwareStatus');
    this.changeProfile(stationId, (s) => ({ ...s, firmwareStatus: status, lastSeenAt: at }));
  }

  async recordDiagnosticsStatus(stationId: string, status: string, at: string): Promise<void> {
    this.maybeFail('recordDiagnosticsStatus');
    this.changeProfile(stationId, (s) => ({ ...s, diagnosticsStatus: status, lastSeenAt: at }));
  }

  async recordDisplay(stationId: string, display: boolean, at: string): Promise<void> {
    this.maybeFail('recordDisplay');
    this.changeProfile(stationId, (s) => ({ ...s, display, lastSeenAt: at }));
  }

  async markConnected(stationId: string, connectionId: string, at: string): Promise<string | undefined> {
    this.maybeFail('markConnected');
    return this.changeProfile(stationId, (s) => ({ ...s, connectionId, online: true, lastSeenAt: at }))?.connectionId;
  }

  async markDisconnected(stationId: string, connectionId: string, at: string): Promise<boolean> {
    this.maybeFail('markDisconnected');
    const station = this.items.get(stationId);
    if (!station || station.connectionId !== connectionId) return false; // a reconnect raced ahead
    const { connectionId: _gone, ...rest } = station;
    this.items.set(stationId, { ...rest, online: false, disconnectedAt: at });
    return true;
  }

  private readonly openTransactions = new Map<string, number>();

  async putConnectorStatus(status: ConnectorStatus): Promise<number | undefined> {
    this.maybeFail('putConnectorStatus');
    const key = `${status.stationId}#${status.connectorId}`;
    const arrival = (this.arrivals.get(key) ?? 0) + 1;
    this.arrivals.set(key, arrival);
    const stored = copy(withoutUndefined({ ...status, arrival }));
    this.current.set(key, stored);
    this.history.push(stored);
    return this.openTransactions.get(key);
  }

  async openConnectorTransaction(stationId: string, connectorId: number, transactionId: number): Promise<void> {
    this.maybeFail('openConnectorTransaction');
    this.openTransactions.set(`${stationId}#${connectorId}`, transactionId);
  }

  async getConnectorStatuses(stationId: string): Promise<ConnectorStatus[]> {
    this.maybeFail('getConnectorStatuses');
    return [...this.current.values()].filter((s) => s.stationId === stationId).sort((a, b) => a.connectorId - b.connectorId).map(copy);
  }

  async listStatusHistory(stationId: string, connectorId: number, since?: string): Promise<ConnectorStatus[]> {
    this.maybeFail('listStatusHistory');
    const all = this.history.filter((s) => s.stationId === stationId && s.connectorId === connectorId).sort(byTimeThenArrival);
    if (since === undefined) return all.map(copy);
    // The status in force at `since` (the newest strictly before it), then everything from `since` on.
    const before = all.filter((s) => utc(s.timestamp) < utc(since));
    const after = all.filter((s) => utc(s.timestamp) >= utc(since));
    return [...before.slice(-1), ...after].map(copy);
  }

  /** Updates an existing profile only; the profile as it was (undefined when there is none). */
  private changeProfile(stationId: string, apply: (station: Station) => Station): Station | undefined {
    const station = this.items.get(stationId);
    if (!station) return undefined;
    this.items.set(stationId, apply(station));
    return station;
  }
}

type TransactionMethod = keyof TransactionRepository;

export class InMemoryTransactionRepository extends FailurePoints<TransactionMethod> implements TransactionRepository {
  private readonly items = new Map<number, Transaction>();
  private readonly starts = new Map<string, number>();
  private readonly readings = new Map<string, MeterReading[]>();
  private readonly idTags = new Map<string, IssuedIdTag>();
  private lastId = 0;
  /** Every id tag issued, in order (Release expires the session's tag with one). */
  readonly issuedIdTags: IssuedIdTag[] = [];

  seed(...transactions: Transaction[]): void {
    for (const transaction of transactions) {
      this.items.set(transaction.transactionId, copy(withoutUndefined(transaction)));
      this.lastId = Math.max(this.lastId, transaction.transactionId);
    }
  }

  async start(input: StartTransactionInput): Promise<{ transaction: Transaction; replayed: boolean }> {
    this.maybeFail('start');
    const key = `${input.stationId}#${input.connectorId}#${input.timestamp}`;
    const earlier = this.starts.get(key);
    if (earlier !== undefined) return { transaction: copy(this.items.get(earlier)!), replayed: true };
    const transaction = newTransaction(++this.lastId, input);
    this.starts.set(key, transaction.transactionId);
    this.items.set(transaction.transactionId, transaction);
    return { transaction: copy(transaction), replayed: false };
  }

  async get(transactionId: number): Promise<Transaction | undefined> {
    this.maybeFail('get');
    const transaction = this.items.get(transactionId);
    return transaction && copy(transaction);
  }

  async stop(input: StopTransactionInput): Promise<Transaction | undefined> {
    this.maybeFail('stop');
    const transaction = this.items.get(input.transactionId);
    // A second stop leaves the first one's data.
    if (!transaction || transaction.status !== 'active') return transaction && copy(transaction);
    const stopped: Transaction = {
      ...transaction,
      status: 'stopped',
      meterStop: input.meterStop,
      stoppedAt: input.timestamp,
      stopReason: input.reason ?? 'Local',
      ...(input.timestampsWithoutOffset && { timestampsWithoutOffset: true }),
    };
    this.items.set(input.transactionId, stopped);
    return copy(stopped);
  }

  async addMeterReadings(stationId: string, connectorId: number, transactionId: number | undefined, readings: readonly MeterReading[]): Promise<void> {
    this.maybeFail('addMeterReadings');
    const key = transactionId !== undefined ? `TX#${transactionId}` : `CONNECTOR#${stationId}#${connectorId}`;
    const stored = this.readings.get(key) ?? [];
    // A replayed frame rewrites the same item: no duplicate readings.
    for (const reading of readings) {
      if (!stored.some((r) => JSON.stringify(r) === JSON.stringify(reading))) stored.push(copy(reading));
    }
    this.readings.set(key, stored.sort((a, b) => a.timestamp.localeCompare(b.timestamp)));
  }

  async listMeterReadings(transactionId: number): Promise<MeterReading[]> {
    this.maybeFail('listMeterReadings');
    return (this.readings.get(`TX#${transactionId}`) ?? []).map(copy);
  }

  async recordLastMeter(transactionId: number, wh: number, at: string, stationId?: string): Promise<Transaction | undefined> {
    this.maybeFail('recordLastMeter');
    const transaction = this.items.get(transactionId);
    if (!transaction || (transaction.lastMeterAt !== undefined && transaction.lastMeterAt > at)) return undefined; // older reading
    if (stationId !== undefined && transaction.stationId !== stationId) return undefined;
    const recorded = { ...transaction, lastMeterWh: wh, lastMeterAt: at };
    this.items.set(transactionId, recorded);
    return copy(recorded);
  }

  async keepStatus(transactionId: number, status: KeptStatus): Promise<void> {
    this.maybeFail('keepStatus');
    const transaction = this.items.get(transactionId);
    if (!transaction || transaction.status !== 'active' || (transaction.statuses?.length ?? 0) >= MAX_KEPT_STATUSES) return;
    this.items.set(transactionId, { ...transaction, statuses: [...(transaction.statuses ?? []), { state: status.state, timestamp: status.timestamp }] });
  }

  async issueIdTag(tag: IssuedIdTag): Promise<void> {
    this.maybeFail('issueIdTag');
    this.idTags.set(tag.idTag, copy(tag));
    this.issuedIdTags.push(copy(tag));
  }

  async findIssuedIdTag(idTag: string): Promise<IssuedIdTag | undefined> {
    this.maybeFail('findIssuedIdTag');
    const tag = this.idTags.get(idTag);
    return tag && copy(tag);
  }

  async findRemoteStart(stationId: string, remoteStartId: number): Promise<string | undefined> {
    this.maybeFail('findRemoteStart');
    return this.issuedIdTags.find((tag) => tag.stationId === stationId && tag.remoteStartId === remoteStartId)?.idTag;
  }

  readonly chargerTransactions = new Map<string, number>();

  async linkChargerTransaction(stationId: string, chargerTransactionId: string, transactionId: number): Promise<number> {
    const key = `${stationId}\n${chargerTransactionId}`;
    if (this.chargerTransactions.has(key)) return this.chargerTransactions.get(key)!;
    this.chargerTransactions.set(key, transactionId);
    const transaction = this.items.get(transactionId);
    if (transaction) this.items.set(transactionId, { ...transaction, chargerTransactionId });
    return transactionId;
  }

  private readonly chargerEvents = new Set<string>();

  async firstChargerEvent(stationId: string, chargerTransactionId: string, seqNo: number): Promise<boolean> {
    const key = `${stationId}\n${chargerTransactionId}\n${seqNo}`;
    if (this.chargerEvents.has(key)) return false;
    this.chargerEvents.add(key);
    return true;
  }

  async findChargerTransaction(stationId: string, chargerTransactionId: string): Promise<number | undefined> {
    return this.chargerTransactions.get(`${stationId}\n${chargerTransactionId}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Payter CPS

export type PayterCall =
  | 'getTerminal'
  | 'startReading'
  | 'stopReading'
  | 'authorize'
  | 'commit'
  | 'cancel'
  | 'getSession'
  | 'listSessions'
  | 'showUi'
  | 'refund';

/**
 * What one scripted call does instead of the default (which is what CPS does).
 * - `conflict`, `rejected`, `unavailable`, `declined` (authorize only): nothing changes at Payter;
 * - `lost`: the call takes effect, its answer never comes (the client's `transient`, no status);
 * - `garbled`: the call takes effect, the answer is 200 outside the contract (`protocol`);
 * - `answer`: exactly this outcome, nothing changes.
 */
export type ScriptedPayterOutcome =
  | { readonly kind: 'conflict'; readonly message?: string }
  | { readonly kind: 'rejected'; readonly status?: number; readonly message?: string }
  | { readonly kind: 'unavailable'; readonly status?: number }
  | { readonly kind: 'declined'; readonly message?: string }
  | { readonly kind: 'lost' }
  | { readonly kind: 'garbled' }
  | { readonly kind: 'answer'; readonly outcome: PayterOutcome<unknown> | Declined };

/** Shorthands for `payter.script(call, ...)`. */
export const PAYTER = {
  conflict: { kind: 'conflict' },
  rejected: { kind: 'rejected' },
  unavailable: { kind: 'unavailable' },
  declined: { kind: 'declined' },
  lost: { kind: 'lost' },
  garbled: { kind: 'garbled' },
} as const satisfies Record<string, ScriptedPayterOutcome>;

export interface RecordedPayterCall {
  readonly call: PayterCall;
  readonly serial: string;
  readonly request: Readonly<Record<string, unknown>>;
  /** What the caller got back. */
  readonly outcome: PayterOutcome<unknown> | Declined;
}

export interface FakeTerminal {
  online: boolean;
  /** 'IDLE', 'READING' (after startReading) or 'CARD' (a card read, waiting for authorize or stop). */
  state: string;
  /** The currency Payter holds money in here. @default 'USD' */
  currency: string;
  /** Authorize answers tell the currency (CPS is not known to). @default false */
  currencyOnAuthorize: boolean;
  /** Hold of an authorize without a reading (a card put there with `presentCard`). */
  readingAmount?: number;
  screens: PayterScreen[];
}

export interface FakeHold extends PayterSession {
  readonly cardId?: string;
}

const NEEDS_READER: ReadonlySet<PayterCall> = new Set(['startReading', 'stopReading', 'authorize', 'showUi', 'commit', 'cancel']);

/**
 * Payter CPS for unit tests: terminals and holds with CPS's rules (authorize needs a read card
 * and holds the reading's amount; commit/cancel of a final hold is 409; a call that needs the
 * reader fails 503 while it is offline), every call recorded with what it answered, and per-call
 * scripted outcomes queued in order: `payter.script('commit', PAYTER.lost, PAYTER.conflict)`.
 * Use `client` where the domain wants a PayterClient.
 *
 * Why not the real PayterClient against lib/local/payter-simulator.ts: the simulator is only
 * reachable through its node:http listener (its request handler is private to
 * startPayterSimulator), so an in-process `fetch` would need a change to lib/local.
 */
export class FakePayter {
  private readonly terminals = new Map<string, FakeTerminal>();
  private readonly holds = new Map<string, FakeHold & { refunds: number[] }>();
  private readonly scripts = new Map<PayterCall, ScriptedPayterOutcome[]>();
  readonly calls: RecordedPayterCall[] = [];
  private nextId = 0;

  constructor(private readonly clock: Clock = new TestClock()) {}

  get client(): PayterClient {
    return this as unknown as PayterClient;
  }

  addReader(serial: string, terminal: Partial<Omit<FakeTerminal, 'screens'>> = {}): void {
    this.terminals.set(serial, { online: true, state: 'IDLE', currency: 'USD', currencyOnAuthorize: false, ...terminal, screens: [] });
  }

  terminal(serial: string): FakeTerminal {
    const terminal = this.terminals.get(serial);
    if (!terminal) throw new Error(`no fake Payter terminal ${serial}`);
    return terminal;
  }

  /** A card read on the reader (as after a tap on a reading): authorize can take it. */
  presentCard(serial: string, amount?: number): void {
    const terminal = this.terminal(serial);
    terminal.state = 'CARD';
    if (amount !== undefined) terminal.readingAmount = amount;
  }

  /** A hold on the reader nobody here asked for (another session, a crashed run); its Payter session id. */
  holdElsewhere(serial: string, hold: { amount: number; state?: PayterSession['state']; committedAmount?: number; currency?: string }): string {
    return this.newHold(serial, hold.amount, hold.currency ?? this.terminal(serial).currency, hold.state ?? 'AUTHORIZED', hold.committedAmount);
  }

  /** An open hold cancelled outside this integration (an operator in MyPayter, the hold expiring). */
  cancelElsewhere(payterSessionId: string): void {
    const hold = this.holds.get(payterSessionId);
    if (!hold || hold.state !== 'AUTHORIZED') throw new Error(`no open fake Payter hold ${payterSessionId}`);
    hold.state = 'CANCELLED';
  }

  hold(payterSessionId: string): FakeHold {
    const hold = this.holds.get(payterSessionId);
    if (!hold) throw new Error(`no fake Payter hold ${payterSessionId}`);
    const { refunds: _refunds, ...session } = hold;
    return copy(session);
  }

  holdsOf(serial: string): FakeHold[] {
    return [...this.holds.keys()].map((id) => this.hold(id)).filter((h) => h.serialNumber === serial);
  }

  /** The next calls of `call` (any reader) do these, in order; then CPS's default again. */
  script(call: PayterCall, ...outcomes: ScriptedPayterOutcome[]): void {
    this.scripts.set(call, [...(this.scripts.get(call) ?? []), ...outcomes]);
  }

  /** The requests of one kind of call, in order (`callsOf('commit').map((r) => r.commitAmount)`). */
  callsOf(call: PayterCall): Record<string, unknown>[] {
    return this.calls.filter((c) => c.call === call).map((c) => c.request);
  }

  /** The calls in order as `call serial[/sessionId]`, for asserting a sequence. */
  trace(): string[] {
    return this.calls.map((c) => `${c.call} ${c.serial}${typeof c.request.sessionId === 'string' ? `/${c.request.sessionId}` : ''}`);
  }

  /** The ids of the screens put on the reader, in order. */
  screenIds(serial: string): string[] {
    return this.terminal(serial).screens.map((s) => s.id);
  }

  lastScreen(serial: string): PayterScreen | undefined {
    return this.terminal(serial).screens.at(-1);
  }

  // --- the PayterClient surface ---

  getTerminal(request: TerminalRef): Promise<PayterOutcome<Terminal>> {
    return this.run('getTerminal', request, (t) => ok({ serialNumber: request.serial, online: t.online, state: t.state }));
  }

  startReading(request: StartReadingRequest): Promise<PayterOutcome<void>> {
    return this.run('startReading', request, (t) => {
      if (t.state === 'CARD') return { kind: 'conflict', message: 'a read card waits for authorize or stop' };
      t.state = 'READING';
      t.readingAmount = request.authorizedAmount;
      return ok(undefined);
    });
  }

  stopReading(request: StopReadingRequest): Promise<PayterOutcome<void>> {
    return this.run('stopReading', request, (t) => {
      t.state = 'IDLE';
      delete t.readingAmount;
      return ok(undefined);
    });
  }

  authorize(request: AuthorizeRequest): Promise<AuthorizeOutcome> {
    return this.run<AuthorizeOutcome>('authorize', request, (t, scripted) => {
      if (t.state !== 'CARD') return { kind: 'conflict', message: 'no card has been read' };
      const amount = t.readingAmount ?? 5000;
      t.state = 'IDLE';
      delete t.readingAmount;
      if (scripted?.kind === 'declined') return { kind: 'declined', message: scripted.message ?? 'Card declined' };
      const sessionId = this.newHold(request.serial, amount, t.currency, 'AUTHORIZED');
      const answer: Authorization = { sessionId, authorizedAmount: amount, ...(t.currencyOnAuthorize && { currency: t.currency }) };
      return ok(answer);
    });
  }

  commit(request: CommitRequest): Promise<PayterOutcome<CommitAnswer>> {
    return this.run('commit', request, () => {
      const hold = this.holds.get(request.sessionId);
      if (!hold || hold.serialNumber !== request.serial) return notFound(request);
      if (hold.state !== 'AUTHORIZED') return { kind: 'conflict', message: `session is ${hold.state}` };
      if (request.commitAmount > hold.authorizedAmount) {
        return { kind: 'rejected', status: 400, message: `commitAmount ${request.commitAmount} is above the authorized ${hold.authorizedAmount}` };
      }
      const state = request.commitAmount === 0 ? 'CANCELLED' : 'COMMITTED';
      this.holds.set(hold.sessionId, { ...hold, state, committedAmount: request.commitAmount });
      return ok({ sessionId: hold.sessionId, state, committedAmount: request.commitAmount });
    });
  }

  cancel(request: CancelRequest): Promise<PayterOutcome<Cancellation>> {
    return this.run('cancel', request, () => {
      const hold = this.holds.get(request.sessionId);
      if (!hold || hold.serialNumber !== request.serial) return notFound(request);
      if (hold.state !== 'AUTHORIZED') return { kind: 'conflict', message: `session is ${hold.state}` };
      this.holds.set(hold.sessionId, { ...hold, state: 'CANCELLED', committedAmount: 0 });
      return ok({ sessionId: hold.sessionId, state: 'CANCELLED' as const });
    });
  }

  getSession(request: SessionRef): Promise<PayterOutcome<PayterSession>> {
    return this.run('getSession', request, () => {
      const hold = this.holds.get(request.sessionId);
      if (!hold || hold.serialNumber !== request.serial) return notFound(request);
      return ok(sessionAnswer(hold));
    });
  }

  listSessions(request: TerminalRef): Promise<PayterOutcome<PayterSession[]>> {
    return this.run('listSessions', request, () => ok([...this.holds.values()].filter((h) => h.serialNumber === request.serial).map(sessionAnswer)));
  }

  showUi(request: ShowUiRequest): Promise<PayterOutcome<void>> {
    return this.run('showUi', request, (t) => {
      t.screens.push(copy(request.screen));
      return ok(undefined);
    });
  }

  refund(request: RefundRequest): Promise<PayterOutcome<Refund>> {
    return this.run('refund', request, () => {
      const hold = this.holds.get(request.sessionId);
      if (!hold || hold.serialNumber !== request.serial) return notFound(request);
      if (request.amount === 0) return { kind: 'rejected', status: 400, message: 'amount must be above 0' };
      const refundable = (hold.committedAmount ?? 0) - hold.refunds.reduce((a, b) => a + b, 0);
      if (hold.state !== 'COMMITTED' || request.amount > refundable) return { kind: 'conflict', message: `cannot refund ${request.amount} (${refundable} refundable)` };
      hold.refunds.push(request.amount);
      return ok({ sessionId: hold.sessionId, refundId: `refund-${++this.nextId}`, refundedAmount: request.amount });
    });
  }

  private newHold(serial: string, amount: number, currency: string, state: PayterSession['state'], committedAmount?: number): string {
    const sessionId = `payter-${++this.nextId}`;
    this.holds.set(sessionId, {
      sessionId,
      serialNumber: serial,
      state,
      authorizedAmount: amount,
      committedAmount: committedAmount ?? (state === 'AUTHORIZED' ? undefined : state === 'CANCELLED' ? 0 : amount),
      currency,
      refunds: [],
    });
    return sessionId;
  }

  /** The answer's type is the call's: a scripted outcome is whatever the test says it is. */
  private async run<O extends PayterOutcome<unknown> | Declined>(
    call: PayterCall,
    request: TerminalRef,
    act: (terminal: FakeTerminal, scripted?: ScriptedPayterOutcome) => O | PayterOutcome<never> | Declined,
  ): Promise<O> {
    const outcome = this.answer(call, request, act) as O;
    this.calls.push({ call, serial: request.serial, request: copy({ ...request }) as Record<string, unknown>, outcome: copy(outcome) });
    return outcome;
  }

  private answer(
    call: PayterCall,
    request: TerminalRef,
    act: (terminal: FakeTerminal, scripted?: ScriptedPayterOutcome) => PayterOutcome<unknown> | Declined,
  ): PayterOutcome<unknown> | Declined {
    const terminal = this.terminals.get(request.serial);
    if (!terminal) return { kind: 'rejected', status: 404, message: `no terminal ${request.serial}` };
    const scripted = this.scripts.get(call)?.shift();
    switch (scripted?.kind) {
      case 'conflict':
        return { kind: 'conflict', message: scripted.message ?? 'conflict (scripted)' };
      case 'rejected':
        return { kind: 'rejected', status: scripted.status ?? 400, message: scripted.message ?? 'rejected (scripted)' };
      case 'unavailable':
        return { kind: 'transient', reason: `HTTP ${scripted.status ?? 503}: unavailable (scripted)`, status: scripted.status ?? 503 };
      case 'answer':
        return copy(scripted.outcome);
      default:
        break;
    }
    if (!terminal.online && NEEDS_READER.has(call)) return { kind: 'transient', reason: 'HTTP 503: TERMINAL_OFFLINE', status: 503 };
    const done = act(terminal, scripted);
    if (scripted?.kind === 'lost') return { kind: 'transient', reason: 'no answer within 10000 ms' };
    if (scripted?.kind === 'garbled' && done.kind === 'ok') return { kind: 'protocol', status: 200, message: `unexpected answer to ${call} (scripted)` };
    return done;
  }
}

const ok = <T>(value: T): PayterOutcome<T> => ({ kind: 'ok', value });
const notFound = (request: SessionRef) => ({ kind: 'rejected', status: 404, message: `no session ${request.sessionId} on terminal ${request.serial}` }) as const;

function sessionAnswer({ refunds, cardId: _card, ...hold }: FakeHold & { refunds: number[] }): PayterSession {
  return { ...hold, refundedAmount: refunds.reduce((a, b) => a + b, 0) };
}

// ---------------------------------------------------------------------------------------------
// A world: the services wired to these ports, with one site, station and reader

export const SITE_ID = 'site-main-st';
export const STATION_ID = 'CP-1';
export const SERIAL = 'READER-1';
export const PUBLIC_BASE_URL = 'https://csms.test';
export const CALLBACK_SECRET = 'in-memory-callback-secret-0123456789';

export interface WorldOptions {
  /** The site's settings on top of docs/pricing.md's "Main St Garage" (test/pricing/builders.ts). */
  readonly site?: Parameters<typeof aSite>[0];
  readonly stationOnline?: boolean;
  readonly connectors?: readonly number[];
  /** The Payter terminal of the reader (its currency, online...). */
  readonly terminal?: Partial<Omit<FakeTerminal, 'screens'>>;
  readonly now?: string;
  readonly refundChannel?: RefundChannel;
  readonly holdPolicy?: HoldAgePolicy;
  /** Pauses of a refused start screen (the sleeps are recorded, never waited). @default [250, 1000, 3000] */
  readonly retryDelaysMs?: readonly number[];
}

export interface LogLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly details: Record<string, unknown>;
}

/**
 * The sessions and readers services wired as lambdas/aws/composition.ts wires them, on in-memory
 * ports: one site, one station (online) with connector 1, one reader commissioned to it and
 * known to Payter. Ids are deterministic: sessions `session-1`..., readings `reading-1`...,
 * Payter sessions `payter-1`....
 */
export function givenWorld(options: WorldOptions = {}) {
  const clock = new TestClock(options.now ?? T0);
  const sessions = new InMemorySessionRepository();
  const readers = new InMemoryReaderRepository();
  const sites = new InMemorySiteRepository();
  const stations = new InMemoryStationRepository();
  const transactions = new InMemoryTransactionRepository();
  const payter = new FakePayter(clock);
  const workflow = new InMemoryWorkflow(clock);
  const refundEvidence = new InMemoryRefundEvidence();
  const urls = new CallbackUrls(PUBLIC_BASE_URL, CALLBACK_SECRET);
  const logs: LogLine[] = [];
  const alerts: { metric: MetricName; message: string; details: Record<string, unknown> }[] = [];
  const sleeps: number[] = [];
  const outOfService: { serialNumber: string; reason: string }[] = [];
  /** RemoteStopTransaction asks (SessionEvents, SessionOperations, PayterCallbacks' stopCharging). */
  const remoteStops: { stationId: string; transactionId: number }[] = [];
  const log = {
    info: (message: string, details: Record<string, unknown>) => logs.push({ level: 'info', message, details }),
    warn: (message: string, details: Record<string, unknown>) => logs.push({ level: 'warn', message, details }),
    error: (message: string, details: Record<string, unknown>) => logs.push({ level: 'error', message, details }),
  };
  const stopTransaction = async (stationId: string, transactionId: number) => {
    remoteStops.push({ stationId, transactionId });
  };

  const site: StoredSite = { ...aSite({ siteId: SITE_ID, ...options.site }), updatedAt: T0 };
  void sites.put(site);
  const connectors = options.connectors ?? [1];
  stations.seed({
    stationId: STATION_ID,
    siteId: SITE_ID,
    connectors,
    passwordHash: 'hash',
    createdAt: T0,
    updatedAt: T0,
    online: options.stationOnline ?? true,
    ...(options.stationOnline !== false && { connectionId: 'conn-1' }),
  });
  readers.seed({ serialNumber: SERIAL, stationId: STATION_ID, siteId: SITE_ID, connectorIds: connectors, commissionedAt: T0, updatedAt: T0, online: true });
  payter.addReader(SERIAL, { currency: site.currency, ...options.terminal });

  let readingCount = 0;
  let sessionCount = 0;
  const display = new ReaderDisplay({
    payter: payter.client,
    urls,
    readers,
    clock,
    newReadingId: () => `reading-${++readingCount}`,
    retryDelaysMs: options.retryDelaysMs ?? [250, 1000, 3000],
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    onOutOfService: (reader, reason) => outOfService.push({ serialNumber: reader.serialNumber, reason }),
  });
  const steps = new SessionSteps({
    sessions,
    readers,
    sites,
    stations,
    transactions,
    payter: payter.client,
    display,
    workflow,
    clock,
    receiptUrl: (sessionId) => `${PUBLIC_BASE_URL}/receipts/${sessionId}`,
    log,
    alert: (metric, message, details) => alerts.push({ metric, message, details }),
  });
  const callbacks = new PayterCallbacks({
    readers,
    sessions,
    sites,
    stations,
    display,
    urls,
    workflow,
    stopCharging: async (session) => {
      if (session.transactionId !== undefined) await stopTransaction(session.stationId, session.transactionId);
    },
    clock,
    receiptUrl: (sessionId) => `${PUBLIC_BASE_URL}/receipts/${sessionId}`,
    newSessionId: () => `session-${++sessionCount}`,
  });
  const events = new SessionEvents({ sessions, sites, stations, display, workflow, stopTransaction, clock });
  const operations = new SessionOperations({
    sessions,
    workflow,
    payter: payter.client,
    stopTransaction,
    clock,
    refundChannel: options.refundChannel ?? 'cps',
    refundEvidence,
    ...(options.holdPolicy && { holdPolicy: options.holdPolicy }),
    charging: { sites, stations, transactions },
  });

  /**
   * A session of this world's reader in the repository (bound to the reader while open), with
   * `fields` on top of an `authorizing` one. `hold`: also a hold at Payter of `authorizedAmount`
   * (default the site's), its id as `payterSessionId` (pass `paymentState` etc. yourself).
   */
  function givenSession(fields: Partial<ChargingSession> = {}, { hold = false, attach = true }: { hold?: boolean; attach?: boolean } = {}): ChargingSession {
    const sessionId = fields.sessionId ?? `session-${++sessionCount}`;
    const payterSessionId = hold ? payter.holdElsewhere(SERIAL, { amount: fields.authorizedAmount ?? site.holdAmount, currency: site.currency }) : undefined;
    const session = aSession({
      sessionId,
      ...(payterSessionId && { payterSessionId, authorizedAmount: site.holdAmount, currency: site.currency, paymentState: 'authorized' as const }),
      ...fields,
    });
    sessions.seed(session);
    if (attach && OPEN_SESSION_STATUSES.includes(session.status)) readers.seed({ ...readers.record(SERIAL), activeSessionId: sessionId });
    return sessions.record(sessionId);
  }

  /**
   * A card held to the reader while it reads: Payter holds the card (authorize can take it) and
   * POSTs it to the current reading's callback URL, token and all.
   */
  async function tap(cardId = 'card-1', card: { maskedPan?: string; ifd?: string } = {}) {
    const readingId = readers.record(SERIAL).reading?.id ?? 'no-reading';
    payter.presentCard(SERIAL);
    return callbacks.cardRead(tokenOf(urls.card(SERIAL, readingId)), readingId, { serialNumber: SERIAL, ifd: card.ifd ?? 'CONTACTLESS', aid: 'A0000000031010', cardId, ...(card.maskedPan && { maskedPan: card.maskedPan }) });
  }

  /** A button pressed on a screen shown for `contextId` (a session id, or a reading id). */
  function pressButton(contextId: string, screenId: string, response: string) {
    return callbacks.uiButton(tokenOf(urls.ui(SERIAL, contextId)), contextId, { serialNumber: SERIAL, screenId, response });
  }

  return {
    clock,
    sessions,
    readers,
    sites,
    stations,
    transactions,
    payter,
    workflow,
    refundEvidence,
    urls,
    display,
    steps,
    callbacks,
    terminalStates: new TerminalStates({ readers, sessions, sites, display, urls }),
    events,
    operations,
    site,
    stationId: STATION_ID,
    serial: SERIAL,
    logs,
    alerts,
    sleeps,
    outOfService,
    remoteStops,
    givenSession,
    tap,
    pressButton,
    /** The reader's record as stored now. */
    reader: () => readers.record(SERIAL),
    /** A session's record as stored now. */
    session: (sessionId: string) => sessions.record(sessionId),
  };
}

export type World = ReturnType<typeof givenWorld>;

/** The capability token in a callback URL (`.../payter/{token}/card/...`). */
export function tokenOf(url: string): string {
  const token = /\/payter\/([^/]+)\//.exec(url)?.[1];
  if (!token) throw new Error(`no token in ${url}`);
  return token;
}

/** A session of the world's reader, station and site, `authorizing`, with `fields` on top. */
export function aSession(fields: Partial<ChargingSession> & { sessionId: string }): ChargingSession {
  return {
    status: 'authorizing',
    paymentState: 'none',
    serialNumber: SERIAL,
    stationId: STATION_ID,
    connectorId: 1,
    siteId: SITE_ID,
    cardId: 'card-1',
    ifd: 'CONTACTLESS',
    idTag: `TAG-${fields.sessionId}`.slice(0, 20),
    readingId: 'reading-0',
    createdAt: T0,
    updatedAt: T0,
    ...fields,
  };
}
