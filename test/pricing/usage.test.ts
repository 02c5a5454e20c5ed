import { describe, expect, it } from 'vitest';
import {
  InvalidMeterReadingError,
  InvalidTimestampError,
  measureUsage,
  measureUsageSoFar,
  type StatusChange,
} from '../../lambdas/pricing/usage';
import type { ConnectorState } from '../../lambdas/csms/model';
import { thrown } from './builders';

const START = '2025-03-01T10:00:00Z';
const STOP = '2025-03-01T11:00:00Z';

/** A timestamp `seconds` after START. */
function at(seconds: number): string {
  return new Date(Date.parse(START) + seconds * 1000).toISOString();
}

function status(name: ConnectorState, secondsAfterStart: number): StatusChange {
  return { state: name, timestamp: at(secondsAfterStart) };
}

function aTransaction(overrides: Partial<Parameters<typeof measureUsage>[0]> = {}) {
  return { meterStart: 1000, meterStop: 13345, startedAt: START, stoppedAt: STOP, ...overrides };
}

describe('measureUsage', () => {
  it("measures docs/pricing.md's worked example: 12345 Wh, 3600 s, 900 s idle", () => {
    const usage = measureUsage(aTransaction(), [
      status('preparing', -30),
      status('charging', 0),
      status('suspendedByVehicle', 2700),
      status('finishing', 3600),
    ]);
    expect(usage).toEqual({ energyWh: 12345, durationSeconds: 3600, idleSeconds: 900, anomalies: [] });
  });

  it('bills 0 Wh and flags a meter that went backwards', () => {
    const usage = measureUsage(aTransaction({ meterStart: 5000, meterStop: 4000 }), []);
    expect(usage.energyWh).toBe(0);
    expect(usage.anomalies).toEqual(['meterWentBackwards']);
  });

  it('bills 0 s and no idle, flagged, when the charger stamped the stop before the start', () => {
    const usage = measureUsage(aTransaction({ stoppedAt: '2025-03-01T09:59:00Z' }), [status('suspendedByVehicle', -120)]);
    expect(usage).toMatchObject({ durationSeconds: 0, idleSeconds: 0, anomalies: ['stoppedBeforeStart'] });
  });

  it.each([
    ['whole seconds, floored', '2025-03-01T10:00:00.900Z', '2025-03-01T10:00:02.100Z', 1],
    ['just under a second', '2025-03-01T10:00:00.000Z', '2025-03-01T10:00:00.999Z', 0],
    ['microseconds dropped', '2025-03-01T10:00:00.000001Z', '2025-03-01T10:30:00.000999Z', 1800],
    ['across time zones', '2025-03-01T12:00:00+02:00', '2025-03-01T10:30:00Z', 1800],
    ['the same instant', START, START, 0],
  ])('takes the duration as the charger reported it: %s', (_case, startedAt, stoppedAt, seconds) => {
    expect(measureUsage(aTransaction({ startedAt, stoppedAt }), []).durationSeconds).toBe(seconds);
  });

  // START to STOP is 3600 s.
  it.each<[string, StatusChange[], number]>([
    ['no notifications', [], 0],
    ['idle from before the start, never ended: from the start to the stop', [status('suspendedByVehicle', -500)], 3600],
    ['idle from before the start, ended inside', [status('suspendedByVehicle', -500), status('charging', 600)], 600],
    ['idle still open at the stop ends at the stop', [status('charging', 0), status('suspendedByVehicle', 3000)], 600],
    ['idle beginning at the stop or after does not count', [status('suspendedByVehicle', 3600), status('suspendedByVehicle', 4000)], 0],
    ['an interval crossing the stop is cut at the stop', [status('suspendedByVehicle', 3500), status('charging', 3700)], 100],
    [
      'two intervals add up',
      [status('suspendedByVehicle', 100), status('charging', 200), status('suspendedByVehicle', 1000), status('finishing', 1500)],
      600,
    ],
    [
      'notifications out of order are sorted by timestamp',
      [status('finishing', 1500), status('suspendedByVehicle', 1000), status('charging', 200), status('suspendedByVehicle', 100)],
      600,
    ],
    [
      'a repeated suspendedByVehicle continues the interval instead of counting it twice',
      [status('suspendedByVehicle', 100), status('suspendedByVehicle', 200), status('suspendedByVehicle', 250), status('charging', 300)],
      200,
    ],
    [
      'a repeated suspendedByVehicle received out of order',
      [status('charging', 300), status('suspendedByVehicle', 200), status('suspendedByVehicle', 100)],
      200,
    ],
    ['suspendedByCharger is not idle (the charger holds the car back)', [status('suspendedByCharger', 0)], 0],
    ['of two notifications at one instant, the one received later holds', [status('suspendedByVehicle', 60), status('charging', 60)], 0],
    ['...in either order', [status('charging', 60), status('suspendedByVehicle', 60)], 3540],
    ['a status before the start ends idle before it counts', [status('suspendedByVehicle', -900), status('charging', -1)], 0],
  ])('idle: %s', (_case, changes, idleSeconds) => {
    expect(measureUsage(aTransaction(), changes).idleSeconds).toBe(idleSeconds);
  });

  it('floors idle time once, over the sum of its intervals', () => {
    const changes: StatusChange[] = [
      { state: 'suspendedByVehicle', timestamp: '2025-03-01T10:00:10.600Z' },
      { state: 'charging', timestamp: '2025-03-01T10:00:11.200Z' }, // 0.6 s
      { state: 'suspendedByVehicle', timestamp: '2025-03-01T10:00:20.500Z' },
      { state: 'charging', timestamp: '2025-03-01T10:00:21.000Z' }, // 0.5 s
    ];
    expect(measureUsage(aTransaction(), changes).idleSeconds).toBe(1);
  });

  it.each(['2025-03-01T10:00:00', '2025-03-01 10:00:00Z', 'yesterday', '', '2025-13-45T10:00:00Z'])(
    'refuses the start timestamp %j (a time without a zone would be read in local time)',
    (startedAt) => {
      expect(() => measureUsage(aTransaction({ startedAt }), [])).toThrow(InvalidTimestampError);
    },
  );

  it('names the notification whose timestamp is invalid', () => {
    expect(() => measureUsage(aTransaction(), [status('charging', 0), { state: 'suspendedByVehicle', timestamp: 'soon' }])).toThrow(
      /statusChanges\[1\]\.timestamp/,
    );
  });

  it.each([1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses the meter reading %s', (meterStop) => {
    expect(() => measureUsage(aTransaction({ meterStop }), [])).toThrow(InvalidMeterReadingError);
  });

  it.each<[string, Partial<ReturnType<typeof aTransaction>>, string, string, string]>([
    // [case, transaction, error name, field, message]
    ['a fractional start reading', { meterStart: 0.5 }, 'InvalidMeterReadingError', 'meterStart', 'meterStart must be an integer number of Wh, got 0.5'],
    ['a fractional stop reading', { meterStop: 1.5 }, 'InvalidMeterReadingError', 'meterStop', 'meterStop must be an integer number of Wh, got 1.5'],
    ['a start without a zone', { startedAt: '2025-03-01T10:00:00' }, 'InvalidTimestampError', 'startedAt', 'startedAt must be an ISO 8601 date-time with a time zone, got "2025-03-01T10:00:00"'],
    ['a stop without a zone', { stoppedAt: '2025-03-01T11:00:00' }, 'InvalidTimestampError', 'stoppedAt', 'stoppedAt must be an ISO 8601 date-time with a time zone, got "2025-03-01T11:00:00"'],
  ])('names %s in its error', (_case, overrides, name, field, message) => {
    expect(thrown(() => measureUsage(aTransaction(overrides), []))).toMatchObject({ name, field, message });
  });

  it('refuses a timestamp that is no string, even one that reads as a date-time', () => {
    const startedAt = [START] as unknown as string;
    expect(() => measureUsage(aTransaction({ startedAt }), [])).toThrow(InvalidTimestampError);
  });

  it('flags nothing when no energy was drawn and no time passed (an equal start and stop is no anomaly)', () => {
    expect(measureUsage(aTransaction({ meterStop: 1000, stoppedAt: START }), [status('suspendedByVehicle', 0)])).toEqual({
      energyWh: 0,
      durationSeconds: 0,
      idleSeconds: 0,
      anomalies: [],
    });
  });
});

