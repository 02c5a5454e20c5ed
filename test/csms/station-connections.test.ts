/** The timer's pass over refused connections: closed once open, given up once they left by themselves. */
import { describe, expect, it } from 'vitest';
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
