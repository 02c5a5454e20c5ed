/**
 * The Installer Panel's use cases: sites and stations (readers: lambdas/readers/commissioning.ts).
 * Input arrives validated; what is stored is exactly what was validated, and a station's
 * password is kept only as a salted hash and never read back.
 */
import { asReported, type Station } from '../csms/model';
import type { SiteRepository, StationRepository } from '../csms/ports';
import type { Clock } from '../shared/clock';
import { hashStationPassword } from '../csms/station-credentials';
import { BadReferenceError, NotFoundError } from '../shared/errors';
import type { SiteSettings, StationProvisioningRequest, StoredSite } from '../sites/site-settings';

export type StationView = Omit<Station, 'passwordHash'>;

export class InstallerService {
  constructor(
    private readonly deps: {
      readonly sites: SiteRepository<StoredSite>;
      readonly stations: StationRepository;
      readonly clock: Clock;
    },
  ) {}

  async putSite(site: SiteSettings): Promise<StoredSite> {
    const stored = { ...site, updatedAt: this.deps.clock.now().toISOString() };
    await this.deps.sites.put(stored);
    return stored;
  }

  async getSite(siteId: string): Promise<StoredSite> {
    const site = await this.deps.sites.get(siteId);
    if (!site) throw new NotFoundError(`site ${siteId} does not exist`);
    return site;
  }

  async provisionStation(request: StationProvisioningRequest): Promise<StationView> {
    if (!(await this.deps.sites.get(request.siteId))) {
      throw new BadReferenceError('siteId', `site ${request.siteId} does not exist; create it first`);
    }
    const passwordHash = request.password === undefined ? undefined : await hashStationPassword(request.password);
    const station = await this.deps.stations.provision(
      {
        stationId: request.stationId,
        siteId: request.siteId,
        connectors: request.connectors,
        passwordHash,
        strict: request.strict,
        protocols: request.protocols,
        ...(request.display !== undefined && { display: request.display }),
      },
      this.deps.clock.now().toISOString(),
    );
    // Only an edit may leave the password out: a new station has none to keep.
    if (!station) throw new BadReferenceError('password', `station ${request.stationId} is not provisioned yet: give it a password`);
    return withoutSecret(station);
  }

  async getStation(stationId: string): Promise<StationView & { connectorStatus: unknown[] }> {
    const station = await this.deps.stations.get(stationId);
    if (!station) throw new NotFoundError(`station ${stationId} does not exist`);
    return this.withConnectors(station);
  }

  /** Every station as `getStation` answers it, by id (the operators' overview). */
  async listStations(): Promise<(StationView & { connectorStatus: unknown[] })[]> {
    const stations = (await this.deps.stations.list()).sort((a, b) => a.stationId.localeCompare(b.stationId));
    return Promise.all(stations.map((station) => this.withConnectors(station)));
  }

  private async withConnectors(station: Station): Promise<StationView & { connectorStatus: unknown[] }> {
    const connectorStatus = (await this.deps.stations.getConnectorStatuses(station.stationId)).map(asReported);
    return { ...withoutSecret(station), connectorStatus };
  }
}

function withoutSecret(station: Station): StationView {
  const { passwordHash: _secret, ...view } = station;
  return view;
}
