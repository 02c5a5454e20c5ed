import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { Field, FormError } from '../ui';

/** A charger's password: 24 random characters, shown once, never stored here nor answered back by the API. */
function generatePassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_');
}

/** "1, 2" as [1, 2]; anything else as typed, for the API to name. */
export function connectorList(text: string): unknown {
  const parts = text.split(',').map((part) => part.trim()).filter(Boolean);
  return parts.every((part) => /^\d+$/.test(part)) ? parts.map(Number) : text;
}

export function Stations() {
  const [form, setForm] = useState({ stationId: '', siteId: '', connectors: '1' });
  const [error, setError] = useState<unknown>(null);
  const [password, setPassword] = useState<string | null>(null);
  const [station, setStation] = useState<any>(null);
  const set = (key: keyof typeof form) => (value: string) => setForm({ ...form, [key]: value });

  const provision = async (event: Event) => {
    event.preventDefault();
    const secret = generatePassword();
    try {
      setStation(
        await api('PUT', `/installer/stations/${encodeURIComponent(form.stationId)}`, {
          body: { siteId: form.siteId, connectors: connectorList(form.connectors), password: secret },
        }),
      );
      setPassword(secret);
      setError(null);
    } catch (caught) {
      setPassword(null);
      setError(caught);
    }
  };
  const look = async () => {
    setPassword(null);
    try {
      setStation(await api('GET', `/installer/stations/${encodeURIComponent(form.stationId)}`));
      setError(null);
    } catch (caught) {
      setStation(null);
      setError(caught);
    }
  };
  const apiError = error instanceof ApiError ? error : null;
  return html`<h1>Stations</h1>
    <form onSubmit=${provision} aria-label="Provision a station">
      <${Field} label="Station id" name="stationId" value=${form.stationId} onInput=${set('stationId')} error=${apiError} required />
      <${Field} label="Site id" name="siteId" value=${form.siteId} onInput=${set('siteId')} error=${apiError} />
      <${Field} label="Connectors" name="connectors" value=${form.connectors} onInput=${set('connectors')} error=${apiError} hint="Connector numbers, e.g. 1, 2" />
      <${FormError} error=${error} shown=${['stationId', 'siteId', 'connectors']} />
      <div class="buttons">
        <button type="submit">Provision with a new password</button>
        <button type="button" class="secondary" onClick=${look}>Look up</button>
      </div>
    </form>
    ${password &&
    html`<div class="alert ok" role="status">
      <p>Station <strong>${station?.stationId}</strong> provisioned. Its OCPP password, shown this once (set it in the charger now):</p>
      <p><output class="secret" aria-label="Station password">${password}</output></p>
    </div>`}
    ${station &&
    html`<dl class="facts" aria-label="Station">
      <dt>Station</dt><dd>${station.stationId}</dd>
      <dt>Site</dt><dd>${station.siteId}</dd>
      <dt>Connectors</dt><dd>${(station.connectors ?? []).join(', ')}</dd>
      ${station.status && html`<dt>Status</dt><dd>${typeof station.status === 'string' ? station.status : JSON.stringify(station.status)}</dd>`}
    </dl>`}`;
}
