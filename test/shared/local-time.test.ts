import { describe, expect, it } from 'vitest';
import { localDateTimeToUtc } from '../../lambdas/shared/local-time';

describe('a wall-clock time without an offset, read in a time zone', () => {
  it.each([
    ['2026-12-01T08:14:51', 'UTC', '2026-12-01T08:14:51.000Z'],
    ['2026-12-01T08:14:51', 'America/New_York', '2026-12-01T13:14:51.000Z'],
    ['2026-07-01T08:14:51.25', 'America/New_York', '2026-07-01T12:14:51.250Z'],
    ['2026-12-01T08:14:51', 'Asia/Kolkata', '2026-12-01T02:44:51.000Z'],
    ['2026-07-01T00:30:00', 'Europe/Berlin', '2026-06-30T22:30:00.000Z'],
    // New York's clocks go back at 02:00 EDT on 2026-11-01: 01:30 happens twice, the first is EDT.
    ['2026-11-01T01:30:00', 'America/New_York', '2026-11-01T05:30:00.000Z'],
    ['2026-11-01T02:30:00', 'America/New_York', '2026-11-01T07:30:00.000Z'],
    // Berlin's go back at 03:00 CEST on 2026-10-25: 02:30 twice, the first is CEST.
    ['2026-10-25T02:30:00', 'Europe/Berlin', '2026-10-25T00:30:00.000Z'],
    // New York's go forward at 02:00 EST on 2026-03-08: 02:30 never happens, read as 03:30 EDT.
    ['2026-03-08T02:30:00', 'America/New_York', '2026-03-08T07:30:00.000Z'],
    ['2026-03-08T03:30:00', 'America/New_York', '2026-03-08T07:30:00.000Z'],
    ['2026-03-08T01:59:59', 'America/New_York', '2026-03-08T06:59:59.000Z'],
  ])('%s in %s is %s', (local, zone, utc) => {
    expect(localDateTimeToUtc(local, zone)).toBe(utc);
  });

  it.each(['2026-02-30T08:00:00', '2026-12-01T24:00:00', '2026-12-01T08:14', '2026-12-01 08:14:51', '2026-12-01T08:14:51Z', 'yesterday', ''])(
    'refuses %j',
    (value) => {
      expect(localDateTimeToUtc(value, 'America/New_York')).toBeUndefined();
    },
  );
});
