import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { Field, FormError } from '../ui';
import { connectorList } from './stations';

const START_FLOWS = { tapToStart: 'Tap to start', plugInToStart: 'Plug in to start', uiStart: 'UI start (driver picks a connector)' } as const;

/** A kiosk's connectors typed as `CP-1:1=Left, CP-2:1=Right`; anything else goes to the API as typed, to be explained there. */
export function kioskConnectors(text: string): unknown {
  const parts = text.split(',').map((part) => part.trim()).filter(Boolean);
  const parsed = parts.map((part) => /^([^:=]+):(\d+)=(.+)$/.exec(part));
  return parsed.every(Boolean) ? parsed.map((m) => ({ stationId: m![1]!.trim(), connectorId: Number(m![2]), label: m![3]!.trim() })) : text;
}

/** The connectors a reader serves as the API answers it (readers from before kiosks have only `connectorIds`). */
const servedOf = (reader: any): { stationId: string; connectorId: number; label: string }[] =>
  reader.connectors ?? (reader.connectorIds ?? []).map((connectorId: number) => ({ stationId: reader.stationId, connectorId, label: String(connectorId) }));

/** The Installer Panel's card-reader flow: commission a reader to a station's connectors, decommission it, look it up. */
export function Readers() {
  const [form, setForm] = useState({ serialNumber: '', stationId: '', connectorIds: '1', kiosk: '', startFlow: 'tapToStart' });
  const [menu, setMenu] = useState(false);
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
      const served = form.kiosk.trim()
        ? { connectors: kioskConnectors(form.kiosk) }
        : { stationId: form.stationId, connectorIds: connectorList(form.connectorIds) };
      setReader(await api('PUT', path(), { body: { ...served, startFlow: form.startFlow, ...(menu && { menu: true }) } }));
      setNote(`Reader ${form.serialNumber} commissioned to ${form.kiosk.trim() ? 'its kiosk connectors' : form.stationId}.`);
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
      <${Field}
        label="Kiosk bays"
        name="connectors"
        value=${form.kiosk}
        onInput=${set('kiosk')}
        error=${apiError}
        hint="Instead of a station: the connectors of the site's stations it pays for, by label, e.g. CP-1:1=Left, CP-2:1=Right"
      />
      <div class="field">
        <label for="field-startFlow">Start flow</label>
        <select id="field-startFlow" name="startFlow" value=${form.startFlow} onChange=${(event: Event) => set('startFlow')((event.target as HTMLSelectElement).value)}>
          ${Object.entries(START_FLOWS).map(([value, label]) => html`<option value=${value}>${label}</option>`)}
        </select>
      </div>
      <div class="field">
        <label><input type="checkbox" name="menu" checked=${menu} onChange=${(event: Event) => setMenu((event.target as HTMLInputElement).checked)} /> Menu of Start, Stop and Receipt</label>
        <p class="hint">The idle screen offers the three; Receipt shows the last receipt of the card then tapped.</p>
      </div>
      <${FormError} error=${error} shown=${['serialNumber', 'stationId', 'connectorIds', 'connectors']} />
      ${note && html`<p class="alert ok" role="status">${note}</p>`}
      <div class="buttons">
        <button type="submit">Commission</button>
        <button type="button" class="secondary" onClick=${look}>Look up</button>
        <button type="button" class="danger" onClick=${decommission}>Decommission</button>
      </div>
    </form>
    ${reader &&
    html`<dl class="facts" aria-label="Reader">
      <dt>Start flow</dt><dd>${START_FLOWS[(reader.startFlow ?? 'tapToStart') as keyof typeof START_FLOWS] ?? reader.startFlow}</dd>
      <dt>Connectors served</dt><dd>${servedOf(reader).map((c) => `${c.label}: ${c.stationId} connector ${c.connectorId}`).join(', ')}</dd>
      <dt>Menu</dt><dd>${reader.menu ? 'Start, Stop, Receipt' : 'None: the start flow\'s own screen'}</dd>
      ${Object.entries(reader).map(([key, value]) => html`<dt>${key}</dt><dd>${typeof value === 'object' ? JSON.stringify(value) : String(value)}</dd>`)}
    </dl>`}`;
}
