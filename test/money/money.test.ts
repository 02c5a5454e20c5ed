import { describe, expect, it } from 'vitest';
import {
  CurrencyMismatchError,
  DECIMAL_SCALE,
  InvalidAmountError,
  InvalidDecimalError,
  Money,
  UnknownCurrencyError,
  divideRoundHalfUp,
  formatMoney,
  formatUnitPrice,
  minorUnitDigits,
  multiplyRoundHalfUp,
  parseDecimal,
} from '../../lambdas/money/money';
import { thrown } from '../pricing/builders';

describe('Money', () => {
  it('holds an integer amount of minor units in a currency, immutably', () => {
    const price = Money.of(764, 'USD');
    expect(price.minor).toBe(764);
    expect(price.currency).toBe('USD');
    expect(Object.isFrozen(price)).toBe(true);
    expect(() => {
      (price as { minor: number }).minor = 1;
    }).toThrow(TypeError);
  });

  it.each([1.5, 0.1, Number.NaN, Infinity, Number.MAX_SAFE_INTEGER + 1, 2n ** 60n])(
    'refuses %s minor units',
    (minor) => {
      expect(() => Money.of(minor, 'USD')).toThrow(InvalidAmountError);
    },
  );

  it.each(['usd', 'XXX', '', 'US'])('refuses the unknown currency %j', (currency) => {
    expect(() => Money.of(1, currency)).toThrow(UnknownCurrencyError);
  });

  it('names the unknown currency and the ones it knows', () => {
    expect(thrown(() => Money.of(1, 'XXX'))).toMatchObject({
      name: 'UnknownCurrencyError',
      currency: 'XXX',
      message: 'unknown currency "XXX": expected one of USD, EUR, GBP, CHF, CAD, AUD, NZD, SEK, NOK, DKK, PLN, CZK, HUF, RON, JPY, KRW, ISK, KWD, BHD, OMR, JOD',
    });
    expect(thrown(() => minorUnitDigits('toString'))).toMatchObject({ name: 'UnknownCurrencyError', currency: 'toString' });
  });

  it('names the amount it refuses', () => {
    expect(thrown(() => Money.of(1.5, 'USD'))).toMatchObject({
      name: 'InvalidAmountError',
      amount: 1.5,
      message: 'amount must be a safe integer number of minor units, got 1.5',
    });
  });

  it('accepts a bigint amount and never keeps -0', () => {
    expect(Money.of(432n, 'EUR').minor).toBe(432);
    expect(Object.is(Money.of(-0, 'EUR').minor, 0)).toBe(true);
  });

  it('adds and subtracts within one currency, returning new values', () => {
    const subtotal = Money.of(702, 'USD');
    const total = subtotal.add(Money.of(62, 'USD'));
    expect(total.equals(Money.of(764, 'USD'))).toBe(true);
    expect(subtotal.minor).toBe(702);
    expect(total.subtract(Money.of(800, 'USD')).minor).toBe(-36);
    expect(total.subtract(Money.of(800, 'USD')).isNegative()).toBe(true);
    expect(Money.zero('JPY').isZero()).toBe(true);
  });

  it('refuses to mix currencies', () => {
    const usd = Money.of(100, 'USD');
    const eur = Money.of(100, 'EUR');
    expect(() => usd.add(eur)).toThrow(CurrencyMismatchError);
    expect(() => usd.subtract(eur)).toThrow(CurrencyMismatchError);
    expect(() => usd.compare(eur)).toThrow(CurrencyMismatchError);
    expect(usd.equals(eur)).toBe(false);
    expect(thrown(() => usd.assertCurrency('EUR'))).toMatchObject({
      name: 'CurrencyMismatchError',
      expected: 'EUR',
      actual: 'USD',
      message: 'currency mismatch: expected EUR, got USD',
    });
    expect(thrown(() => usd.add(eur))).toMatchObject({ expected: 'USD', actual: 'EUR' });
    expect(usd.assertCurrency('USD')).toBe(usd);
  });

  it('refuses a sum beyond the safe integer range', () => {
    const big = Money.of(Number.MAX_SAFE_INTEGER, 'USD');
    expect(() => big.add(Money.of(1, 'USD'))).toThrow(InvalidAmountError);
  });

  it('is equal only to the same amount in the same currency', () => {
    expect(Money.of(764, 'USD').equals(Money.of(764, 'USD'))).toBe(true);
    expect(Money.of(764, 'USD').equals(Money.of(765, 'USD'))).toBe(false);
    expect(Money.of(764, 'USD').equals(Money.of(764, 'EUR'))).toBe(false);
  });

  it('compares amounts', () => {
    expect(Money.of(764, 'USD').compare(Money.of(5000, 'USD'))).toBe(-1);
    expect(Money.of(5000, 'USD').compare(Money.of(764, 'USD'))).toBe(1);
    expect(Money.of(5, 'USD').compare(Money.of(5, 'USD'))).toBe(0);
  });

  it.each([
    [764, 'USD', '7.64', 'USD 7.64'],
    [5, 'EUR', '0.05', 'EUR 0.05'],
    [-5, 'EUR', '-0.05', 'EUR -0.05'],
    [0, 'GBP', '0.00', 'GBP 0.00'],
    [500, 'JPY', '500', 'JPY 500'],
    [1234, 'KWD', '1.234', 'KWD 1.234'],
  ])('%i %s is %s in major units', (minor, currency, decimal, text) => {
    const money = Money.of(minor, currency);
    expect(money.toDecimalString()).toBe(decimal);
    expect(money.toString()).toBe(text);
    expect(JSON.parse(JSON.stringify(money))).toEqual({ currency, minor });
  });

  it.each([
    ['USD', 2],
    ['EUR', 2],
    ['GBP', 2],
    ['JPY', 0],
    ['KWD', 3],
  ])('%s has %i minor-unit digits', (currency, digits) => {
    expect(minorUnitDigits(currency)).toBe(digits);
  });
});

