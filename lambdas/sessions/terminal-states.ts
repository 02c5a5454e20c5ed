/**
 * Payter's account-wide terminal-state web hook: a reader that comes back online has forgotten
 * our screens, so they are shown again. Like every callback it is untrusted until its URL's
 * capability checks out.
 */
import type { SiteRepository } from '../csms/ports';
import type { TerminalStateCallback } from '../payter/cps-contract';
import type { SessionRepository } from './ports';
import { NotFoundError } from '../shared/errors';
import type { StoredSite } from '../sites/site-settings';
import type { CallbackUrls } from '../readers/callback-urls';
import type { ReaderRepository } from '../readers/ports';
import type { ReaderDisplay } from '../readers/reader-display';
import { runningSessionIds } from '../readers/model';

export interface TerminalStatesDeps {
  readonly readers: ReaderRepository;
  readonly sessions: Pick<SessionRepository, 'get'>;
  readonly sites: SiteRepository<StoredSite>;
  readonly display: ReaderDisplay;
  readonly urls: CallbackUrls;
}

export class TerminalStates {
  constructor(private readonly deps: TerminalStatesDeps) {}

  async changed(token: string, state: TerminalStateCallback): Promise<{ action: string }> {
    if (!this.deps.urls.verify(token, { kind: 'state' })) throw new NotFoundError('no such hook');
    const wasOnline = await this.deps.readers.recordOnline(state.serialNumber, state.online);
    if (wasOnline === undefined && !(await this.deps.readers.get(state.serialNumber))) {
      return { action: 'ignored' };
    }
    if (state.online && wasOnline !== true) {
      const reader = await this.deps.readers.get(state.serialNumber);
      const site = reader ? await this.deps.sites.get(reader.siteId) : undefined;
      if (reader && !runningSessionIds(reader).length) {
        if (site) await this.deps.display.showStartScreen(reader, site);
        return { action: 'start-screen' };
      }
      const shown = reader?.activeSessionId ? await this.deps.sessions.get(reader.activeSessionId) : undefined;
      if (reader && site && (!reader.activeSessionId || shown?.status === 'charging')) {
        // Rebooted mid-session: take cards again so drivers can still tap to stop (and, on a kiosk, to start).
        await this.deps.display.showStartScreen(reader, site);
        return { action: 'tap-to-stop' };
      }
    }
    return { action: 'recorded' };
  }
}
