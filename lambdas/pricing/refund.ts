/**
 * Refunds of a captured session (docs/pricing.md "Refunds"): at most what is left of the captured
 * amount, in one or more parts, each split back in proportion to the original revenue split.
 *
 * The proportion is taken on the amount refunded so far, not on each part alone: after
 * refunds totalling R, the tax given back is `round(R * taxCollected / captured)` and the
 * platform's `round(R * platformFee / captured)` (half up, capped like the split's platform
 * fee so the host's part is never negative), the host's the remainder; a part is the
 * difference between the totals after and before it. A single refund, or the first, is
 * exactly docs/pricing.md's per-refund rule. Over several parts this keeps every party within what
 * it received and returns each one its exact share once everything is refunded, which
 * rounding each part alone does not (four refunds of 1 from captured 4 with tax 2 would give
 * back 4 of tax). It also makes any figure recomputable from the refunded total alone. The
 * price of this: a later part may move a cent between parties, so the host's part of one
 * refund can be -1 (never less); the parties' totals never go below 0.
 */
import { Money, divideRoundHalfUp } from '../money/money';
import { InvalidPaymentAmountError, type RevenueSplit } from './capture';

/** A refund, or refunds totalled, split back into the parts of the original split. */
export interface RefundSplit {
  readonly amount: Money;
  readonly tax: Money;
  readonly platformFee: Money;
  readonly hostRevenue: Money;
}

export class RefundExceedsCapturedError extends Error {
  constructor(
    readonly requested: Money,
    readonly refundable: Money,
  ) {
    super(`cannot refund ${requested.toString()}: only ${refundable.toString()} of the captured amount is left to refund`);
    this.name = 'RefundExceedsCapturedError';
  }
}

function proportion(total: bigint, part: Money, whole: Money): bigint {
  return divideRoundHalfUp(total * BigInt(part.minor), BigInt(whole.minor));
}

/** How the refunds so far, totalling `totalRefunded`, split back (0 to `captured`). */
export function refundedSoFar(originalSplit: RevenueSplit, totalRefunded: Money): RefundSplit {
  const { captured, taxCollected, platformFee } = originalSplit;
  if (totalRefunded.isNegative() || totalRefunded.compare(captured) > 0) {
    throw new InvalidPaymentAmountError('totalRefunded', totalRefunded, `must be between 0 and the captured ${captured.toString()}`);
  }
  if (totalRefunded.isZero()) {
    const zero = Money.zero(captured.currency);
    return { amount: zero, tax: zero, platformFee: zero, hostRevenue: zero };
  }
  const refunded = BigInt(totalRefunded.minor);
  const tax = proportion(refunded, taxCollected, captured);
  const platform = proportion(refunded, platformFee, captured);
  const platformCapped = platform < refunded - tax ? platform : refunded - tax;
  const currency = captured.currency;
  return {
    amount: totalRefunded,
    tax: Money.of(tax, currency),
    platformFee: Money.of(platformCapped, currency),
    hostRevenue: Money.of(refunded - tax - platformCapped, currency),
  };
}

/**
 * Splits a refund of `refundAmount` after `alreadyRefunded` was refunded. Throws
 * `RefundExceedsCapturedError` when it asks for more than `captured - alreadyRefunded`.
 */
export function splitRefund(originalSplit: RevenueSplit, refundAmount: Money, alreadyRefunded: Money): RefundSplit {
  const { captured } = originalSplit;
  if (refundAmount.compare(Money.zero(captured.currency)) <= 0) {
    throw new InvalidPaymentAmountError('refundAmount', refundAmount, 'must be above 0');
  }
  if (alreadyRefunded.isNegative() || alreadyRefunded.compare(captured) > 0) {
    throw new InvalidPaymentAmountError('alreadyRefunded', alreadyRefunded, `must be between 0 and the captured ${captured.toString()}`);
  }
  const refundable = captured.subtract(alreadyRefunded);
  if (refundAmount.compare(refundable) > 0) throw new RefundExceedsCapturedError(refundAmount, refundable);

  const before = refundedSoFar(originalSplit, alreadyRefunded);
  const after = refundedSoFar(originalSplit, alreadyRefunded.add(refundAmount));
  return {
    amount: refundAmount,
    tax: after.tax.subtract(before.tax),
    platformFee: after.platformFee.subtract(before.platformFee),
    hostRevenue: after.hostRevenue.subtract(before.hostRevenue),
  };
}
