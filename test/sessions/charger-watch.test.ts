/**
 * When a charging session's charger counts as lost: the site's chargerLostSeconds after it
 * disconnected, or after it fell silent past its heartbeat interval. Domain service with
 * in-memory ports (the end-to-end path is in test/integration/charger-lost.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Station } from '../../lambdas/csms/model';
import type { StoredSite } from '../../lambdas/installer/installer-service';
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
    executionName: 's-1',
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
  function watch(sessions: ChargingSession[], st: Station | undefined, chargerLostSeconds = 900) {
    const failed: { token: string; error: string }[] = [];
    const site = { siteId: 'site-1', limits: { plugInWindowSeconds: 120, maxSessionMinutes: 720, chargerLostSeconds } } as unknown as StoredSite;
    const service = new ChargerWatch({
      sessions: { get: async (id) => sessions.find((s) => s.sessionId === id), listUnsettled: async () => sessions },
      sites: { get: async () => site, put: async () => undefined },
      stations: { get: async () => st },
      signals: {
        succeed: async () => undefined,
        fail: async (token, error) => {
          failed.push({ token, error });
        },
      },
      clock: { now: () => new Date(NOW) },
      heartbeatIntervalSeconds: 300,
      log: { info: () => undefined, warn: () => undefined },
    });
    return { service, failed };
  }

  it("ends the stop wait with ChargerLost once the station has been gone for the site's limit", async () => {
    const { service, failed } = watch([session({})], station({ online: false, disconnectedAt: ago(901) }));
    expect(await service.settleLostChargers()).toEqual(['s-1']);
    expect(failed).toEqual([{ token: 'token-1', error: 'ChargerLost' }]);
  });

  it.each([
    ['gone for less than the limit', [session({})], station({ online: false, disconnectedAt: ago(899) })],
    ['online and talking', [session({})], station({ lastSeenAt: ago(10) })],
    ['not waiting for the stop yet', [session({ stopTaskToken: undefined })], station({ online: false, disconnectedAt: ago(5000) })],
    ['already stopped', [session({ status: 'stopped', stoppedAt: ago(10) })], station({ online: false, disconnectedAt: ago(5000) })],
    ['starting, not charging', [session({ status: 'starting' })], station({ online: false, disconnectedAt: ago(5000) })],
  ])('leaves a session alone when %s', async (_case, sessions, st) => {
    const { service, failed } = watch(sessions, st);
    expect(await service.settleLostChargers()).toEqual([]);
    expect(failed).toEqual([]);
  });

  it("uses the site's own limit", async () => {
    const { service } = watch([session({})], station({ online: false, disconnectedAt: ago(61) }), 60);
    expect(await service.settleLostChargers()).toEqual(['s-1']);
  });
});
