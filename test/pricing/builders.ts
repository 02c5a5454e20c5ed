/** Builders of the pricing tests: docs/pricing.md's site, amounts, and a seeded random source. */
import { siteSettingsSchema, type SiteSettings } from '../../lambdas/sites/site-settings';
import { Money } from '../../lambdas/money/money';

export const usd = (minor: number): Money => Money.of(minor, 'USD');

type SiteOverrides = Partial<Omit<SiteSettings, 'tariff' | 'tax' | 'revenueShare'>> & {
  readonly tariff?: Partial<SiteSettings['tariff']>;
  readonly tax?: Partial<SiteSettings['tax']>;
  readonly revenueShare?: Partial<SiteSettings['revenueShare']>;
};

/** The site of docs/pricing.md ("Main St Garage"), validated like a stored site, with overrides. */
export function aSite(overrides: SiteOverrides = {}): SiteSettings {
  const { tariff, tax, revenueShare, ...rest } = overrides;
  return siteSettingsSchema.parse({
    siteId: 'site-main-st',
    name: 'Main St Garage',
    currency: 'USD',
    language: 'en',
    holdAmount: 5000,
    ...rest,
    tariff: { sessionFee: 100, energyPerKwh: '35', timePerHour: '120', idlePerHour: '600', idleGraceMinutes: 10, ...tariff },
    tax: { ratePercent: '8.875', inclusive: false, ...tax },
    revenueShare: { platformPercent: '10', platformFixedPerSession: 50, ...revenueShare },
  });
}

/** The error `call` throws, for asserting its name and fields (an alarm names the value that is wrong). */
export function thrown(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('did not throw');
}

/** A free site: every tariff field 0. */
export const FREE_TARIFF: SiteSettings['tariff'] = {
  sessionFee: 0,
  energyPerKwh: '0',
  timePerHour: '0',
  idlePerHour: '0',
  idleGraceMinutes: 0,
};

/** mulberry32: a small deterministic generator, so a failing generated case can be replayed. */
export function seededRandom(seed: number): { int(min: number, max: number): number; pick<T>(items: readonly T[]): T; chance(p: number): boolean } {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    int,
    pick: <T>(items: readonly T[]): T => {
      const item = items[int(0, items.length - 1)];
      if (item === undefined) throw new Error('pick from an empty list');
      return item;
    },
    chance: (p: number): boolean => next() < p,
  };
}
