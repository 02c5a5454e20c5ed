/**
 * When a charging session's charger counts as lost: the site's chargerLostSeconds after it
 * disconnected, or after it fell silent past its heartbeat interval. Domain service with
 * in-memory ports (the end-to-end path is in test/integration/charger-lost.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Station } from '../../lambdas/csms/model';
import type { StoredSite } from '../../lambdas/sites/site-settings';
import type { ChargingSession } from '../../lambdas/sessions/model';
import { ChargerWatch, unreachableSince } from '../../lambdas/sessions/charger-watch';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const ago = (seconds: number) => new Date(NOW - seconds * 1000).toISOString();

const station = (fields: Partial<Station>): Station => ({
  stationId: 'CP-1',
  siteId: 'site-1',
  connectors: [1],
  passwordHash: 'x',
  createdAt: ago(86_400),
  updatedAt: ago(86_400),
  online: true,
  ...fields,
});

const session = (fields: Partial<ChargingSession>): ChargingSession =>
  ({
    sessionId: 's-1',
    status: 'charging',
    serialNumber: 'R-1',
    stationId: 'CP-1',
    connectorId: 1,
    siteId: 'site-1',
    cardId: 'c',
    ifd: 'CONTACTLESS',
    idTag: 'T',
    readingId: 'r',
    createdAt: ago(7200),
    updatedAt: ago(3600),
    stopTaskToken: 'token-1',
    ...fields,
  }) as ChargingSession;

describe('unreachableSince', () => {
  it.each([
    ['disconnected 10 min ago', station({ online: false, disconnectedAt: ago(600), lastSeenAt: ago(700) }), ago(3600), NOW - 600_000],
    ['online, heartbeat 100 s ago: fine until 200 s from now', station({ lastSeenAt: ago(100) }), ago(3600), NOW + 200_000],
    ['online, silent for an hour: since 55 min ago', station({ lastSeenAt: ago(3600) }), ago(3600), NOW - 3300_000],
    ['online, no heartbeat but meter values a minute ago', station({ lastSeenAt: ago(3600) }), ago(60), NOW + 240_000],
    ['a station that is gone', undefined, ago(60), 0],
  ])('%s', (_case, st, updatedAt, expected) => {
    expect(unreachableSince(st, { updatedAt }, 300)).toBe(expected);
  });
});

describe('ChargerWatch', () => {
  function watch(
    sessions: ChargingSession[],
    st: Station | undefined,
    chargerLostSeconds: number | null = 900,
    { reread = (s: ChargingSession | undefined) => s, failSignal = false }: { reread?: (s: ChargingSession | undefined) => ChargingSession | undefined; failSignal?: boolean } = {},
  ) {
    const failed: { token: string; error: string; cause: string }[] = [];
    const logs: { level: string; message: string; details: Record<string, unknown> }[] = [];
    // null: the site is gone (its default limit applies).
    const site = chargerLostSeconds === null ? undefined : ({ siteId: 'site-1', limits: { plugInWindowSeconds: 120, maxSessionMinutes: 720, chargerLostSeconds } } as unknown as StoredSite);
    const service = new ChargerWatch({
      sessions: { get: async (id) => reread(sessions.find((s) => s.sessionId === id)), listUnsettled: async () => sessions },
      sites: { get: async () => site, put: async () => undefined },
      stations: { get: async () => st },
      workflow: {
        fail: async (token, error, cause) => {
          if (failSignal) throw new Error('Task Timed Out');
          failed.push({ token, error, cause });
        },
      },
      clock: { now: () => new Date(NOW) },
      heartbeatIntervalSeconds: 300,
      log: { info: (message, details) => logs.push({ level: 'info', message, details }), warn: (message, details) => logs.push({ level: 'warn', message, details }) },
    });
    return { service, failed, logs };
  }

  it("ends the stop wait with ChargerLost once the station has been gone for the site's limit", async () => {
    const { service, failed } = watch([session({})], station({ online: false, disconnectedAt: ago(901) }));
    expect(await service.settleLostChargers()).toEqual(['s-1']);
    expect(failed).toEqual([{ token: 'token-1', error: 'ChargerLost', cause: `station CP-1 unreachable since ${ago(901)}` }]);
  });

  it.each([
    ['gone for less than the limit', [session({})], station({ online: false, disconnectedAt: ago(899) })],
    ['online and talking', [session({})], station({ lastSeenAt: ago(10) })],
    ['not waiting for the stop yet', [session({ stopTaskToken: undefined })], station({ online: false, disconnectedAt: ago(5000) })],
    ['already stopped', [session({ status: 'stopped', stoppedAt: ago(10) })], station({ online: false, disconnectedAt: ago(5000) })],
    ['starting, not charging', [session({ status: 'starting' })], station({ online: false, disconnectedAt: ago(5000) })],
    ['its stop already recorded (billed from the last meter value)', [session({ stoppedAt: ago(10) })], station({ online: false, disconnectedAt: ago(5000) })],
  ])('leaves a session alone when %s', async (_case, sessions, st) => {
    const { service, failed } = watch(sessions, st);
    expect(await service.settleLostChargers()).toEqual([]);
    expect(failed).toEqual([]);
  });

  it("uses the site's own limit", async () => {
    const { service } = watch([session({})], station({ online: false, disconnectedAt: ago(61) }), 60);
    expect(await service.settleLostChargers()).toEqual(['s-1']);
  });

  it.each([
    ['exactly the limit', 900, ['s-1']],
    ['a second short of it', 899, []],
  ])('gone for %s: lost once the limit is reached', async (_case, seconds, expected) => {
    const { service } = watch([session({})], station({ online: false, disconnectedAt: ago(seconds) }));
    expect(await service.settleLostChargers()).toEqual(expected);
  });

  it('a session we are stopping (the remote stop never answered) is settled too', async () => {
    const { service } = watch([session({ status: 'stopping' })], station({ online: false, disconnectedAt: ago(901) }));
    expect(await service.settleLostChargers()).toEqual(['s-1']);
  });

  it("a site gone: the default limit (15 minutes)", async () => {
    expect(await watch([session({})], station({ online: false, disconnectedAt: ago(899) }), null).service.settleLostChargers()).toEqual([]);
    expect(await watch([session({})], station({ online: false, disconnectedAt: ago(900) }), null).service.settleLostChargers()).toEqual(['s-1']);
  });

  it.each([
    ['gone', () => undefined],
    ['stopped meanwhile (the index lagged)', (s: ChargingSession | undefined) => s && { ...s, status: 'stopped' as const, stoppedAt: ago(5) }],
    ['no longer waiting', (s: ChargingSession | undefined) => s && { ...s, stopTaskToken: undefined }],
  ])('a session %s when read again is left alone', async (_case, reread) => {
    const { service, failed } = watch([session({})], station({ online: false, disconnectedAt: ago(5000) }), 900, { reread });
    expect(await service.settleLostChargers()).toEqual([]);
    expect(failed).toEqual([]);
  });

  it('a session the index still lists as starting is left for the next pass, whatever it is by now', async () => {
    const { service, failed } = watch([session({ status: 'starting' })], station({ online: false, disconnectedAt: ago(5000) }), 900, {
      reread: (s) => s && { ...s, status: 'charging' },
    });
    expect(await service.settleLostChargers()).toEqual([]);
    expect(failed).toEqual([]);
  });

  it('logs the lost charger with the session and since when', async () => {
    const { service, logs } = watch([session({})], station({ online: false, disconnectedAt: ago(1000) }));
    await service.settleLostChargers();
    expect(logs).toEqual([{ level: 'info', message: 'charger lost: session billed from its last meter value', details: { sessionId: 's-1', stationId: 'CP-1', unreachableSince: ago(1000) } }]);
  });

  it('a wait that ended meanwhile (the StopTransaction came): warned, not counted', async () => {
    const { service, logs } = watch([session({})], station({ online: false, disconnectedAt: ago(1000) }), 900, { failSignal: true });
    expect(await service.settleLostChargers()).toEqual([]);
    expect(logs).toEqual([{ level: 'warn', message: 'charger lost, but the session no longer waits for it', details: { sessionId: 's-1', error: 'Error: Task Timed Out' } }]);
  });

  it('a station gone is lost since ever', async () => {
    const { service, failed } = watch([session({})], undefined);
    expect(await service.settleLostChargers()).toEqual(['s-1']);
    expect(failed[0]?.cause).toBe('station CP-1 unreachable since 1970-01-01T00:00:00.000Z');
  });
});

describe('unreachableSince of an offline station without a disconnect time', () => {
  it.each([
    ['its last heartbeat', station({ online: false, lastSeenAt: ago(700) }), NOW - 700_000],
    ['else its last update', station({ online: false, updatedAt: ago(800) }), NOW - 800_000],
  ])('%s', (_case, st, expected) => {
    expect(unreachableSince(st, { updatedAt: ago(10) }, 300)).toBe(expected);
  });

  it('online without a heartbeat: from its last update', () => {
    expect(unreachableSince(station({ updatedAt: ago(1000) }), { updatedAt: ago(2000) }, 300)).toBe(NOW - 700_000);
  });
});
