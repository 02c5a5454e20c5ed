/**
 * Generated sessions (seeded, so a failure replays): whatever the site and the usage, a receipt
 * adds up, a capture never exceeds the authorization, a split and every refund add up exactly.
 */
import { describe, expect, it } from 'vitest';
import type { SiteSettings } from '../../lambdas/sites/site-settings';
import { DECIMAL_SCALE, Money, parseDecimal } from '../../lambdas/money/money';
import { capture, shouldStopForHold, splitRevenue } from '../../lambdas/pricing/capture';
import { priceSession, type ReceiptLine } from '../../lambdas/pricing/price';
import { RefundExceedsCapturedError, splitRefund } from '../../lambdas/pricing/refund';
import { IDLE_STATE, measureUsage, type StatusChange } from '../../lambdas/pricing/usage';
import { seededRandom } from './builders';

type Random = ReturnType<typeof seededRandom>;

/**
 * A plain check for the generated loops: vitest's `expect` costs too much to run a few hundred
 * thousand times. The message names the case, so a failure can be replayed.
 */
function invariant(holds: boolean, what: string, context: unknown): void {
  if (!holds) throw new Error(`invariant broken: ${what}\n${JSON.stringify(context, null, 1)}`);
}

/** A decimal string of at most 4 decimals, 0 one time in four. */
function aDecimal(random: Random, max: number): string {
  if (random.chance(0.25)) return '0';
  const places = random.int(0, 4);
  const scaled = random.int(0, max * 10 ** places);
  const text = String(scaled).padStart(places + 1, '0');
  return places === 0 ? text : `${text.slice(0, -places)}.${text.slice(-places)}`;
}

function aGeneratedSite(random: Random): Pick<SiteSettings, 'currency' | 'holdAmount' | 'tariff' | 'tax' | 'revenueShare'> {
  return {
    currency: random.pick(['USD', 'EUR', 'JPY', 'KWD']),
    holdAmount: random.int(1, 20_000),
    tariff: {
      sessionFee: random.chance(0.3) ? 0 : random.int(0, 500),
      energyPerKwh: aDecimal(random, 100),
      timePerHour: aDecimal(random, 1000),
      idlePerHour: aDecimal(random, 2000),
      idleGraceMinutes: random.pick([0, 0, 5, 10, 30]),
    },
    tax: { ratePercent: aDecimal(random, 100), inclusive: random.chance(0.5) },
    revenueShare: { platformPercent: aDecimal(random, 100), platformFixedPerSession: random.int(0, 200) },
  };
}

/** The exact value of a line's `exact` string, "a.b(c)" included, as numerator / denominator. */
function rationalOf(exact: string): [bigint, bigint] {
  const match = /^(\d+)(?:\.(\d*)(?:\((\d+)\))?)?$/.exec(exact);
  if (!match) throw new Error(`not an exact decimal: ${exact}`);
  const [, whole = '', fixed = '', repeating = ''] = match;
  const shift = 10n ** BigInt(fixed.length);
  if (!repeating) return [BigInt(whole + fixed), shift];
  return [BigInt(whole + fixed + repeating) - BigInt(whole + fixed), shift * (10n ** BigInt(repeating.length) - 1n)];
}

