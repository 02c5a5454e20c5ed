/**
 * Commissioning Payter readers to stations, as installers do for stations: the reader must
 * be a terminal Payter knows, serve connectors of an existing station that no other reader
 * serves, and it is put in its start screen at once. A mistake is refused with nothing
 * stored; a reader serving a session is never re-commissioned under it (its binding is what
 * lets that session's Release find and free it).
 */
import type { SiteRepository, StationRepository } from '../csms/ports';
import type { Clock } from '../shared/clock';
import type { StoredSite } from '../sites/site-settings';
import type { PayterClient } from '../payter/cps-client';
import { BadReferenceError, ConflictError, NotFoundError, PayterUnavailableError } from '../shared/errors';
import { runningSessionIds, servedConnectors, type Reader, type ServedConnector, type StartFlow } from './model';
import type { ReaderRepository } from './ports';
import { describeOutcome, type ReaderDisplay } from './reader-display';

/** Today's body (one station's `connectorIds`) or a kiosk's `connectors`; `startFlow` tap to start when absent. */
export interface CommissionRequest {
  readonly stationId?: string;
  readonly connectorIds?: readonly number[];
  readonly connectors?: readonly ServedConnector[];
  readonly startFlow?: StartFlow;
  readonly menu?: boolean;
}

export class ReaderCommissioning {
  constructor(
    private readonly deps: {
      readonly readers: ReaderRepository;
      readonly stations: StationRepository;
      readonly sites: SiteRepository<StoredSite>;
      readonly display: ReaderDisplay;
      readonly payter: Pick<PayterClient, 'getTerminal' | 'stopReading'>;
      readonly clock: Clock;
    },
  ) {}

