import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, ApiError, idempotencyKey } from '../api';
import { duration, kwh, money, time } from '../format';
import { Field, FormError, Status, usePoll } from '../ui';
import { EnergyChart, meterPoints } from '../chart';
import { ReceiptTable } from '../receipt';
import { currencyOf } from './overview';

const FINAL = ['declined', 'completed', 'cancelled', 'failed'];

interface HistoryEvent {
  timestamp: string;
  type: string;
  state?: string;
  error?: string;
  cause?: string;
}

interface Step {
  state: string;
  at: string;
  outcome: string;
}

/** The workflow's states in order, each with when it was entered and how it ended. */
export function timeline(events: readonly HistoryEvent[]): Step[] {
  const steps: Step[] = [];
  for (const event of events) {
    const current = steps[steps.length - 1];
    if (event.type.endsWith('StateEntered') && event.state) steps.push({ state: event.state, at: event.timestamp, outcome: 'running' });
    else if (!current) continue;
    else if (event.type === 'TaskSucceeded') current.outcome = 'succeeded';
    else if (/^Task(Failed|TimedOut)$/.test(event.type)) current.outcome = `${event.type === 'TaskFailed' ? 'failed' : 'timed out'}${event.error ? `: ${event.error}` : ''}`;
    else if (event.type.endsWith('StateExited') && current.outcome === 'running') current.outcome = 'done';
    if (/^Execution(Succeeded|Failed|TimedOut|Aborted)$/.test(event.type)) {
      steps.push({ state: event.type.replace('Execution', 'Execution '), at: event.timestamp, outcome: event.error ?? '' });
    }
  }
  return steps;
}

/** Minor units from what an operator types ("2.50" in USD is 250). */
function toMinor(text: string, currency: string): number | string {
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  if (!/^\d+(\.\d+)?$/.test(text.trim())) return text;
  return Math.round(Number(text.trim()) * 10 ** digits);
}

