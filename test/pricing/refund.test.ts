import { describe, expect, it } from 'vitest';
import { CurrencyMismatchError, Money } from '../../lambdas/money/money';
import { InvalidPaymentAmountError, type RevenueSplit } from '../../lambdas/pricing/capture';
import { RefundExceedsCapturedError, refundedSoFar, splitRefund, type RefundSplit } from '../../lambdas/pricing/refund';
import { thrown, usd } from './builders';

function aSplit(captured: number, taxCollected: number, platformFee: number): RevenueSplit {
  return {
    captured: usd(captured),
    taxCollected: usd(taxCollected),
    platformFee: usd(platformFee),
    hostRevenue: usd(captured - taxCollected - platformFee),
  };
}

/** docs/pricing.md's worked example: 764 = 62 tax + 120 platform + 582 host. */
const WORKED = aSplit(764, 62, 120);

const parts = (refund: RefundSplit) => [refund.tax.minor, refund.platformFee.minor, refund.hostRevenue.minor];

/** Refunds `amounts` one after the other, as a refund service would. */
function refundInParts(split: RevenueSplit, amounts: readonly number[]): RefundSplit[] {
  let already = 0;
  return amounts.map((amount) => {
    const refund = splitRefund(split, usd(amount), usd(already));
    already += amount;
    return refund;
  });
}

