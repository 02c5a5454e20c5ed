/**
 * What a station's state does to the readers that serve it: no card is taken for a charge that
 * cannot happen (station offline, every connector of the reader faulted or unavailable), the
 * start screen returns when a connector is usable again, and a reader serving a session is
 * left to that session.
 */
import { describe, expect, it } from 'vitest';
import type { ConnectorStatus } from '../../lambdas/csms/model';
import { connectorStateOf16 } from '../../lambdas/ocpp/v16/connector-states';
import { StationReaders } from '../../lambdas/readers/station-readers';
import { SERIAL, SITE_ID, STATION_ID, T0, givenWorld, type World } from '../support/in-memory';

const status = (connectorId: number, s: string, stationId = STATION_ID): ConnectorStatus => ({
  stationId,
  connectorId,
  state: connectorStateOf16(s),
  status: s,
  errorCode: 'NoError',
  timestamp: T0,
  receivedAt: T0,
});

/** The world's reader serving connectors 1 and 2 of CP-1, showing its start screen. */
async function givenStation(options: Parameters<typeof givenWorld>[0] = {}) {
  const w = givenWorld({ connectors: [1, 2], ...options });
  await w.display.showStartScreen(w.reader(), w.site);
  w.payter.calls.length = 0;
  const readers = new StationReaders({ readers: w.readers, sites: w.sites, stations: w.stations, display: w.display });
  /** A StatusNotification: stored first, as the CSMS stores it, then handed on. */
  const reported = async (s: ConnectorStatus) => {
    await w.stations.putConnectorStatus(s);
    await readers.connectorStatus(s);
  };
  return { ...w, stationReaders: readers, reported };
}

const screens = (w: World) => w.payter.screenIds(SERIAL);

describe('a station that goes offline', () => {
  it('puts its idle reader out of order: the held card let go, the reader says so', async () => {
    const w = await givenStation();
    await w.stationReaders.stationOffline(STATION_ID);
    expect(w.payter.trace()).toEqual([`stopReading ${SERIAL}`, `showUi ${SERIAL}`]);
    expect(screens(w)).toEqual(['outOfOrder']);
    expect(w.reader().screen).toBe('outOfOrder');
  });

  it('says so once: a reader already out of order is left as it is', async () => {
    const w = await givenStation();
    await w.stationReaders.stationOffline(STATION_ID);
    await w.stationReaders.stationOffline(STATION_ID);
    expect(screens(w)).toEqual(['outOfOrder']);
  });

  it('puts every idle reader of the station out of order, and no reader of another station', async () => {
    const w = await givenStation();
    w.readers.seed({ ...w.reader(), serialNumber: 'READER-2', connectorIds: [2] });
    w.readers.seed({ ...w.reader(), serialNumber: 'READER-3', stationId: 'CP-2' });
    w.payter.addReader('READER-2');
    w.payter.addReader('READER-3');
    w.readers.seed({ ...w.reader(), connectorIds: [1] });
    await w.stationReaders.stationOffline(STATION_ID);
    expect(screens(w)).toEqual(['outOfOrder']);
    expect(w.payter.screenIds('READER-2')).toEqual(['outOfOrder']);
    expect(w.payter.screenIds('READER-3')).toEqual([]);
  });

  it('leaves a reader serving a session to that session', async () => {
    const w = await givenStation();
    w.givenSession({ sessionId: 'session-1', status: 'charging' });
    await w.stationReaders.stationOffline(STATION_ID);
    expect(w.payter.calls).toEqual([]);
  });

  it('shows nothing on a reader whose site is gone', async () => {
    const w = await givenStation();
    w.readers.seed({ ...w.reader(), siteId: 'site-gone' });
    await w.stationReaders.stationOffline(STATION_ID);
    expect(w.payter.calls).toEqual([]);
  });
});

describe('a connector status', () => {
  it.each(['Faulted', 'Unavailable'])('%s on every connector of the reader puts it out of order', async (down) => {
    const w = await givenStation();
    await w.reported(status(2, down));
    expect(w.payter.calls).toEqual([]); // connector 1 can still charge
    await w.reported(status(1, down));
    expect(w.payter.trace()).toEqual([`stopReading ${SERIAL}`, `showUi ${SERIAL}`]);
    expect(w.reader().screen).toBe('outOfOrder');
  });

  it.each(['Charging', 'SuspendedEV', 'Finishing', 'Reserved', 'Preparing', 'Available'])(
    '%s on every connector leaves the start screen (the station can still charge later)',
    async (busy) => {
      const w = await givenStation();
      await w.reported(status(2, busy));
      await w.reported(status(1, busy));
      expect(w.payter.calls).toEqual([]);
      expect(w.reader().screen).toBe('tapCard');
    },
  );

  it('is taken as reported, over the status stored for that connector before', async () => {
    const w = await givenStation();
    await w.stations.putConnectorStatus(status(1, 'Available'));
    await w.stations.putConnectorStatus(status(2, 'Faulted'));
    // The CSMS hands the status on before (or without) storing it.
    await w.stationReaders.connectorStatus(status(1, 'Faulted'));
    expect(w.reader().screen).toBe('outOfOrder');
  });

  it('counts a connector never reported as available', async () => {
    const w = await givenStation();
    await w.reported(status(1, 'Faulted'));
    expect(w.payter.calls).toEqual([]);
  });

  it('of a usable connector brings the start screen back to a reader out of order', async () => {
    const w = await givenStation();
    await w.reported(status(1, 'Faulted'));
    await w.reported(status(2, 'Faulted'));
    w.payter.calls.length = 0;
    await w.reported(status(2, 'Available'));
    expect(w.payter.trace()).toEqual([`startReading ${SERIAL}`]);
    expect(w.reader()).toMatchObject({ screen: 'tapCard', reading: { id: 'reading-2', state: 'open' } });
  });

  it('that keeps the reader down shows nothing again', async () => {
    const w = await givenStation();
    await w.reported(status(1, 'Faulted'));
    await w.reported(status(2, 'Faulted'));
    w.payter.calls.length = 0;
    await w.reported(status(2, 'Unavailable'));
    expect(w.payter.calls).toEqual([]);
    expect(w.reader().screen).toBe('outOfOrder');
  });

  it('of a connector the reader does not serve changes nothing, and needs nothing from the store', async () => {
    const w = await givenStation({ connectors: [1] });
    w.readers.seed({ ...w.reader(), connectorIds: [1] });
    w.stations.failNext('getConnectorStatuses');
    await w.stationReaders.connectorStatus(status(2, 'Faulted'));
    await w.stationReaders.connectorStatus(status(1, 'Faulted', 'CP-2'));
    expect(w.payter.calls).toEqual([]);
    expect(w.reader().screen).toBe('tapCard');
  });

  it('leaves a reader serving a session to that session', async () => {
    const w = await givenStation();
    w.givenSession({ sessionId: 'session-1', status: 'charging' });
    await w.reported(status(1, 'Faulted'));
    await w.reported(status(2, 'Faulted'));
    expect(w.payter.calls).toEqual([]);
  });

  it.each([
    ['going down', ['Faulted', 'Faulted'], 'tapCard'],
    ['coming back', ['Available'], 'outOfOrder'],
  ])('shows nothing on a reader whose site is gone (%s)', async (_case, statuses, screen) => {
    const w = await givenStation();
    w.readers.seed({ ...w.reader(), siteId: 'site-gone', screen, connectorIds: [1] });
    for (const s of statuses) await w.reported(status(1, s));
    expect(w.payter.calls).toEqual([]);
    expect(w.reader().siteId).not.toBe(SITE_ID);
  });
});