  async commission(serialNumber: string, request: CommissionRequest): Promise<Reader> {
    const connectors: readonly ServedConnector[] =
      request.connectors ?? (request.connectorIds ?? []).map((connectorId) => ({ stationId: request.stationId ?? '', connectorId, label: String(connectorId) }));
    const stationIds = [...new Set(connectors.map((c) => c.stationId))];
    const stations = [];
    for (const stationId of stationIds) {
      const found = await this.deps.stations.get(stationId);
      if (!found) throw new BadReferenceError('stationId', `station ${stationId} does not exist`);
      const unknown = connectors.filter((c) => c.stationId === stationId && !found.connectors.includes(c.connectorId)).map((c) => c.connectorId);
      if (unknown.length) {
        throw new BadReferenceError('connectorIds', `station ${stationId} has no connector ${unknown.join(', ')}`);
      }
      stations.push(found);
    }
    const station = stations[0]!;
    const foreign = stations.find((s) => s.siteId !== station.siteId);
    if (foreign) {
      throw new BadReferenceError('connectors', `a reader serves one site: station ${foreign.stationId} is on ${foreign.siteId}, station ${station.stationId} on ${station.siteId}`);
    }
    const existing = await this.deps.readers.get(serialNumber);
    if (existing && existing.stationId !== station.stationId) {
      throw new ConflictError('serialNumber', `reader ${serialNumber} is commissioned to station ${existing.stationId}; decommission it first`);
    }
    const running = existing ? runningSessionIds(existing) : [];
    if (running.length) {
      throw new ConflictError('serialNumber', `reader ${serialNumber} serves session ${running.join(', ')}; commission it again when that session has ended`);
    }
    // Every reader, not the station's: a kiosk serves stations other than the one it is indexed by (commissioning is rare).
    for (const other of await this.deps.readers.list()) {
      if (other.serialNumber === serialNumber) continue;
      const shared = servedConnectors(other).filter((c) => connectors.some((r) => r.stationId === c.stationId && r.connectorId === c.connectorId));
      if (shared.length) {
        const names = shared.map((c) => (c.stationId === station.stationId ? `${c.connectorId}` : `${c.connectorId} of ${c.stationId}`)).join(', ');
        throw new ConflictError(request.connectors ? 'connectors' : 'connectorIds', `connector ${names} is served by reader ${other.serialNumber}`);
      }
    }
    const site = await this.deps.sites.get(station.siteId);
    if (!site) throw new BadReferenceError('stationId', `the site ${station.siteId} of station ${station.stationId} does not exist`);

    // Payter first: nothing is stored for a terminal it does not know.
    const terminal = await this.deps.payter.getTerminal({ serial: serialNumber });
    if (terminal.kind === 'rejected' && terminal.status === 404) {
      throw new BadReferenceError('serialNumber', `Payter knows no terminal ${serialNumber}: check the serial number on the reader's label`);
    }
    if (terminal.kind !== 'ok') {
      throw new PayterUnavailableError(`Payter could not check terminal ${serialNumber} (${describeOutcome(terminal)}); nothing was stored, try again`);
    }
    const payterCurrency = terminal.value.currency;
    if (payterCurrency !== undefined && payterCurrency !== site.currency) {
      throw new BadReferenceError(
        'serialNumber',
        `terminal ${serialNumber} takes payments in ${payterCurrency} but site ${site.siteId} charges in ${site.currency}`,
      );
    }

    const now = this.deps.clock.now().toISOString();
    const reader: Reader = {
      serialNumber,
      stationId: station.stationId,
      siteId: station.siteId,
      connectorIds: connectors.filter((c) => c.stationId === station.stationId).map((c) => c.connectorId),
      ...(request.startFlow !== undefined && { startFlow: request.startFlow }),
      ...(request.connectors !== undefined && { connectors: [...connectors] }),
      ...(request.menu && { menu: true }),
      commissionedAt: existing?.commissionedAt ?? now,
      updatedAt: now,
      online: terminal.value.online,
      ...((payterCurrency ?? existing?.payterCurrency) !== undefined && { payterCurrency: payterCurrency ?? existing?.payterCurrency }),
    };
    if (!(await this.deps.readers.commission(reader))) {
      throw new ConflictError('serialNumber', `reader ${serialNumber} was just commissioned elsewhere or took a session; look again`);
    }
    const shown = await this.deps.display.showStartScreen(reader, site);
    if (shown.kind !== 'ok') {
      // Undone, so the installer's record never claims a reader that takes no cards.
      if (existing) await this.deps.readers.restore(existing);
      else await this.deps.readers.delete(serialNumber);
      throw new PayterUnavailableError(`Payter refused the start screen of reader ${serialNumber} (${describeOutcome(shown)}); nothing was stored, try again`);
    }
    return (await this.deps.readers.get(serialNumber)) ?? reader;
  }

  async decommission(serialNumber: string): Promise<void> {
    const reader = await this.deps.readers.get(serialNumber);
    if (!reader) throw new NotFoundError(`reader ${serialNumber} is not commissioned`);
    const running = runningSessionIds(reader);
    if (running.length) {
      throw new ConflictError('serialNumber', `reader ${serialNumber} serves session ${running.join(', ')}; wait for it to end`);
    }
    const stopped = await this.deps.payter.stopReading({ serial: serialNumber });
    // A terminal Payter no longer knows (404) takes no cards either: nothing to stop.
    const gone = stopped.kind === 'rejected' && stopped.status === 404;
    if (stopped.kind !== 'ok' && stopped.kind !== 'conflict' && !gone) {
      throw new PayterUnavailableError(`Payter did not stop reader ${serialNumber} (${describeOutcome(stopped)}); try again`);
    }
    await this.deps.readers.delete(serialNumber);
  }

  async get(serialNumber: string): Promise<Reader> {
    const reader = await this.deps.readers.get(serialNumber);
    if (!reader) throw new NotFoundError(`reader ${serialNumber} is not commissioned`);
    return reader;
  }

  /** Every commissioned reader as `get` answers it, by serial number (the operators' overview). */
  async list(): Promise<Reader[]> {
    return (await this.deps.readers.list()).sort((a, b) => a.serialNumber.localeCompare(b.serialNumber));
  }
}
