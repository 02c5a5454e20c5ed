/**
 * The one money type of the project, and the exact decimal arithmetic of docs/pricing.md.
 *
 * Amounts are integers in the currency's minor units (what Payter takes). Unit prices are
 * decimal strings in minor units with at most 4 decimals; they are parsed into bigints scaled
 * by 10^4, so no floating point ever touches money. Rounding is half up (half away from zero
 * for the negative amounts of a refund or a difference).
 */

/** ISO 4217 minor-unit exponents of the currencies we accept; anything else is refused. */
export const CURRENCY_MINOR_DIGITS: Readonly<Record<string, number>> = Object.freeze({
  USD: 2,
  EUR: 2,
  GBP: 2,
  CHF: 2,
  CAD: 2,
  AUD: 2,
  NZD: 2,
  SEK: 2,
  NOK: 2,
  DKK: 2,
  PLN: 2,
  CZK: 2,
  HUF: 2,
  RON: 2,
  JPY: 0,
  KRW: 0,
  ISK: 0,
  KWD: 3,
  BHD: 3,
  OMR: 3,
  JOD: 3,
});

/** Decimal places a tariff's decimal string may carry (docs/pricing.md: "at most 4 decimals"). */
export const DECIMAL_PLACES = 4;
/** `parseDecimal` returns the value times this factor. */
export const DECIMAL_SCALE = 10n ** BigInt(DECIMAL_PLACES);

export class UnknownCurrencyError extends Error {
  constructor(readonly currency: string) {
    super(`unknown currency "${currency}": expected one of ${Object.keys(CURRENCY_MINOR_DIGITS).join(', ')}`);
    this.name = 'UnknownCurrencyError';
  }
}

export class CurrencyMismatchError extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`currency mismatch: expected ${expected}, got ${actual}`);
    this.name = 'CurrencyMismatchError';
  }
}

/** An amount that is not a safe integer number of minor units. */
export class InvalidAmountError extends Error {
  constructor(readonly amount: unknown) {
    super(`amount must be a safe integer number of minor units, got ${String(amount)}`);
    this.name = 'InvalidAmountError';
  }
}

export class InvalidDecimalError extends Error {
  constructor(
    readonly text: unknown,
    reason: string,
  ) {
    super(`invalid decimal ${JSON.stringify(text)}: ${reason}`);
    this.name = 'InvalidDecimalError';
  }
}

/** Minor-unit exponent of a currency (2 for USD, 0 for JPY, 3 for KWD); throws for unknown codes. */
export function minorUnitDigits(currency: string): number {
  const digits = Object.hasOwn(CURRENCY_MINOR_DIGITS, currency) ? CURRENCY_MINOR_DIGITS[currency] : undefined;
  if (digits === undefined) throw new UnknownCurrencyError(currency);
  return digits;
}

export function isKnownCurrency(currency: string): boolean {
  return Object.hasOwn(CURRENCY_MINOR_DIGITS, currency);
}

function toSafeInteger(value: number | bigint): number {
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (!Number.isSafeInteger(n)) throw new InvalidAmountError(value);
  return n === 0 ? 0 : n; // no -0
}

function toBigInt(value: number | bigint, what: string): bigint {
  if (typeof value === 'bigint') return value;
  if (!Number.isSafeInteger(value)) throw new RangeError(`${what} must be a safe integer, got ${value}`);
  return BigInt(value);
}

