/**
 * Keeps readers honest about their station: a station that goes offline, or whose connectors
 * the reader serves are all faulted or unavailable, puts the reader out of order (no card is
 * taken for a charge that cannot happen); when a connector is usable again the start screen
 * returns. A reader serving a session is left alone (the session drives its screens), but for a
 * car plugged into a connector of it still free under plug in to start.
 */
import type { ConnectorState, ConnectorStatus } from '../csms/model';
import type { SiteRepository, StationRepository } from '../csms/ports';
import type { StoredSite } from '../sites/site-settings';
import { freeConnectors, runningSessionIds, servedConnectors, servesConnector, servesStation, startFlowOf, type Reader } from './model';
import type { ReaderRepository } from './ports';
import type { ReaderDisplay } from './reader-display';

const OUT_OF_SERVICE = new Set<ConnectorState>(['faulted', 'unavailable']);

export class StationReaders {
  constructor(
    private readonly deps: {
      readonly readers: ReaderRepository;
      readonly sites: SiteRepository<StoredSite>;
      readonly stations: StationRepository;
      readonly display: ReaderDisplay;
    },
  ) {}

  async stationOffline(stationId: string): Promise<void> {
    for (const reader of await this.idleReaders(stationId)) {
      if (reader.screen !== 'outOfOrder') await this.outOfOrder(reader);
    }
  }

  async connectorStatus(status: ConnectorStatus): Promise<void> {
    const serving = (await this.readersAtSite(status.stationId)).filter((r) => servesConnector(r, status.stationId, status.connectorId));
    // A kiosk charging other cars reads for a car plugged into a free connector, unless a driver's card is being authorized.
    for (const reader of serving.filter((r) => runningSessionIds(r).length > 0 && startFlowOf(r) === 'plugInToStart' && r.reading?.state !== 'card')) {
      if (freeConnectors(reader).some((c) => c.stationId === status.stationId && c.connectorId === status.connectorId)) await this.plugInToStart(reader, status);
    }
    const readers = serving.filter((r) => !runningSessionIds(r).length);
    if (!readers.length) return;
    const statuses = await this.deps.stations.getConnectorStatuses(status.stationId);
    const stateOf = (id: number) => (id === status.connectorId ? status.state : statuses.find((s) => s.connectorId === id)?.state);
    for (const reader of readers) {
      const down = reader.connectorIds.every((id) => OUT_OF_SERVICE.has(stateOf(id) ?? 'available'));
      if (down && reader.screen !== 'outOfOrder') await this.outOfOrder(reader);
      if (!down && reader.screen === 'outOfOrder') await this.startScreen(reader);
      if (!down && startFlowOf(reader) === 'plugInToStart') await this.plugInToStart(reader, status);
      // UI start lists the free connectors: a connector taken or freed changes the list.
      if (!down && reader.screen === 'selection') await this.startScreen(reader);
    }
  }

  /**
   * Plug in to start: a car plugged into a free served connector gets a reading for exactly that
   * connector; unplugged before a tap, the reader offers what is left. A reading already open
   * for another plugged-in car is kept: that driver is at the reader first.
   */
  private async plugInToStart(reader: Reader, status: ConnectorStatus): Promise<void> {
    // A kiosk's readings are all fresh (each session's charging opens one); an idle reader's only count on their screen.
    const open = reader.reading?.state === 'open' && (runningSessionIds(reader).length > 0 || reader.screen === 'tapCardAt');
    const waiting = open ? reader.reading?.connector : undefined;
    const isThis = waiting?.stationId === status.stationId && waiting.connectorId === status.connectorId;
    if (status.state === 'preparing' && !waiting) {
      const connector = servedConnectors(reader).find((c) => c.stationId === status.stationId && c.connectorId === status.connectorId);
      const site = await this.deps.sites.get(reader.siteId);
      if (connector && site) await this.deps.display.showStartScreenFor(reader, site, connector);
    } else if (status.state === 'available' && isThis) {
      await this.startScreen(reader);
    }
  }

  /** The readers of the station's site serving one of its connectors (a kiosk's may be indexed by another station of the site). */
  private async readersAtSite(stationId: string): Promise<Reader[]> {
    const station = await this.deps.stations.get(stationId);
    if (!station) return [];
    return (await this.deps.readers.listBySite(station.siteId)).filter((r) => servesStation(r, stationId));
  }

  /** The idle readers serving a connector of the station. */
  private async idleReaders(stationId: string): Promise<Reader[]> {
    return (await this.readersAtSite(stationId)).filter((r) => !runningSessionIds(r).length);
  }

  private async outOfOrder(reader: Reader): Promise<void> {
    const site = await this.deps.sites.get(reader.siteId);
    if (site) await this.deps.display.showOutOfOrder(reader, site);
  }

  private async startScreen(reader: Reader): Promise<void> {
    const site = await this.deps.sites.get(reader.siteId);
    if (site) await this.deps.display.showStartScreen(reader, site);
  }
}
