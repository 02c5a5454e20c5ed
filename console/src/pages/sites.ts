import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { Checkbox, Field, FormError } from '../ui';

/** The site settings' fields (pricing.md), by their API names; numbers are integers, decimals text. */
const FIELDS = [
  { name: 'name', label: 'Name' },
  { name: 'currency', label: 'Currency (ISO 4217)' },
  { name: 'language', label: 'Language of the screens' },
  { name: 'timeZone', label: 'Time zone' },
  { name: 'holdAmount', label: 'Hold (minor units)', number: true },
  { name: 'tariff.sessionFee', label: 'Session fee (minor units)', number: true },
  { name: 'tariff.energyPerKwh', label: 'Energy per kWh (minor units, decimal)' },
  { name: 'tariff.timePerHour', label: 'Time per hour (minor units, decimal)' },
  { name: 'tariff.idlePerHour', label: 'Idle per hour (minor units, decimal)' },
  { name: 'tariff.idleGraceMinutes', label: 'Idle grace (minutes)', number: true },
  { name: 'tax.ratePercent', label: 'Tax rate (%)' },
  { name: 'revenueShare.platformPercent', label: 'Platform share (%)' },
  { name: 'revenueShare.platformFixedPerSession', label: 'Platform fixed fee per session (minor units)', number: true },
] as const;

type Values = Record<string, string>;

function get(site: any, path: string): unknown {
  return path.split('.').reduce((value, key) => (value == null ? undefined : value[key]), site);
}

function put(target: any, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop()!;
  let at = target;
  for (const key of keys) at = at[key] ??= {};
  at[last] = value;
}

/** The form's text as the API's JSON: an integer field that reads as one is sent as a number, else as typed (the API names it). */
function body(base: any, values: Values, inclusive: boolean) {
  const site = structuredClone(base ?? {});
  delete site.siteId;
  delete site.updatedAt;
  for (const field of FIELDS) {
    const text = values[field.name] ?? '';
    put(site, field.name, 'number' in field && /^-?\d+$/.test(text.trim()) ? Number(text) : text);
  }
  put(site, 'tax.inclusive', inclusive);
  return site;
}

/** Create or edit a site's settings; each error of the API's 400 is shown at its field. */
export function Sites() {
  const [siteId, setSiteId] = useState('');
  const [base, setBase] = useState<any>(null);
  const [values, setValues] = useState<Values>({});
  const [inclusive, setInclusive] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);

  const fill = (site: any) => {
    setBase(site);
    setValues(Object.fromEntries(FIELDS.map((field) => [field.name, String(get(site, field.name) ?? '')])));
    setInclusive(Boolean(get(site, 'tax.inclusive')));
  };
  const load = async (event: Event) => {
    event.preventDefault();
    setSaved(null);
    try {
      fill(await api('GET', `/installer/sites/${encodeURIComponent(siteId)}`));
      setError(null);
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 404) {
        fill({});
        setError(null);
        setSaved(`Site ${siteId} does not exist yet: fill in its settings to create it.`);
      } else setError(caught);
    }
  };
  const save = async (event: Event) => {
    event.preventDefault();
    try {
      fill(await api('PUT', `/installer/sites/${encodeURIComponent(siteId)}`, { body: body(base, values, inclusive) }));
      setError(null);
      setSaved(`Site ${siteId} saved.`);
    } catch (caught) {
      setSaved(null);
      setError(caught);
    }
  };
  const apiError = error instanceof ApiError ? error : null;
  return html`<h1>Sites</h1>
    <form class="inline" onSubmit=${load} aria-label="Open a site">
      <${Field} label="Site id" name="siteId" value=${siteId} onInput=${setSiteId} error=${apiError} required />
      <button type="submit">Open</button>
    </form>
    ${saved && html`<p class="alert ok" role="status">${saved}</p>`}
    ${base &&
    html`<form class="site" onSubmit=${save} aria-label="Site settings" novalidate>
      <fieldset>
        <legend>Settings of ${siteId}</legend>
        ${FIELDS.map(
          (field) => html`<${Field}
            label=${field.label}
            name=${field.name}
            value=${values[field.name] ?? ''}
            onInput=${(value: string) => setValues({ ...values, [field.name]: value })}
            error=${apiError}
            inputMode=${'number' in field ? 'numeric' : undefined}
          />`,
        )}
        <${Checkbox} label="Prices include tax" name="tax.inclusive" checked=${inclusive} onChange=${setInclusive} error=${apiError} />
      </fieldset>
      <${FormError} error=${error} shown=${[...FIELDS.map((field) => field.name), 'tax.inclusive', 'siteId']} />
      <button type="submit">Save site</button>
    </form>`}
    ${!base && html`<${FormError} error=${error} shown=${['siteId']} />`}`;
}
