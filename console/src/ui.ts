/** The console's building blocks: labelled fields with their API error, polling, alerts. */
import { html } from 'htm/preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';

/** The id of a field's error text, from its API name (`tariff.energyPerKwh`). */
export const errorId = (name: string) => `error-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;
const inputId = (name: string) => `field-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;

export interface FieldProps {
  label: string;
  /** The API's name of the field: its 400 errors are shown here. */
  name: string;
  value: string;
  onInput: (value: string) => void;
  error?: ApiError | null;
  type?: string;
  hint?: string;
  required?: boolean;
  inputMode?: string;
  autoComplete?: string;
}

export function Field(props: FieldProps) {
  const message = props.error?.at(props.name);
  const hintId = props.hint ? `${inputId(props.name)}-hint` : undefined;
  const describedBy = [hintId, message ? errorId(props.name) : undefined].filter(Boolean).join(' ') || undefined;
  return html`<div class=${`field${message ? ' invalid' : ''}`}>
    <label for=${inputId(props.name)}>${props.label}</label>
    ${props.hint && html`<p class="hint" id=${hintId}>${props.hint}</p>`}
    <input
      id=${inputId(props.name)}
      name=${props.name}
      type=${props.type ?? 'text'}
      value=${props.value}
      required=${props.required}
      inputmode=${props.inputMode}
      autocomplete=${props.autoComplete ?? 'off'}
      aria-invalid=${message ? 'true' : undefined}
      aria-describedby=${describedBy}
      onInput=${(event: Event) => props.onInput((event.target as HTMLInputElement).value)}
    />
    ${message && html`<p class="field-error" id=${errorId(props.name)}>${message}</p>`}
  </div>`;
}

export function Checkbox(props: { label: string; name: string; checked: boolean; onChange: (checked: boolean) => void; error?: ApiError | null }) {
  const message = props.error?.at(props.name);
  return html`<div class=${`field checkbox${message ? ' invalid' : ''}`}>
    <input
      id=${inputId(props.name)}
      type="checkbox"
      checked=${props.checked}
      aria-describedby=${message ? errorId(props.name) : undefined}
      onChange=${(event: Event) => props.onChange((event.target as HTMLInputElement).checked)}
    />
    <label for=${inputId(props.name)}>${props.label}</label>
    ${message && html`<p class="field-error" id=${errorId(props.name)}>${message}</p>`}
  </div>`;
}

/**
 * The error of a form: its message, and each field error the form has no field for (shown at
 * their fields otherwise).
 */
export function FormError(props: { error: unknown; shown?: readonly string[] }) {
  if (!props.error) return null;
  const error = props.error;
  const message = error instanceof Error ? error.message : String(error);
  const others = error instanceof ApiError ? error.details.filter((detail) => !props.shown?.includes(detail.field)) : [];
  return html`<div class="alert error" role="alert">
    <p>${message}</p>
    ${others.length > 0 && html`<ul>${others.map((detail) => html`<li><code>${detail.field}</code>: ${detail.message}</li>`)}</ul>`}
  </div>`;
}

/** Loads `load()` now and every `everyMs` while the page is shown (0: once); `reload` at will. */
export function usePoll<T>(load: () => Promise<T>, everyMs: number, deps: readonly unknown[]) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null);
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(async () => {
    try {
      setData(await loadRef.current());
      setError(null);
      setUpdatedAt(new Date());
    } catch (caught) {
      setError(caught);
    }
  }, []);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      await reload();
      if (!stopped && everyMs > 0) timer = setTimeout(tick, everyMs);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, deps);
  return { data, error, updatedAt, reload };
}

export function Status(props: { status: string }) {
  return html`<span class=${`status status-${props.status}`}>${props.status}</span>`;
}
