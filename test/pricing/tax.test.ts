/**
 * The tax rule of docs/pricing.md ("Tax"), case by case. Every expected figure is worked by hand
 * from that page, not from the code:
 * - exclusive: `tax = round(subtotal * ratePercent / 100)`, `total = subtotal + tax`;
 * - inclusive: `total = subtotal`, `tax = total - round(total * 100 / (100 + ratePercent))`;
 * rounding half up, once, so a net of exactly x.5 goes up (and the tax it leaves goes down).
 */
import { describe, expect, it } from 'vitest';
import { capture, splitRevenue } from '../../lambdas/pricing/capture';
import { exclusiveTax, inclusiveTax, priceSession, type MeteredUsage } from '../../lambdas/pricing/price';
import { FREE_TARIFF, aSite, usd } from './builders';

const NO_USAGE: MeteredUsage = { energyWh: 0, durationSeconds: 0, idleSeconds: 0 };

/** A site whose only price is a session fee of `subtotal`, so the receipt's subtotal is exactly that. */
const aSiteCharging = (subtotal: number, ratePercent: string, inclusive: boolean) =>
  aSite({ tariff: { ...FREE_TARIFF, sessionFee: subtotal }, tax: { ratePercent, inclusive } });

describe('inclusive tax: the prices contain it', () => {
  it.each<[string, number, string, number]>([
    // [case, total, rate, tax]
    ['20% on 120: net 100 exactly', 120, '20', 20],
    ['20% on 3: net 2.5 rounds up to 3, so it contains no tax', 3, '20', 0],
    ['20% on 9: net 7.5 -> 8', 9, '20', 1],
    ['20% on 15: net 12.5 -> 13', 15, '20', 2],
    ['20% on 4: net 3.33 -> 3', 4, '20', 1],
    ['20% on 2: net 1.67 -> 2', 2, '20', 0],
    ['60% on 4: net 2.5 -> 3', 4, '60', 1],
    ['60% on 12: net 7.5 -> 8', 12, '60', 4],
    ['60% on 7: net 4.375 -> 4', 7, '60', 3],
    ['100% on 1: net 0.5 -> 1', 1, '100', 0],
    ['100% on 5: net 2.5 -> 3', 5, '100', 2],
    ['100% on 4: net 2 exactly, half of it tax', 4, '100', 2],
    ['8.875% on 764: net 701.72 -> 702', 764, '8.875', 62],
    ['8.875% on 702: net 644.78 -> 645', 702, '8.875', 57],
    ['8.875% on 109: net 100.11 -> 100', 109, '8.875', 9],
    ['8.875% on 12: net 11.02 -> 11', 12, '8.875', 1],
    ['8.875% on 1: net 0.92 -> 1', 1, '8.875', 0],
    ['21% on 121: net 100 exactly', 121, '21', 21],
    ['19% on 119: net 100 exactly', 119, '19', 19],
    ['the smallest rate, 0.0001% on 500000: net 499999.5000005 -> 500000', 500_000, '0.0001', 0],
    ['the smallest rate, 0.0001% on 1000000: net 999999.000001 -> 999999', 1_000_000, '0.0001', 1],
    ['0% contains nothing', 702, '0', 0],
    ['nothing to pay at 21%', 0, '21', 0],
  ])('%s: tax %i', (_case, total, rate, tax) => {
    expect(inclusiveTax(usd(total), rate).minor).toBe(tax);

    const receipt = priceSession(aSiteCharging(total, rate, true), NO_USAGE);
    expect([receipt.subtotal.minor, receipt.tax.minor, receipt.total.minor]).toEqual([total, tax, total]);
    expect(receipt.taxInclusive).toBe(true);
    expect(receipt.taxRatePercent).toBe(rate);
  });
});

describe('exclusive tax: added on top', () => {
  it.each<[string, number, string, number]>([
    // [case, subtotal, rate, tax]
    ['20% on 3: 0.6 -> 1', 3, '20', 1],
    ['20% on 2: 0.4 -> 0', 2, '20', 0],
    ['12.5% on 4: 0.5 -> 1', 4, '12.5', 1],
    ['12.5% on 12: 1.5 -> 2', 12, '12.5', 2],
    ['12.5% on 11: 1.375 -> 1', 11, '12.5', 1],
    ['8.875% on 702: 62.30 -> 62', 702, '8.875', 62],
    ['8.875% on 40: 3.55 -> 4', 40, '8.875', 4],
    ['100% doubles', 7, '100', 7],
    ['the smallest rate, 0.0001% on 500000: 0.5 -> 1', 500_000, '0.0001', 1],
    ['the smallest rate, 0.0001% on 499999: 0.499999 -> 0', 499_999, '0.0001', 0],
    ['0% adds nothing', 702, '0', 0],
    ['nothing to pay at 21%', 0, '21', 0],
  ])('%s: tax %i', (_case, subtotal, rate, tax) => {
    expect(exclusiveTax(usd(subtotal), rate).minor).toBe(tax);

    const receipt = priceSession(aSiteCharging(subtotal, rate, false), NO_USAGE);
    expect([receipt.subtotal.minor, receipt.tax.minor, receipt.total.minor]).toEqual([subtotal, tax, subtotal + tax]);
    expect(receipt.taxInclusive).toBe(false);
  });
});

