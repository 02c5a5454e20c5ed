import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { money } from '../format';
import { Field, FormError } from '../ui';

/** What an operator does about each kind of difference (docs/reconciliation.md). */
const WHAT_TO_DO: Record<string, string> = {
  holdStillOpen: 'A hold is still on the card at Payter: the session sweeper commits or cancels it; if it stays, cancel it in MyPayter.',
  unknownToUs: 'Payter has a session on our reader that we have no record of: look it up in MyPayter and cancel its hold if it is one.',
  unknownToPayter: 'We have a session Payter does not list: check the reader in MyPayter; no money moved for it at Payter.',
  stateDiffers: 'Our state and Payter\'s differ: Payter\'s is what the card saw; open the session and compare with MyPayter.',
  amountDiffers: 'The amounts differ: the card was charged Payter\'s amount; check the receipt and refund or correct by hand.',
  refundDiffers: 'What we recorded as refunded differs from Payter: check the refunds in MyPayter before any new refund.',
  refundUnknown: 'A refund\'s outcome is not known yet: do not refund again; the next reconciliation settles it.',
  refundAwaitingAcquirer: 'This refund is to be made through the acquirer; it stays listed until Payter\'s data shows it.',
  chargerReportedOtherUsage: 'The session was billed from the last meter value of a lost charger, which later reported other figures: refund the difference if the driver paid too much.',
};

/** The same for MyPayter's transactions (the data the site host's statements come from). */
const WHAT_TO_DO_MYPAYTER: Record<string, string> = {
  amountDiffers: "MyPayter lists another amount than we committed: the host's statement follows MyPayter; check the session's receipt and correct by refund.",
  stateDiffers: 'MyPayter shows the payment in another state than ours: open the session; if a hold is still open there, the sweeper or MyPayter ends it.',
  unknownToUs: 'MyPayter has a transaction on our reader that matches none of our sessions: look it up in MyPayter.',
  unknownToMyPayter: 'We have a payment MyPayter does not list, past the time it takes to appear: check the reader in MyPayter.',
};

const today = () => new Date().toISOString().slice(0, 10);

/** A period's sessions against Payter's, every difference with what to do about it. */
export function Reconciliation() {
  const [from, setFrom] = useState(today());
  const [to, setTo] = useState(today());
  const [report, setReport] = useState<any>(null);
  const [myPayter, setMyPayter] = useState<any>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const query = new URLSearchParams({ from, to });
      const [cps, synced] = await Promise.all([api('GET', `/ops/reconciliation?${query}`), api('GET', `/ops/reconciliation/mypayter?${query}`)]);
      setReport(cps);
      setMyPayter(synced);
      setError(null);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const apiError = error instanceof ApiError ? error : null;
  return html`<h1>Reconciliation</h1>
    <form class="filters" onSubmit=${run} aria-label="Period">
      <${Field} label="From" name="from" type="date" value=${from} onInput=${setFrom} error=${apiError} />
      <${Field} label="To" name="to" type="date" value=${to} onInput=${setTo} error=${apiError} />
      <button type="submit" disabled=${busy}>Compare with Payter</button>
    </form>
    <${FormError} error=${error} shown=${['from', 'to']} />
    ${report &&
    html`<section aria-labelledby="result">
      <h2 id="result">${report.sessions} sessions, ${report.matched} matched, ${report.differences.length} differences</h2>
      ${report.differences.length === 0 && html`<p>Our sessions and Payter's agree.</p>`}
      <ul class="differences">
        ${report.differences.map(
          (d: any) => html`<${Difference} difference=${d} theirs=${d.payters} theirName="Payter" whatToDo=${WHAT_TO_DO} />`,
        )}
      </ul>
      ${report.openHolds?.length > 0 &&
      html`<h3>Holds open at Payter</h3>
        <ul>${report.openHolds.map((h: any) => html`<li>${h.serialNumber}: ${h.payterSessionId}${h.overdue ? ' (overdue)' : ''}${h.ageMinutes !== undefined ? `, ${h.ageMinutes} min` : ''}</li>`)}</ul>`}
    </section>`}
    ${myPayter &&
    html`<section aria-labelledby="mypayter">
      <h2 id="mypayter">Against MyPayter: ${myPayter.sessions} sessions, ${myPayter.transactions} transactions, ${myPayter.matched} matched, ${myPayter.differences.length} differences</h2>
      <p class="hint">${myPayter.syncedAt ? `MyPayter's transactions as synced at ${new Date(myPayter.syncedAt).toLocaleString()}.` : 'MyPayter has not been synced yet: the reconciliation job reads it on its schedule.'}</p>
      <ul class="differences">
        ${myPayter.differences.map(
          (d: any) =>
            html`<${Difference} difference=${d} theirs=${d.theirs && { ...d.theirs, transactionId: d.transactionId }} theirName="MyPayter" whatToDo=${WHAT_TO_DO_MYPAYTER} />`,
        )}
      </ul>
    </section>`}`;
}

/** One difference: its kind, reader and session, our side and theirs, and what to do about it. */
function Difference(props: { difference: any; theirs?: any; theirName: string; whatToDo: Record<string, string> }) {
  const { difference: d, theirs } = props;
  return html`<li>
    <strong>${d.kind}</strong> on reader ${d.serialNumber}
    ${d.sessionId && html` — session <a href=${`#/sessions/${encodeURIComponent(d.sessionId)}`}>${d.sessionId.slice(0, 8)}</a>`}
    ${d.ours && html`<br />ours: ${d.ours.paymentState ?? '–'} ${d.ours.committedAmount !== undefined ? money(d.ours.committedAmount) : ''}`}
    ${theirs &&
    html`<br />${props.theirName}: ${theirs.state} ${theirs.committedAmount != null ? money(theirs.committedAmount) : ''}${theirs.transactionId ? ` (transaction ${theirs.transactionId})` : ''}`}
    <p class="hint">${props.whatToDo[d.kind] ?? 'Compare with MyPayter.'}</p>
  </li>`;
}