/** `value / 10^places` as a plain decimal string: (764n, 2) -> "7.64", (-5n, 2) -> "-0.05". */
function scaledToDecimalString(value: bigint, places: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(places + 1, '0');
  const whole = digits.slice(0, digits.length - places);
  const fraction = places > 0 ? `.${digits.slice(digits.length - places)}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/** An immutable amount of one currency, in integer minor units. */
export class Money {
  private constructor(
    readonly minor: number,
    readonly currency: string,
  ) {
    Object.freeze(this);
  }

  /** Throws `InvalidAmountError` for a non-integer or unsafe amount, `UnknownCurrencyError` for an unknown currency. */
  static of(minor: number | bigint, currency: string): Money {
    minorUnitDigits(currency);
    return new Money(toSafeInteger(minor), currency);
  }

  static zero(currency: string): Money {
    return Money.of(0, currency);
  }

  add(other: Money): Money {
    this.assertSameCurrency(other);
    return Money.of(this.minor + other.minor, this.currency);
  }

  subtract(other: Money): Money {
    this.assertSameCurrency(other);
    return Money.of(this.minor - other.minor, this.currency);
  }

  equals(other: Money): boolean {
    return this.currency === other.currency && this.minor === other.minor;
  }

  /** -1, 0 or 1; throws `CurrencyMismatchError` across currencies. */
  compare(other: Money): -1 | 0 | 1 {
    this.assertSameCurrency(other);
    return this.minor < other.minor ? -1 : this.minor > other.minor ? 1 : 0;
  }

  isZero(): boolean {
    return this.minor === 0;
  }

  isNegative(): boolean {
    return this.minor < 0;
  }

  /** The amount in major units as an exact decimal string: 764 USD -> "7.64", 500 JPY -> "500". */
  toDecimalString(): string {
    return scaledToDecimalString(BigInt(this.minor), minorUnitDigits(this.currency));
  }

  /** Throws `CurrencyMismatchError` unless this amount is in `currency`. */
  assertCurrency(currency: string): this {
    if (this.currency !== currency) throw new CurrencyMismatchError(currency, this.currency);
    return this;
  }

  toJSON(): { currency: string; minor: number } {
    return { currency: this.currency, minor: this.minor };
  }

  toString(): string {
    return `${this.currency} ${this.toDecimalString()}`;
  }

  private assertSameCurrency(other: Money): void {
    if (other.currency !== this.currency) throw new CurrencyMismatchError(this.currency, other.currency);
  }
}

const DECIMAL_PATTERN = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * Parses a plain decimal string ("34.5", "0.0125", "120") into a bigint scaled by
 * `DECIMAL_SCALE` (10^4): "34.5" -> 345000n. At most 4 decimals, no exponent, no "+", no
 * surrounding spaces, no bare "." ends; a leading "-" only with `allowNegative`.
 */
export function parseDecimal(text: string, options: { allowNegative?: boolean } = {}): bigint {
  if (typeof text !== 'string') throw new InvalidDecimalError(text, 'not a string');
  const match = DECIMAL_PATTERN.exec(text);
  if (!match) throw new InvalidDecimalError(text, 'expected digits with an optional "." and decimals');
  const [, sign = '', whole = '', fraction = ''] = match;
  if (sign === '-' && !options.allowNegative) throw new InvalidDecimalError(text, 'negative values are not allowed');
  if (fraction.length > DECIMAL_PLACES) {
    throw new InvalidDecimalError(text, `at most ${DECIMAL_PLACES} decimals are allowed`);
  }
  const magnitude = BigInt(whole) * DECIMAL_SCALE + BigInt(fraction.padEnd(DECIMAL_PLACES, '0'));
  return sign === '-' ? -magnitude : magnitude;
}

/** `numerator / denominator` rounded half up (half away from zero for negative results). */
export function divideRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new RangeError('division by zero');
  if (denominator < 0n) {
    numerator = -numerator;
    denominator = -denominator;
  }
  const negative = numerator < 0n;
  const magnitude = negative ? -numerator : numerator;
  // floor(m/d + 1/2) == floor((2m + d) / 2d)
  const rounded = (2n * magnitude + denominator) / (2n * denominator);
  return negative ? -rounded : rounded;
}

/**
 * `decimal * numerator / denominator`, rounded half up to an integer number of minor units,
 * in bigint arithmetic. docs/pricing.md's lines: energy `multiplyRoundHalfUp(energyPerKwh, energyWh, 1000)`,
 * time `multiplyRoundHalfUp(timePerHour, durationSeconds, 3600)`, exclusive tax
 * `multiplyRoundHalfUp(ratePercent, subtotal, 100)`. Throws if the result is not a safe integer.
 */
export function multiplyRoundHalfUp(
  decimal: string,
  numerator: bigint | number,
  denominator: bigint | number = 1n,
): number {
  const scaled = parseDecimal(decimal) * toBigInt(numerator, 'numerator');
  return toSafeInteger(divideRoundHalfUp(scaled, toBigInt(denominator, 'denominator') * DECIMAL_SCALE));
}

// Intl.NumberFormat is slow to construct and called on every charging-screen refresh.
const formatters = new Map<string, Intl.NumberFormat>();

function currencyFormatter(locale: string, currency: string, minFraction: number, maxFraction: number): Intl.NumberFormat {
  const key = `${locale}|${currency}|${minFraction}|${maxFraction}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      minimumFractionDigits: minFraction,
      maximumFractionDigits: maxFraction,
    });
    formatters.set(key, formatter);
  }
  return formatter;
}

/**
 * ICU separates symbol and amount with U+00A0 or U+202F depending on the ICU version (Node 20
 * locally, Node 22 on Lambda); a plain space renders on every reader and compares stably.
 */
export function normalizeSpaces(text: string): string {
  return text.replace(/[\u00a0\u202f]/g, ' ');
}

/**
 * Formats an amount for a driver: en "$7.64" / "€7.64", nl "€ 7,64", de "7,64 €", JPY "¥500".
 * Intl is handed the exact decimal string, never a float.
 */
export function formatMoney(money: Money, locale: string): string {
  const digits = minorUnitDigits(money.currency);
  return normalizeSpaces(
    currencyFormatter(locale, money.currency, digits, digits).format(money.toDecimalString() as `${number}`),
  );
}

/**
 * Formats a tariff's unit price, a decimal string in minor units ("34.5" cents), in major
 * units with as many decimals as it needs: USD "35" -> "$0.35", "34.5" -> "$0.345".
 */
export function formatUnitPrice(pricePerUnitMinor: string, currency: string, locale: string): string {
  const digits = minorUnitDigits(currency);
  const major = scaledToDecimalString(parseDecimal(pricePerUnitMinor), digits + DECIMAL_PLACES);
  return normalizeSpaces(
    currencyFormatter(locale, currency, digits, digits + DECIMAL_PLACES).format(major as `${number}`),
  );
}