describe('measureUsageSoFar', () => {
  it('measures up to now at the last meter reading, an open idle interval ending now', () => {
    const usage = measureUsageSoFar(
      { meterStart: 1000, startedAt: START, lastMeterWh: 7000 },
      [status('charging', 0), status('suspendedByVehicle', 1500)],
      at(1800),
    );
    expect(usage).toEqual({ energyWh: 6000, durationSeconds: 1800, idleSeconds: 300, anomalies: [] });
  });

  it('counts no energy before the first meter value', () => {
    expect(measureUsageSoFar({ meterStart: 1000, startedAt: START }, [], at(60))).toMatchObject({ energyWh: 0, durationSeconds: 60 });
  });

  it('flags a last reading below the start and a clock behind the charger without going negative', () => {
    const usage = measureUsageSoFar({ meterStart: 1000, startedAt: START, lastMeterWh: 900 }, [], at(-5));
    expect(usage).toEqual({ energyWh: 0, durationSeconds: 0, idleSeconds: 0, anomalies: ['meterWentBackwards', 'stoppedBeforeStart'] });
  });

  it('names the last reading and now in its errors', () => {
    expect(() => measureUsageSoFar({ meterStart: 1000, startedAt: START, lastMeterWh: 0.5 }, [], at(1))).toThrow(/lastMeterWh/);
    expect(() => measureUsageSoFar({ meterStart: 1000, startedAt: START }, [], 'now')).toThrow(/^now /);
  });
});
