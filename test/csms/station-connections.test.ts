/**
 * The timer's passes: refused connections closed once open, given up once they left by
 * themselves; stations that went away told as gone only past the reconnect grace.
 */
import { describe, expect, it } from 'vitest';
import { ReconnectGrace } from '../../lambdas/csms/reconnect-grace';
import { StationConnections } from '../../lambdas/csms/station-connections';
import type { ConnectionRepository, StationLink, StationRepository } from '../../lambdas/csms/ports';

function given(scheduled: Record<string, string>, answers: Record<string, 'closed' | 'gone'>, now: string) {
  const closing = new Map(Object.entries(scheduled));
  const closeCalls: string[] = [];
  const connections = {
    scheduledCloses: async () => [...closing].map(([connectionId, since]) => ({ connectionId, since })),
    unscheduleClose: async (id: string) => void closing.delete(id),
  } as unknown as ConnectionRepository;
  const link: StationLink = {
    send: async () => 'sent',
    close: async (id) => {
      closeCalls.push(id);
      return answers[id] ?? 'gone';
    },
  };
  const service = new StationConnections({
    connections,
    stations: {} as StationRepository,
    link,
    clock: { now: () => new Date(now) },
    log: { info: () => undefined, warn: () => undefined },
  });
  return { service, closing, closeCalls };
}

describe('closeRefused', () => {
  it('closes what is open, keeps trying one not open yet, and forgets one that left long ago', async () => {
    const { service, closing, closeCalls } = given(
      { open: '2026-12-01T10:00:00.000Z', opening: '2026-12-01T10:00:00.000Z', left: '2026-12-01T09:59:00.000Z' },
      { open: 'closed' },
      '2026-12-01T10:00:01.000Z',
    );
    expect(await service.closeRefused()).toBe(1);
    expect(closeCalls.sort()).toEqual(['left', 'open', 'opening']);
    expect([...closing.keys()]).toEqual(['opening']);
  });
});

describe('the reconnect grace', () => {
  const T = Date.parse('2026-12-01T10:00:00.000Z');
  const iso = (s: number) => new Date(T + s * 1000).toISOString();

  function station(online: Record<string, boolean>, now: number, graceS = 60) {
    const awaiting = new Map<string, string>();
    const connections = {
      awaitReconnect: async (id: string, since: string) => void awaiting.set(id, since),
      awaitingReconnect: async () => [...awaiting].map(([stationId, since]) => ({ stationId, since })),
      reconnectAwaited: async (id: string, since: string) => {
        if (awaiting.get(id) === since) awaiting.delete(id);
      },
    } as unknown as ConnectionRepository;
    const clock = { at: now, now: () => new Date(T + clock.at * 1000) };
    const service = new ReconnectGrace({
      connections,
      stations: { get: async (id: string) => (id in online ? { stationId: id, online: online[id] } : undefined) } as unknown as StationRepository,
      clock,
      log: { info: () => undefined, warn: () => undefined },
      graceMs: graceS * 1000,
    });
    return { service, awaiting, clock };
  }

  it('a station that went away counts as gone only once the grace has passed and it is still offline', async () => {
    const { service, awaiting, clock } = station({ 'CP-GONE': false }, 0);
    await service.wentAway('CP-GONE');
    clock.at = 59;
    expect(await service.gonePastGrace()).toEqual([]);
    expect([...awaiting.keys()]).toEqual(['CP-GONE']);
    clock.at = 60;
    expect(await service.gonePastGrace()).toEqual(['CP-GONE']);
    // Told once.
    expect(await service.gonePastGrace()).toEqual([]);
  });

  it('a station back within the grace is forgotten, never told as gone', async () => {
    const { service, awaiting, clock } = station({ 'CP-BACK': true }, 0);
    await service.wentAway('CP-BACK');
    clock.at = 61;
    expect(await service.gonePastGrace()).toEqual([]);
    expect(awaiting.size).toBe(0);
  });

  it('going away again restarts the grace', async () => {
    const { service, awaiting, clock } = station({ 'CP-FLAP': false }, 0);
    await service.wentAway('CP-FLAP');
    clock.at = 50;
    await service.wentAway('CP-FLAP');
    clock.at = 70;
    expect(await service.gonePastGrace()).toEqual([]);
    expect(awaiting.get('CP-FLAP')).toBe(iso(50));
    clock.at = 110;
    expect(await service.gonePastGrace()).toEqual(['CP-FLAP']);
  });
});
