/**
 * A site's settings as pricing.md defines them: what a driver pays there and how the money is
 * split. Amounts are integers in minor units; unit prices and percentages are decimal strings
 * (at most 4 decimals) so no floating point ever touches money.
 */
import { z } from 'zod';

const minorUnits = z.number().int('must be an integer amount in minor units').nonnegative().max(Number.MAX_SAFE_INTEGER);
const decimal = z
  .string()
  .regex(/^\d{1,9}(\.\d{1,4})?$/, 'must be a decimal string with at most 4 decimals, e.g. "34.5"');
const percent = decimal.refine((v) => Number(v) <= 100, 'must be at most 100');

export const siteSettingsSchema = z.strictObject({
  siteId: z.string().min(1).max(64).regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only'),
  name: z.string().trim().min(1).max(100),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as "USD"'),
  language: z.string().regex(/^[a-z]{2}$/, 'must be a two-letter language code such as "en"'),
  holdAmount: minorUnits.positive('must be above 0'),
  tariff: z.strictObject({
    sessionFee: minorUnits,
    energyPerKwh: decimal,
    timePerHour: decimal,
    idlePerHour: decimal,
    idleGraceMinutes: z.number().int().nonnegative().max(24 * 60),
  }),
  tax: z.strictObject({ ratePercent: percent, inclusive: z.boolean() }),
  revenueShare: z.strictObject({ platformPercent: percent, platformFixedPerSession: minorUnits }),
  limits: z
    .strictObject({
      plugInWindowSeconds: z.number().int().min(10).max(3600).default(120),
      maxSessionMinutes: z.number().int().min(1).max(48 * 60).default(720),
    })
    .default({ plugInWindowSeconds: 120, maxSessionMinutes: 720 }),
  /** Per-screen wording overrides for the reader, checked by the display module when set. */
  screens: z.record(z.string(), z.unknown()).optional(),
});

export type SiteSettings = z.output<typeof siteSettingsSchema>;

export const stationProvisioningSchema = z.strictObject({
  stationId: z.string().min(1).max(48).regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only'),
  siteId: z.string().min(1),
  connectors: z
    .array(z.number().int().min(1).max(99))
    .min(1)
    .refine((c) => new Set(c).size === c.length, 'connector ids must be unique'),
  // OCPP 1.6 security profile password (AuthorizationKey): 16 to 40 characters.
  password: z.string().min(16).max(40).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces'),
});

export type StationProvisioningRequest = z.output<typeof stationProvisioningSchema>;
