/**
 * The price of a charging session (docs/pricing.md "Lines of a receipt" and "Tax"): four lines,
 * each rounded half up once, a subtotal that is the sum of the rounded lines, and the tax.
 * Everything is bigint arithmetic on the tariff's decimal strings (lambdas/money).
 */
import type { SiteSettings } from '../sites/site-settings';
import { DECIMAL_SCALE, Money, divideRoundHalfUp, parseDecimal } from '../money/money';

/** The lines of every receipt, in this order. */
export const RECEIPT_LINE_KINDS = ['sessionFee', 'energy', 'time', 'idle'] as const;
export type ReceiptLineKind = (typeof RECEIPT_LINE_KINDS)[number];

export interface ReceiptLine {
  readonly kind: ReceiptLineKind;
  /**
   * The tariff's price, a decimal string in minor units: the fee itself for `sessionFee`, per
   * kWh for `energy`, per hour for `time` and `idle`.
   */
  readonly unitPrice: string;
  /** What is priced: 1 session, Wh of energy, seconds of time, billable seconds of idle. */
  readonly quantity: number;
  /** How many of `quantity` the unit price is for: 1, 1000 (Wh in a kWh) or 3600 (s in an hour). */
  readonly per: number;
  /**
   * `unitPrice * quantity / per` in minor units before rounding, exactly, for auditors:
   * "432.075". A value that does not terminate has its repeating digits in parentheses:
   * 120 per hour for 1000 s is "33.(3)".
   */
  readonly exact: string;
  /** `exact` rounded half up to whole minor units. */
  readonly amount: Money;
}

/** The measured usage a receipt was priced from (see usage.ts). */
export interface MeteredUsage {
  readonly energyWh: number;
  readonly durationSeconds: number;
  readonly idleSeconds: number;
}

export interface PricedUsage extends MeteredUsage {
  /** The site's idle grace period at the time of pricing. */
  readonly idleGraceMinutes: number;
  /** `max(0, idleSeconds - idleGraceMinutes * 60)`. */
  readonly billableIdleSeconds: number;
}

export interface Receipt {
  readonly currency: string;
  readonly usage: PricedUsage;
  /** One line of each of `RECEIPT_LINE_KINDS`, in that order, zero amounts included. */
  readonly lines: readonly ReceiptLine[];
  /** The sum of the rounded lines. */
  readonly subtotal: Money;
  readonly taxRatePercent: string;
  /** Whether the tariff prices already contain the tax (then `total` = `subtotal`). */
  readonly taxInclusive: boolean;
  readonly tax: Money;
  readonly total: Money;
}

/** The parts of a site's settings that price a session. */
export type PricingSite = Pick<SiteSettings, 'currency' | 'tariff' | 'tax'>;

export class InvalidUsageError extends Error {
  constructor(
    readonly field: string,
    readonly value: unknown,
  ) {
    super(`${field} must be a non-negative integer, got ${String(value)}`);
    this.name = 'InvalidUsageError';
  }
}

export class InvalidTariffError extends Error {
  constructor(
    readonly field: string,
    readonly value: unknown,
  ) {
    super(`tariff.${field} must be a non-negative integer, got ${String(value)}`);
    this.name = 'InvalidTariffError';
  }
}

function usageQuantity(usage: MeteredUsage, field: keyof MeteredUsage): number {
  const value = usage[field];
  if (!Number.isSafeInteger(value) || value < 0) throw new InvalidUsageError(field, value);
  return value;
}

/**
 * `numerator / denominator` (both non-negative) as an exact decimal string, the repeating
 * digits of a non-terminating value in parentheses. Receipt lines divide by at most
 * 3600 * 10^4, whose only factor other than 2 and 5 is 9, so a repetend is one digit long.
 */
function exactDecimal(numerator: bigint, denominator: bigint): string {
  const whole = numerator / denominator;
  let remainder = numerator % denominator;
  const digits: string[] = [];
  const positionOf = new Map<bigint, number>();
  while (remainder !== 0n && !positionOf.has(remainder)) {
    positionOf.set(remainder, digits.length);
    remainder *= 10n;
    digits.push((remainder / denominator).toString());
    remainder %= denominator;
  }
  if (digits.length === 0) return whole.toString();
  const repeatsFrom = remainder === 0n ? undefined : positionOf.get(remainder);
  if (repeatsFrom === undefined) return `${whole}.${digits.join('')}`;
  return `${whole}.${digits.slice(0, repeatsFrom).join('')}(${digits.slice(repeatsFrom).join('')})`;
}

function line(kind: ReceiptLineKind, unitPrice: string, quantity: number, per: number, currency: string): ReceiptLine {
  const numerator = parseDecimal(unitPrice) * BigInt(quantity);
  const denominator = BigInt(per) * DECIMAL_SCALE;
  return {
    kind,
    unitPrice,
    quantity,
    per,
    exact: exactDecimal(numerator, denominator),
    amount: Money.of(divideRoundHalfUp(numerator, denominator), currency),
  };
}

/** Exclusive tax: `round(subtotal * ratePercent / 100)`. */
export function exclusiveTax(subtotal: Money, ratePercent: string): Money {
  const tax = divideRoundHalfUp(BigInt(subtotal.minor) * parseDecimal(ratePercent), 100n * DECIMAL_SCALE);
  return Money.of(tax, subtotal.currency);
}

/**
 * The tax contained in a tax-inclusive amount: `total - round(total * 100 / (100 + ratePercent))`.
 * Also the tax of a capped capture (docs/pricing.md "Revenue split").
 */
export function inclusiveTax(total: Money, ratePercent: string): Money {
  const net = divideRoundHalfUp(
    BigInt(total.minor) * 100n * DECIMAL_SCALE,
    100n * DECIMAL_SCALE + parseDecimal(ratePercent),
  );
  return Money.of(BigInt(total.minor) - net, total.currency);
}

/** The receipt of a session at a site: docs/pricing.md's lines, subtotal, tax and total. */
export function priceSession(site: PricingSite, usage: MeteredUsage): Receipt {
  const { currency, tariff, tax } = site;
  const energyWh = usageQuantity(usage, 'energyWh');
  const durationSeconds = usageQuantity(usage, 'durationSeconds');
  const idleSeconds = usageQuantity(usage, 'idleSeconds');
  const { idleGraceMinutes } = tariff;
  if (!Number.isSafeInteger(idleGraceMinutes) || idleGraceMinutes < 0) {
    throw new InvalidTariffError('idleGraceMinutes', idleGraceMinutes);
  }
  const billableIdleSeconds = Math.max(0, idleSeconds - idleGraceMinutes * 60);

  const lines = [
    line('sessionFee', String(Money.of(tariff.sessionFee, currency).minor), 1, 1, currency),
    line('energy', tariff.energyPerKwh, energyWh, 1000, currency),
    line('time', tariff.timePerHour, durationSeconds, 3600, currency),
    line('idle', tariff.idlePerHour, billableIdleSeconds, 3600, currency),
  ];
  const subtotal = lines.reduce((sum, { amount }) => sum.add(amount), Money.zero(currency));
  const taxAmount = tax.inclusive ? inclusiveTax(subtotal, tax.ratePercent) : exclusiveTax(subtotal, tax.ratePercent);

  return {
    currency,
    usage: { energyWh, durationSeconds, idleSeconds, idleGraceMinutes, billableIdleSeconds },
    lines,
    subtotal,
    taxRatePercent: tax.ratePercent,
    taxInclusive: tax.inclusive,
    tax: taxAmount,
    total: tax.inclusive ? subtotal : subtotal.add(taxAmount),
  };
}
