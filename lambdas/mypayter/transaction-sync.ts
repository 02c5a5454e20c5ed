/**
 * MyPayter sync: Payter's own record of every card transaction (the Data API's Transactions
 * index), read incrementally by ingest time into our store, then matched to our sessions to
 * list every difference. Transactions carry no OCPP ids: a transaction matches a session by
 * the CPS session id when it has one, otherwise by terminal serial, time and authorized amount.
 */
import type { Clock } from '../shared/clock';
import type { ChargingSession } from '../sessions/model';
import type { RefundEvidence, SessionRepository } from '../sessions/ports';
import { getIntFromEnv } from '../shared/config';
import { DATA_API_ASSUMED, type DataCursor, type MyPayterTransaction } from './data-api-assumed';
import type { MyPayterClient, MyPayterOutcome } from './data-api-client';

/** Where the sync stands: the last transaction read, and when a sync last read everything there was. */
export interface SyncCursor {
  readonly after?: DataCursor;
  readonly syncedAt?: string;
}

export interface MyPayterStore {
  cursor(): Promise<SyncCursor>;
  saveCursor(cursor: SyncCursor): Promise<void>;
  /** Stores transactions, a re-ingested one replacing its earlier version. */
  put(transactions: readonly MyPayterTransaction[]): Promise<void>;
  /** The transactions whose transactionTime lies in [from, to]. */
  list(from: string, to: string): Promise<MyPayterTransaction[]>;
}

export type SyncResult =
  | { readonly kind: 'synced'; readonly read: number; readonly after?: DataCursor }
  | { readonly kind: 'failed'; readonly read: number; readonly outcome: Exclude<MyPayterOutcome<unknown>, { kind: 'ok' }> };

/** Pages read per run at most; the next run goes on from the cursor. */
const MAX_PAGES_PER_RUN = 50;

export class MyPayterSync {
  constructor(private readonly deps: { client: MyPayterClient; store: MyPayterStore; clock: Clock }) {}

  /** Reads the transactions ingested since the last run; the cursor moves after each page stored. */
  async sync(): Promise<SyncResult> {
    const { client, store, clock } = this.deps;
    const start = await store.cursor();
    let after = start.after;
    let read = 0;
    for (let page = 0; page < MAX_PAGES_PER_RUN; page++) {
      const answer = await client.transactionsAfter(after);
      if (answer.kind !== 'ok') return { kind: 'failed', read, outcome: answer };
      await store.put(answer.value.transactions);
      read += answer.value.transactions.length;
      after = answer.value.next ?? after;
      if (answer.value.done) {
        await store.saveCursor({ ...(after && { after }), syncedAt: clock.now().toISOString() });
        return { kind: 'synced', read, ...(after && { after }) };
      }
      await store.saveCursor({ ...start, ...(after && { after }) });
    }
    return { kind: 'synced', read, ...(after && { after }) };
  }
}

export interface MatchPolicy {
  /** How far a transaction's time may be from its session's tap to match without a session id. */
  readonly windowMinutes: number;
  /** How long after a tap MyPayter may take to list it before we call it unknown to MyPayter. */
  readonly ingestLagMinutes: number;
}

export const DEFAULT_MATCH_POLICY: MatchPolicy = { windowMinutes: 5, ingestLagMinutes: 60 };

/** `MYPAYTER_MATCH_WINDOW_MINUTES`, `MYPAYTER_INGEST_LAG_MINUTES`. */
export function matchPolicyFromEnv(): MatchPolicy {
  return {
    windowMinutes: getIntFromEnv('MYPAYTER_MATCH_WINDOW_MINUTES', DEFAULT_MATCH_POLICY.windowMinutes),
    ingestLagMinutes: getIntFromEnv('MYPAYTER_INGEST_LAG_MINUTES', DEFAULT_MATCH_POLICY.ingestLagMinutes),
  };
}

export type MyPayterDifferenceKind = 'amountDiffers' | 'stateDiffers' | 'unknownToUs' | 'unknownToMyPayter';
export const MYPAYTER_DIFFERENCE_KINDS: readonly MyPayterDifferenceKind[] = ['amountDiffers', 'stateDiffers', 'unknownToUs', 'unknownToMyPayter'];

export interface MyPayterDifference {
  readonly kind: MyPayterDifferenceKind;
  readonly serialNumber: string;
  readonly sessionId?: string;
  readonly payterSessionId?: string;
  readonly transactionId?: string;
  readonly matchedBy?: 'sessionId' | 'timeAndAmount';
  readonly ours?: { readonly paymentState: string; readonly authorizedAmount?: number; readonly committedAmount?: number; readonly currency?: string; readonly createdAt: string };
  readonly theirs?: {
    readonly state: string;
    readonly disposition: string;
    readonly authorizedAmount: number;
    readonly committedAmount?: number;
    readonly currency: string;
    readonly transactionTime: string;
  };
}

export interface MyPayterReport {
  readonly from: string;
  readonly to: string;
  /** When the sync last read every transaction MyPayter had; null: never. */
  readonly syncedAt: string | null;
  readonly sessions: number;
  readonly transactions: number;
  readonly matched: number;
  readonly differences: MyPayterDifference[];
}

export class MyPayterReconciliation {
  constructor(private readonly deps: { sessions: SessionRepository; store: MyPayterStore; policy?: MatchPolicy }) {}

