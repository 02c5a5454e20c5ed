/**
 * A charger's WebSocket connections, as OCPP-J wants them handled:
 * - one connection per station: a new connection of a station that has one takes over, and the
 *   older one is closed (a duplicate identity, a half-open socket, a watchdog reconnect), so a
 *   station is never mapped to a socket that is gone while another of its sockets is open;
 * - a handshake offering no subprotocol we speak completes without `Sec-WebSocket-Protocol`
 *   and the connection is closed at once (OCPP-J 1.6 section 3.1.2).
 * `$connect` cannot close its own connection (API Gateway opens it only once `$connect` has
 * answered), so such a connection is closed by the first frame it sends or, if it sends none,
 * by the station-call timer's next pass (`closeRefused`), whichever comes first.

 */
import type { ConnectionRepository, StationLink, StationRepository } from './ports';
import type { Clock } from '../shared/clock';

/** How long a refused connection that answers 410 may still be opening (then it left by itself). */
const OPENING_GRACE_MS = 30_000;

export interface ConnectionLog {
  info(message: string, details: Record<string, unknown>): void;
  warn(message: string, details: Record<string, unknown>): void;
}

export interface StationConnectionsDeps {
  readonly connections: ConnectionRepository;
  readonly stations: Pick<StationRepository, 'get' | 'markConnected'>;
  readonly link: StationLink;
  readonly clock: Clock;
  readonly log: ConnectionLog;
}

export class StationConnections {
  constructor(private readonly deps: StationConnectionsDeps) {}

  /** `$connect` with a subprotocol we speak: the station's connection from now on. */
  async open(connectionId: string, stationId: string, subprotocol: string): Promise<void> {
    const now = this.deps.clock.now().toISOString();
    await this.deps.connections.put(connectionId, { stationId, subprotocol }, now);
    // A reconnect may arrive before the old $disconnect: the newest connection always wins.
    const replaced = await this.deps.stations.markConnected(stationId, connectionId, now);
    if (replaced !== undefined && replaced !== connectionId) {
      const outcome = await this.deps.link.close(replaced);
      this.deps.log.info('older connection of the station closed', { stationId, connectionId: replaced, by: connectionId, outcome });
    }
  }

  /** `$connect` without a subprotocol we speak: admitted without one, to be closed at once. */
  async refuse(connectionId: string, stationId: string, offered: string | undefined): Promise<void> {
    this.deps.log.warn('no supported OCPP subprotocol offered; closing the connection', { stationId, connectionId, offered: offered ?? null });
    await this.deps.connections.scheduleClose(connectionId, this.deps.clock.now().toISOString());
  }

  /** A frame on a connection that is not a station's (a refused one): closed, not answered. */
  async closeUnregistered(connectionId: string): Promise<void> {
    const outcome = await this.deps.link.close(connectionId);
    await this.deps.connections.unscheduleClose(connectionId);
    this.deps.log.warn('frame on a connection that is not a station\'s; closed', { connectionId, outcome });
  }

  /**
   * A connection's first frame: false (and the connection closed) when a newer connection of
   * its station took over while its handshake was completing, too early for that one to close it.
   */
  async stillCurrent(connectionId: string, stationId: string): Promise<boolean> {
    const station = await this.deps.stations.get(stationId);
    if (station?.connectionId === connectionId) return true;
    const outcome = await this.deps.link.close(connectionId);
    this.deps.log.info('connection superseded by a newer one of the station; closed', { stationId, connectionId, outcome });
    return false;
  }

  /** The station-call timer's pass: closes the refused connections that sent nothing. */
  /** Whether a refused connection still waits to be closed (the timer keeps looking while one does). */
  async refusedWaiting(): Promise<boolean> {
    return (await this.deps.connections.scheduledCloses()).length > 0;
  }

  async closeRefused(): Promise<number> {
    const now = this.deps.clock.now().getTime();
    let closed = 0;
    const scheduled = await this.deps.connections.scheduledCloses().catch((error: unknown) => {
      this.deps.log.warn('refused connections not looked at; next pass', { error: String(error) });
      return [];
    });
    for (const { connectionId, since } of scheduled) {
      try {
        const outcome = await this.deps.link.close(connectionId);
        // 410 right after $connect: API Gateway may not have opened it yet; try again next pass.
        if (outcome === 'gone' && now - Date.parse(since) < OPENING_GRACE_MS) continue;
        await this.deps.connections.unscheduleClose(connectionId);
        if (outcome === 'closed') closed += 1;
      } catch (error) {
        // The next pass tries again; the call queues' pass must not wait for this one.
        this.deps.log.warn('refused connection not closed yet', { connectionId, error: String(error) });
      }
    }
    if (closed > 0) this.deps.log.info('refused connections closed', { closed });
    return closed;
  }
}
