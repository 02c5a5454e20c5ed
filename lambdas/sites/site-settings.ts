/**
 * A site's settings as docs/pricing.md defines them: what a driver pays there and how the money is
 * split. Amounts are integers in minor units; unit prices and percentages are decimal strings
 * (at most 4 decimals) so no floating point ever touches money.
 */
import * as z from 'zod';
import { screenOverridesSchema } from '../display/screens';
import { BUTTON_LABEL_MAX_CHARS } from '../display/templates';
import { DECIMAL_SCALE, isKnownCurrency, parseDecimal } from '../money/money';
import { SUPPORTED_SUBPROTOCOLS } from '../shared/subprotocols';
import { idSchema } from '../shared/ids';

const minorUnits = z.number().int('must be an integer amount in minor units').nonnegative().max(Number.MAX_SAFE_INTEGER);
/** The money module's one rule for decimal strings (at most 4 decimals, no sign, no exponent). */
const decimal = z.string().superRefine((value, ctx) => {
  try {
    if (parseDecimal(value) > 1_000_000_000n * DECIMAL_SCALE) ctx.addIssue({ code: 'custom', message: 'is too large' });
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `must be a decimal string such as "34.5": ${(error as Error).message}` });
  }
});
const percent = decimal.refine((v) => {
  try {
    return parseDecimal(v) <= 100n * DECIMAL_SCALE;
  } catch {
    return true; // already reported by `decimal`
  }
}, 'must be at most 100');

/** Also the limit of sites stored before the setting existed. */
export const DEFAULT_CHARGER_LOST_SECONDS = 900;
/** Also the window of sites stored before the setting existed (lambdas/sessions/card-receipts.ts). */
export const DEFAULT_RECEIPT_TAP_MINUTES = 10;
/** Also the zone of sites stored before the setting existed. */
export const DEFAULT_TIME_ZONE = 'UTC';

/** True for an IANA zone name this Node knows ("America/New_York", "UTC"). */
export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return value.length <= 64;
  } catch {
    return false;
  }
}

/** The zone a site's local times (offset-less charger timestamps, receipts) are read in. */
export function siteTimeZone(site: { timeZone?: string } | undefined): string {
  return site?.timeZone ?? DEFAULT_TIME_ZONE;
}

export const siteSettingsSchema = z.strictObject({
  siteId: idSchema('siteId').regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only'),
  name: z.string().trim().min(1).max(100),
  currency: z.string().refine(isKnownCurrency, 'must be a supported ISO 4217 code such as "USD" or "EUR"'),
  language: z.string().regex(/^[a-z]{2}$/, 'must be a two-letter language code such as "en"'),
  /** IANA zone of the site: offset-less charger timestamps and receipt times are read in it. */
  timeZone: z.string().refine(isTimeZone, 'must be an IANA time zone such as "America/New_York" or "UTC"').default(DEFAULT_TIME_ZONE),
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
      /** How long a charging session's station may be unreachable before it is billed from its last meter value. */
      chargerLostSeconds: z.number().int().min(5).max(86_400).default(DEFAULT_CHARGER_LOST_SECONDS),
      /**
       * How long after a session a tap of its card on the idle reader shows that session's
       * receipt instead of starting a new one; 0: never (the Receipt option still does).
       */
      receiptTapMinutes: z.number().int().min(0).max(120).default(DEFAULT_RECEIPT_TAP_MINUTES),
    })
    .default({
      plugInWindowSeconds: 120,
      maxSessionMinutes: 720,
      chargerLostSeconds: DEFAULT_CHARGER_LOST_SECONDS,
      receiptTapMinutes: DEFAULT_RECEIPT_TAP_MINUTES,
    }),
  /** Per-screen wording of the reader, so operators change it without a deploy. */
  screens: screenOverridesSchema.optional(),
});

export type SiteSettings = z.output<typeof siteSettingsSchema>;