  /** Our authorized sessions of the period against the synced MyPayter transactions, and every difference. */
  async report(from: string, to: string): Promise<MyPayterReport> {
    const policy = this.deps.policy ?? DEFAULT_MATCH_POLICY;
    const window = policy.windowMinutes * 60_000;
    const ours = (await this.deps.sessions.list({ from, to, limit: 1000 })).filter((s) => s.payterSessionId);
    const [listed, cursor] = await Promise.all([
      this.deps.store.list(shift(from, -window), shift(to, window)),
      this.deps.store.cursor(),
    ]);
    // Refunds are not payments: they settle our refund records (MyPayterRefundEvidence).
    const theirs = listed.filter((t) => !isRefund(t));
    const differences: MyPayterDifference[] = [];
    const unmatched = new Set(theirs);
    let matched = 0;

    const compare = (session: ChargingSession, tx: MyPayterTransaction, matchedBy: 'sessionId' | 'timeAndAmount') => {
      unmatched.delete(tx);
      const base = { ...describeOurs(session), ...describeTheirs(tx), matchedBy };
      const expected = session.paymentState === 'committed' ? 'COMMITTED' : session.paymentState === 'cancelled' ? 'CANCELLED' : 'AUTHORIZED';
      if (tx.state !== expected) differences.push({ ...base, kind: 'stateDiffers' });
      else if (
        tx.authorizedAmount !== session.authorizedAmount ||
        (session.currency !== undefined && tx.currency !== session.currency) ||
        (expected === 'COMMITTED' && tx.committedAmount !== session.committedAmount)
      ) {
        differences.push({ ...base, kind: 'amountDiffers' });
      } else matched += 1;
    };

    const byPayterId = new Map(theirs.filter((t) => t.sessionId !== undefined).map((t) => [t.sessionId!, t]));
    const pending: ChargingSession[] = [];
    for (const session of ours) {
      const tx = byPayterId.get(session.payterSessionId!);
      if (tx) compare(session, tx, 'sessionId');
      else pending.push(session);
    }
    // Without a session id: the same terminal and authorized amount, the nearest in time.
    for (const session of pending) {
      const tapped = Date.parse(session.createdAt);
      const candidates = [...unmatched]
        .filter((t) => t.sessionId === undefined && t.serialNumber === session.serialNumber && t.authorizedAmount === session.authorizedAmount)
        .filter((t) => Math.abs(Date.parse(t.transactionTime) - tapped) <= window)
        .sort((a, b) => Math.abs(Date.parse(a.transactionTime) - tapped) - Math.abs(Date.parse(b.transactionTime) - tapped));
      const tx = candidates[0];
      if (tx) {
        compare(session, tx, 'timeAndAmount');
        continue;
      }
      // Judged only once a sync has read past the tap by the ingest lag.
      const judged = cursor.syncedAt !== undefined && Date.parse(cursor.syncedAt) - tapped >= policy.ingestLagMinutes * 60_000;
      if (judged) differences.push({ ...describeOurs(session), kind: 'unknownToMyPayter' });
    }
    for (const tx of unmatched) {
      const at = Date.parse(tx.transactionTime);
      if (at < Date.parse(from) || at > Date.parse(to)) continue;
      differences.push({ ...describeTheirs(tx), kind: 'unknownToUs' });
    }
    return { from, to, syncedAt: cursor.syncedAt ?? null, sessions: ours.length, transactions: theirs.length, matched, differences };
  }
}

function describeOurs(s: ChargingSession) {
  return {
    serialNumber: s.serialNumber,
    sessionId: s.sessionId,
    payterSessionId: s.payterSessionId,
    ours: {
      paymentState: s.paymentState ?? 'none',
      ...(s.authorizedAmount !== undefined && { authorizedAmount: s.authorizedAmount }),
      ...(s.committedAmount !== undefined && { committedAmount: s.committedAmount }),
      ...(s.currency !== undefined && { currency: s.currency }),
      createdAt: s.createdAt,
    },
  };
}

/** Everything but the card: the masked PAN stays in the store. */
function describeTheirs(t: MyPayterTransaction) {
  return {
    serialNumber: t.serialNumber,
    transactionId: t.transactionId,
    ...(t.sessionId !== undefined && { payterSessionId: t.sessionId }),
    theirs: {
      state: t.state,
      disposition: t.disposition,
      authorizedAmount: t.authorizedAmount,
      ...(t.committedAmount !== undefined && { committedAmount: t.committedAmount }),
      currency: t.currency,
      transactionTime: t.transactionTime,
    },
  };
}

function shift(iso: string, ms: number): string {
  return new Date(Date.parse(iso) + ms).toISOString();
}

const isRefund = (t: MyPayterTransaction) => t.disposition === DATA_API_ASSUMED.refundDisposition;

/**
 * "A refund seen in Payter's transaction data": what the synced MyPayter transactions show
 * refunded of one CPS session, or undefined while they show no refund of it (it may not be
 * ingested yet). Settles refunds whose CPS answer was lost and those made through the acquirer.
 */
export class MyPayterRefundEvidence implements RefundEvidence {
  constructor(private readonly deps: { store: MyPayterStore; clock: Clock }) {}

  async refundedAmount({ serialNumber, payterSessionId, since }: { serialNumber: string; payterSessionId: string; since: string }): Promise<number | undefined> {
    const listed = await this.deps.store.list(since, this.deps.clock.now().toISOString());
    const refunds = listed.filter((t) => isRefund(t) && t.serialNumber === serialNumber && t.sessionId === payterSessionId);
    return refunds.length ? refunds.reduce((sum, t) => sum + (t.committedAmount ?? 0), 0) : undefined;
  }
}
