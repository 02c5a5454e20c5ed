/**
 * What is taken from the card and who it belongs to (docs/pricing.md "Hold, cap and capture" and
 * "Revenue split"): the stop rule that keeps a live session under its hold, the capture capped
 * at the authorized amount, and the split of the captured amount into tax, platform fee and
 * host revenue.
 */
import type { SiteSettings } from '../sites/site-settings';
import { Money, multiplyRoundHalfUp } from '../money/money';
import { inclusiveTax, type Receipt } from './price';

export interface Capture {
  /** `min(total, authorizedAmount)`: what is committed to Payter. */
  readonly captured: Money;
  /** `total - captured`, recorded on the session when the hold did not cover the total. */
  readonly shortfall: Money;
  /** Whether `captured` is below `total`. */
  readonly capped: boolean;
  /** The tax part of `captured`: the receipt's tax, or recomputed inclusive on `captured` when capped. */
  readonly taxCollected: Money;
  /** `captured` is 0: cancel the authorization instead of committing a zero amount. */
  readonly cancel: boolean;
}

export interface RevenueSplit {
  readonly captured: Money;
  readonly taxCollected: Money;
  readonly platformFee: Money;
  readonly hostRevenue: Money;
}

export class InvalidPaymentAmountError extends Error {
  constructor(
    readonly field: string,
    readonly amount: Money,
    reason: string,
  ) {
    super(`${field} ${amount.toString()} ${reason}`);
    this.name = 'InvalidPaymentAmountError';
  }
}

function assertNotNegative(field: string, amount: Money): void {
  if (amount.isNegative()) throw new InvalidPaymentAmountError(field, amount, 'must not be negative');
}

function min(a: Money, b: Money): Money {
  return a.compare(b) <= 0 ? a : b;
}

/**
 * The running total at which a live session is stopped remotely:
 * `min(holdAmount - costOfOneMeterInterval, ceil(holdAmount * 95 / 100))`.
 *
 * The smaller of the two, because only it keeps the promise: if no meter interval costs more
 * than `costOfOneMeterInterval`, the previous check was below the threshold, so the check that
 * stops the session is still below the hold (`< threshold + interval <= hold`). When intervals
 * are cheap, the stop comes by 95% of the hold, which leaves room for what is drawn between our
 * RemoteStop and the charger stopping. The larger of the two would let one interval costing
 * more than 5% of the hold run from just under 95% to beyond the hold. The 95% is exact: a
 * total reaches 95% of the hold when `total * 100 >= hold * 95`. A threshold at or below 0
 * (one interval costs the whole hold) stops the session at its first meter value.
 */
export function holdStopThreshold(holdAmount: Money, costOfOneMeterInterval: Money): Money {
  assertNotNegative('holdAmount', holdAmount);
  assertNotNegative('costOfOneMeterInterval', costOfOneMeterInterval);
  const ninetyFivePercent = (BigInt(holdAmount.minor) * 95n + 99n) / 100n;
  return min(holdAmount.subtract(costOfOneMeterInterval), Money.of(ninetyFivePercent, holdAmount.currency));
}

/**
 * Whether to stop a live session remotely: its running total (lines and tax so far, the
 * `total` of `priceSession` on `measureUsageSoFar`) has reached `holdStopThreshold`.
 * `costOfOneMeterInterval` is the most one meter interval may add, e.g. what the last one added.
 */
export function shouldStopForHold(runningTotal: Money, holdAmount: Money, costOfOneMeterInterval: Money): boolean {
  return runningTotal.compare(holdStopThreshold(holdAmount, costOfOneMeterInterval)) >= 0;
}

/**
 * What to take from the card at the end of a session. The receipt's tax mode does not matter
 * here: uncapped, the tax collected is the receipt's; capped, docs/pricing.md recomputes it as an
 * inclusive price on the captured amount at the same rate, whatever the site's mode.
 */
export function capture(receipt: Pick<Receipt, 'total' | 'tax' | 'taxRatePercent'>, authorizedAmount: Money): Capture {
  const { total, tax, taxRatePercent } = receipt;
  assertNotNegative('total', total);
  assertNotNegative('tax', tax);
  assertNotNegative('authorizedAmount', authorizedAmount);
  if (tax.compare(total) > 0) throw new InvalidPaymentAmountError('tax', tax, `is above the total ${total.toString()}`);

  const captured = min(total, authorizedAmount);
  const capped = captured.compare(total) < 0;
  return {
    captured,
    shortfall: total.subtract(captured),
    capped,
    taxCollected: capped ? inclusiveTax(captured, taxRatePercent) : tax,
    cancel: captured.isZero(),
  };
}

/**
 * The split of a captured amount: `taxCollected`, then
 * `platformFee = min(net, round(net * platformPercent / 100) + platformFixedPerSession)` with
 * `net = captured - taxCollected`, and the host's remainder. The parts always add up to
 * `captured`; a cancelled capture (0) splits into zeros, the fixed fee included.
 */
export function splitRevenue(
  payment: Pick<Capture, 'captured' | 'taxCollected'>,
  revenueShare: SiteSettings['revenueShare'],
): RevenueSplit {
  const { captured, taxCollected } = payment;
  assertNotNegative('captured', captured);
  assertNotNegative('taxCollected', taxCollected);
  if (taxCollected.compare(captured) > 0) {
    throw new InvalidPaymentAmountError('taxCollected', taxCollected, `is above the captured ${captured.toString()}`);
  }
  const net = captured.subtract(taxCollected);
  const share = Money.of(multiplyRoundHalfUp(revenueShare.platformPercent, net.minor, 100), net.currency);
  const platformFee = min(net, share.add(Money.of(revenueShare.platformFixedPerSession, net.currency)));
  return { captured, taxCollected, platformFee, hostRevenue: net.subtract(platformFee) };
}
