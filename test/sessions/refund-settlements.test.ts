/** How open refunds settle against what Payter shows refunded of a session. */
import { describe, expect, it } from 'vitest';
import type { RefundState, SessionRefund } from '../../lambdas/sessions/model';
import { refundSettlements } from '../../lambdas/sessions/session-operations';

const refund = (amount: number, state: RefundState): SessionRefund => ({
  amount,
  state,
  tax: 0,
  platformFee: 0,
  hostRevenue: amount,
  reason: 'test',
  requestedAt: '2026-01-01T00:00:00.000Z',
});
const isOpen = (r: SessionRefund) => r.state === 'unknown' || r.state === 'toBeRefundedByAcquirer';
const outcomes = (refunds: SessionRefund[], shown: number | undefined) =>
  refundSettlements(refunds, shown, isOpen).map((s) => [s.index, s.from, s.outcome.state]);

describe('refund settlements', () => {
  it.each([
    ['Payter does not say: nothing settles', [refund(100, 'done'), refund(50, 'unknown')], undefined, []],
    ['Payter shows it: done', [refund(100, 'done'), refund(50, 'unknown')], 150, [[1, 'unknown', 'done']]],
    ['Payter shows nothing beyond the done ones: failed', [refund(100, 'done'), refund(50, 'unknown')], 100, [[1, 'unknown', 'failed']]],
    ['Payter shows part of it: left open', [refund(50, 'unknown')], 20, []],
    ['an acquirer refund not yet seen stays open', [refund(50, 'toBeRefundedByAcquirer')], 0, []],
    ['an acquirer refund seen: done', [refund(50, 'toBeRefundedByAcquirer')], 50, [[0, 'toBeRefundedByAcquirer', 'done']]],
    ['oldest first', [refund(30, 'unknown'), refund(40, 'unknown')], 30, [[0, 'unknown', 'done'], [1, 'unknown', 'failed']]],
  ] as const)('%s', (_case, refunds, shown, expected) => {
    expect(outcomes([...refunds], shown)).toEqual(expected);
  });
});
