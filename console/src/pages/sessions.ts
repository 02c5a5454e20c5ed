import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { Field, FormError, usePoll } from '../ui';
import { SessionTable } from './overview';

const STATUSES = ['authorizing', 'declined', 'starting', 'charging', 'stopping', 'stopped', 'completed', 'cancelled', 'failed'];

/** Sessions filtered by site, station, status and period (the ops API's query, validated there). */
export function Sessions() {
  const [form, setForm] = useState({ siteId: '', stationId: '', status: '', from: '', to: '' });
  const [query, setQuery] = useState('');
  const { data, error } = usePoll(() => api<{ sessions: any[] }>('GET', `/ops/sessions${query}`), 5000, [query]);
  const set = (key: keyof typeof form) => (value: string) => setForm({ ...form, [key]: value });
  const submit = (event: Event) => {
    event.preventDefault();
    const params = new URLSearchParams(Object.entries(form).filter(([, value]) => value !== ''));
    setQuery(params.size > 0 ? `?${params}` : '');
  };
  const apiError = error instanceof ApiError ? error : null;
  return html`<h1>Sessions</h1>
    <form class="filters" onSubmit=${submit} aria-label="Filter sessions">
      <${Field} label="Site" name="siteId" value=${form.siteId} onInput=${set('siteId')} error=${apiError} />
      <${Field} label="Station" name="stationId" value=${form.stationId} onInput=${set('stationId')} error=${apiError} />
      <div class="field">
        <label for="field-status">Status</label>
        <select id="field-status" value=${form.status} onChange=${(event: Event) => set('status')((event.target as HTMLSelectElement).value)}>
          <option value="">any</option>
          ${STATUSES.map((status) => html`<option value=${status}>${status}</option>`)}
        </select>
      </div>
      <${Field} label="From" name="from" type="date" value=${form.from} onInput=${set('from')} error=${apiError} />
      <${Field} label="To" name="to" type="date" value=${form.to} onInput=${set('to')} error=${apiError} />
      <button type="submit">Filter</button>
    </form>
    <${FormError} error=${error} shown=${['siteId', 'stationId', 'from', 'to']} />
    ${data && data.sessions.length === 0 && html`<p>No session matches.</p>`}
    ${data && data.sessions.length > 0 && html`<${SessionTable} sessions=${data.sessions} />`}`;
}
