import { describe, expect, it } from 'vitest';
import type { SiteSettings } from '../../lambdas/sites/site-settings';
import { InvalidDecimalError, Money, UnknownCurrencyError } from '../../lambdas/money/money';
import {
  InvalidTariffError,
  InvalidUsageError,
  RECEIPT_LINE_KINDS,
  exclusiveTax,
  inclusiveTax,
  priceSession,
  type MeteredUsage,
  type Receipt,
} from '../../lambdas/pricing/price';
import { FREE_TARIFF, aSite, thrown, usd } from './builders';

const WORKED_USAGE: MeteredUsage = { energyWh: 12345, durationSeconds: 3600, idleSeconds: 900 };
const NO_USAGE: MeteredUsage = { energyWh: 0, durationSeconds: 0, idleSeconds: 0 };

const amounts = (receipt: Receipt) => receipt.lines.map((line) => line.amount.minor);
const lineOf = (receipt: Receipt, kind: (typeof RECEIPT_LINE_KINDS)[number]) => {
  const line = receipt.lines.find((l) => l.kind === kind);
  if (!line) throw new Error(`no ${kind} line`);
  return line;
};

describe('priceSession', () => {
  it("prices docs/pricing.md's worked example to the cent", () => {
    const receipt = priceSession(aSite(), WORKED_USAGE);
    expect(receipt.lines.map((l) => l.kind)).toEqual(RECEIPT_LINE_KINDS);
    expect(amounts(receipt)).toEqual([100, 432, 120, 50]);
    expect(receipt.lines.map((l) => l.exact)).toEqual(['100', '432.075', '120', '50']);
    expect(receipt.usage).toEqual({ ...WORKED_USAGE, idleGraceMinutes: 10, billableIdleSeconds: 300 });
    expect(receipt.subtotal.equals(usd(702))).toBe(true);
    expect(receipt.tax.equals(usd(62))).toBe(true);
    expect(receipt.total.equals(usd(764))).toBe(true);
    expect(receipt).toMatchObject({ currency: 'USD', taxRatePercent: '8.875', taxInclusive: false });
  });

  it('keeps what each line priced, so an auditor can recompute it', () => {
    const receipt = priceSession(aSite(), WORKED_USAGE);
    expect(receipt.lines.map(({ unitPrice, quantity, per }) => [unitPrice, quantity, per])).toEqual([
      ['100', 1, 1],
      ['35', 12345, 1000],
      ['120', 3600, 3600],
      ['600', 300, 3600],
    ]);
  });

  const tariffOf121 = { ...FREE_TARIFF, sessionFee: 100, energyPerKwh: '35' }; // 100 + 35 * 0.6
  it.each<[string, Partial<SiteSettings['tariff']>, { ratePercent: string; inclusive: boolean }, MeteredUsage, number[]]>([
    // [case, tariff, tax, usage, [subtotal, tax, total]]
    ['exclusive 8.875% (worked example)', {}, { ratePercent: '8.875', inclusive: false }, WORKED_USAGE, [702, 62, 764]],
    ['inclusive 8.875%: 702 - round(644.776)', {}, { ratePercent: '8.875', inclusive: true }, WORKED_USAGE, [702, 57, 702]],
    ['exclusive 0%', {}, { ratePercent: '0', inclusive: false }, WORKED_USAGE, [702, 0, 702]],
    ['inclusive 0%', {}, { ratePercent: '0', inclusive: true }, WORKED_USAGE, [702, 0, 702]],
    ['inclusive 21%: 121 contains exactly 21', tariffOf121, { ratePercent: '21', inclusive: true }, { ...NO_USAGE, energyWh: 600 }, [121, 21, 121]],
    ['exclusive 21% on the same 121', tariffOf121, { ratePercent: '21', inclusive: false }, { ...NO_USAGE, energyWh: 600 }, [121, 25, 146]],
    ['inclusive 100%: the net 1.5 rounds up to 2', { ...FREE_TARIFF, sessionFee: 3 }, { ratePercent: '100', inclusive: true }, NO_USAGE, [3, 1, 3]],
  ])('tax %s', (_case, tariff, tax, usage, expected) => {
    const receipt = priceSession(aSite({ tax, tariff }), usage);
    expect([receipt.subtotal.minor, receipt.tax.minor, receipt.total.minor]).toEqual(expected);
    expect(receipt.taxInclusive).toBe(tax.inclusive);
  });

  it('prices a site with every tariff field 0 at 0, whatever was used', () => {
    const receipt = priceSession(aSite({ tariff: FREE_TARIFF }), { energyWh: 50000, durationSeconds: 7200, idleSeconds: 3600 });
    expect(amounts(receipt)).toEqual([0, 0, 0, 0]);
    expect(receipt.lines.map((l) => l.exact)).toEqual(['0', '0', '0', '0']);
    expect([receipt.subtotal.minor, receipt.tax.minor, receipt.total.minor]).toEqual([0, 0, 0]);
    expect(receipt.usage.billableIdleSeconds).toBe(3600);
  });

  it('prices no usage at the session fee only', () => {
    const receipt = priceSession(aSite(), NO_USAGE);
    expect(amounts(receipt)).toEqual([100, 0, 0, 0]);
    expect(receipt.total.minor).toBe(109); // 8.875 -> 9
  });

  it.each<[string, Record<string, string | number>, MeteredUsage, number[], string]>([
    // energy: price * Wh / 1000
    ['energy exactly x.5 rounds up', { energyPerKwh: '35' }, { energyWh: 100, durationSeconds: 0, idleSeconds: 0 }, [0, 4, 0, 0], '3.5'],
    ['energy 10.5 rounds up', { energyPerKwh: '35' }, { energyWh: 300, durationSeconds: 0, idleSeconds: 0 }, [0, 11, 0, 0], '10.5'],
    ['energy just under .5 rounds down', { energyPerKwh: '34.9999' }, { energyWh: 100, durationSeconds: 0, idleSeconds: 0 }, [0, 3, 0, 0], '3.49999'],
    ['energy at the smallest price, 0.5', { energyPerKwh: '0.0001' }, { energyWh: 5_000_000, durationSeconds: 0, idleSeconds: 0 }, [0, 1, 0, 0], '0.5'],
    ['energy sub-cent', { energyPerKwh: '34.5' }, { energyWh: 1, durationSeconds: 0, idleSeconds: 0 }, [0, 0, 0, 0], '0.0345'],
    // time: price * s / 3600
    ['time exactly 0.5 rounds up', { timePerHour: '120' }, { energyWh: 0, durationSeconds: 15, idleSeconds: 0 }, [0, 0, 1, 0], '0.5'],
    ['time 14 s at 120/h rounds down', { timePerHour: '120' }, { energyWh: 0, durationSeconds: 14, idleSeconds: 0 }, [0, 0, 0, 0], '0.4(6)'],
    ['time 1000 s at 120/h', { timePerHour: '120' }, { energyWh: 0, durationSeconds: 1000, idleSeconds: 0 }, [0, 0, 33, 0], '33.(3)'],
    ['time 1 s at 1/h', { timePerHour: '1' }, { energyWh: 0, durationSeconds: 1, idleSeconds: 0 }, [0, 0, 0, 0], '0.0002(7)'],
    ['time 1799 s at 1/h just under .5', { timePerHour: '1' }, { energyWh: 0, durationSeconds: 1799, idleSeconds: 0 }, [0, 0, 0, 0], '0.4997(2)'],
    // idle: price * max(0, idle - grace) / 3600, grace 10 min
    ['idle inside the grace is free', { idlePerHour: '600' }, { energyWh: 0, durationSeconds: 600, idleSeconds: 600 }, [0, 0, 0, 0], '0'],
    ['idle 15 s over the grace at 120/h: 0.5 up', { idlePerHour: '120' }, { energyWh: 0, durationSeconds: 615, idleSeconds: 615 }, [0, 0, 0, 1], '0.5'],
    ['idle 14 s over the grace at 120/h: down', { idlePerHour: '120' }, { energyWh: 0, durationSeconds: 614, idleSeconds: 614 }, [0, 0, 0, 0], '0.4(6)'],
  ])('rounds each line half up once: %s', (_case, tariff, usage, expected, exactOfThatLine) => {
    const receipt = priceSession(aSite({ tariff: { ...FREE_TARIFF, idleGraceMinutes: 10, ...tariff } }), usage);
    expect(amounts(receipt)).toEqual(expected);
    const priced = receipt.lines.find((l) => l.unitPrice !== '0' && l.kind !== 'sessionFee');
    expect(priced?.exact).toBe(exactOfThatLine);
    expect(receipt.subtotal.minor).toBe(expected.reduce((a, b) => a + b, 0));
  });

  it('sums the rounded lines, not the exact ones: three lines of 0.5 make 3, not 2', () => {
    const receipt = priceSession(
      aSite({ tariff: { sessionFee: 0, energyPerKwh: '5', timePerHour: '120', idlePerHour: '120', idleGraceMinutes: 0 }, tax: { ratePercent: '0' } }),
      { energyWh: 100, durationSeconds: 15, idleSeconds: 15 },
    );
    expect(receipt.lines.map((l) => l.exact)).toEqual(['0', '0.5', '0.5', '0.5']);
    expect(receipt.subtotal.minor).toBe(3);
  });

  it('applies the idle grace period to the idle line only', () => {
    const receipt = priceSession(aSite({ tariff: { idleGraceMinutes: 0 } }), WORKED_USAGE);
    expect(lineOf(receipt, 'idle').amount.minor).toBe(150); // 600 * 900 / 3600
    expect(lineOf(receipt, 'time').amount.minor).toBe(120);
  });

  it('prices in the currency of the site, JPY in whole yen', () => {
    const receipt = priceSession(aSite({ currency: 'JPY', tariff: { sessionFee: 200, energyPerKwh: '55.5' }, tax: { ratePercent: '10' } }), WORKED_USAGE);
    expect(receipt.currency).toBe('JPY');
    expect(lineOf(receipt, 'energy').amount.equals(Money.of(685, 'JPY'))).toBe(true); // 685.1475
    expect(receipt.total.currency).toBe('JPY');
  });

  it.each<[string, MeteredUsage]>([
    ['negative energy', { ...WORKED_USAGE, energyWh: -1 }],
    ['fractional seconds', { ...WORKED_USAGE, durationSeconds: 1.5 }],
    ['NaN idle', { ...WORKED_USAGE, idleSeconds: Number.NaN }],
  ])('refuses usage with %s', (_case, usage) => {
    expect(() => priceSession(aSite(), usage)).toThrow(InvalidUsageError);
  });

  it.each<[string, () => unknown, object]>([
    ['negative energy', () => priceSession(aSite(), { ...WORKED_USAGE, energyWh: -1 }), { name: 'InvalidUsageError', field: 'energyWh', message: 'energyWh must be a non-negative integer, got -1' }],
    ['fractional seconds', () => priceSession(aSite(), { ...WORKED_USAGE, durationSeconds: 1.5 }), { name: 'InvalidUsageError', field: 'durationSeconds', message: 'durationSeconds must be a non-negative integer, got 1.5' }],
    ['NaN idle', () => priceSession(aSite(), { ...WORKED_USAGE, idleSeconds: Number.NaN }), { name: 'InvalidUsageError', field: 'idleSeconds', message: 'idleSeconds must be a non-negative integer, got NaN' }],
    ['a negative grace', () => priceSession({ ...aSite(), tariff: { ...aSite().tariff, idleGraceMinutes: -1 } }, WORKED_USAGE), { name: 'InvalidTariffError', field: 'idleGraceMinutes', message: 'tariff.idleGraceMinutes must be a non-negative integer, got -1' }],
    ['a fractional grace', () => priceSession({ ...aSite(), tariff: { ...aSite().tariff, idleGraceMinutes: 1.5 } }, WORKED_USAGE), { name: 'InvalidTariffError', field: 'idleGraceMinutes', message: 'tariff.idleGraceMinutes must be a non-negative integer, got 1.5' }],
  ])('names the value it refuses: %s', (_case, call, error) => {
    expect(thrown(call)).toMatchObject(error);
  });

  it('refuses a tariff the site schema would have refused', () => {
    const site = aSite();
    expect(() => priceSession({ ...site, currency: 'XXX' }, WORKED_USAGE)).toThrow(UnknownCurrencyError);
    expect(() => priceSession({ ...site, tariff: { ...site.tariff, energyPerKwh: '0.00001' } }, WORKED_USAGE)).toThrow(InvalidDecimalError);
    expect(() => priceSession({ ...site, tariff: { ...site.tariff, idleGraceMinutes: 1.5 } }, WORKED_USAGE)).toThrow(InvalidTariffError);
  });
});

describe('tax', () => {
  it.each([
    [702, '8.875', 62], // 62.30
    [5, '10', 1], // 0.5 up
    [4, '10', 0], // 0.4
    [40, '8.875', 4], // 3.55
    [0, '21', 0],
  ])('exclusive: %i at %s%% -> %i', (subtotal, rate, tax) => {
    expect(exclusiveTax(usd(subtotal), rate).minor).toBe(tax);
  });

  it.each([
    [764, '8.875', 62], // 764 - round(701.72)
    [702, '8.875', 57], // 702 - round(644.78)
    [121, '21', 21],
    [3, '100', 1], // 3 - round(1.5)
    [1, '8.875', 0],
    [0, '21', 0],
  ])('inclusive: %i at %s%% contains %i', (total, rate, tax) => {
    expect(inclusiveTax(usd(total), rate).minor).toBe(tax);
  });
});
