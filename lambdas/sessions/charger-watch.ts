/**
 * A charger lost mid-session is settled within minutes, not at the site's maximum session
 * time: when the station of a charging session has been unreachable for the site's
 * `chargerLostSeconds` (disconnected, or silent past its heartbeat interval), the workflow's
 * wait for StopTransaction is ended with `ChargerLost`, and the workflow bills the last meter
 * value the charger reported and commits it (Payter's rule). A charger back in time carries on.
 * Run on a schedule (the session sweeper's).
 */
import type { SiteRepository, StationRepository } from '../csms/ports';
import type { Clock } from '../shared/clock';
import type { SessionWorkflow } from '../shared/workflow';
import type { Station } from '../csms/model';
import type { StoredSite } from '../sites/site-settings';
import { DEFAULT_CHARGER_LOST_SECONDS } from '../sites/site-settings';
import type { ChargingSession } from './model';
import type { SessionRepository } from './ports';

export const CHARGER_LOST_ERROR = 'ChargerLost';

export interface ChargerWatchDeps {
  readonly sessions: Pick<SessionRepository, 'get'> & { listUnsettled(limit?: number): Promise<ChargingSession[]> };
  readonly sites: SiteRepository<StoredSite>;
  readonly stations: Pick<StationRepository, 'get'>;
  readonly workflow: Pick<SessionWorkflow, 'fail'>;
  readonly clock: Clock;
  /** The interval BootNotification hands to chargers: silence longer than this means trouble. */
  readonly heartbeatIntervalSeconds: number;
  readonly log: { info(message: string, details: Record<string, unknown>): void; warn(message: string, details: Record<string, unknown>): void };
}

export class ChargerWatch {
  constructor(private readonly deps: ChargerWatchDeps) {}

  /** Ends the stop wait of every charging session whose charger is lost; the ids of those sessions. */
  async settleLostChargers(): Promise<string[]> {
    const lost: string[] = [];
    const now = this.deps.clock.now().getTime();
    for (const listed of await this.deps.sessions.listUnsettled()) {
      if (!isAwaitingStop(listed)) continue;
      const session = await this.deps.sessions.get(listed.sessionId);
      if (!session || !isAwaitingStop(session)) continue;
      const site = await this.deps.sites.get(session.siteId);
      const station = await this.deps.stations.get(session.stationId);
      const since = unreachableSince(station, session, this.deps.heartbeatIntervalSeconds);
      const limitSeconds = site?.limits.chargerLostSeconds ?? DEFAULT_CHARGER_LOST_SECONDS;
      if (now - since < limitSeconds * 1000) continue;
      try {
        await this.deps.workflow.fail(session.stopTaskToken, CHARGER_LOST_ERROR, `station ${session.stationId} unreachable since ${new Date(since).toISOString()}`);
      } catch (error) {
        // The wait ended meanwhile (the StopTransaction came): nothing to do.
        this.deps.log.warn('charger lost, but the session no longer waits for it', { sessionId: session.sessionId, error: String(error) });
        continue;
      }
      this.deps.log.info('charger lost: session billed from its last meter value', {
        sessionId: session.sessionId,
        stationId: session.stationId,
        unreachableSince: new Date(since).toISOString(),
      });
      lost.push(session.sessionId);
    }
    return lost;
  }
}

function isAwaitingStop(session: ChargingSession): session is ChargingSession & { stopTaskToken: string } {
  return (session.status === 'charging' || session.status === 'stopping') && session.stopTaskToken !== undefined && session.stoppedAt === undefined;
}

/**
 * From when (ms) the charger counts as out of reach: its disconnect, or the end of the
 * heartbeat interval after it (or the session's meter values) last showed life, which lies in
 * the future while it is fine. 0 for a station that no longer exists.
 */
export function unreachableSince(station: Station | undefined, session: Pick<ChargingSession, 'updatedAt'>, heartbeatIntervalSeconds: number): number {
  if (!station) return 0;
  if (!station.online) return Date.parse(station.disconnectedAt ?? station.lastSeenAt ?? station.updatedAt);
  const lastSeen = Math.max(Date.parse(station.lastSeenAt ?? station.updatedAt), Date.parse(session.updatedAt));
  return lastSeen + heartbeatIntervalSeconds * 1000;
}
