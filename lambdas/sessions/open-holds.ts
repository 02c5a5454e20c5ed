/**
 * When a hold still AUTHORIZED at Payter is overdue, whatever our record of its session says.
 * A hold belongs open only while its session runs: once the session has ended it should be
 * committed or cancelled within minutes, and a session that runs for ever is itself wrong.
 */
import { getIntFromEnv } from '../shared/config';
import type { ChargingSession, SessionStatus } from './model';

export interface HoldAgePolicy {
  /** A hold still open this many minutes after its session ended is overdue. */
  readonly graceMinutesAfterEnd: number;
  /** A hold of a session still running this many hours after the card was authorized is overdue. */
  readonly maxOpenHours: number;
}

/**
 * 15 minutes past the session's end (the first five commit retries take five); 13 hours for a
 * running session: the default maximum session time (720 minutes) and an hour more.
 */
export const DEFAULT_HOLD_AGE_POLICY: HoldAgePolicy = { graceMinutesAfterEnd: 15, maxOpenHours: 13 };

/** `RECONCILIATION_HOLD_GRACE_MINUTES`, `RECONCILIATION_OPEN_HOLD_MAX_HOURS`. */
export function holdAgePolicyFromEnv(): HoldAgePolicy {
  return {
    graceMinutesAfterEnd: getIntFromEnv('RECONCILIATION_HOLD_GRACE_MINUTES', DEFAULT_HOLD_AGE_POLICY.graceMinutesAfterEnd),
    maxOpenHours: getIntFromEnv('RECONCILIATION_OPEN_HOLD_MAX_HOURS', DEFAULT_HOLD_AGE_POLICY.maxOpenHours),
  };
}

/** Sessions whose charge is over: their hold should be final. */
const ENDED: readonly SessionStatus[] = ['stopped', 'completed', 'cancelled', 'failed', 'declined'];

export interface OpenHoldAge {
  /** Minutes since the card was authorized (the session's creation: the tap). */
  readonly ageMinutes: number;
  /** When the session ended, if it has. */
  readonly endedAt?: string;
  readonly overdue: boolean;
}

/** The age of a session's hold that Payter still lists as AUTHORIZED. */
export function openHoldAge(session: ChargingSession, now: Date, policy: HoldAgePolicy): OpenHoldAge {
  const ageMinutes = minutesBetween(session.createdAt, now);
  const final = session.paymentState === 'committed' || session.paymentState === 'cancelled';
  if (final || ENDED.includes(session.status)) {
    const endedAt = session.stoppedAt ?? session.updatedAt;
    // Our record says the money is final while Payter holds it: overdue at once.
    return { ageMinutes, endedAt, overdue: final || minutesBetween(endedAt, now) >= policy.graceMinutesAfterEnd };
  }
  return { ageMinutes, overdue: ageMinutes >= policy.maxOpenHours * 60 };
}

function minutesBetween(iso: string, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - Date.parse(iso)) / 60_000));
}

/** Age buckets of the open-holds metric (its `Age` dimension). */
export function ageBucket(ageMinutes: number | undefined): string {
  if (ageMinutes === undefined) return 'unknown';
  if (ageMinutes < 15) return 'under15m';
  if (ageMinutes < 60) return '15mTo1h';
  if (ageMinutes < 24 * 60) return '1hTo24h';
  return 'over24h';
}
