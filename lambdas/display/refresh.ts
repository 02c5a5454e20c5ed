/**
 * How often meter values may redraw the live charging screen.
 *
 * Every MeterValues of a charging session may update the reader, but each update is a Payter
 * `POST /ui` call and a redraw the driver has to read. A meter value refreshes the screen
 * only when at least `minIntervalMs` (30 s) have passed since it was last shown; with a
 * meter interval of 30 s or less the screen therefore changes every 30 to 60 s, and with a
 * longer meter interval at every meter value.
 */
export const CHARGING_SCREEN_MIN_REFRESH_MS = 30_000;

/**
 * `lastShownAt` and `now` are epoch milliseconds of wall-clock time (not the meter value's
 * timestamp: chargers replay queued meter values after a reconnect). A `lastShownAt` in the
 * future (clock skew between Lambda instances) refreshes rather than freezing the screen.
 */
export function shouldRefreshChargingScreen(
  lastShownAt: number | undefined,
  now: number,
  minIntervalMs: number = CHARGING_SCREEN_MIN_REFRESH_MS,
): boolean {
  if (!Number.isFinite(now)) throw new RangeError(`now must be a finite epoch millisecond value, got ${now}`);
  if (!Number.isFinite(minIntervalMs) || minIntervalMs < 0) {
    throw new RangeError(`minIntervalMs must be a non-negative number, got ${minIntervalMs}`);
  }
  if (lastShownAt === undefined || !Number.isFinite(lastShownAt)) return true;
  const sinceShown = now - lastShownAt;
  return sinceShown < 0 || sinceShown >= minIntervalMs;
}