/** A site as stored: its settings and when they last changed. */
export type StoredSite = SiteSettings & { readonly updatedAt: string };

/** A station's connectors, or those a reader serves: OCPP connector ids 1 to 99, each once. */
const connectorIdsSchema = z
  .array(z.number().int().min(1).max(99))
  .min(1)
  .refine((c) => new Set(c).size === c.length, 'connector ids must be unique');

export const stationProvisioningSchema = z.strictObject({
  stationId: idSchema('stationId').regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only'),
  siteId: idSchema('siteId'),
  connectors: connectorIdsSchema,
  // OCPP 1.6 security profile password (AuthorizationKey): 16 to 40 characters. Left out when
  // an installer edits a provisioned station: the charger's password stays as it was.
  password: z.string().min(16).max(40).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces').optional(),
  /**
   * Certification runs: the official schemas to the letter (a property they do not define is a
   * FormationViolation, a date-time without an offset is refused) instead of forgiving both.
   */
  strict: z.boolean().default(false),
  /** The OCPP versions it may speak, preferred first, when it offers several at the handshake. */
  protocols: z
    .array(z.enum(SUPPORTED_SUBPROTOCOLS))
    .min(1)
    .refine((p) => new Set(p).size === p.length, 'protocols must be unique')
    .default([...SUPPORTED_SUBPROTOCOLS]),
  /** Whether it has a display the CSMS may write to, over what it reports itself; left out: as it reports. */
  display: z.boolean().optional(),
});

export type StationProvisioningRequest = z.output<typeof stationProvisioningSchema>;

/**
 * How a driver starts at this reader (Payter's EV guide): `tapToStart` always takes cards;
 * `plugInToStart` takes one once a served connector reports a plugged-in vehicle and charges
 * that one; `uiStart` lets the driver pick a free connector on a selection screen first.
 */
export const START_FLOWS = ['tapToStart', 'plugInToStart', 'uiStart'] as const;
export type StartFlow = (typeof START_FLOWS)[number];
export const DEFAULT_START_FLOW: StartFlow = 'tapToStart';

const servedConnectorSchema = z.strictObject({
  stationId: idSchema('stationId'),
  connectorId: z.number().int().min(1).max(99),
  // What drivers read on the selection screen (one line of it).
  label: z.string().trim().min(1).max(BUTTON_LABEL_MAX_CHARS),
});

/**
 * Today's body (`stationId`, `connectorIds`), or a kiosk's `connectors` of one or more stations
 * of one site; either with a `startFlow` (tap to start when absent).
 */
export const readerCommissioningSchema = z
  .strictObject({
    serialNumber: idSchema('serialNumber').regex(/^[A-Za-z0-9-]+$/, 'letters, digits and "-" only'),
    stationId: idSchema('stationId').optional(),
    connectorIds: connectorIdsSchema.optional(),
    connectors: z
      .array(servedConnectorSchema)
      .min(1)
      .max(20)
      .refine((c) => new Set(c.map((x) => `${x.stationId}#${x.connectorId}`)).size === c.length, 'each connector once')
      .refine((c) => new Set(c.map((x) => x.label)).size === c.length, 'labels must be unique')
      .optional(),
    startFlow: z.enum(START_FLOWS).optional(),
    /** The idle screen is a menu of Start, Stop and Receipt (Payter's UI start), instead of the start flow's own screen. */
    menu: z.boolean().optional(),
  })
  .refine((r) => !(r.menu && r.startFlow === 'plugInToStart'), {
    message: 'plug in to start begins when a car is plugged in, not with a menu: give menu with tapToStart or uiStart',
    path: ['menu'],
  })
  .refine((r) => (r.connectors === undefined) !== (r.stationId === undefined && r.connectorIds === undefined), {
    message: 'give either connectors or stationId with connectorIds',
  })
  .refine((r) => r.connectors !== undefined || (r.stationId !== undefined && r.connectorIds !== undefined), {
    message: 'stationId and connectorIds go together',
  });
