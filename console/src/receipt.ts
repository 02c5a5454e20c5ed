import { html } from 'htm/preact';

/** One row after the receipt's own: what the card was charged, the shortfall, a split share. */
export interface ExtraRow {
  readonly label: string;
  readonly kind: string;
  readonly text: string;
}

/** A receipt view's lines, subtotal, tax and total as the driver's receipt shows them, then `extra` rows. */
export function ReceiptTable(props: { receipt: any; label?: string; extra: readonly ExtraRow[] }) {
  const { receipt } = props;
  return html`<div class="table"><table class="receipt" aria-label=${props.label}>
    <tbody>
      ${receipt.lines.map(
        (line: any) => html`<tr><th scope="row">${line.label}${line.detail && html`<span class="detail">${line.detail}</span>`}</th><td data-kind=${line.kind}>${line.text}</td></tr>`,
      )}
      <tr class="sum"><th scope="row">${receipt.subtotal.label}</th><td data-kind="subtotal">${receipt.subtotal.text}</td></tr>
      <tr><th scope="row">${receipt.tax.label}</th><td data-kind="tax">${receipt.tax.text}</td></tr>
      <tr class="total"><th scope="row">${receipt.total.label}</th><td data-kind="total">${receipt.total.text}</td></tr>
      ${props.extra.map((row) => html`<tr><th scope="row">${row.label}</th><td data-kind=${row.kind}>${row.text}</td></tr>`)}
    </tbody>
  </table></div>`;
}
