/**
 * When a hold Payter still lists as AUTHORIZED is overdue (docs/reconciliation.md), and the age
 * buckets of the open-holds metric.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_HOLD_AGE_POLICY, ageBucket, holdAgePolicyFromEnv, openHoldAge } from '../../lambdas/sessions/open-holds';
import { T0, aSession } from '../support/in-memory';

const NOW = new Date(T0);
const ago = (minutes: number, seconds = 0) => new Date(NOW.getTime() - (minutes * 60 + seconds) * 1000).toISOString();

describe('openHoldAge', () => {
  it.each([
    // Our record says the money is final: overdue at once.
    { case: 'committed a minute ago', fields: { status: 'completed', paymentState: 'committed', stoppedAt: ago(1) }, age: 30, endedAt: ago(1), overdue: true },
    { case: 'cancelled, still open', fields: { status: 'charging', paymentState: 'cancelled', updatedAt: ago(2) }, age: 30, endedAt: ago(2), overdue: true },
    // Ended: overdue 15 minutes after the end (stoppedAt, else the last update).
    { case: 'stopped 15 min ago', fields: { status: 'stopped', paymentState: 'authorized', stoppedAt: ago(15) }, age: 30, endedAt: ago(15), overdue: true },
    { case: 'stopped 14:59 ago', fields: { status: 'stopped', paymentState: 'authorized', stoppedAt: ago(14, 59) }, age: 30, endedAt: ago(14, 59), overdue: false },
    { case: 'failed 20 min ago (no stop)', fields: { status: 'failed', paymentState: 'authorized', updatedAt: ago(20) }, age: 30, endedAt: ago(20), overdue: true },
    ...(['completed', 'cancelled', 'declined'] as const).map((status) => ({ case: `${status} 16 min ago`, fields: { status, paymentState: 'authorized' as const, updatedAt: ago(16) }, age: 30, endedAt: ago(16), overdue: true })),
    // Running: overdue 13 hours after the tap.
    { case: 'charging for 12:59', fields: { status: 'charging', paymentState: 'authorized', createdAt: ago(779) }, age: 779, overdue: false },
    { case: 'charging for 13 h', fields: { status: 'charging', paymentState: 'authorized', createdAt: ago(780) }, age: 780, overdue: true },
    { case: 'stopping for 13 h', fields: { status: 'stopping', paymentState: 'authorized', createdAt: ago(780) }, age: 780, overdue: true },
  ] as const)('$case: overdue $overdue', ({ fields, age, overdue, ...rest }) => {
    const session = aSession({ sessionId: 's1', createdAt: ago(30), ...fields });
    const expected = { ageMinutes: age, overdue, ...('endedAt' in rest && { endedAt: rest.endedAt }) };
    expect(openHoldAge(session, NOW, DEFAULT_HOLD_AGE_POLICY)).toEqual(expected);
  });

  it('the age counts whole minutes from the tap, never below 0 (clock skew)', () => {
    expect(openHoldAge(aSession({ sessionId: 's1', status: 'charging', createdAt: ago(5, 59) }), NOW, DEFAULT_HOLD_AGE_POLICY).ageMinutes).toBe(5);
    expect(openHoldAge(aSession({ sessionId: 's1', status: 'charging', createdAt: ago(-3) }), NOW, DEFAULT_HOLD_AGE_POLICY).ageMinutes).toBe(0);
  });

  it("the operator's policy", () => {
    const policy = { graceMinutesAfterEnd: 5, maxOpenHours: 2 };
    expect(openHoldAge(aSession({ sessionId: 's1', status: 'stopped', stoppedAt: ago(5), createdAt: ago(30) }), NOW, policy).overdue).toBe(true);
    expect(openHoldAge(aSession({ sessionId: 's1', status: 'charging', createdAt: ago(120) }), NOW, policy).overdue).toBe(true);
    expect(openHoldAge(aSession({ sessionId: 's1', status: 'charging', createdAt: ago(119) }), NOW, policy).overdue).toBe(false);
  });
});

describe('holdAgePolicyFromEnv', () => {
  afterEach(() => {
    delete process.env.RECONCILIATION_HOLD_GRACE_MINUTES;
    delete process.env.RECONCILIATION_OPEN_HOLD_MAX_HOURS;
  });

  it('15 minutes and 13 hours by default', () => {
    expect(holdAgePolicyFromEnv()).toEqual({ graceMinutesAfterEnd: 15, maxOpenHours: 13 });
    expect(DEFAULT_HOLD_AGE_POLICY).toEqual({ graceMinutesAfterEnd: 15, maxOpenHours: 13 });
  });

  it('as configured', () => {
    process.env.RECONCILIATION_HOLD_GRACE_MINUTES = '30';
    process.env.RECONCILIATION_OPEN_HOLD_MAX_HOURS = '24';
    expect(holdAgePolicyFromEnv()).toEqual({ graceMinutesAfterEnd: 30, maxOpenHours: 24 });
  });
});

describe('ageBucket', () => {
  it.each([
    [undefined, 'unknown'],
    [0, 'under15m'],
    [14, 'under15m'],
    [15, '15mTo1h'],
    [59, '15mTo1h'],
    [60, '1hTo24h'],
    [1439, '1hTo24h'],
    [1440, 'over24h'],
  ])('%s minutes: %s', (minutes, bucket) => {
    expect(ageBucket(minutes)).toBe(bucket);
  });
});
