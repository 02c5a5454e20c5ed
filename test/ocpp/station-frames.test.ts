/**
 * How a station's frames are read: strictly first; a payload that breaks the schema is read
 * leniently unless its station is strict, and what was ignored is logged once per station and action.
 */
import { describe, expect, it, vi } from 'vitest';
import type { Leniency } from '../../lambdas/csms/model';
import { handleStationFrame, type StationActions } from '../../lambdas/ocpp/station-frames';
import { ocpp16 } from '../../lambdas/ocpp/adapters';
import type { ChargerToCsmsMessages } from '../../lambdas/ocpp/v16/schemas';

function harness(leniency: Leniency | undefined) {
  const warnings: { message: string; details: Record<string, unknown> }[] = [];
  const lookups = vi.fn(async () => leniency);
  const seen: unknown[] = [];
  const actions = {
    BootNotification: async () => ({ status: 'Accepted', currentTime: '2026-12-01T08:00:00Z', interval: 300 }),
    Heartbeat: async () => ({ currentTime: '2026-12-01T08:00:00Z' }),
    StatusNotification: async (_stationId: string, request: unknown, context: unknown) => {
      seen.push({ request, context });
      return {};
    },
  } as unknown as StationActions<ChargerToCsmsMessages>;
  const deps = {
    adapter: ocpp16,
    actions,
    calls: { inFlightAction: async () => undefined, receiveAnswer: async () => false },
    log: { warn: (message: string, details: Record<string, unknown>) => warnings.push({ message, details }), error: () => undefined },
    leniency: lookups,
  };
  const send = async (stationId: string, action: string, payload: unknown) =>
    JSON.parse((await handleStationFrame(stationId, JSON.stringify([2, 'm-1', action, payload]), deps))!) as unknown[];
  return { send, warnings, lookups, seen };
}

const boot = { chargePointVendor: 'Field', chargePointModel: 'Box', telemetry: 1 };

describe('a station that is not strict', () => {
  it('has unknown properties ignored, logged once per station and action', async () => {
    const { send, warnings } = harness({ timeZone: 'UTC' });
    expect((await send('CP-LOG-1', 'BootNotification', boot))[0]).toBe(3);
    expect((await send('CP-LOG-1', 'BootNotification', { ...boot, other: 2 }))[0]).toBe(3);
    await send('CP-LOG-1', 'Heartbeat', { uptime: 5 });
    await send('CP-LOG-2', 'BootNotification', boot);
    const ignored = warnings.filter((w) => w.message === 'properties OCPP does not define ignored').map((w) => w.details);
    expect(ignored).toEqual([
      { stationId: 'CP-LOG-1', action: 'BootNotification', ignored: ['telemetry'] },
      { stationId: 'CP-LOG-1', action: 'Heartbeat', ignored: ['uptime'] },
      { stationId: 'CP-LOG-2', action: 'BootNotification', ignored: ['telemetry'] },
    ]);
  });

  it('has offset-less times read in its zone and the call told so; a valid frame costs no station lookup', async () => {
    const { send, lookups, seen } = harness({ timeZone: 'Europe/Berlin' });
    await send('CP-ZONE', 'StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: '2026-12-01T08:00:00Z' });
    expect(lookups).not.toHaveBeenCalled();
    await send('CP-ZONE', 'StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: '2026-12-01T08:00:00' });
    expect(lookups).toHaveBeenCalledTimes(1);
    expect(seen).toEqual([
      { request: expect.objectContaining({ timestamp: '2026-12-01T08:00:00Z' }), context: {} },
      { request: expect.objectContaining({ timestamp: '2026-12-01T07:00:00.000Z' }), context: { timestampsWithoutOffset: true } },
    ]);
  });
});

describe('a strict station', () => {
  it('gets the CALLERROR of the official schemas', async () => {
    const { send } = harness(undefined);
    expect((await send('CP-CERT', 'BootNotification', boot)).slice(0, 3)).toEqual([4, 'm-1', 'FormationViolation']);
    const status = { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: '2026-12-01T08:00:00' };
    expect((await send('CP-CERT', 'StatusNotification', status)).slice(0, 3)).toEqual([4, 'm-1', 'PropertyConstraintViolation']);
  });
});
