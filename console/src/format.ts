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

interface RunningOnReader {
  readonly activeSessionId?: string;
  readonly sessionsByConnector?: Readonly<Record<string, string>>;
  readonly connectors?: readonly { readonly stationId: string; readonly connectorId: number; readonly label: string }[];
}

/** Every session running on a reader, by the connector's label (a kiosk runs several; a record from before kiosks, its one). */
export function readerSessions(reader: RunningOnReader): { sessionId: string; connector?: string }[] {
  const running = Object.entries(reader.sessionsByConnector ?? {}).map(([key, sessionId]) => {
    const label = reader.connectors?.find((c) => `${c.stationId}#${c.connectorId}` === key)?.label;
    return { sessionId, connector: label ?? key.replace('#', ' / ') };
  });
  const legacy = reader.activeSessionId !== undefined && !running.some((r) => r.sessionId === reader.activeSessionId);
  return legacy ? [...running, { sessionId: reader.activeSessionId! }] : running;
}