/** The line's `exact` is unitPrice * quantity / per exactly, and its amount that value rounded half up. */
function lineRoundsHalfUpOnce(line: ReceiptLine): boolean {
  const numerator = parseDecimal(line.unitPrice) * BigInt(line.quantity);
  const denominator = BigInt(line.per) * DECIMAL_SCALE;
  const [exactNumerator, exactDenominator] = rationalOf(line.exact);
  const amount = BigInt(line.amount.minor);
  return (
    exactNumerator * denominator === numerator * exactDenominator &&
    // amount - 1/2 <= exact < amount + 1/2
    (2n * amount - 1n) * denominator <= 2n * numerator &&
    2n * numerator < (2n * amount + 1n) * denominator
  );
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

const CASES = 3000;

describe('invariants over generated sessions', () => {
  it(`hold for ${CASES} sessions priced, captured, split and refunded in parts`, () => {
    const random = seededRandom(20250301);
    let refunds = 0;
    for (let n = 0; n < CASES; n += 1) {
      const site = aGeneratedSite(random);
      const durationSeconds = random.int(0, 48 * 3600);
      const usage = {
        energyWh: random.chance(0.1) ? 0 : random.int(0, 250_000),
        durationSeconds,
        idleSeconds: random.int(0, durationSeconds),
      };
      const authorized = random.chance(0.1) ? 0 : random.int(1, site.holdAmount);
      const context = { n, site, usage, authorized };
      const money = (minor: number) => Money.of(minor, site.currency);

      const receipt = priceSession(site, usage);
      const { subtotal, tax, total } = receipt;
      for (const line of receipt.lines) invariant(lineRoundsHalfUpOnce(line), `line ${line.kind} rounds half up once`, context);
      invariant(subtotal.minor === sum(receipt.lines.map((l) => l.amount.minor)), 'subtotal = sum of the rounded lines', context);
      invariant(total.minor === (receipt.taxInclusive ? subtotal.minor : subtotal.minor + tax.minor), 'total = subtotal (+ tax)', context);
      invariant(tax.minor >= 0 && tax.minor <= total.minor, '0 <= tax <= total', context);

      const payment = capture(receipt, money(authorized));
      const { captured, shortfall, taxCollected } = payment;
      invariant(captured.minor <= authorized, 'captured <= authorized', context);
      invariant(captured.minor === Math.min(total.minor, authorized), 'captured = min(total, authorized)', context);
      invariant(captured.minor + shortfall.minor === total.minor, 'captured + shortfall = total', context);
      invariant(payment.cancel === (captured.minor === 0), 'cancel exactly when nothing is captured', context);
      invariant(taxCollected.minor >= 0 && taxCollected.minor <= captured.minor, '0 <= taxCollected <= captured', context);

      const split = splitRevenue(payment, site.revenueShare);
      const shares = [split.taxCollected, split.platformFee, split.hostRevenue].map((m) => m.minor);
      invariant(sum(shares) === captured.minor, 'the split sums to captured', context);
      invariant(shares.every((share) => share >= 0), 'no share of the split is negative', context);

      // Refund everything in random parts: each adds up, no party ever gives back more than it got or
      // less than 0, and all of it gives each party back its share exactly.
      const refunded = [0, 0, 0];
      let already = 0;
      while (already < captured.minor) {
        const left = captured.minor - already;
        const amount = random.chance(0.3) ? left : random.int(1, left);
        const refund = splitRefund(split, money(amount), money(already));
        const parts = [refund.tax, refund.platformFee, refund.hostRevenue].map((m) => m.minor);
        const refundContext = { ...context, already, amount, parts };
        invariant(sum(parts) === amount, 'refund parts sum to the refund', refundContext);
        invariant(parts[0]! >= 0 && parts[1]! >= 0 && parts[2]! >= -1, 'tax and platform parts >= 0, host >= -1', refundContext);
        parts.forEach((part, i) => (refunded[i] = refunded[i]! + part));
        invariant(refunded.every((r, i) => r >= 0 && r <= shares[i]!), 'each party refunds within its share', refundContext);
        already += amount;
        refunds += 1;
      }
      invariant(refunded.every((r, i) => r === shares[i]), 'a full refund returns each share exactly', context);
      invariant(
        (() => {
          try {
            splitRefund(split, money(1), money(already));
            return false;
          } catch (error) {
            return error instanceof RefundExceedsCapturedError;
          }
        })(),
        'nothing more can be refunded',
        context,
      );
    }
    expect(refunds).toBeGreaterThan(CASES);
  });

  it('stop a live session below its hold whenever no interval costs more than the one given', () => {
    const random = seededRandom(7);
    for (let n = 0; n < CASES; n += 1) {
      const currency = 'USD';
      const hold = Money.of(random.int(1, 20_000), currency);
      const intervalCost = Money.of(random.int(Math.ceil(hold.minor / 200), 3000), currency);
      let total = 0;
      while (!shouldStopForHold(Money.of(total, currency), hold, intervalCost)) total += random.int(0, intervalCost.minor);
      invariant(total < hold.minor, 'the check that stops the session is below the hold', { n, hold, intervalCost, total });
    }
  });

  it('measure idle time as a second-by-second replay of the connector status would', () => {
    const random = seededRandom(42);
    const base = Date.parse('2025-03-01T10:00:00Z');
    const iso = (second: number) => new Date(base + second * 1000).toISOString();
    for (let n = 0; n < 1000; n += 1) {
      const start = random.int(0, 300);
      const stop = start + random.int(0, 900);
      const changes: StatusChange[] = Array.from({ length: random.int(0, 8) }, () => ({
        state: random.pick([IDLE_STATE, IDLE_STATE, 'charging', 'suspendedByCharger', 'finishing']),
        timestamp: iso(random.int(0, 1300)),
      }));
      // The status during second s is the last notification at or before s (the later received among equals).
      const ordered = changes.map((c, i) => ({ ...c, at: Date.parse(c.timestamp), i })).sort((a, b) => a.at - b.at || a.i - b.i);
      let expected = 0;
      for (let second = start; second < stop; second += 1) {
        const current = ordered.filter((c) => c.at <= base + second * 1000).at(-1);
        if (current?.state === IDLE_STATE) expected += 1;
      }
      const usage = measureUsage({ meterStart: 0, meterStop: 0, startedAt: iso(start), stoppedAt: iso(stop) }, changes);
      invariant(usage.idleSeconds === expected, 'idle = seconds spent in suspendedByVehicle', { n, start, stop, changes, usage, expected });
      invariant(usage.idleSeconds <= usage.durationSeconds, 'idle <= duration', { n, usage });
    }
  });
});