describe('parseDecimal', () => {
  it.each([
    ['34.5', 345000n],
    ['35', 350000n],
    ['0', 0n],
    ['0.0001', 1n],
    ['8.875', 88750n],
    ['120', 1200000n],
    ['007.50', 75000n],
    ['12345678901234567890.1234', 123456789012345678901234n],
  ])('%s -> %s (scaled by 10^4)', (text, scaled) => {
    expect(parseDecimal(text)).toBe(scaled);
  });

  it.each(['', '.5', '5.', '1e3', '+1', ' 1', '1 ', '1,5', '0x10', 'NaN', 'Infinity', '1.49999', '1.2.3', '--1'])(
    'refuses %j',
    (text) => {
      expect(() => parseDecimal(text)).toThrow(InvalidDecimalError);
    },
  );

  it('accepts a sign only when allowed', () => {
    expect(() => parseDecimal('-1.5')).toThrow('negative values are not allowed');
    expect(parseDecimal('-1.5', { allowNegative: true })).toBe(-15000n);
  });

  it('names the rule a value breaks', () => {
    expect(() => parseDecimal('1.49999')).toThrow('at most 4 decimals');
  });

  // An installer reads these in the 400 of PUT /installer/sites/{siteId} ("must be a decimal string such as ...: <message>").
  it.each<[string, unknown, string]>([
    ['a comma', '1,5', 'invalid decimal "1,5": expected digits with an optional "." and decimals'],
    ['a sign', '-1.5', 'invalid decimal "-1.5": negative values are not allowed'],
    ['five decimals', '1.49999', 'invalid decimal "1.49999": at most 4 decimals are allowed'],
    ['a number', 34.5, 'invalid decimal 34.5: not a string'],
  ])('tells an installer why %s is refused', (_case, text, message) => {
    expect(thrown(() => parseDecimal(text as string))).toMatchObject({ name: 'InvalidDecimalError', text, message });
  });
});

describe('divideRoundHalfUp', () => {
  it.each([
    [1n, 2n, 1n], // 0.5
    [5n, 2n, 3n], // 2.5
    [149999n, 100000n, 1n], // 1.49999
    [15n, 10n, 2n], // 1.5
    [14n, 10n, 1n],
    [0n, 7n, 0n],
    [432075n, 1000n, 432n], // 432.075
    [-1n, 2n, -1n], // half away from zero
    [-149999n, 100000n, -1n],
    [1n, -2n, -1n],
  ])('%s / %s -> %s', (numerator, denominator, expected) => {
    expect(divideRoundHalfUp(numerator, denominator)).toBe(expected);
  });

  it('refuses a zero denominator', () => {
    expect(() => divideRoundHalfUp(1n, 0n)).toThrow(new RangeError('division by zero'));
  });
});

