import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { Field, FormError } from '../ui';
import { connectorList } from './stations';

/** The Installer Panel's card-reader flow: commission a reader to a station's connectors, decommission it, look it up. */
export function Readers() {
  const [form, setForm] = useState({ serialNumber: '', stationId: '', connectorIds: '1' });
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState<string | null>(null);
  const [reader, setReader] = useState<any>(null);
  const set = (key: keyof typeof form) => (value: string) => setForm({ ...form, [key]: value });
  const path = () => `/installer/readers/${encodeURIComponent(form.serialNumber)}`;
  const run = async (what: () => Promise<void>) => {
    setNote(null);
    try {
      await what();
      setError(null);
    } catch (caught) {
      setError(caught);
    }
  };
  const commission = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      setReader(await api('PUT', path(), { body: { stationId: form.stationId, connectorIds: connectorList(form.connectorIds) } }));
      setNote(`Reader ${form.serialNumber} commissioned to ${form.stationId}.`);
    });
  };
  const decommission = () =>
    run(async () => {
      await api('DELETE', path());
      setReader(null);
      setNote(`Reader ${form.serialNumber} decommissioned.`);
    });
  const look = () => run(async () => setReader(await api('GET', path())));
  const apiError = error instanceof ApiError ? error : null;
  return html`<h1>Readers</h1>
    <form onSubmit=${commission} aria-label="Commission a reader">
      <${Field} label="Serial number" name="serialNumber" value=${form.serialNumber} onInput=${set('serialNumber')} error=${apiError} required />
      <${Field} label="Station id" name="stationId" value=${form.stationId} onInput=${set('stationId')} error=${apiError} />
      <${Field} label="Connectors" name="connectorIds" value=${form.connectorIds} onInput=${set('connectorIds')} error=${apiError} hint="The station's connectors this reader pays for, e.g. 1" />
      <${FormError} error=${error} shown=${['serialNumber', 'stationId', 'connectorIds']} />
      ${note && html`<p class="alert ok" role="status">${note}</p>`}
      <div class="buttons">
        <button type="submit">Commission</button>
        <button type="button" class="secondary" onClick=${look}>Look up</button>
        <button type="button" class="danger" onClick=${decommission}>Decommission</button>
      </div>
    </form>
    ${reader &&
    html`<dl class="facts" aria-label="Reader">
      ${Object.entries(reader).map(([key, value]) => html`<dt>${key}</dt><dd>${typeof value === 'object' ? JSON.stringify(value) : String(value)}</dd>`)}
    </dl>`}`;
}
