import { html } from 'htm/preact';
import { api } from '../api';
import { duration, kwh, money, time } from '../format';
import { FormError, Status, usePoll } from '../ui';

const IN_PROGRESS = ['authorizing', 'starting', 'charging', 'stopping'];
const REFRESH_MS = 3000;

/** Sessions in progress with their running total, energy and time, and the latest ones; refreshing by itself. */
export function Overview() {
  const { data, error, updatedAt } = usePoll(
    async () => {
      const { sessions } = await api<{ sessions: any[] }>('GET', '/ops/sessions?limit=50');
      const running = sessions.filter((s) => IN_PROGRESS.includes(s.status));
      // The running total and usage so far are the session's own (priced as its receipt will be).
      const live = await Promise.all(running.map((s) => api('GET', `/ops/sessions/${encodeURIComponent(s.sessionId)}`)));
      return { live, recent: sessions.slice(0, 10) };
    },
    REFRESH_MS,
    [],
  );
  return html`<h1>Overview</h1>
    <p class="hint" aria-live="polite">Refreshes every ${REFRESH_MS / 1000} s${updatedAt ? `; updated ${updatedAt.toLocaleTimeString('en-GB')}` : ''}.</p>
    <${FormError} error=${error} />
    <section aria-labelledby="in-progress">
      <h2 id="in-progress">Sessions in progress</h2>
      ${data && data.live.length === 0 && html`<p>No session in progress.</p>`}
      ${data &&
      data.live.length > 0 &&
      html`<div class="table"><table>
        <thead><tr><th scope="col">Session</th><th scope="col">Station</th><th scope="col">Status</th><th scope="col">Energy</th><th scope="col">Time</th><th scope="col">Running total</th></tr></thead>
        <tbody>
          ${data.live.map(
            (s) => html`<tr>
              <td><a href=${`#/sessions/${encodeURIComponent(s.sessionId)}`}>${s.sessionId.slice(0, 8)}</a></td>
              <td>${s.stationId} / ${s.connectorId}</td>
              <td><${Status} status=${s.status} /></td>
              <td>${kwh(s.usage?.energyWh)}</td>
              <td>${duration(s.usage?.durationSeconds)}</td>
              <td>${money(s.total, s.receipt?.currency ?? currencyOf(s))}</td>
            </tr>`,
          )}
        </tbody>
      </table></div>`}
    </section>
    <section aria-labelledby="recent">
      <h2 id="recent">Latest sessions</h2>
      ${data && data.recent.length === 0 && html`<p>No session yet.</p>`}
      ${data && data.recent.length > 0 && html`<${SessionTable} sessions=${data.recent} />`}
    </section>`;
}

/** The currency of a session without a receipt yet: its hold's, as Payter reports it. */
export const currencyOf = (s: any): string => s.currency ?? s.receipt?.currency ?? 'USD';

export function SessionTable(props: { sessions: any[] }) {
  return html`<div class="table"><table>
    <thead><tr><th scope="col">Session</th><th scope="col">Started</th><th scope="col">Site</th><th scope="col">Station</th><th scope="col">Status</th><th scope="col">Total</th><th scope="col">Captured</th></tr></thead>
    <tbody>
      ${props.sessions.map(
        (s) => html`<tr>
          <td><a href=${`#/sessions/${encodeURIComponent(s.sessionId)}`}>${s.sessionId.slice(0, 8)}</a></td>
          <td>${time(s.createdAt)}</td>
          <td>${s.siteId}</td>
          <td>${s.stationId} / ${s.connectorId}</td>
          <td><${Status} status=${s.status} /></td>
          <td>${money(s.total, currencyOf(s))}</td>
          <td>${money(s.captured, currencyOf(s))}</td>
        </tr>`,
      )}
    </tbody>
  </table></div>`;
}
