/**
 * Formats of the non-money quantities a driver sees on the reader. Money is formatted by
 * `formatMoney` in lambdas/money.
 */
import { normalizeSpaces } from '../money/money';

const numberFormatters = new Map<string, Intl.NumberFormat>();

function numberFormatter(key: string, locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const cacheKey = `${locale}|${key}`;
  let formatter = numberFormatters.get(cacheKey);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale, options);
    numberFormatters.set(cacheKey, formatter);
  }
  return formatter;
}

function assertNonNegativeInteger(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${what} must be a non-negative integer, got ${String(value)}`);
  }
}

/**
 * Energy in kWh with 2 decimals, from integer Wh, rounded half up to the next 10 Wh:
 * 12345 Wh -> "12.35 kWh" (nl/de "12,35 kWh"). Display only: billing uses the exact Wh.
 */
export function formatEnergy(energyWh: number, locale: string): string {
  assertNonNegativeInteger(energyWh, 'energyWh');
  const hundredthsOfKwh = (BigInt(energyWh) + 5n) / 10n;
  const text = hundredthsOfKwh.toString().padStart(3, '0');
  const kwh = `${text.slice(0, -2)}.${text.slice(-2)}` as `${number}`;
  const number = numberFormatter('kwh', locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(kwh);
  return `${normalizeSpaces(number)} kWh`;
}

/** Elapsed time as "mm:ss" under an hour ("05:07") and "h:mm:ss" from an hour on ("1:02:05"); fractions of a second are dropped. */
export function formatElapsed(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new RangeError(`seconds must be a non-negative number, got ${String(seconds)}`);
  }
  const total = Math.floor(seconds);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  const mmss = `${String(minutes).padStart(2, '0')}:${String(secs).padStart(2, '0')}`;
  return hours > 0 ? `${hours}:${mmss}` : mmss;
}

/** A duration as "h:mm:ss" whatever its length ("0:05:07", "12:00:00"), as receipts show them; fractions of a second are dropped. */
export function formatDuration(seconds: number): string {
  const elapsed = formatElapsed(seconds);
  return seconds >= 3600 ? elapsed : `0:${elapsed}`;
}

const dateTimeFormatters = new Map<string, Intl.DateTimeFormat>();

/**
 * An instant (ISO 8601) as a date and time in `timeZone` (IANA), with the zone's short name:
 * "Dec 1, 2026, 3:14:51 AM EST" in en, "01.12.2026, 09:14:51 MEZ" in de for Europe/Berlin.
 */
export function formatDateTime(iso: string, timeZone: string, locale: string): string {
  const instant = Date.parse(iso);
  if (Number.isNaN(instant)) throw new RangeError(`not an ISO 8601 instant: ${JSON.stringify(iso)}`);
  const key = `${locale}|${timeZone}`;
  let formatter = dateTimeFormatters.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'long', timeZone });
    dateTimeFormatters.set(key, formatter);
  }
  return normalizeSpaces(formatter.format(instant));
}

/** A waiting window in words: whole minutes as minutes ("2 minutes", "2 Minuten"), otherwise seconds ("90 seconds"). */
export function formatTimeWindow(seconds: number, locale: string): string {
  assertNonNegativeInteger(seconds, 'seconds');
  const inMinutes = seconds > 0 && seconds % 60 === 0;
  const unit = inMinutes ? 'minute' : 'second';
  const formatter = numberFormatter(`window-${unit}`, locale, { style: 'unit', unit, unitDisplay: 'long' });
  return normalizeSpaces(formatter.format(inMinutes ? seconds / 60 : seconds));
}

/** A decimal string such as a tax rate ("8.875") as a localized number ("8,875"), exactly. */
export function formatDecimal(decimal: string, locale: string): string {
  if (!/^\d+(\.\d+)?$/.test(decimal)) throw new RangeError(`not a plain decimal: ${JSON.stringify(decimal)}`);
  return normalizeSpaces(numberFormatter('decimal', locale, { maximumFractionDigits: 20 }).format(decimal as `${number}`));
}