describe('tax on the rounded lines of a real session', () => {
  // Tariff: fee 100, 35/kWh, 120/h, 600/h idle after 10 min; each case prices one session.
  it.each<[string, MeteredUsage, string, boolean, [number, number, number, number], [number, number, number]]>([
    // [case, usage, rate, inclusive, lines, [subtotal, tax, total]]
    // No energy: the fee and 1 h of time, 220; 20% inclusive: net 183.33 -> 183.
    ['no energy, inclusive 20%', { energyWh: 0, durationSeconds: 3600, idleSeconds: 0 }, '20', true, [100, 0, 120, 0], [220, 37, 220]],
    // 220 * 20% = 44.
    ['no energy, exclusive 20%', { energyWh: 0, durationSeconds: 3600, idleSeconds: 0 }, '20', false, [100, 0, 120, 0], [220, 44, 264]],
    // Idle exactly at the 10 min grace: no idle line. 120 * 600 / 3600 = 20; 120 + 4 (100 Wh: 3.5 -> 4).
    ['idle exactly at the grace', { energyWh: 100, durationSeconds: 600, idleSeconds: 600 }, '8.875', true, [100, 4, 20, 0], [124, 10, 124]],
    // 3 s over the grace at 600/h: 0.5 -> 1. 125 / 1.08875 = 114.81 -> 115.
    ['idle 3 s over the grace: half a cent, up', { energyWh: 100, durationSeconds: 603, idleSeconds: 603 }, '8.875', true, [100, 4, 20, 1], [125, 10, 125]],
    // 2 s over: 0.33 -> 0. Time 120 * 602 / 3600 = 20.07 -> 20.
    ['idle 2 s over the grace: a third of a cent, down', { energyWh: 100, durationSeconds: 602, idleSeconds: 602 }, '8.875', true, [100, 4, 20, 0], [124, 10, 124]],
    // 125 * 8.875% = 11.09 -> 11.
    ['idle 3 s over the grace, exclusive', { energyWh: 100, durationSeconds: 603, idleSeconds: 603 }, '8.875', false, [100, 4, 20, 1], [125, 11, 136]],
    // The worked example at 100% inclusive: 702 / 2 = 351 exactly.
    ['the worked example, inclusive 100%', { energyWh: 12345, durationSeconds: 3600, idleSeconds: 900 }, '100', true, [100, 432, 120, 50], [702, 351, 702]],
    // Zero tax on the worked example, both modes.
    ['the worked example, 0% inclusive', { energyWh: 12345, durationSeconds: 3600, idleSeconds: 900 }, '0', true, [100, 432, 120, 50], [702, 0, 702]],
    ['the worked example, 0% exclusive', { energyWh: 12345, durationSeconds: 3600, idleSeconds: 900 }, '0', false, [100, 432, 120, 50], [702, 0, 702]],
  ])('%s', (_case, usage, ratePercent, inclusive, lines, totals) => {
    const receipt = priceSession(aSite({ tax: { ratePercent, inclusive } }), usage);
    expect(receipt.lines.map((l) => l.amount.minor)).toEqual(lines);
    expect([receipt.subtotal.minor, receipt.tax.minor, receipt.total.minor]).toEqual(totals);
  });
});

describe('an inclusive receipt, captured and split', () => {
  it('the worked example at 8.875% inclusive: 702 of which 57 tax, platform round(64.5) + 50', () => {
    const site = aSite({ tax: { inclusive: true } });
    const receipt = priceSession(site, { energyWh: 12345, durationSeconds: 3600, idleSeconds: 900 });
    const payment = capture(receipt, usd(site.holdAmount));
    const split = splitRevenue(payment, site.revenueShare);
    // net 702 - 57 = 645; 10% is 64.5 -> 65; + 50 fixed = 115; host 645 - 115 = 530.
    expect([split.captured.minor, split.taxCollected.minor, split.platformFee.minor, split.hostRevenue.minor]).toEqual([702, 57, 115, 530]);
  });

  it.each<[string, number, number, [number, number, number], boolean]>([
    // [case, total at 20% inclusive, authorized, [captured, shortfall, taxCollected], capped]
    ['capped to 9: net 7.5 -> 8, tax 1', 15, 9, [9, 6, 1], true],
    ['capped to 3: net 2.5 -> 3, no tax', 15, 3, [3, 12, 0], true],
    ['capped to 4: net 3.33 -> 3, tax 1', 15, 4, [4, 11, 1], true],
    ['exactly the hold: the receipt tax, 15 - round(12.5)', 15, 15, [15, 0, 2], false],
    ['one cent over the hold: 14 - round(11.67)', 15, 14, [14, 1, 2], true],
  ])('%s', (_case, total, authorized, expected, capped) => {
    const receipt = priceSession(aSiteCharging(total, '20', true), NO_USAGE);
    const payment = capture(receipt, usd(authorized));
    expect([payment.captured.minor, payment.shortfall.minor, payment.taxCollected.minor]).toEqual(expected);
    expect(payment.capped).toBe(capped);
  });
});