export function SessionPage(props: { sessionId: string }) {
  const id = encodeURIComponent(props.sessionId);
  const { data, error, reload } = usePoll(
    async () => {
      const [detail, execution] = await Promise.all([
        api('GET', `/ops/sessions/${id}`),
        api<{ events: HistoryEvent[] }>('GET', `/ops/sessions/${id}/execution`).catch((caught) => {
          if (caught instanceof ApiError && caught.status === 404) return { events: [] };
          throw caught;
        }),
      ]);
      // The charger's meter values, for the chart.
      const transaction = detail.transactionId !== undefined ? await api('GET', `/ops/transactions/${encodeURIComponent(detail.transactionId)}`).catch(() => null) : null;
      return { detail, execution, transaction };
    },
    2000,
    [props.sessionId],
  );
  if (!data) return html`<h1>Session</h1><${FormError} error=${error} />${!error && html`<p>Loading…</p>`}`;
  const s = data.detail;
  const currency = currencyOf(s);
  const receipt = s.receipt;
  return html`<h1>Session <code>${s.sessionId}</code></h1>
    <${FormError} error=${error} />
    <section aria-labelledby="summary">
      <h2 id="summary">Summary</h2>
      <dl class="facts">
        <dt>Status</dt><dd><${Status} status=${s.status} /></dd>
        <dt>Site</dt><dd>${s.siteId}</dd>
        <dt>Station / connector</dt><dd>${s.stationId} / ${s.connectorId}</dd>
        <dt>Reader</dt><dd>${s.serialNumber}</dd>
        <dt>Card</dt><dd>${s.maskedPan ?? '–'}</dd>
        <dt>Payter session</dt><dd>${s.payterSessionId ?? '–'}</dd>
        <dt>Started</dt><dd>${time(s.meter?.startedAt ?? s.createdAt)}</dd>
        <dt>Energy</dt><dd>${kwh(s.usage?.energyWh)}</dd>
        <dt>Duration</dt><dd>${duration(s.usage?.durationSeconds)}</dd>
        <dt>Idle</dt><dd>${duration(s.usage?.idleSeconds)}</dd>
        <dt>Hold</dt><dd>${money(s.authorizedAmount, currency)} (${s.paymentState ?? '–'})</dd>
        ${s.endReason && html`<dt>End</dt><dd>${s.endReason}</dd>`}
      </dl>
      ${s.status === 'charging' && html`<${StopButton} sessionId=${props.sessionId} onStopped=${reload} />`}
    </section>
    <section aria-labelledby="meter">
      <h2 id="meter">Energy and power</h2>
      ${data.transaction ? html`<${EnergyChart} points=${meterPoints(data.transaction)} />` : html`<p>No transaction yet.</p>`}
    </section>
    <section aria-labelledby="receipt">
      <h2 id="receipt">Receipt</h2>
      ${!receipt && html`<p>Not priced yet${s.total !== undefined ? html`; running total <strong data-testid="running-total">${money(s.total, currency)}</strong>` : ''}.</p>`}
      ${receipt &&
      html`<${ReceiptTable}
        receipt=${receipt}
        extra=${[
          { label: 'Captured', kind: 'captured', text: money(s.captured, currency) },
          { label: 'Shortfall', kind: 'shortfall', text: money(s.shortfall, currency) },
          { label: 'Refunded', kind: 'refunded', text: money(s.refundedAmount, currency) },
        ]}
      />`}
      ${s.split &&
      html`<h3>Revenue split</h3>
        <dl class="facts">
          <dt>Tax collected</dt><dd>${money(s.split.taxCollected?.minor, currency)}</dd>
          <dt>Platform fee</dt><dd>${money(s.split.platformFee?.minor, currency)}</dd>
          <dt>Site host</dt><dd>${money(s.split.hostRevenue?.minor, currency)}</dd>
        </dl>`}
    </section>
    <section aria-labelledby="refunds">
      <h2 id="refunds">Refunds</h2>
      ${s.refunds.length === 0 && html`<p>None.</p>`}
      ${s.refunds.length > 0 &&
      html`<ul class="refunds">
        ${s.refunds.map((r: any) => html`<li>${money(r.amount, currency)} — ${r.state} — ${r.reason} <span class="detail">${time(r.requestedAt ?? r.at)}</span></li>`)}
      </ul>`}
      ${s.captured > 0 && html`<${RefundForm} sessionId=${props.sessionId} currency=${currency} onRefunded=${reload} />`}
    </section>
    <section aria-labelledby="workflow">
      <h2 id="workflow">Workflow</h2>
      ${s.execution && html`<p>Execution <code>${s.execution.name}</code>: <${Status} status=${s.execution.status} /></p>`}
      ${s.execution?.consoleUrl && html`<p><a href=${s.execution.consoleUrl} rel="noreferrer">Open in the Step Functions console</a></p>`}
      <ol class="timeline" aria-label="Workflow timeline">
        ${timeline(data.execution.events).map(
          (step) => html`<li><time datetime=${step.at}>${time(step.at)}</time> <strong>${step.state}</strong> <span class="outcome">${step.outcome}</span></li>`,
        )}
      </ol>
    </section>`;
}

/** A refund with its own Idempotency-Key: a second click (or a retry) is the same refund, made once. */
function RefundForm(props: { sessionId: string; currency: string; onRefunded: () => void }) {
  const [key, setKey] = useState(idempotencyKey);
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setDone(null);
    try {
      const refund = await api('POST', `/ops/sessions/${encodeURIComponent(props.sessionId)}/refunds`, {
        body: { amount: toMinor(amount, props.currency), reason },
        headers: { 'idempotency-key': key },
      });
      setError(null);
      setDone(`Refund of ${money(refund.amount, props.currency)}: ${refund.state}${refund.message ? ` — ${refund.message}` : ''}`);
      // The next refund is another one.
      setKey(idempotencyKey());
      setAmount('');
      setReason('');
      props.onRefunded();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const apiError = error instanceof ApiError ? error : null;
  return html`<form class="refund" onSubmit=${submit} aria-label="Refund">
    <h3>Refund</h3>
    <${Field} label=${`Amount (${props.currency})`} name="amount" value=${amount} onInput=${setAmount} error=${apiError} inputMode="decimal" required hint="Part or all of what was captured, e.g. 2.50" />
    <${Field} label="Reason" name="reason" value=${reason} onInput=${setReason} error=${apiError} required />
    <${FormError} error=${error} shown=${['amount', 'reason']} />
    ${done && html`<p class="alert ok" role="status">${done}</p>`}
    <button type="submit" disabled=${busy}>Refund</button>
  </form>`;
}

function StopButton(props: { sessionId: string; onStopped: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const stop = async () => {
    setBusy(true);
    try {
      await api('POST', `/ops/sessions/${encodeURIComponent(props.sessionId)}/stop`);
      props.onStopped();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return html`<div><button type="button" class="danger" disabled=${busy} onClick=${stop}>Stop charging</button><${FormError} error=${error} /></div>`;
}
