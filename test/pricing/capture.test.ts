import { describe, expect, it } from 'vitest';
import { CurrencyMismatchError, Money } from '../../lambdas/money/money';
import {
  InvalidPaymentAmountError,
  capture,
  holdStopThreshold,
  shouldStopForHold,
  splitRevenue,
} from '../../lambdas/pricing/capture';
import { priceSession } from '../../lambdas/pricing/price';
import { aSite, thrown, usd } from './builders';

const aReceipt = (total: number, tax: number, taxRatePercent = '8.875') => ({ total: usd(total), tax: usd(tax), taxRatePercent });
const minors = (...amounts: Money[]) => amounts.map((m) => m.minor);

describe('capture', () => {
  it("captures docs/pricing.md's worked example in full and splits it 62 / 120 / 582", () => {
    const site = aSite();
    const receipt = priceSession(site, { energyWh: 12345, durationSeconds: 3600, idleSeconds: 900 });
    const payment = capture(receipt, usd(site.holdAmount));
    expect(payment).toMatchObject({ capped: false, cancel: false });
    expect(minors(payment.captured, payment.shortfall, payment.taxCollected)).toEqual([764, 0, 62]);

    const split = splitRevenue(payment, site.revenueShare);
    expect(minors(split.captured, split.taxCollected, split.platformFee, split.hostRevenue)).toEqual([764, 62, 120, 582]);
  });

  it.each([
    // [case, total, tax, rate, authorized, [captured, shortfall, taxCollected], capped, cancel]
    ['under the hold', 764, 62, '8.875', 5000, [764, 0, 62], false, false],
    ['exactly the hold is not capped', 764, 62, '8.875', 764, [764, 0, 62], false, false],
    ['one cent over: tax recomputed inclusive, 763 - round(700.80)', 764, 62, '8.875', 763, [763, 1, 62], true, false],
    ['far over: 5000 - round(4592.42)', 6141, 501, '8.875', 5000, [5000, 1141, 408], true, false],
    ['inclusive receipt over: 1000 - round(826.45)', 1210, 210, '21', 1000, [1000, 210, 174], true, false],
    ['a capped tax at 0% is 0', 1210, 0, '0', 1000, [1000, 210, 0], true, false],
    ['nothing to pay: cancel', 0, 0, '8.875', 5000, [0, 0, 0], false, true],
    ['nothing authorized: cancel, all of it a shortfall', 764, 62, '8.875', 0, [0, 764, 0], true, true],
  ] as const)('%s', (_case, total, tax, rate, authorized, expected, capped, cancel) => {
    const payment = capture(aReceipt(total, tax, rate), usd(authorized));
    expect(minors(payment.captured, payment.shortfall, payment.taxCollected)).toEqual(expected);
    expect(payment.capped).toBe(capped);
    expect(payment.cancel).toBe(cancel);
    expect(payment.captured.minor).toBeLessThanOrEqual(authorized);
  });

  it('caps a real session above the hold and splits the capped amount so it sums to the hold', () => {
    const site = aSite();
    const receipt = priceSession(site, { energyWh: 150_000, durationSeconds: 7200, idleSeconds: 900 });
    expect(minors(receipt.subtotal, receipt.tax, receipt.total)).toEqual([5640, 501, 6141]);

    const payment = capture(receipt, usd(site.holdAmount));
    expect(minors(payment.captured, payment.shortfall, payment.taxCollected)).toEqual([5000, 1141, 408]);
    const split = splitRevenue(payment, site.revenueShare);
    expect(minors(split.taxCollected, split.platformFee, split.hostRevenue)).toEqual([408, 509, 4083]);
  });

  it('recomputes a capped tax as inclusive whatever the site mode, so both modes capture the same split', () => {
    const usage = { energyWh: 150_000, durationSeconds: 7200, idleSeconds: 900 };
    const exclusive = capture(priceSession(aSite(), usage), usd(5000));
    const inclusive = capture(priceSession(aSite({ tax: { inclusive: true } }), usage), usd(5000));
    expect(inclusive.taxCollected.minor).toBe(exclusive.taxCollected.minor);
    expect(inclusive.shortfall.minor).toBe(640);
  });

  it.each<[string, () => unknown, string, string]>([
    // [case, call, field, message]: the alarm of a failed pricing step names the amount that is wrong
    ['a negative total', () => capture(aReceipt(-1, 0), usd(5000)), 'total', 'total USD -0.01 must not be negative'],
    ['a negative tax', () => capture(aReceipt(10, -1), usd(5000)), 'tax', 'tax USD -0.01 must not be negative'],
    ['a negative hold', () => capture(aReceipt(10, 1), usd(-1)), 'authorizedAmount', 'authorizedAmount USD -0.01 must not be negative'],
    ['a tax above the total', () => capture(aReceipt(10, 11), usd(5000)), 'tax', 'tax USD 0.11 is above the total USD 0.10'],
    ['a negative captured amount', () => splitRevenue({ captured: usd(-1), taxCollected: usd(0) }, aSite().revenueShare), 'captured', 'captured USD -0.01 must not be negative'],
    ['a negative tax collected', () => splitRevenue({ captured: usd(10), taxCollected: usd(-1) }, aSite().revenueShare), 'taxCollected', 'taxCollected USD -0.01 must not be negative'],
    ['a tax above the captured amount', () => splitRevenue({ captured: usd(10), taxCollected: usd(11) }, aSite().revenueShare), 'taxCollected', 'taxCollected USD 0.11 is above the captured USD 0.10'],
    ['a negative hold to stop under', () => holdStopThreshold(usd(-1), usd(0)), 'holdAmount', 'holdAmount USD -0.01 must not be negative'],
    ['a negative interval cost', () => holdStopThreshold(usd(5000), usd(-1)), 'costOfOneMeterInterval', 'costOfOneMeterInterval USD -0.01 must not be negative'],
  ])('refuses %s, naming the field and the amount', (_case, call, field, message) => {
    expect(call).toThrow(InvalidPaymentAmountError);
    expect(thrown(call)).toMatchObject({ name: 'InvalidPaymentAmountError', field, message });
  });

  it('refuses a tax above the total, a negative hold and a hold in another currency', () => {
    expect(() => capture(aReceipt(10, 11), usd(5000))).toThrow(InvalidPaymentAmountError);
    expect(() => capture(aReceipt(10, 1), usd(-1))).toThrow(InvalidPaymentAmountError);
    expect(() => capture(aReceipt(10, 1), Money.of(5000, 'EUR'))).toThrow(CurrencyMismatchError);
  });
});

