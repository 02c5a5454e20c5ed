/**
 * What a site's settings will mean before they are saved: the reader's start screen as the
 * driver reads it before tapping (price per kWh, session fee, time and idle fees with grace, tax,
 * hold), and a quote of one session's usage priced, captured and split by the same code the
 * sessions use (docs/pricing.md). Pure: the installer API's `POST /installer/site-preview`.
 */
import * as z from 'zod';
import { capture, splitRevenue } from './capture';
import { priceSession } from './price';
import { receiptView } from './receipt';
import { renderScreen, type ScreenOverrides, type ScreenParams } from '../display/screens';
import type { ScreenKind } from '../display/templates';
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

/**
 * The start screen; with a usage, every screen of the reader as a session with that usage
 * shows them, in the site's language with its wording overrides, and the quote. `receiptUrl`
 * is the address the receipt screen's QR code would carry.
 */
export function previewSite(site: Omit<SiteSettings, 'siteId'>, usage?: PreviewUsage, receiptUrl = 'https://example.invalid/receipts/preview') {
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
  const { energyWh, durationSeconds } = usage;
  const screen = <K extends ScreenKind>(kind: K, params: ScreenParams[K]) => renderScreen(kind, params, options).properties;
  return {
    // In the order a paid session shows them, then those of a refusal or a fault.
    screens: {
      tapCard,
      authorizing: screen('authorizing', { hold }),
      plugIn: screen('plugIn', { plugInWindowSeconds: site.limits.plugInWindowSeconds }),
      charging: screen('charging', { energyWh, elapsedSeconds: durationSeconds, cost: receipt.total }),
      tapToStop: screen('tapToStop', {}),
      stopping: screen('stopping', {}),
      receipt: screen('receipt', { total: payment.captured, tax: payment.taxCollected, energyWh, durationSeconds, receiptUrl }),
      declined: screen('declined', {}),
      error: screen('error', { reason: 'the charger did not start' }),
      outOfOrder: screen('outOfOrder', {}),
    },
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
