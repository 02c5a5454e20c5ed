/**
 * The reader's screens: the body of Payter's `POST /terminals/{serial}/ui` for each step of a
 * charging session, rendered from the templates of `templates.ts` in the site's language and
 * currency, with the site's overrides.
 */
import * as z from 'zod';
import { Money, formatMoney, formatUnitPrice, minorUnitDigits, parseDecimal } from '../money/money';
import { formatDecimal, formatElapsed, formatEnergy, formatTimeWindow } from './format';
import {
  BUTTON_LABEL_MAX_CHARS,
  DEFAULT_LANGUAGE,
  DEFAULT_TEMPLATES,
  LANGUAGES,
  MESSAGE_MAX_CHARS,
  PRICE_SUMMARY_PHRASES,
  SCREEN_BUTTONS,
  SCREEN_KINDS,
  SCREEN_PLACEHOLDERS,
  TITLE_MAX_CHARS,
  type Language,
  type PlaceholderName,
  type ScreenKind,
  type Template,
} from './templates';

/** The tariff fields of a site's settings (docs/pricing.md) that the tap-card screen shows. */
export interface TariffSummary {
  readonly sessionFee: number;
  readonly energyPerKwh: string;
  readonly timePerHour: string;
  readonly idlePerHour: string;
  readonly idleGraceMinutes: number;
}

export interface TaxSummary {
  readonly ratePercent: string;
  readonly inclusive: boolean;
}

type NoParams = Readonly<Record<string, never>>;

/** What each screen is rendered from. Every `Money` must be in the site's currency. */
export interface ScreenParams {
  readonly tapCard: { readonly tariff: TariffSummary; readonly tax: TaxSummary; readonly hold: Money };
  readonly authorizing: { readonly hold: Money };
  readonly declined: NoParams;
  readonly plugIn: { readonly plugInWindowSeconds: number };
  readonly charging: { readonly energyWh: number; readonly elapsedSeconds: number; readonly cost: Money };
  /** The reader takes cards again while charging: the session's card stops it. */
  readonly tapToStop: NoParams;
  readonly stopping: NoParams;
  /** `total` is what the card is charged (the captured amount), `tax` the tax it contains. */
  readonly receipt: {
    readonly total: Money;
    readonly tax: Money;
    readonly energyWh: number;
    readonly durationSeconds: number;
    readonly receiptUrl: string;
  };
  readonly error: { readonly reason: string };
  readonly outOfOrder: NoParams;
  readonly plugInFirst: NoParams;
  /** The start screen naming the plugged-in connector the card will charge (plug in to start). */
  readonly tapCardAt: ScreenParams['tapCard'] & { readonly connector: string };
  readonly menu: NoParams;
  /** The Receipt option: the reader reads a card to find its last receipt. */
  readonly receiptTap: NoParams;
  /** The receipt of a session that charged nothing (declined, never started, cancelled). */
  readonly nothingCharged: { readonly receiptUrl: string };
  readonly noReceipt: NoParams;
}

/** A site's wording overrides, in the site's language: any screen's title, message or button labels. */
export type ScreenOverrides = { readonly [K in ScreenKind]?: Partial<Template> };

export interface RenderOptions {
  /** The site's language; anything but `en`, `nl` or `de` (after dropping a region: `nl-BE`) renders in `en`. */
  readonly language?: string;
  /** The site's currency (ISO 4217). */
  readonly currency: string;
  readonly overrides?: ScreenOverrides;
}

/** Payter's built-in `message` screen: `{id, type, properties}` with flattened `buttons.<id>.label` keys. */
export interface PayterMessageScreen {
  readonly id: ScreenKind;
  readonly type: 'message';
  readonly properties: {
    readonly title: string;
    readonly message: string;
    readonly [buttonLabel: `buttons.${string}.label`]: string;
  };
}

export class UnknownScreenError extends Error {
  constructor(readonly screen: string) {
    super(`unknown screen "${screen}": expected one of ${SCREEN_KINDS.join(', ')}`);
    this.name = 'UnknownScreenError';
  }
}

export class InvalidScreenParamError extends Error {
  constructor(
    readonly screen: ScreenKind,
    readonly param: string,
    problem: string,
  ) {
    super(`screen ${screen}: param ${param} ${problem}`);
    this.name = 'InvalidScreenParamError';
  }
}