describe('splitRefund', () => {
  it.each([
    // [refund, [tax, platform, host]] = round(r * 62 / 764), round(r * 120 / 764), remainder
    [764, [62, 120, 582]],
    [100, [8, 16, 76]], // 8.115, 15.707
    [1, [0, 0, 1]],
    [382, [31, 60, 291]], // 31.0 and 60.0 exactly: half of each
    [763, [62, 120, 581]], // 61.92, 119.84
  ] as const)('splits a single refund of %i in proportion to the split, tax and platform half up', (amount, expected) => {
    const refund = splitRefund(WORKED, usd(amount), usd(0));
    expect(parts(refund)).toEqual(expected);
    expect(refund.amount.minor).toBe(amount);
  });

  it('rounds the tax and platform parts half up: 0.5 of each goes back', () => {
    // captured 20 = 5 tax + 5 platform + 10 host; a refund of 2 is 0.5 tax, 0.5 platform, 1 host.
    expect(parts(splitRefund(aSplit(20, 5, 5), usd(2), usd(0)))).toEqual([1, 1, 0]);
  });

  it('refunds in several parts that each add up, and together give every party back exactly its share', () => {
    const refunds = refundInParts(WORKED, [100, 200, 464]);
    expect(refunds.map(parts)).toEqual([
      [8, 16, 76],
      [16, 31, 153], // totals after 300: round(24.35) = 24, round(47.12) = 47, 229
      [38, 73, 353],
    ]);
    for (const refund of refunds) {
      expect(refund.tax.minor + refund.platformFee.minor + refund.hostRevenue.minor).toBe(refund.amount.minor);
    }
    const sum = (pick: (r: RefundSplit) => Money) => refunds.reduce((total, r) => total + pick(r).minor, 0);
    expect([sum((r) => r.tax), sum((r) => r.platformFee), sum((r) => r.hostRevenue)]).toEqual([62, 120, 582]);
  });

  it('never gives back more tax than was collected, where rounding each part alone would', () => {
    // captured 4 = 2 tax + 1 platform + 1 host; each refund of 1 alone would round 0.5 tax up to 1, four times.
    const refunds = refundInParts(aSplit(4, 2, 1), [1, 1, 1, 1]);
    expect(refunds.map(parts)).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [1, 0, 0],
      [0, 0, 1],
    ]);
    expect(refunds.reduce((total, r) => total + r.tax.minor, 0)).toBe(2);
  });

  it('may move a cent back to the host in a later part, never below what the host received in total', () => {
    // captured 3 = 1 + 1 + 1: after 2 refunded, tax and platform have each given back round(2/3) = 1.
    const refunds = refundInParts(aSplit(3, 1, 1), [1, 1, 1]);
    expect(refunds.map(parts)).toEqual([
      [0, 0, 1],
      [1, 1, -1],
      [0, 0, 1],
    ]);
    expect(parts(refundedSoFar(aSplit(3, 1, 1), usd(2)))).toEqual([1, 1, 0]);
  });

  it('keeps a host that received nothing at 0 in every refund', () => {
    // captured 10 = 5 tax + 5 platform (the min rule took the whole net); a refund of 1 is 0.5 + 0.5.
    const refunds = refundInParts(aSplit(10, 5, 5), [1, 1, 1, 7]);
    expect(refunds.map((r) => r.hostRevenue.minor)).toEqual([0, 0, 0, 0]);
    expect(refunds.map(parts)).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [1, 0, 0],
      [3, 4, 0],
    ]);
  });

  it('refuses a refund above what is left of the captured amount, naming both', () => {
    expect(() => splitRefund(WORKED, usd(765), usd(0))).toThrow(RefundExceedsCapturedError);
    expect(() => splitRefund(WORKED, usd(65), usd(700))).toThrow(
      'cannot refund USD 0.65: only USD 0.64 of the captured amount is left to refund',
    );
    expect(parts(splitRefund(WORKED, usd(64), usd(700)))).toEqual([5, 10, 49]);
    expect(() => splitRefund(WORKED, usd(1), usd(764))).toThrow(RefundExceedsCapturedError);
    expect(thrown(() => splitRefund(WORKED, usd(765), usd(0)))).toMatchObject({ name: 'RefundExceedsCapturedError' });
  });

  it('refuses any refund of a cancelled (0) capture', () => {
    expect(() => splitRefund(aSplit(0, 0, 0), usd(1), usd(0))).toThrow(RefundExceedsCapturedError);
  });

  it.each([
    ['a zero refund', 0, 0, 'refundAmount USD 0.00 must be above 0'],
    ['a negative refund', -5, 0, 'refundAmount USD -0.05 must be above 0'],
    ['a negative amount already refunded', 5, -1, 'alreadyRefunded USD -0.01 must be between 0 and the captured USD 7.64'],
    ['more already refunded than captured', 5, 765, 'alreadyRefunded USD 7.65 must be between 0 and the captured USD 7.64'],
  ])('refuses %s, naming the amount', (_case, amount, already, message) => {
    expect(() => splitRefund(WORKED, usd(amount), usd(already))).toThrow(InvalidPaymentAmountError);
    expect(() => splitRefund(WORKED, usd(amount), usd(already))).toThrow(message);
  });

  it('refuses a refund in another currency', () => {
    expect(() => splitRefund(WORKED, Money.of(100, 'EUR'), usd(0))).toThrow(CurrencyMismatchError);
  });
});

describe('refundedSoFar', () => {
  it.each([
    ['a negative total', -1],
    ['more than was captured', 765],
  ])('refuses %s', (_case, total) => {
    expect(() => refundedSoFar(WORKED, usd(total))).toThrow(`totalRefunded USD ${(total / 100).toFixed(2)} must be between 0 and the captured USD 7.64`);
  });

  it('is nothing of a capture of 0 (a cancelled session), without dividing by it', () => {
    expect(parts(refundedSoFar(aSplit(0, 0, 0), usd(0)))).toEqual([0, 0, 0]);
    expect(refundedSoFar(aSplit(0, 0, 0), usd(0)).amount.minor).toBe(0);
  });

  it('is the split of the refunded total, whatever parts it was refunded in', () => {
    const inOne = refundedSoFar(WORKED, usd(300));
    const inParts = refundInParts(WORKED, [7, 93, 150, 50]);
    const summed = [0, 1, 2].map((i) => inParts.reduce((total, r) => total + (parts(r)[i] ?? 0), 0));
    expect(parts(inOne)).toEqual([24, 47, 229]);
    expect(summed).toEqual(parts(inOne));
  });
});