describe('splitRevenue', () => {
  it.each([
    // [case, captured, taxCollected, platformPercent, fixed, [platformFee, hostRevenue]]
    ['worked example: round(70.2) + 50', 764, 62, '10', 50, [120, 582]],
    ['capped example: round(459.2) + 50', 5000, 408, '10', 50, [509, 4083]],
    ['percent half up: 10.5 -> 11', 105, 0, '10', 0, [11, 94]],
    ['percent below half: 10.4 -> 10', 104, 0, '10', 0, [10, 94]],
    ['fee below the net', 80, 7, '10', 50, [57, 16]],
    ['fee above the net: min rule, 6 + 50 > 55', 60, 5, '10', 50, [55, 0]],
    ['fixed fee alone above the net', 30, 2, '0', 50, [28, 0]],
    ['platform takes everything', 1000, 0, '100', 0, [1000, 0]],
    ['platform takes nothing', 1000, 0, '0', 0, [0, 1000]],
    ['sub-percent share', 100_000, 0, '0.0125', 0, [13, 99_987]], // 12.5 -> 13
    ['a cancel splits into zeros, no fixed fee', 0, 0, '10', 50, [0, 0]],
    ['all of it tax', 21, 21, '10', 50, [0, 0]],
  ] as const)('%s', (_case, captured, taxCollected, platformPercent, platformFixedPerSession, expected) => {
    const split = splitRevenue(
      { captured: usd(captured), taxCollected: usd(taxCollected) },
      { platformPercent, platformFixedPerSession },
    );
    expect(minors(split.platformFee, split.hostRevenue)).toEqual(expected);
    expect(split.taxCollected.minor + split.platformFee.minor + split.hostRevenue.minor).toBe(captured);
  });

  it('refuses a tax above the captured amount', () => {
    expect(() =>
      splitRevenue({ captured: usd(10), taxCollected: usd(11) }, { platformPercent: '10', platformFixedPerSession: 0 }),
    ).toThrow(InvalidPaymentAmountError);
  });
});

describe('the hold cap of a live session', () => {
  it.each([
    // [case, hold, interval cost, threshold]
    ['a cheap interval: 95% of the hold is the earlier', 5000, 100, 4750],
    ['an interval of exactly 5%: both agree', 5000, 250, 4750],
    ['an expensive interval: hold minus the interval is the earlier', 5000, 300, 4700],
    ['no interval cost yet: 95%', 5000, 0, 4750],
    ['95% of 999 is 949.05: a total reaches it at 950', 999, 0, 950],
    ['a one-cent hold: 95% is reached at 1 cent', 1, 0, 1],
    ['an interval that costs more than the hold: stop at once', 100, 200, -100],
  ])('%s', (_case, hold, intervalCost, threshold) => {
    expect(holdStopThreshold(usd(hold), usd(intervalCost)).minor).toBe(threshold);
    expect(shouldStopForHold(usd(threshold - 1), usd(hold), usd(intervalCost))).toBe(false);
    expect(shouldStopForHold(usd(threshold), usd(hold), usd(intervalCost))).toBe(true);
  });

  it('never stops a free session (running total 0, intervals costing nothing)', () => {
    expect(shouldStopForHold(usd(0), usd(1), usd(0))).toBe(false);
  });

  it.each([10, 100, 249, 250, 251, 1000, 2499, 4999, 5000, 7000])(
    'with intervals of up to %i, the check that stops the session is still below a 5000 hold',
    (intervalCost) => {
      for (const intervalsOfFullCost of [true, false]) {
        let total = 0;
        let step = 0;
        while (!shouldStopForHold(usd(total), usd(5000), usd(intervalCost))) {
          // Intervals cost the most, or vary below it; the session fee arrives with the first.
          total += intervalsOfFullCost ? intervalCost : 1 + ((step * 7919) % intervalCost);
          step += 1;
          if (step > 100_000) throw new Error('never stopped');
        }
        expect(total).toBeLessThan(5000);
      }
    },
  );

  it('stops before the hold where "at least 95%" read as the later of the two would overshoot', () => {
    // Intervals of 1000 on a 5000 hold: the threshold is 4000, not 4750.
    expect(shouldStopForHold(usd(3999), usd(5000), usd(1000))).toBe(false);
    // At 4700, under 95% of the hold, the next interval would reach 5700: stop now.
    expect(shouldStopForHold(usd(4700), usd(5000), usd(1000))).toBe(true);
  });

  it('refuses a negative interval cost', () => {
    expect(() => holdStopThreshold(usd(5000), usd(-1))).toThrow(InvalidPaymentAmountError);
  });
});
