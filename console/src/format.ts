/** Display helpers: money in minor units as the currency shows it, times, energy. */
export function money(minor: number | undefined | null, currency = 'USD'): string {
  if (minor === undefined || minor === null) return '–';
  try {
    const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    return new Intl.NumberFormat('en', { style: 'currency', currency }).format(minor / 10 ** digits);
  } catch {
    return `${minor} ${currency}`;
  }
}

export function time(iso: string | undefined | null): string {
  if (!iso) return '–';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString('en-GB', { dateStyle: 'short', timeStyle: 'medium' });
}

export function kwh(wh: number | undefined | null): string {
  return wh === undefined || wh === null ? '–' : `${(wh / 1000).toFixed(3)} kWh`;
}

export function duration(seconds: number | undefined | null): string {
  if (seconds === undefined || seconds === null) return '–';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}
