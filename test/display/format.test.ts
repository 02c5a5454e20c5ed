import { describe, expect, it } from 'vitest';
import { formatDateTime, formatDecimal, formatDuration, formatElapsed, formatEnergy, formatTimeWindow } from '../../lambdas/display/format';
import { CHARGING_SCREEN_MIN_REFRESH_MS, shouldRefreshChargingScreen } from '../../lambdas/display/refresh';

describe('formatEnergy (kWh with 2 decimals from integer Wh, half up)', () => {
  it.each([
    [0, 'en', '0.00 kWh'],
    [4, 'en', '0.00 kWh'],
    [5, 'en', '0.01 kWh'], // 0.005 kWh rounds up
    [994, 'en', '0.99 kWh'],
    [995, 'en', '1.00 kWh'],
    [12345, 'en', '12.35 kWh'],
    [12344, 'en', '12.34 kWh'],
    [12345, 'nl', '12,35 kWh'],
    [12345, 'de', '12,35 kWh'],
    [1234567, 'en', '1,234.57 kWh'],
    [1234567, 'de', '1.234,57 kWh'],
  ])('%i Wh in %s is %s', (wh, locale, expected) => {
    expect(formatEnergy(wh, locale)).toBe(expected);
  });

  it.each([-1, 1.5, Number.NaN])('refuses %s Wh', (wh) => {
    expect(() => formatEnergy(wh, 'en')).toThrow(RangeError);
  });
});

describe('formatElapsed', () => {
  it.each([
    [0, '00:00'],
    [7, '00:07'],
    [59.9, '00:59'],
    [307, '05:07'],
    [3599, '59:59'],
    [3600, '1:00:00'],
    [3725, '1:02:05'],
    [43200, '12:00:00'],
    [360000, '100:00:00'],
  ])('%s s is %s', (seconds, expected) => {
    expect(formatElapsed(seconds)).toBe(expected);
  });

  it.each([-1, Number.NaN, Infinity])('refuses %s s', (seconds) => {
    expect(() => formatElapsed(seconds)).toThrow(RangeError);
  });
});

describe('formatDuration (receipts: always h:mm:ss)', () => {
  it.each([
    [0, '0:00:00'],
    [307, '0:05:07'],
    [3599.9, '0:59:59'],
    [3600, '1:00:00'],
    [43200, '12:00:00'],
  ])('%s s is %s', (seconds, expected) => {
    expect(formatDuration(seconds)).toBe(expected);
  });
});

describe('formatDateTime (in a time zone, the zone named)', () => {
  it.each([
    ['UTC', 'en', 'Dec 1, 2026, 8:14:51 AM UTC'],
    ['America/New_York', 'en', 'Dec 1, 2026, 3:14:51 AM EST'],
    ['Europe/Amsterdam', 'nl', '1 dec 2026, 09:14:51 CET'],
    ['Europe/Berlin', 'de', '01.12.2026, 09:14:51 MEZ'],
  ])('2026-12-01T08:14:51Z in %s (%s) is %s', (zone, locale, expected) => {
    expect(formatDateTime('2026-12-01T08:14:51Z', zone, locale)).toBe(expected);
  });

  it('refuses what is not an instant', () => {
    expect(() => formatDateTime('yesterday', 'UTC', 'en')).toThrow(RangeError);
  });
});

describe('formatTimeWindow', () => {
  it.each([
    [120, 'en', '2 minutes'],
    [60, 'en', '1 minute'],
    [90, 'en', '90 seconds'],
    [120, 'nl', '2 minuten'],
    [120, 'de', '2 Minuten'],
    [45, 'de', '45 Sekunden'],
  ])('%i s in %s is %s', (seconds, locale, expected) => {
    expect(formatTimeWindow(seconds, locale)).toBe(expected);
  });
});

describe('formatDecimal', () => {
  it.each([
    ['8.875', 'en', '8.875'],
    ['8.875', 'de', '8,875'],
    ['21', 'nl', '21'],
    ['0.0001', 'en', '0.0001'],
  ])('%s in %s is %s', (decimal, locale, expected) => {
    expect(formatDecimal(decimal, locale)).toBe(expected);
  });
});

describe('shouldRefreshChargingScreen', () => {
  const t0 = 1_700_000_000_000;

  it('defaults to a 30 s minimum interval', () => {
    expect(CHARGING_SCREEN_MIN_REFRESH_MS).toBe(30_000);
  });

  it.each([
    ['never shown', undefined, t0, undefined, true],
    ['shown 1 s ago', t0 - 1_000, t0, undefined, false],
    ['shown 29.999 s ago', t0 - 29_999, t0, undefined, false],
    ['shown exactly 30 s ago', t0 - 30_000, t0, undefined, true],
    ['shown 40 s ago', t0 - 40_000, t0, undefined, true],
    ['shown 10 s ago, 15 s interval', t0 - 10_000, t0, 15_000, false],
    ['shown 15 s ago, 15 s interval', t0 - 15_000, t0, 15_000, true],
    ['shown "in the future" (clock skew)', t0 + 5_000, t0, undefined, true],
  ] as const)('%s -> %s', (_case, lastShownAt, now, interval, expected) => {
    expect(shouldRefreshChargingScreen(lastShownAt, now, interval)).toBe(expected);
  });

  it('with meter values every 20 s redraws every 40 s', () => {
    let lastShownAt: number | undefined;
    const redrawnAt: number[] = [];
    for (let now = t0; now <= t0 + 120_000; now += 20_000) {
      if (shouldRefreshChargingScreen(lastShownAt, now)) {
        lastShownAt = now;
        redrawnAt.push(now - t0);
      }
    }
    expect(redrawnAt).toEqual([0, 40_000, 80_000, 120_000]);
  });

  it('refuses a nonsensical interval', () => {
    expect(() => shouldRefreshChargingScreen(undefined, t0, -1)).toThrow(RangeError);
  });
});
