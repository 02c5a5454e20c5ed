/**
 * The rules of the MyPayter match and of an overdue hold, on in-memory ports: which
 * transaction is a session's, when a session is called unknown to MyPayter, when a hold
 * still open at Payter is overdue.
 */
import { describe, expect, it } from 'vitest';
import type { MyPayterTransaction } from '../../lambdas/mypayter/data-api-assumed';
import { MyPayterReconciliation, type MyPayterStore, type SyncCursor } from '../../lambdas/mypayter/transaction-sync';
import type { ChargingSession } from '../../lambdas/sessions/model';
import { DEFAULT_HOLD_AGE_POLICY, openHoldAge } from '../../lambdas/sessions/open-holds';
import type { SessionRepository } from '../../lambdas/sessions/ports';

const T0 = Date.parse('2026-03-01T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

function session(sessionId: string, minutes: number, fields: Partial<ChargingSession> = {}): ChargingSession {
  return {
    sessionId,
    status: 'completed',
    serialNumber: 'APOLLO-1',
    stationId: 'CP-1',
    connectorId: 1,
    siteId: 'site',
    cardId: 'card',
    ifd: 'CONTACTLESS',
    idTag: sessionId,
    readingId: 'r',
    createdAt: at(minutes),
    updatedAt: at(minutes + 30),
    paymentState: 'committed',
    payterSessionId: `cps-${sessionId}`,
    authorizedAmount: 5000,
    currency: 'EUR',
    committedAmount: 764,
    ...fields,
  };
}

function tx(transactionId: string, minutes: number, fields: Partial<MyPayterTransaction> = {}): MyPayterTransaction {
  return {
    transactionId,
    serialNumber: 'APOLLO-1',
    sessionId: undefined,
    transactionTime: at(minutes),
    ingestTime: at(minutes + 1),
    authorizedAmount: 5000,
    committedAmount: 764,
    currency: 'EUR',
    ifd: 'CONTACTLESS',
    disposition: 'APPROVED',
    state: 'COMMITTED',
    maskedPan: undefined,
    ...fields,
  };
}

function reconciliation(sessions: ChargingSession[], transactions: MyPayterTransaction[], cursor: SyncCursor) {
  const repository = { list: async () => sessions } as unknown as SessionRepository;
  const store: MyPayterStore = {
    cursor: async () => cursor,
    saveCursor: async () => undefined,
    put: async () => undefined,
    list: async (from, to) => transactions.filter((t) => t.transactionTime >= from && t.transactionTime <= to),
  };
  return new MyPayterReconciliation({ sessions: repository, store });
}

describe('matching MyPayter transactions to sessions', () => {
  it('without a session id takes the nearest transaction in time on the same terminal with the same hold, each once', async () => {
    const report = await reconciliation(
      [session('a', 0), session('b', 3)],
      [tx('far', -4), tx('near-a', 1), tx('near-b', 3), tx('other-terminal', 0, { serialNumber: 'APOLLO-2' })],
      { syncedAt: at(300) },
    ).report(at(-60), at(60));
    expect(report.matched).toBe(2);
    expect(report.differences.map((d) => [d.kind, d.transactionId ?? d.sessionId]).sort()).toEqual([
      ['unknownToUs', 'far'],
      ['unknownToUs', 'other-terminal'],
    ]);
  });

  it('prefers the CPS session id, and then names the state or amount that differs', async () => {
    const report = await reconciliation(
      [session('a', 0), session('b', 0, { paymentState: 'cancelled', committedAmount: 0 })],
      [tx('ta', 20, { sessionId: 'cps-a', committedAmount: 700 }), tx('tb', 0, { sessionId: 'cps-b' })],
      { syncedAt: at(300) },
    ).report(at(-60), at(60));
    expect(report.differences).toEqual([
      expect.objectContaining({ kind: 'amountDiffers', sessionId: 'a', matchedBy: 'sessionId', theirs: expect.objectContaining({ committedAmount: 700 }) }),
      expect.objectContaining({ kind: 'stateDiffers', sessionId: 'b', ours: expect.objectContaining({ paymentState: 'cancelled' }), theirs: expect.objectContaining({ state: 'COMMITTED' }) }),
    ]);
  });

  it('calls a session unknown to MyPayter only once a sync has read past its tap by the ingest lag', async () => {
    const sessions = [session('a', 0)];
    expect((await reconciliation(sessions, [], {}).report(at(-60), at(60))).differences).toEqual([]);
    expect((await reconciliation(sessions, [], { syncedAt: at(59) }).report(at(-60), at(60))).differences).toEqual([]);
    expect((await reconciliation(sessions, [], { syncedAt: at(60) }).report(at(-60), at(60))).differences).toEqual([
      expect.objectContaining({ kind: 'unknownToMyPayter', sessionId: 'a' }),
    ]);
  });
});

describe('an overdue hold', () => {
  const now = new Date(at(600));
  it('is one still open 15 minutes after its session ended, whatever our payment state says', () => {
    expect(openHoldAge(session('a', 500, { status: 'stopped', paymentState: 'authorized', stoppedAt: at(586) }), now, DEFAULT_HOLD_AGE_POLICY)).toEqual({ ageMinutes: 100, endedAt: at(586), overdue: false });
    expect(openHoldAge(session('a', 500, { status: 'stopped', paymentState: 'authorized', stoppedAt: at(585) }), now, DEFAULT_HOLD_AGE_POLICY).overdue).toBe(true);
    expect(openHoldAge(session('a', 500, { status: 'cancelled', paymentState: 'none', updatedAt: at(500) }), now, DEFAULT_HOLD_AGE_POLICY).overdue).toBe(true);
  });

  it('is one at once when our record says the money is final', () => {
    expect(openHoldAge(session('a', 598, { stoppedAt: at(599) }), now, DEFAULT_HOLD_AGE_POLICY)).toMatchObject({ ageMinutes: 2, overdue: true });
  });

  it('of a session still running is one after 13 hours', () => {
    const running = (minutes: number) => session('a', 600 - minutes, { status: 'charging', paymentState: 'authorized' });
    expect(openHoldAge(running(13 * 60 - 1), now, DEFAULT_HOLD_AGE_POLICY).overdue).toBe(false);
    expect(openHoldAge(running(13 * 60), now, DEFAULT_HOLD_AGE_POLICY).overdue).toBe(true);
  });
});
