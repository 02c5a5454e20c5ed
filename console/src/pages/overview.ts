import { html } from 'htm/preact';
import { api } from '../api';
import { duration, kwh, money, readerSessions, time } from '../format';
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
      const [live, { stations }, { readers }] = await Promise.all([
        Promise.all(running.map((s) => api('GET', `/ops/sessions/${encodeURIComponent(s.sessionId)}`))),
        api<{ stations: any[] }>('GET', '/ops/stations'),
        api<{ readers: any[] }>('GET', '/ops/readers'),
      ]);
      return { live, recent: sessions.slice(0, 10), unfinalized: sessions.filter(unfinalized), stations, readers };
    },
    REFRESH_MS,
    [],
  );
  // Reconciliation asks Payter about every reader: once a minute is plenty.
  const reconciliation = usePoll(
    () => api('GET', `/ops/reconciliation?${new URLSearchParams({ from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date().toISOString() })}`),
    60_000,
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
        <thead><tr><th scope="col">Sessions</th><th scope="col">Station</th><th scope="col">Status</th><th scope="col">Energy</th><th scope="col">Time</th><th scope="col">Running total</th></tr></thead>
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
    ${data && html`<${Attention} stations=${data.stations} readers=${data.readers} unfinalized=${data.unfinalized} reconciliation=${reconciliation.data} />`}
    <section aria-labelledby="stations">
      <h2 id="stations">Stations</h2>
      ${data && data.stations.length === 0 && html`<p>No station provisioned.</p>`}
      ${data &&
      data.stations.length > 0 &&
      html`<div class="table"><table>
        <thead><tr><th scope="col">Station</th><th scope="col">Site</th><th scope="col">State</th><th scope="col">Connectors</th><th scope="col">Last seen</th></tr></thead>
        <tbody>
          ${data.stations.map(
            (s) => html`<tr data-station=${s.stationId}>
              <td>${s.stationId}</td>
              <td>${s.siteId}</td>
              <td><${Status} status=${s.online ? 'online' : 'offline'} /></td>
              <td>${connectorText(s)}</td>
              <td>${time(s.lastSeenAt)}</td>
            </tr>`,
          )}
        </tbody>
      </table></div>`}
    </section>
    <section aria-labelledby="readers">
      <h2 id="readers">Readers</h2>
      ${data && data.readers.length === 0 && html`<p>No reader commissioned.</p>`}
      ${data &&
      data.readers.length > 0 &&
      html`<div class="table"><table>
        <thead><tr><th scope="col">Reader</th><th scope="col">Station</th><th scope="col">Payter</th><th scope="col">Screen now</th><th scope="col">Sessions</th></tr></thead>
        <tbody>
          ${data.readers.map(
            (r) => html`<tr data-reader=${r.serialNumber}>
              <td>${r.serialNumber}</td>
              <td>${r.stationId} / ${(r.connectorIds ?? []).join(', ')}</td>
              <td><${Status} status=${r.online === false ? 'offline' : r.online ? 'online' : 'unknown'} /></td>
              <td>${r.outOfService ? html`<strong>out of service</strong>: ${r.outOfService.reason}` : (r.screen ?? '–')}</td>
              <td>${readerSessions(r).length
                ? readerSessions(r).map(
                    (s, i) => html`${i > 0 && ', '}${s.connector && `${s.connector}: `}<a href=${`#/sessions/${encodeURIComponent(s.sessionId)}`}>${s.sessionId.slice(0, 8)}</a>`,
                  )
                : '–'}</td>
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

/** Each connector with its last status: "1 Charging, 2 Available". */
function connectorText(station: any): string {
  const statuses = new Map<number, string>((station.connectorStatus ?? []).map((c: any) => [c.connectorId, c.status]));
  return (station.connectors ?? []).map((id: number) => `${id} ${statuses.get(id) ?? 'no status yet'}`).join(', ');
}

/** A session ended at the charger whose money is not settled a quarter of an hour on. */
const UNFINALIZED_AFTER_MS = 15 * 60_000;
const unfinalized = (s: any): boolean =>
  ['stopping', 'stopped'].includes(s.status) && Date.now() - Date.parse(s.meter?.stoppedAt ?? s.createdAt) > UNFINALIZED_AFTER_MS;

/**
 * What needs an operator now: stations offline, readers out of service or offline, sessions
 * unfinalized, holds open past their age and differences with Payter in the last 24 hours.
 */
function Attention(props: { stations: any[]; readers: any[]; unfinalized: any[]; reconciliation?: any }) {
  const link = (id: string) => html`<a href=${`#/sessions/${encodeURIComponent(id)}`}>${id.slice(0, 8)}</a>`;
  const items = [
    ...props.unfinalized.map((s) => html`Session ${link(s.sessionId)} is ${s.status} since ${time(s.meter?.stoppedAt ?? s.createdAt)}: its payment is not settled.`),
    ...(props.reconciliation?.openHolds ?? [])
      .filter((h: any) => h.overdue)
      .map((h: any) => html`A hold is still open at Payter on reader ${h.serialNumber}${h.ageMinutes !== undefined ? ` after ${h.ageMinutes} min` : ''}${h.sessionId ? html` (session ${link(h.sessionId)})` : ''}.`),
    ...(props.reconciliation?.differences ?? [])
      .filter((d: any) => d.kind !== 'holdStillOpen')
      .map((d: any) => html`Reconciliation: ${d.kind} on reader ${d.serialNumber}${d.sessionId ? html` (session ${link(d.sessionId)})` : ''}; see <a href="#/reconciliation">Reconciliation</a>.`),
    ...props.stations.filter((s) => !s.online).map((s) => `Station ${s.stationId} is offline${s.disconnectedAt ? ` since ${time(s.disconnectedAt)}` : ''}.`),
    ...props.readers.filter((r) => r.outOfService).map((r) => `Reader ${r.serialNumber} is out of service since ${time(r.outOfService.since)}: ${r.outOfService.reason}`),
    ...props.readers.filter((r) => r.online === false).map((r) => `Reader ${r.serialNumber} is offline at Payter.`),
  ];
  return html`<section aria-labelledby="attention">
    <h2 id="attention">Needs attention</h2>
    ${items.length === 0 ? html`<p>Nothing.</p>` : html`<ul class="attention">${items.map((item) => html`<li>${item}</li>`)}</ul>`}
  </section>`;
}

/** The currency of a session without a receipt yet: its hold's, as Payter reports it. */
export const currencyOf = (s: any): string => s.currency ?? s.receipt?.currency ?? 'USD';

export function SessionTable(props: { sessions: any[] }) {
  return html`<div class="table"><table>
    <thead><tr><th scope="col">Sessions</th><th scope="col">Started</th><th scope="col">Site</th><th scope="col">Station</th><th scope="col">Status</th><th scope="col">Total</th><th scope="col">Captured</th></tr></thead>
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
