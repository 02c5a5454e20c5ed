/**
 * The driver's e-receipt, linked from the reader's receipt screen (Payter prints none): the
 * priced lines, tax and what the card was charged, as a small self-contained HTML page.
 */
import type { ChargingSession } from './model';

interface ViewAmount {
  label: string;
  text: string;
  detail?: string;
}

interface StoredReceiptView {
  language: string;
  lines: ViewAmount[];
  subtotal: ViewAmount;
  tax: ViewAmount;
  total: ViewAmount;
  captured: ViewAmount;
  shortfall?: ViewAmount;
}

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

export function renderReceiptPage(session: ChargingSession, siteName: string): string | undefined {
  const view = session.receiptView as StoredReceiptView | undefined;
  if (!view) return undefined;
  const row = (item: ViewAmount, strong = false) =>
    `<tr${strong ? ' class="total"' : ''}><td>${escape(item.label)}${item.detail ? `<br><small>${escape(item.detail)}</small>` : ''}</td><td>${escape(item.text)}</td></tr>`;
  const rows = [
    ...view.lines.map((line) => row(line)),
    row(view.subtotal),
    row(view.tax),
    row(view.total, true),
    ...(view.captured.text !== view.total.text ? [row(view.captured, true)] : []),
  ].join('\n');
  return `<!doctype html>
<html lang="${escape(view.language)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escape(siteName)}: receipt</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem}td{padding:.3rem 0;vertical-align:top}td+td{text-align:right}table{width:100%;border-collapse:collapse}.total td{border-top:1px solid #888;font-weight:600}small{color:#666}</style>
</head><body>
<h1>${escape(siteName)}</h1>
<p>${escape(session.stationId)} · ${escape(session.startedAt ?? session.createdAt)}${session.maskedPan ? ` · ${escape(session.maskedPan)}` : ''}</p>
<table>
${rows}
</table>
<p><small>${escape(session.sessionId)}</small></p>
</body></html>`;
}
