/**
 * The operators' overview lists (`GET /ops/stations`, `GET /ops/readers`): every station with
 * its connectors' status and whether it is online, never its password; every reader with its
 * station and the screen it shows. The installer's token gets 403, as on every ops route.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SimulatedCharger } from '../../lib/local/simulated-charger';
import { INSTALLER_TOKEN, startTestSystem, waitFor, type TestSystem } from '../support/local-system';

let system: TestSystem;
let charger: SimulatedCharger | undefined;

beforeAll(async () => {
  system = await startTestSystem();
});

afterAll(async () => {
  await charger?.close();
  await system?.close();
});

it('lists every station with its connectors and state, and every reader with its screen', async () => {
  const online = await system.stationWithReader('OV', 'overview-station-secret');
  charger = online.charger;
  await system.provisionStation('CP-OV-OFFLINE', 'overview-station-secret-2', 'site-main-st', [1, 2]);

  const { status, body } = await waitFor(async () => {
    const answer = await system.api('GET', '/ops/stations');
    const station = answer.body.stations?.find((s: any) => s.stationId === online.stationId);
    return station?.connectorStatus?.length ? answer : undefined;
  }, 5_000, 'the station with its connector status');
  expect(status).toBe(200);
  expect(body.stations.map((s: any) => s.stationId)).toEqual(['CP-OV-OFFLINE', online.stationId].sort());
  const [offline, live] = [body.stations.find((s: any) => s.stationId === 'CP-OV-OFFLINE'), body.stations.find((s: any) => s.stationId === online.stationId)];
  expect(live).toMatchObject({ siteId: 'site-main-st', online: true, connectors: [1] });
  expect(live.connectorStatus[0]).toMatchObject({ connectorId: 1, status: 'Available' });
  expect(offline).toMatchObject({ online: false, connectors: [1, 2], connectorStatus: [] });
  expect(JSON.stringify(body)).not.toMatch(/passwordHash|secret/);

  const readers = await system.api('GET', '/ops/readers');
  expect(readers.status).toBe(200);
  expect(readers.body.readers).toEqual([
    expect.objectContaining({ serialNumber: online.serial, stationId: online.stationId, connectorIds: [1], screen: expect.any(String) }),
  ]);

  expect((await system.api('GET', '/ops/stations', undefined, INSTALLER_TOKEN)).status).toBe(403);
  expect((await system.api('GET', '/ops/readers', undefined, INSTALLER_TOKEN)).status).toBe(403);
});
