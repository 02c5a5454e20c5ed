/**
 * Commissioning Payter readers to stations, as installers do for stations: the reader must
 * serve connectors of an existing station that no other reader serves, and it is put in its
 * start screen at once.
 */
import type { Clock, SiteRepository, StationRepository } from '../csms/ports';
import type { StoredSite } from '../installer/installer-service';
import { BadReferenceError, ConflictError, NotFoundError, PayterUnavailableError } from '../shared/errors';
import type { Reader } from './model';
import type { ReaderRepository } from './ports';
import type { ReaderDisplay } from './reader-display';

export interface CommissionRequest {
  readonly stationId: string;
  readonly connectorIds: readonly number[];
}

export class ReaderCommissioning {
  constructor(
    private readonly deps: {
      readonly readers: ReaderRepository;
      readonly stations: StationRepository;
      readonly sites: SiteRepository<StoredSite>;
      readonly display: ReaderDisplay;
      readonly payterStop: (serial: string) => Promise<{ kind: string }>;
      readonly clock: Clock;
    },
  ) {}

  async commission(serialNumber: string, request: CommissionRequest): Promise<Reader> {
    const station = await this.deps.stations.get(request.stationId);
    if (!station) throw new BadReferenceError('stationId', `station ${request.stationId} does not exist`);
    const unknown = request.connectorIds.filter((id) => !station.connectors.includes(id));
    if (unknown.length) {
      throw new BadReferenceError('connectorIds', `station ${station.stationId} has no connector ${unknown.join(', ')}`);
    }
    const existing = await this.deps.readers.get(serialNumber);
    if (existing && existing.stationId !== station.stationId) {
      throw new ConflictError('serialNumber', `reader ${serialNumber} is commissioned to station ${existing.stationId}; decommission it first`);
    }
    for (const other of await this.deps.readers.listByStation(station.stationId)) {
      if (other.serialNumber === serialNumber) continue;
      const shared = other.connectorIds.filter((id) => request.connectorIds.includes(id));
      if (shared.length) {
        throw new ConflictError('connectorIds', `connector ${shared.join(', ')} is served by reader ${other.serialNumber}`);
      }
    }
    const site = await this.deps.sites.get(station.siteId);
    if (!site) throw new BadReferenceError('stationId', `the site ${station.siteId} of station ${station.stationId} does not exist`);

    const now = this.deps.clock.now().toISOString();
    const reader: Reader = {
      serialNumber,
      stationId: station.stationId,
      siteId: station.siteId,
      connectorIds: [...request.connectorIds],
      commissionedAt: existing?.commissionedAt ?? now,
      updatedAt: now,
    };
    if (!(await this.deps.readers.commission(reader))) {
      throw new ConflictError('serialNumber', `reader ${serialNumber} was just commissioned elsewhere`);
    }
    const shown = await this.deps.display.showStartScreen(reader, site);
    if (shown.kind !== 'ok') {
      // Recorded all the same: commissioning again (the same PUT) retries the start screen.
      throw new PayterUnavailableError(`reader ${serialNumber} is recorded but Payter refused its start screen (${describe(shown)})`);
    }
    return (await this.deps.readers.get(serialNumber)) ?? reader;
  }

  async decommission(serialNumber: string): Promise<void> {
    const reader = await this.deps.readers.get(serialNumber);
    if (!reader) throw new NotFoundError(`reader ${serialNumber} is not commissioned`);
    if (reader.activeSessionId) {
      throw new ConflictError('serialNumber', `reader ${serialNumber} serves session ${reader.activeSessionId}; wait for it to end`);
    }
    const stopped = await this.deps.payterStop(serialNumber);
    if (stopped.kind !== 'ok' && stopped.kind !== 'conflict') {
      throw new PayterUnavailableError(`Payter did not stop reader ${serialNumber} (${stopped.kind}); try again`);
    }
    await this.deps.readers.delete(serialNumber);
  }

  async get(serialNumber: string): Promise<Reader> {
    const reader = await this.deps.readers.get(serialNumber);
    if (!reader) throw new NotFoundError(`reader ${serialNumber} is not commissioned`);
    return reader;
  }
}

function describe(outcome: { kind: string; message?: string; reason?: string }): string {
  return [outcome.kind, outcome.message ?? outcome.reason].filter(Boolean).join(': ');
}
