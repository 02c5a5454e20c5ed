import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { money } from '../format';
import { Checkbox, Field, FormError } from '../ui';
import { ReceiptTable } from '../receipt';

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
  { name: 'limits.receiptTapMinutes', label: 'Receipt on a tap of the same card (minutes after a session, 0: off)', number: true },
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
function body(base: any, values: Values, inclusive: boolean, screens: string) {
  const site = structuredClone(base ?? {});
  delete site.siteId;
  delete site.updatedAt;
  delete site.screens;
  if (screens.trim() !== '') {
    try {
      site.screens = JSON.parse(screens);
    } catch {
      site.screens = screens;
    }
  }
  for (const field of FIELDS) {
    const text = values[field.name] ?? '';
    // Left empty: not sent, so the API fills in its default or names the field as missing.
    if (text.trim() === '') continue;
    put(site, field.name, 'number' in field && /^-?\d+$/.test(text.trim()) ? Number(text) : text);
  }
  put(site, 'tax.inclusive', inclusive);
  return site;
}

/** The calculator's fields by the API's usage fields. */
const USAGE_FIELDS: Record<string, string> = { energyWh: 'energyKwh', durationSeconds: 'durationMinutes', idleSeconds: 'idleMinutes' };

/** The errors of the wording overrides: at `screens` or within it (`screens.tapCard.title`). */
const screenFields = (error: ApiError | null) => (error?.details ?? []).map((d) => d.field).filter((field) => field === 'screens' || field.startsWith('screens.'));

/** The reader's wording, per screen, in the site's language: `{"tapCard": {"title": "..."}}`. */
function ScreensField(props: { value: string; onInput: (value: string) => void; error: ApiError | null }) {
  const messages = (props.error?.details ?? []).filter((d) => d.field === 'screens' || d.field.startsWith('screens.'));
  return html`<div class=${`field${messages.length ? ' invalid' : ''}`}>
    <label for="field-screens">Screen wording overrides (JSON)</label>
    <p class="hint" id="field-screens-hint">Per screen, in the site's language, e.g. {"tapCard": {"title": "Tap to pay"}}; the preview below shows each screen.</p>
    <textarea
      id="field-screens"
      rows="4"
      aria-invalid=${messages.length ? 'true' : undefined}
      aria-describedby=${messages.length ? 'field-screens-hint error-screens' : 'field-screens-hint'}
      value=${props.value}
      onInput=${(event: Event) => props.onInput((event.target as HTMLTextAreaElement).value)}
    ></textarea>
    ${messages.length > 0 && html`<ul class="field-error" id="error-screens">${messages.map((d) => html`<li><code>${d.field}</code>: ${d.message}</li>`)}</ul>`}
  </div>`;
}

/** The reader's screens by what the driver is doing. */
const SCREEN_NAMES: Record<string, string> = {
  tapCard: 'Before the tap',
  authorizing: 'Card read, hold asked',
  plugIn: 'Hold approved: plug in',
  charging: 'While charging',
  tapToStop: 'Tap to stop',
  stopping: 'Stopping',
  receipt: 'Receipt',
  declined: 'Card declined',
  error: 'A fault',
  outOfOrder: 'Out of order',
};

function Screen(props: { name: string; screen: Record<string, string> }) {
  const buttons = Object.entries(props.screen).filter(([key]) => key.startsWith('buttons.')).map(([, label]) => label);
  return html`<figure class="reader-screen" aria-label=${`Reader screen: ${props.name}`}>
    <p class="screen-title">${props.screen.title}</p>
    <p class="screen-message">${props.screen.message}</p>
    ${buttons.length > 0 && html`<p class="screen-buttons">${buttons.map((label) => html`<span class="screen-button">${label}</span>`)}</p>`}
    <figcaption>${props.name}</figcaption>
  </figure>`;
}

function Preview(props: { preview: any; currency: string }) {
  const { screens, quote } = props.preview;
  return html`<div class="screens">
      ${Object.entries(screens).map(([kind, screen]) => html`<${Screen} name=${SCREEN_NAMES[kind] ?? kind} screen=${screen} />`)}
    </div>
    ${quote &&
    html`<${ReceiptTable}
      receipt=${quote.receipt}
      label="Quote"
      extra=${[
        { label: 'Captured (at most the hold)', kind: 'captured', text: money(quote.captured, props.currency) },
        { label: 'Shortfall', kind: 'shortfall', text: money(quote.shortfall, props.currency) },
        { label: 'Platform fee', kind: 'platformFee', text: money(quote.split.platformFee.minor, props.currency) },
        { label: 'Site host', kind: 'hostRevenue', text: money(quote.split.hostRevenue.minor, props.currency) },
      ]}
    />`}`;
}

