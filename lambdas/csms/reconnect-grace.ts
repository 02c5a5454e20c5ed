/**
 * A station whose connection goes away usually comes back within seconds (API Gateway closes
 * every socket after 2 hours; a charger reconnects at once). It counts as gone (its idle
 * readers out of order) only if it is still offline once the grace has passed, as the
 * station-call timer's pass finds (`gonePastGrace`): a reconnect costs no Payter call and
 * never flashes "out of order" on a reader.
 */
import type { ConnectionLog } from './station-connections';
import type { ConnectionRepository, StationRepository } from './ports';
import type { Clock } from '../shared/clock';

/** How long a station that went away has to come back before it counts as gone. */
export const OFFLINE_GRACE_MS = 60_000;

export interface ReconnectGraceDeps {
  readonly connections: Pick<ConnectionRepository, 'awaitReconnect' | 'awaitingReconnect' | 'reconnectAwaited'>;
  readonly stations: Pick<StationRepository, 'get'>;
  readonly clock: Clock;
  readonly log: ConnectionLog;
  /** @default OFFLINE_GRACE_MS */
  readonly graceMs?: number;
}

export class ReconnectGrace {
  constructor(private readonly deps: ReconnectGraceDeps) {}

  /** The station's connection went away ($disconnect, or a send found it gone): it has the grace to come back. */
  async wentAway(stationId: string): Promise<void> {
    await this.deps.connections.awaitReconnect(stationId, this.deps.clock.now().toISOString());
  }

  /** The stations that went away and are still offline after the grace; the ones back meanwhile are forgotten. */
  async gonePastGrace(): Promise<string[]> {
    const now = this.deps.clock.now().getTime();
    const grace = this.deps.graceMs ?? OFFLINE_GRACE_MS;
    const gone: string[] = [];
    const awaiting = await this.deps.connections.awaitingReconnect().catch((error: unknown) => {
      this.deps.log.warn('stations that went away not looked at; next pass', { error: String(error) });
      return [];
    });
    for (const { stationId, since } of awaiting) {
      if (now - Date.parse(since) < grace) continue;
      try {
        const station = await this.deps.stations.get(stationId);
        // Kept if it went away again meanwhile: its grace starts again from then.
        await this.deps.connections.reconnectAwaited(stationId, since);
        if (station && !station.online) gone.push(stationId);
      } catch (error) {
        this.deps.log.warn('station that went away not looked at yet', { stationId, error: String(error) });
      }
    }
    if (gone.length > 0) this.deps.log.info('stations gone past the reconnect grace', { stations: gone });
    return gone;
  }
}