/** A template asks for a placeholder the screen has no value for (an override that skipped validation). */
export class MissingPlaceholderError extends Error {
  constructor(
    readonly screen: ScreenKind,
    readonly placeholder: string,
  ) {
    super(`screen ${screen}: no value for placeholder {${placeholder}}`);
    this.name = 'MissingPlaceholderError';
  }
}

export function isScreenKind(value: unknown): value is ScreenKind {
  return typeof value === 'string' && (SCREEN_KINDS as readonly string[]).includes(value);
}

export function resolveLanguage(language: string | undefined): Language {
  const primary = language?.split(/[-_]/)[0]?.toLowerCase();
  return (LANGUAGES as readonly string[]).includes(primary ?? '') ? (primary as Language) : DEFAULT_LANGUAGE;
}

const PLACEHOLDER_TOKEN = /\{([A-Za-z][A-Za-z0-9]*)\}/g;

function fill(screen: ScreenKind, text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(PLACEHOLDER_TOKEN, (_token, name: string) => {
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (value === undefined) throw new MissingPlaceholderError(screen, name);
    return value;
  });
}

interface RenderContext {
  readonly screen: ScreenKind;
  /** The language doubles as the Intl locale: "nl" formats "€ 7,64". */
  readonly language: Language;
  readonly currency: string;
}

// Each reader takes the field's `path` for its error ("tariff.energyPerKwh").
function required(ctx: RenderContext, source: object, name: string, path = name): unknown {
  const value = (source as Record<string, unknown>)[name];
  if (value === undefined || value === null) throw new InvalidScreenParamError(ctx.screen, path, 'is missing');
  return value;
}

function money(ctx: RenderContext, source: object, name: string): Money {
  const value = required(ctx, source, name);
  if (!(value instanceof Money)) throw new InvalidScreenParamError(ctx.screen, name, 'must be Money');
  if (value.currency !== ctx.currency) {
    throw new InvalidScreenParamError(ctx.screen, name, `is in ${value.currency}, the site's currency is ${ctx.currency}`);
  }
  return value;
}