/** Create or edit a site's settings; each error of the API's 400 is shown at its field. */
export function Sites() {
  const [siteId, setSiteId] = useState('');
  const [base, setBase] = useState<any>(null);
  const [values, setValues] = useState<Values>({});
  const [inclusive, setInclusive] = useState(false);
  const [screens, setScreens] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);

  const fill = (site: any) => {
    setBase(site);
    setValues(Object.fromEntries(FIELDS.map((field) => [field.name, String(get(site, field.name) ?? '')])));
    setInclusive(Boolean(get(site, 'tax.inclusive')));
    setScreens(site.screens ? JSON.stringify(site.screens, null, 2) : '');
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
      fill(await api('PUT', `/installer/sites/${encodeURIComponent(siteId)}`, { body: body(base, values, inclusive, screens) }));
      setError(null);
      setSaved(`Site ${siteId} saved.`);
    } catch (caught) {
      setSaved(null);
      setError(caught);
    }
  };
  const apiError = error instanceof ApiError ? error : null;
  const [usage, setUsage] = useState({ energyKwh: '12.345', durationMinutes: '60', idleMinutes: '15' });
  const [preview, setPreview] = useState<any>(null);
  const [previewError, setPreviewError] = useState<unknown>(null);
  const runPreview = async () => {
    const number = (text: string, scale: number) => (/^\d+(\.\d+)?$/.test(text.trim()) ? Math.round(Number(text) * scale) : text);
    try {
      setPreview(
        await api('POST', '/installer/site-preview', {
          body: {
            site: body(base, values, inclusive, screens),
            usage: { energyWh: number(usage.energyKwh, 1000), durationSeconds: number(usage.durationMinutes, 60), idleSeconds: number(usage.idleMinutes, 60) },
          },
        }),
      );
      setPreviewError(null);
      setError(null);
    } catch (caught) {
      setPreview(null);
      // The site's fields are the editor's: their errors shown there; the usage's at the calculator.
      if (caught instanceof ApiError) {
        const strip = (prefix: string) => caught.details.filter((d) => d.field.startsWith(prefix)).map((d) => ({ ...d, field: d.field.slice(prefix.length) }));
        const siteErrors = strip('site.');
        setError(siteErrors.length > 0 ? new ApiError(caught.status, caught.message, siteErrors) : null);
        const usageErrors = strip('usage.').map((d) => ({ ...d, field: USAGE_FIELDS[d.field] ?? d.field }));
        setPreviewError(new ApiError(caught.status, caught.message, usageErrors));
      } else setPreviewError(caught);
    }
  };
  const previewApiError = previewError instanceof ApiError ? previewError : null;
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
        <${ScreensField} value=${screens} onInput=${setScreens} error=${apiError} />
      </fieldset>
      <${FormError} error=${error} shown=${[...FIELDS.map((field) => field.name), 'tax.inclusive', 'siteId', ...screenFields(apiError)]} />
      <div class="buttons">
        <button type="submit">Save site</button>
      </div>
    </form>
    <section aria-labelledby="preview" class="preview">
      <h2 id="preview">Preview and price calculator</h2>
      <p class="hint">The reader's start screen as a driver reads it before tapping, and one session priced by the same code as the sessions, from the settings above (saved or not).</p>
      <form class="filters" aria-label="Price calculator" onSubmit=${(event: Event) => (event.preventDefault(), void runPreview())}>
        <${Field} label="Energy (kWh)" name="energyKwh" value=${usage.energyKwh} onInput=${(v: string) => setUsage({ ...usage, energyKwh: v })} error=${previewApiError} inputMode="decimal" />
        <${Field} label="Duration (minutes)" name="durationMinutes" value=${usage.durationMinutes} onInput=${(v: string) => setUsage({ ...usage, durationMinutes: v })} error=${previewApiError} inputMode="decimal" />
        <${Field} label="Idle (minutes)" name="idleMinutes" value=${usage.idleMinutes} onInput=${(v: string) => setUsage({ ...usage, idleMinutes: v })} error=${previewApiError} inputMode="decimal" />
        <button type="submit">Preview</button>
      </form>
      <${FormError} error=${previewError} shown=${Object.values(USAGE_FIELDS)} />
      ${preview && html`<${Preview} preview=${preview} currency=${values.currency || 'USD'} />`}
    </section>`}
    ${!base && html`<${FormError} error=${error} shown=${['siteId']} />`}`;
}
