/**
 * The driver's e-receipt by e-mail, asked for on the e-receipt page. The address is used for
 * this one message and kept nowhere: not in a table, not in a log line, not in the answer.
 */
import * as z from 'zod';
import type { SiteRepository } from '../csms/ports';
import { emailWording } from '../pricing/receipt';
import type { Clock } from '../shared/clock';
import type { StoredSite } from '../sites/site-settings';
import type { SessionRepository } from './ports';
import { receiptSiteOf, renderReceiptPage, type ReceiptSite } from './receipt-page';

/** Sends one e-mail (Amazon SES on AWS, an outbox file locally). */
export interface ReceiptMailer {
  send(message: { readonly to: string; readonly subject: string; readonly html: string; readonly text: string }): Promise<void>;
}

/** E-mails of one receipt at most: the page is public to whoever holds its link, the mailer must not be a relay. */
export const MAX_RECEIPT_EMAILS = 3;

const addressSchema = z.email().max(254);

export type ReceiptEmailOutcome =
  | { readonly outcome: 'sent' | 'invalid' | 'tooMany'; readonly site: ReceiptSite }
  | { readonly outcome: 'notFound' };

export class ReceiptEmails {
  constructor(
    private readonly deps: {
      readonly sessions: Pick<SessionRepository, 'get' | 'update'>;
      readonly sites: SiteRepository<StoredSite>;
      readonly mailer: ReceiptMailer;
      readonly clock: Clock;
    },
  ) {}

  /** Sends the receipt of `sessionId` to `address`, once per call, if there is a receipt and the address is one. */
  async send(sessionId: string, address: string | undefined): Promise<ReceiptEmailOutcome> {
    const session = await this.deps.sessions.get(sessionId);
    if (!session) return { outcome: 'notFound' };
    const site = receiptSiteOf(session, await this.deps.sites.get(session.siteId));
    const html = renderReceiptPage(session, site);
    if (!html) return { outcome: 'notFound' };
    const to = addressSchema.safeParse(address?.trim());
    if (!to.success) return { outcome: 'invalid', site };
    const sent = session.receiptEmails ?? 0;
    if (sent >= MAX_RECEIPT_EMAILS) return { outcome: 'tooMany', site };
    const now = this.deps.clock.now().toISOString();
    // Counted first: a send that fails after it costs one of the few, never lets one more through.
    await this.deps.sessions.update(sessionId, { receiptEmails: sent + 1 }, now);
    try {
      await this.deps.mailer.send({
        to: to.data,
        subject: emailWording(site.language).subject.replace('{site}', site.name),
        html,
        text: plainText(html),
      });
    } catch {
      // The mailer's own message may quote the address: it must not reach a log.
      throw new Error(`the receipt e-mail of session ${sessionId} could not be sent`);
    }
    return { outcome: 'sent', site };
  }
}

/** The receipt's text part: one line per row and paragraph, tags left out. */
function plainText(html: string): string {
  return html
    .replace(/<(style|title)[^>]*>[\s\S]*?<\/\1>/g, '')
    .replace(/<\/td><td>|<br>/g, ' ')
    .replace(/<\/(tr|p|h1|h2)>/g, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/[ \t]+/g, ' ')
    .replace(/\n\s*\n+/g, '\n')
    .trim();
}
