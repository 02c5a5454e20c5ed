/**
 * The billable usage of a transaction (docs/pricing.md "Lines of a receipt"), from what the charger
 * reported over OCPP: the energy register at start and stop, the start and stop timestamps as
 * the charger stamped them, and the connector's StatusNotifications.
 *
 * A charger's report is never corrected by our clock: a meter that went backwards or a stop
 * stamped before the start bills 0 and is flagged, so the session can be reviewed instead of
 * failing to price.
 */

import type { ConnectorState } from '../csms/model';

/** The connector state during which a transaction counts as idle: plugged in, the vehicle drawing nothing. */
export const IDLE_STATE: ConnectorState = 'suspendedByVehicle';

/**
 * A status change of the transaction's connector. `timestamp` is the charger's, or the
 * time we received the notification when it carried none (as `ConnectorStatus` stores it).
 */
export interface StatusChange {
  readonly state: ConnectorState;
  readonly timestamp: string;
}

/** What a finished transaction reported; the field names are those of the CSMS `Transaction`. */
export interface FinishedTransaction {
  readonly meterStart: number;
  /** StopTransaction's meterStop, or the last meter value when the charger was lost. */
  readonly meterStop: number;
  readonly startedAt: string;
  readonly stoppedAt: string;
}

/** What a transaction still charging has reported so far. */
export interface RunningTransaction {
  readonly meterStart: number;
  readonly startedAt: string;
  /** The last energy register reading (Wh); none yet means nothing was drawn so far. */
  readonly lastMeterWh?: number;
}

export type UsageAnomaly =
  /** The stop register was below the start register: billed as 0 Wh. */
  | 'meterWentBackwards'
  /** The stop timestamp was before the start timestamp: billed as 0 s, and 0 s idle. */
  | 'stoppedBeforeStart';

export interface Usage {
  /** Whole Wh, never negative. */
  readonly energyWh: number;
  /** Whole seconds (floored), never negative. */
  readonly durationSeconds: number;
  /** Whole seconds (floored) the connector was `suspendedByVehicle` within the transaction; never above `durationSeconds`. */
  readonly idleSeconds: number;
  readonly anomalies: readonly UsageAnomaly[];
}

export class InvalidTimestampError extends Error {
  constructor(
    readonly field: string,
    readonly value: unknown,
  ) {
    super(`${field} must be an ISO 8601 date-time with a time zone, got ${JSON.stringify(value)}`);
    this.name = 'InvalidTimestampError';
  }
}

export class InvalidMeterReadingError extends Error {
  constructor(
    readonly field: string,
    readonly value: unknown,
  ) {
    super(`${field} must be an integer number of Wh, got ${String(value)}`);
    this.name = 'InvalidMeterReadingError';
  }
}

// A zone is required: a time without one would be read in the Lambda's local time.
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;

/** Milliseconds since the epoch; digits below the millisecond are dropped. */
function parseTimestamp(value: string, field: string): number {
  const ms = typeof value === 'string' && ISO_DATE_TIME.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new InvalidTimestampError(field, value);
  return ms;
}

function meterReading(value: number, field: string): number {
  if (!Number.isSafeInteger(value)) throw new InvalidMeterReadingError(field, value);
  return value;
}

/** Milliseconds of `suspendedByVehicle` within [startMs, stopMs]: the connector's state is the last change at or before each instant. */
function idleMilliseconds(statusChanges: readonly StatusChange[], startMs: number, stopMs: number): number {
  const changes = statusChanges
    .map((change, index) => ({
      at: parseTimestamp(change.timestamp, `statusChanges[${index}].timestamp`),
      idle: change.state === IDLE_STATE,
      index,
    }))
    // Of two notifications with the same timestamp, the one received later holds.
    .sort((a, b) => a.at - b.at || a.index - b.index);

  let idle = 0;
  let idleSince: number | undefined;
  for (const change of changes) {
    if (change.at >= stopMs) break;
    const at = Math.max(change.at, startMs);
    if (change.idle) {
      idleSince ??= at; // a repeated suspendedByVehicle continues the interval, it does not restart it
    } else if (idleSince !== undefined) {
      idle += at - idleSince;
      idleSince = undefined;
    }
  }
  if (idleSince !== undefined) idle += stopMs - idleSince;
  return idle;
}

interface Reported {
  readonly meterStart: number;
  readonly meterStop: number;
  readonly startedAt: string;
  readonly stoppedAt: string;
  /** The caller's names of meterStop and stoppedAt, for the errors. */
  readonly names: { readonly meterStop: string; readonly stoppedAt: string };
}

function measure(reported: Reported, statusChanges: readonly StatusChange[]): Usage {
  const { names } = reported;
  const anomalies: UsageAnomaly[] = [];
  const energy = meterReading(reported.meterStop, names.meterStop) - meterReading(reported.meterStart, 'meterStart');
  if (energy < 0) anomalies.push('meterWentBackwards');

  const startMs = parseTimestamp(reported.startedAt, 'startedAt');
  const stopMs = parseTimestamp(reported.stoppedAt, names.stoppedAt);
  if (stopMs < startMs) anomalies.push('stoppedBeforeStart');
  const idleMs = stopMs > startMs ? idleMilliseconds(statusChanges, startMs, stopMs) : 0;

  return {
    energyWh: Math.max(0, energy),
    durationSeconds: Math.max(0, Math.floor((stopMs - startMs) / 1000)),
    idleSeconds: Math.floor(idleMs / 1000),
    anomalies,
  };
}

/** The billable usage of a finished transaction. */
export function measureUsage(transaction: FinishedTransaction, statusChanges: readonly StatusChange[]): Usage {
  const { meterStart, meterStop, startedAt, stoppedAt } = transaction;
  return measure(
    { meterStart, meterStop, startedAt, stoppedAt, names: { meterStop: 'meterStop', stoppedAt: 'stoppedAt' } },
    statusChanges,
  );
}

/**
 * The usage of a transaction still charging, "so far": it stops `now` (an ISO timestamp) at
 * the last meter reading. This is what the running total on the reader and the hold cap are
 * priced from.
 */
export function measureUsageSoFar(
  transaction: RunningTransaction,
  statusChanges: readonly StatusChange[],
  now: string,
): Usage {
  const { meterStart, startedAt, lastMeterWh = meterStart } = transaction;
  return measure(
    { meterStart, meterStop: lastMeterWh, startedAt, stoppedAt: now, names: { meterStop: 'lastMeterWh', stoppedAt: 'now' } },
    statusChanges,
  );
}
