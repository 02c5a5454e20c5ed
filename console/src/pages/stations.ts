import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, ApiError, session } from '../api';
import { time } from '../format';
import { Field, FormError, usePoll } from '../ui';
import { SessionTable } from './overview';
import { COMMAND_GROUPS } from '../station-commands';

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

  // Provisioning sends a new password, shown once; an edit sends none, so the charger's own stays valid.
  const put = async (withPassword: boolean) => {
    const secret = withPassword ? generatePassword() : null;
    setPassword(null);
    try {
      setStation(
        await api('PUT', `/installer/stations/${encodeURIComponent(form.stationId)}`, {
          body: { siteId: form.siteId, connectors: connectorList(form.connectors), ...(secret && { password: secret }) },
        }),
      );
      setPassword(secret);
      setError(null);
    } catch (caught) {
      setError(caught);
    }
  };
  const provision = (event: Event) => {
    event.preventDefault();
    return put(true);
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
        <button type="button" class="secondary" onClick=${() => put(false)}>Save, keep its password</button>
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
      <dt>State</dt><dd>${station.online ? 'online' : 'offline'}${station.lastSeenAt ? `, last seen ${time(station.lastSeenAt)}` : ''}</dd>
      ${station.boot && html`<dt>Charger</dt><dd>${[station.boot.chargePointVendor, station.boot.chargePointModel, station.boot.firmwareVersion].filter(Boolean).join(' ')}</dd>`}
      ${(station.connectorStatus ?? []).map((c: any) => html`<dt>Connector ${c.connectorId}</dt><dd>${c.status}${c.errorCode && c.errorCode !== 'NoError' ? ` (${c.errorCode})` : ''}, ${time(c.timestamp)}</dd>`)}
    </dl>`}
    ${station && session.role() === 'operator' && html`<${StationSessions} stationId=${station.stationId} /><${StationOperations} station=${station} />`}`;
}

/** The station's latest charging-payment sessions (the ops API's filter), refreshing. */
function StationSessions(props: { stationId: string }) {
  const query = `?stationId=${encodeURIComponent(props.stationId)}&limit=10`;
  const { data, error } = usePoll(() => api<{ sessions: any[] }>('GET', `/ops/sessions${query}`), 5000, [query]);
  return html`<section aria-labelledby="station-sessions">
    <h2 id="station-sessions">Recent sessions</h2>
    <${FormError} error=${error} />
    ${data && (data.sessions.length > 0 ? html`<${SessionTable} sessions=${data.sessions} />` : html`<p>No session on this station yet.</p>`)}
  </section>`;
}

const COMMANDS: Record<string, object> = Object.assign({}, ...COMMAND_GROUPS.map((group) => group.commands));

/** The operators' share of a station: each connector's status history, and OCPP commands with the charger's answer. */
function StationOperations(props: { station: any }) {
  const id = encodeURIComponent(props.station.stationId);
  const [action, setAction] = useState('TriggerMessage');
  const [payload, setPayload] = useState(JSON.stringify(COMMANDS.TriggerMessage));
  const [answer, setAnswer] = useState<unknown>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [history, setHistory] = useState<Record<number, any[]>>({});

  const send = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setAnswer(null);
    try {
      let parsed: unknown;
      try {
        parsed = JSON.parse(payload);
      } catch {
        throw new ApiError(400, 'The payload is not valid JSON.', [{ field: 'payload', message: 'not valid JSON' }]);
      }
      setAnswer(await api('POST', `/ops/stations/${id}/calls`, { body: { action, payload: parsed } }));
      setError(null);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const loadHistory = async (connectorId: number) => {
    try {
      const { history: entries } = await api('GET', `/ops/stations/${id}/connectors/${connectorId}/history`);
      setHistory({ ...history, [connectorId]: entries });
    } catch (caught) {
      setError(caught);
    }
  };
  const apiError = error instanceof ApiError ? error : null;
  const payloadError = apiError?.at('payload');
  return html`<section aria-labelledby="commands">
      <h2 id="commands">OCPP commands</h2>
      <form onSubmit=${send} aria-label="Send an OCPP command">
        <div class="field">
          <label for="field-action">Command</label>
          <select
            id="field-action"
            value=${action}
            onChange=${(event: Event) => {
              const chosen = (event.target as HTMLSelectElement).value;
              setAction(chosen);
              setPayload(JSON.stringify(COMMANDS[chosen] ?? {}));
            }}
          >
            ${COMMAND_GROUPS.map(
              (group) => html`<optgroup label=${group.label}>${Object.keys(group.commands).map((name) => html`<option value=${name}>${name}</option>`)}</optgroup>`,
            )}
          </select>
        </div>
        <div class=${`field${payloadError ? ' invalid' : ''}`}>
          <label for="field-payload">Payload (JSON)</label>
          <textarea id="field-payload" rows="3" aria-describedby=${payloadError ? 'error-payload' : undefined} onInput=${(event: Event) => setPayload((event.target as HTMLTextAreaElement).value)} value=${payload}></textarea>
          ${payloadError && html`<p class="field-error" id="error-payload">${payloadError}</p>`}
        </div>
        <${FormError} error=${error} shown=${['payload']} />
        <button type="submit" disabled=${busy}>Send to the charger</button>
      </form>
      ${answer && html`<div class="alert ok" role="status"><p>The charger answered:</p><pre>${JSON.stringify((answer as any).result, null, 2)}</pre></div>`}
    </section>
    <section aria-labelledby="history">
      <h2 id="history">Connector status history</h2>
      ${(props.station.connectors ?? []).map(
        (connectorId: number) => html`<div>
          <button type="button" class="secondary" onClick=${() => loadHistory(connectorId)}>History of connector ${connectorId}</button>
          ${history[connectorId] &&
          html`<ol class="history" aria-label=${`Connector ${connectorId} history`}>
            ${history[connectorId]!.map((entry) => html`<li><time datetime=${entry.timestamp}>${time(entry.timestamp)}</time> ${entry.status}${entry.errorCode && entry.errorCode !== 'NoError' ? ` (${entry.errorCode})` : ''}</li>`)}
          </ol>`}
        </div>`,
      )}
    </section>`;
}