describe('multiplyRoundHalfUp (docs/pricing.md lines)', () => {
  it.each([
    // worked example of docs/pricing.md
    ['35', 12345, 1000, 432], // energy: 35 * 12.345 = 432.075
    ['120', 3600, 3600, 120], // time: 120 * 1 h
    ['600', 300, 3600, 50], // idle: 600 * (900 - 600) / 3600
    ['8.875', 702, 100, 62], // tax: 702 * 8.875% = 62.30
    ['10', 702, 100, 70], // platform fee: 702 * 10%
    // half cases
    ['0.5', 1, 1, 1],
    ['2.5', 1, 1, 3],
    ['1.4999', 1, 1, 1],
    ['1', 1, 2, 1], // 0.5
    ['1', 3, 2, 2], // 1.5
    ['34.5', 1, 1000, 0], // 0.0345
    ['34.5', 14493, 1000, 500], // 500.0085
    ['34.5', 14492, 1000, 500], // 499.974
    ['0', 12345, 1000, 0],
  ])('%s * %i / %i -> %i', (decimal, numerator, denominator, expected) => {
    expect(multiplyRoundHalfUp(decimal, numerator, denominator)).toBe(expected);
  });

  it('takes bigints and defaults the denominator to 1', () => {
    expect(multiplyRoundHalfUp('34.5', 2n)).toBe(69);
    expect(multiplyRoundHalfUp('0.0001', 5000n, 1n)).toBe(1); // 0.5 -> 1
  });

  it('stays exact where floating point would not', () => {
    // 1.005 * 100 is 100.49999999999999 in floating point; exactly 100.5 rounds to 101.
    expect(multiplyRoundHalfUp('1.005', 100)).toBe(101);
    expect(Math.round(1.005 * 100)).toBe(100);
  });

  it('computes an inclusive tax with divideRoundHalfUp on the scaled rate', () => {
    // total 764 including 8.875%: net = round(764 * 100 / 108.875) = round(701.72...) = 702
    const net = divideRoundHalfUp(764n * 100n * DECIMAL_SCALE, 100n * DECIMAL_SCALE + parseDecimal('8.875'));
    expect(net).toBe(702n);
    expect(764 - Number(net)).toBe(62);
  });

  it('refuses a decimal with too many places, a zero denominator and a result beyond safe integers', () => {
    expect(() => multiplyRoundHalfUp('1.49999', 1, 1)).toThrow(InvalidDecimalError);
    expect(() => multiplyRoundHalfUp('1', 1, 0)).toThrow(RangeError);
    expect(() => multiplyRoundHalfUp('1', 1.5, 1)).toThrow(RangeError);
    expect(() => multiplyRoundHalfUp('1000', Number.MAX_SAFE_INTEGER, 1)).toThrow(InvalidAmountError);
  });

  it('refuses a numerator or denominator beyond safe integers, which would already have lost digits', () => {
    expect(() => multiplyRoundHalfUp('1', 2 ** 60)).toThrow(new RangeError(`numerator must be a safe integer, got ${2 ** 60}`));
    // A huge denominator would otherwise round any amount to 0.
    expect(() => multiplyRoundHalfUp('1', 1, 2 ** 60)).toThrow(new RangeError(`denominator must be a safe integer, got ${2 ** 60}`));
  });
});

describe('formatMoney', () => {
  it.each([
    [0, 'USD', 'en', '$0.00'],
    [1, 'USD', 'en', '$0.01'],
    [5, 'USD', 'en', '$0.05'],
    [99, 'USD', 'en', '$0.99'],
    [100, 'USD', 'en', '$1.00'],
    [764, 'USD', 'en', '$7.64'],
    [123456, 'USD', 'en', '$1,234.56'],
    [-764, 'USD', 'en', '-$7.64'],
    [764, 'EUR', 'en', '€7.64'],
    [0, 'EUR', 'nl', '€ 0,00'],
    [1, 'EUR', 'nl', '€ 0,01'],
    [5, 'EUR', 'nl', '€ 0,05'],
    [99, 'EUR', 'nl', '€ 0,99'],
    [100, 'EUR', 'nl', '€ 1,00'],
    [764, 'EUR', 'nl', '€ 7,64'],
    [123456, 'EUR', 'nl', '€ 1.234,56'],
    [764, 'EUR', 'de', '7,64 €'],
    [123456, 'EUR', 'de', '1.234,56 €'],
    [764, 'USD', 'nl', 'US$ 7,64'],
    [764, 'USD', 'de', '7,64 $'],
    [764, 'GBP', 'en', '£7.64'],
    [500, 'JPY', 'en', '¥500'],
    [1234, 'KWD', 'en', 'KWD 1.234'],
    [Number.MAX_SAFE_INTEGER, 'USD', 'en', '$90,071,992,547,409.91'],
  ])('%i %s in %s is %s', (minor, currency, locale, expected) => {
    expect(formatMoney(Money.of(minor, currency), locale)).toBe(expected);
  });

  it('uses plain spaces only', () => {
    expect(formatMoney(Money.of(764, 'EUR'), 'nl')).not.toMatch(/[\u00a0\u202f]/);
  });
});

describe('formatUnitPrice', () => {
  it.each([
    ['35', 'USD', 'en', '$0.35'],
    ['34.5', 'USD', 'en', '$0.345'],
    ['0.0125', 'USD', 'en', '$0.000125'],
    ['120', 'USD', 'en', '$1.20'],
    ['0', 'USD', 'en', '$0.00'],
    ['34.5', 'EUR', 'nl', '€ 0,345'],
    ['600', 'EUR', 'de', '6,00 €'],
    ['12.5', 'JPY', 'en', '¥12.5'],
    ['40', 'JPY', 'en', '¥40'],
  ])('%s minor units of %s in %s is %s', (price, currency, locale, expected) => {
    expect(formatUnitPrice(price, currency, locale)).toBe(expected);
  });
});
