/**
 * The driver's e-receipt, linked from the reader's receipt screen (Payter prints none): the
 * priced lines, tax and what the card was charged, refunds and the final amount, times in the
 * site's time zone; or, for a session that charged nothing, that nothing was charged. A small
 * self-contained HTML page in the driver's language.
 */
import { Money } from '../money/money';
import { siteTimeZone, type StoredSite } from '../sites/site-settings';
import { cancelledView, emailWording, receiptFacts, settlementView, type NothingChargedReason, type ReceiptFact } from '../pricing/receipt';
import { OPEN_SESSION_STATUSES, type ChargingSession, type EndReason } from './model';

/** Why a session that charged nothing never charged, in the driver's words (a stopped session: see below). */
const NOTHING_CHARGED_BECAUSE: Partial<Record<EndReason, NothingChargedReason>> = {
  declined: 'declined',
  noTransaction: 'notStarted',
  cardNotPresent: 'cardNotRead',
  payterUnavailable: 'paymentFailed',
  payterRefused: 'paymentFailed',
  authorizeFailed: 'paymentFailed',
  workflowNotStarted: 'paymentFailed',
  currencyMismatch: 'readerCurrency',
};

interface ViewAmount {
  label: string;
  text: string;
  detail?: string;
}

interface StoredReceiptView {
  language: string;
  currency: string;
  energyWh: number;
  durationSeconds: number;
  lines: ViewAmount[];
  subtotal: ViewAmount;
  tax: ViewAmount;
  total: ViewAmount;
  captured: ViewAmount & { amount: { minor: number } };
  shortfall?: ViewAmount;
}

/** What the page shows of the site. */
export interface ReceiptSite {
  readonly name: string;
  /** IANA name (`siteTimeZone(site)`). */
  readonly timeZone: string;
  /** The site's language, for a session that was never priced. */
  readonly language?: string;
  readonly currency?: string;
}

/** What the page shows of the session's site (the site's id alone if it is gone). */
export function receiptSiteOf(session: Pick<ChargingSession, 'siteId'>, site: StoredSite | undefined): ReceiptSite {
  return {
    name: site?.name ?? session.siteId,
    timeZone: siteTimeZone(site),
    ...(site && { language: site.language, currency: site.currency }),
  };
}

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const row = (item: ViewAmount | ReceiptFact, strong = false) =>
  `<tr${strong ? ' class="total"' : ''}><td>${escape(item.label)}${'detail' in item && item.detail ? `<br><small>${escape(item.detail)}</small>` : ''}</td><td>${escape(item.text)}</td></tr>`;

/** The page, or undefined while there is nothing to show yet (the session is not priced, or still holds money). */
export function renderReceiptPage(session: ChargingSession, site: ReceiptSite, options: { readonly emailForm?: boolean } = {}): string | undefined {
  const view = session.receiptView as StoredReceiptView | undefined;
  const chargedNothing = session.paymentState === 'cancelled' || (session.paymentState ?? 'none') === 'none';
  const ended = !OPEN_SESSION_STATUSES.includes(session.status);
  if (!view && !(ended && chargedNothing)) return undefined;

  const language = view?.language ?? site.language;
  const currency = view?.currency ?? session.currency ?? site.currency ?? 'USD';
  const { facts, timesIn } = receiptFacts(
    {
      ...(session.startedAt !== undefined && { startedAt: session.startedAt }),
      ...(session.stoppedAt !== undefined && { stoppedAt: session.stoppedAt }),
      ...(view && { energyWh: view.energyWh, durationSeconds: view.durationSeconds }),
    },
    site.timeZone,
    language,
  );
  const sections: string[] = [];
  let heading: string | undefined;
  if (ended && chargedNothing) {
    const held = session.paymentState === 'cancelled' && session.authorizedAmount ? Money.of(session.authorizedAmount, currency) : undefined;
    // A stop that priced something yet charged nothing: the hold was cancelled at Payter before the commit.
    const stopped: NothingChargedReason = (session.payment?.captured.minor ?? 0) > 0 ? 'paymentNotTaken' : 'nothingUsed';
    const why = session.endReason && (NOTHING_CHARGED_BECAUSE[session.endReason] ?? stopped);
    const cancelled = cancelledView(held, language, why);
    heading = cancelled.title;
    sections.push(cancelled.messages.map((message) => `<p class="note">${escape(message)}</p>`).join('\n'));
  }
  if (facts.length) sections.push(`<table class="facts">\n${facts.map((fact) => row(fact)).join('\n')}\n</table>`);
  if (view && !chargedNothing) {
    const refunds = (session.refunds ?? [])
      .filter((refund) => refund.state !== 'failed')
      .map((refund) => ({
        amount: Money.of(refund.amount, currency),
        ...(refund.state === 'done' && { refundedAt: refund.settledAt ?? refund.requestedAt }),
      }));
    const settlement = settlementView(Money.of(view.captured.amount.minor, currency), refunds, site.timeZone, language);
    const rows = [
      ...view.lines.map((line) => row(line)),
      row(view.subtotal),
      row(view.tax),
      row(view.total, true),
      ...(view.captured.text !== view.total.text || settlement ? [row(view.captured, true)] : []),
      ...(view.shortfall ? [row(view.shortfall)] : []),
      ...(settlement ? [...settlement.refunds.map((refund) => row(refund)), row(settlement.final, true)] : []),
    ];
    sections.push(`<table>\n${rows.join('\n')}\n</table>`);
  }
  if (options.emailForm) {
    const email = emailWording(language);
    // Relative: the page's own address, wherever the API is mounted, plus /email.
    sections.push(
      `<form method="post" action="${escape(session.sessionId)}/email"><label>${escape(email.heading)}<br><input type="email" name="email" required maxlength="254" autocomplete="email" placeholder="${escape(email.address)}"></label> <button type="submit">${escape(email.send)}</button></form>`,
    );
  }
  return page(site.name, language, `<h1>${escape(site.name)}</h1>
${heading ? `<h2>${escape(heading)}</h2>\n` : ''}<p>${escape(session.stationId)}${session.maskedPan ? ` · ${escape(session.maskedPan)}` : ''}</p>
${sections.join('\n')}
<p><small>${escape(timesIn)} · ${escape(session.sessionId)}</small></p>`);
}

/** The answer to the e-mail form: what happened, and the way back to the receipt. */
export function renderEmailAnswerPage(sessionId: string, site: ReceiptSite, outcome: 'sent' | 'invalid' | 'tooMany'): string {
  const email = emailWording(site.language);
  return page(site.name, site.language, `<h1>${escape(site.name)}</h1>
<p class="note">${escape(email[outcome])}</p>
<p><a href="../${escape(sessionId)}">${escape(email.back)}</a></p>`);
}

function page(siteName: string, language: string | undefined, body: string): string {
  return `<!doctype html>
<html lang="${escape(language ?? 'en')}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escape(siteName)}: receipt</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem}td{padding:.3rem 0;vertical-align:top}td+td{text-align:right}table{width:100%;border-collapse:collapse;margin-bottom:1rem}.total td{border-top:1px solid #888;font-weight:600}small{color:#666}.note{font-weight:600}</style>
</head><body>
${body}
</body></html>`;
}