function nonNegativeInteger(ctx: RenderContext, source: object, name: string, path = name): number {
  const value = required(ctx, source, name, path);
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidScreenParamError(ctx.screen, path, `must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}

function seconds(ctx: RenderContext, source: object, name: string): number {
  const value = required(ctx, source, name);
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidScreenParamError(ctx.screen, name, `must be a non-negative number of seconds, got ${String(value)}`);
  }
  return value;
}

function text(ctx: RenderContext, source: object, name: string): string {
  const value = required(ctx, source, name);
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidScreenParamError(ctx.screen, name, 'must be a non-empty string');
  }
  return value.trim();
}

/** The e-receipt's address, which the reader shows as a QR code. */
function httpUrl(ctx: RenderContext, source: object, name: string): string {
  const value = text(ctx, source, name);
  if (!/^https?:\/\/\S+$/.test(value)) throw new InvalidScreenParamError(ctx.screen, name, `must be an http(s) URL, got ${JSON.stringify(value)}`);
  return value;
}

function object(ctx: RenderContext, source: object, name: string): object {
  const value = required(ctx, source, name);
  if (typeof value !== 'object') throw new InvalidScreenParamError(ctx.screen, name, 'must be an object');
  return value as object;
}

function decimal(ctx: RenderContext, source: object, name: string, path: string): string {
  const value = required(ctx, source, name, path);
  if (typeof value === 'string') {
    try {
      parseDecimal(value);
      return value;
    } catch {
      // reported below
    }
  }
  throw new InvalidScreenParamError(ctx.screen, path, `must be a non-negative decimal string, got ${JSON.stringify(value)}`);
}

function tapCardValues(params: ScreenParams['tapCard'], ctx: RenderContext): Record<PlaceholderName<'tapCard'>, string> {
  const tariff = object(ctx, params, 'tariff');
  const tax = object(ctx, params, 'tax');
  const sessionFee = nonNegativeInteger(ctx, tariff, 'sessionFee', 'tariff.sessionFee');
  const energyPerKwh = decimal(ctx, tariff, 'energyPerKwh', 'tariff.energyPerKwh');
  const timePerHour = decimal(ctx, tariff, 'timePerHour', 'tariff.timePerHour');
  const idlePerHour = decimal(ctx, tariff, 'idlePerHour', 'tariff.idlePerHour');
  const idleGraceMinutes = nonNegativeInteger(ctx, tariff, 'idleGraceMinutes', 'tariff.idleGraceMinutes');
  const ratePercent = decimal(ctx, tax, 'ratePercent', 'tax.ratePercent');
  const inclusive = (tax as Partial<TaxSummary>).inclusive;
  if (typeof inclusive !== 'boolean') throw new InvalidScreenParamError(ctx.screen, 'tax.inclusive', 'must be a boolean');

  const values = {
    hold: formatMoney(money(ctx, params, 'hold'), ctx.language),
    sessionFee: formatMoney(Money.of(sessionFee, ctx.currency), ctx.language),
    energyPrice: formatUnitPrice(energyPerKwh, ctx.currency, ctx.language),
    timePrice: formatUnitPrice(timePerHour, ctx.currency, ctx.language),
    idlePrice: formatUnitPrice(idlePerHour, ctx.currency, ctx.language),
    idleGraceMinutes: String(idleGraceMinutes),
    taxRate: formatDecimal(ratePercent, ctx.language),
  };

  const phrases = PRICE_SUMMARY_PHRASES[ctx.language];
  const isZero = (price: string) => parseDecimal(price) === 0n;
  const parts = [
    sessionFee > 0 ? phrases.sessionFee : undefined,
    isZero(energyPerKwh) ? undefined : phrases.energy,
    isZero(timePerHour) ? undefined : phrases.time,
    isZero(idlePerHour) ? undefined : idleGraceMinutes > 0 ? phrases.idle : phrases.idleWithoutGrace,
  ].filter((part): part is string => part !== undefined);
  if (parts.length > 0 && !inclusive && !isZero(ratePercent)) parts.push(phrases.exclusiveTax);
  const summary = parts.length === 0 ? phrases.free : parts.join(phrases.separator);
  return { ...values, priceSummary: fill(ctx.screen, summary, values) };
}

type PlaceholderValues = { readonly [K in ScreenKind]: (params: ScreenParams[K], ctx: RenderContext) => Record<PlaceholderName<K>, string> };

const PLACEHOLDER_VALUES: PlaceholderValues = {
  tapCard: tapCardValues,
  authorizing: (params, ctx) => ({ hold: formatMoney(money(ctx, params, 'hold'), ctx.language) }),
  declined: () => ({}),
  plugIn: (params, ctx) => ({
    plugInWindow: formatTimeWindow(nonNegativeInteger(ctx, params, 'plugInWindowSeconds'), ctx.language),
  }),
  charging: (params, ctx) => ({
    energy: formatEnergy(nonNegativeInteger(ctx, params, 'energyWh'), ctx.language),
    elapsed: formatElapsed(seconds(ctx, params, 'elapsedSeconds')),
    cost: formatMoney(money(ctx, params, 'cost'), ctx.language),
  }),
  tapToStop: () => ({}),
  stopping: () => ({}),
  receipt: (params, ctx) => ({
    total: formatMoney(money(ctx, params, 'total'), ctx.language),
    tax: formatMoney(money(ctx, params, 'tax'), ctx.language),
    energy: formatEnergy(nonNegativeInteger(ctx, params, 'energyWh'), ctx.language),
    duration: formatElapsed(seconds(ctx, params, 'durationSeconds')),
    receiptUrl: httpUrl(ctx, params, 'receiptUrl'),
  }),
  error: (params, ctx) => ({ reason: text(ctx, params, 'reason') }),
  outOfOrder: () => ({}),
  plugInFirst: () => ({}),
  tapCardAt: (params, ctx) => ({ ...tapCardValues(params, ctx), connector: text(ctx, params, 'connector') }),
  menu: () => ({}),
  receiptTap: () => ({}),
  nothingCharged: (params, ctx) => ({ receiptUrl: httpUrl(ctx, params, 'receiptUrl') }),
  noReceipt: () => ({}),
};

/**
 * Renders one screen. Throws `UnknownScreenError`, `UnknownCurrencyError`,
 * `InvalidScreenParamError` for a missing or invalid param and `MissingPlaceholderError` for an
 * override naming a placeholder the screen lacks: a screen never shows "undefined".
 */
export function renderScreen<K extends ScreenKind>(
  screen: K,
  params: ScreenParams[K],
  options: RenderOptions,
): PayterMessageScreen {
  if (!isScreenKind(screen)) throw new UnknownScreenError(String(screen));
  minorUnitDigits(options.currency);
  const language = resolveLanguage(options.language);
  const ctx: RenderContext = { screen, language, currency: options.currency };
  if (params === null || typeof params !== 'object') throw new InvalidScreenParamError(screen, 'params', 'are missing');

  const valuesOf = PLACEHOLDER_VALUES[screen] as (params: ScreenParams[K], ctx: RenderContext) => Record<string, string>;
  const values = valuesOf(params, ctx);
  const defaults: Template = DEFAULT_TEMPLATES[language][screen];
  const override = options.overrides?.[screen];

  const properties: Record<string, string> = {
    title: fill(screen, override?.title ?? defaults.title, values),
    message: fill(screen, override?.message ?? defaults.message, values),
  };
  for (const button of SCREEN_BUTTONS[screen] as readonly (keyof NonNullable<Template['buttons']>)[]) {
    const label = override?.buttons?.[button] ?? defaults.buttons?.[button];
    if (label === undefined) throw new Error(`screen ${screen}: no label for button ${button} in ${language}`);
    properties[`buttons.${button}.label`] = label;
  }
  return { id: screen, type: 'message', properties: properties as PayterMessageScreen['properties'] };
}

// ---- validation of a site's overrides ----

function charCount(value: string): number {
  return [...value].length;
}

/** Problems of one template text: placeholders the screen lacks, stray braces, and length with placeholders at full width. */
function templateTextProblems(screen: ScreenKind, value: string, maxChars: number): string[] {
  const widths = SCREEN_PLACEHOLDERS[screen] as Readonly<Record<string, number>>;
  const allowed = Object.keys(widths);
  const problems: string[] = [];
  const measured = value.replace(PLACEHOLDER_TOKEN, (_token, name: string) => {
    const width = Object.hasOwn(widths, name) ? widths[name] : undefined;
    if (width === undefined) {
      problems.push(
        `unknown placeholder {${name}} for screen ${screen}; ` +
          (allowed.length > 0 ? `allowed: ${allowed.map((p) => `{${p}}`).join(', ')}` : 'this screen has no placeholders'),
      );
      return '';
    }
    return 'x'.repeat(width);
  });
  if (/[{}]/.test(measured)) problems.push('stray "{" or "}": placeholders are written {name}');
  const length = charCount(measured);
  if (problems.length === 0 && length > maxChars) {
    problems.push(`too long: ${length} characters with placeholders at their full width, at most ${maxChars}`);
  }
  return problems;
}

function screenOverrideSchema(screen: ScreenKind) {
  const buttons = SCREEN_BUTTONS[screen] as readonly string[];
  const labels = Object.fromEntries(
    buttons.map((button) => [
      button,
      z
        .string()
        .trim()
        .min(1, { error: `button ${button} needs a label` })
        .max(BUTTON_LABEL_MAX_CHARS, { error: `button label at most ${BUTTON_LABEL_MAX_CHARS} characters` })
        .refine((label) => !/[{}]/.test(label), { error: 'button labels take no placeholders' })
        .optional(),
    ]),
  );
  const buttonsSchema = z.strictObject(labels, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `screen ${screen} has ${buttons.length > 0 ? `only the buttons ${buttons.join(', ')}` : 'no buttons'}; unknown: ${issue.keys.join(', ')}`
        : undefined,
  });
  const textSchema = (field: 'title' | 'message', maxChars: number) =>
    z
      .string()
      .min(1, { error: `${field} must not be empty` })
      .superRefine((value, ctx) => {
        for (const message of templateTextProblems(screen, value, maxChars)) ctx.addIssue({ code: 'custom', message });
      })
      .optional();
  return z.strictObject(
    {
      title: textSchema('title', TITLE_MAX_CHARS),
      message: textSchema('message', MESSAGE_MAX_CHARS),
      buttons: buttonsSchema.optional(),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `unknown field(s) ${issue.keys.join(', ')} of screen ${screen}: expected title, message, buttons`
          : undefined,
    },
  );
}

/**
 * A site's `screenOverrides`: `{ [screen]: { title?, message?, buttons?: { [buttonId]: label } } }`.
 * Rejects unknown screens, placeholders a screen does not provide, unknown buttons, and text
 * beyond `TITLE_MAX_CHARS` / `MESSAGE_MAX_CHARS` / `BUTTON_LABEL_MAX_CHARS`, each issue at its path.
 */
export const screenOverridesSchema = z.strictObject(
  Object.fromEntries(SCREEN_KINDS.map((screen) => [screen, screenOverrideSchema(screen).optional()])),
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown screen(s) ${issue.keys.join(', ')}: expected ${SCREEN_KINDS.join(', ')}`
        : undefined,
  },
) as unknown as z.ZodType<ScreenOverrides>;
