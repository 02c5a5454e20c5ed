/**
 * What a site's settings will mean before they are saved: the reader's start screen as the
 * driver reads it before tapping (price per kWh, session fee, time and idle fees with grace, tax,
 * hold), and a quote of one session's usage priced, captured and split by the same code the
 * sessions use (docs/pricing.md). Pure: the installer API's `POST /installer/site-preview`.
 */
import { z } from 'zod';
import { capture, splitRevenue } from './capture';
import { priceSession } from './price';
import { receiptView } from './receipt';
import { renderScreen, type ScreenOverrides } from '../display/screens';
import { Money } from '../money/money';
import { siteSettingsSchema, type SiteSettings } from '../sites/site-settings';

/** Twelve hours of a 350 kW charger is well below this; the bounds keep the arithmetic exact. */
const MAX_ENERGY_WH = 10_000_000;
const MAX_SECONDS = 7 * 86_400;

const whole = (max: number) => z.number().int('must be a whole number').nonnegative().max(max);

export const usageSchema = z
  .strictObject({ energyWh: whole(MAX_ENERGY_WH), durationSeconds: whole(MAX_SECONDS), idleSeconds: whole(MAX_SECONDS) })
  .refine((usage) => usage.idleSeconds <= usage.durationSeconds, { message: 'must not be above durationSeconds', path: ['idleSeconds'] });

export type PreviewUsage = z.output<typeof usageSchema>;

/** The site as the editor holds it (no id yet, perhaps), and optionally one session's usage. */
export const sitePreviewSchema = z.strictObject({
  site: siteSettingsSchema.omit({ siteId: true }),
  usage: usageSchema.optional(),
});

export type SitePreviewRequest = z.output<typeof sitePreviewSchema>;

export function previewSite(site: Omit<SiteSettings, 'siteId'>, usage?: PreviewUsage) {
  const options = {
    language: site.language,
    currency: site.currency,
    ...(site.screens !== undefined && { overrides: site.screens as ScreenOverrides }),
  };
  const hold = Money.of(site.holdAmount, site.currency);
  const tapCard = renderScreen('tapCard', { tariff: site.tariff, tax: site.tax, hold }, options).properties;
  if (!usage) return { screens: { tapCard } };

  const receipt = priceSession(site, usage);
  const payment = capture(receipt, hold);
  const charging = renderScreen('charging', { energyWh: usage.energyWh, elapsedSeconds: usage.durationSeconds, cost: receipt.total }, options).properties;
  return {
    screens: { tapCard, charging },
    quote: {
      receipt: receiptView(receipt, payment, site.language),
      total: receipt.total.minor,
      tax: receipt.tax.minor,
      captured: payment.captured.minor,
      shortfall: payment.shortfall.minor,
      split: splitRevenue(payment, site.revenueShare),
    },
  };
}
