/**
 * The e-receipt by e-mail (lambdas/sessions/receipt-email.ts): a receipt goes only to what is
 * an e-mail address, only for a session with a receipt, a few times at most, and a failing
 * mailer's words (which may quote the address) never reach the error a log would show.
 */
import { describe, expect, it } from 'vitest';
import { MAX_RECEIPT_EMAILS, ReceiptEmails, type ReceiptMailer } from '../../lambdas/sessions/receipt-email';
import { givenWorld } from '../support/in-memory';

type Message = Parameters<ReceiptMailer['send']>[0];

function world(mailer?: ReceiptMailer) {
  const w = givenWorld();
  const sent: Message[] = [];
  const emails = new ReceiptEmails({ sessions: w.sessions, sites: w.sites, mailer: mailer ?? { send: async (m) => void sent.push(m) }, clock: w.clock });
  // Ended without a charge: a receipt that says so.
  const { sessionId } = w.givenSession({ status: 'cancelled', paymentState: 'none', endReason: 'declined' });
  return { w, sent, emails, sessionId };
}

describe('an e-mailed receipt', () => {
  it('goes to the address given, in the site language, with its text and HTML, and the session counts it', async () => {
    const { w, sent, emails, sessionId } = world();
    expect(await emails.send(sessionId, '  driver@example.org ')).toMatchObject({ outcome: 'sent' });
    expect(sent).toEqual([{ to: 'driver@example.org', subject: `Your charging receipt from ${w.site.name}`, html: expect.stringContaining('<html'), text: expect.any(String) }]);
    expect(sent[0]!.text).toContain('Your card was declined.\nNothing was charged to your card.');
    expect(sent[0]!.text).not.toMatch(/<|&amp;/);
    expect(w.session(sessionId).receiptEmails).toBe(1);
    expect(JSON.stringify(w.sessions.all())).not.toContain('driver@');
  });

  it.each([
    ['nothing', undefined],
    ['an empty field', ''],
    ['no domain', 'driver@'],
    ['a header smuggled after it', 'driver@example.org\r\nBcc: many@example.org'],
    ['two addresses', 'a@example.org, b@example.org'],
    ['more than 254 characters', `${'d'.repeat(250)}@example.org`],
  ])('is refused for %s, and nothing is sent or counted', async (_case, address) => {
    const { w, sent, emails, sessionId } = world();
    expect(await emails.send(sessionId, address)).toMatchObject({ outcome: 'invalid' });
    expect(sent).toEqual([]);
    expect(w.session(sessionId).receiptEmails).toBeUndefined();
  });

  it(`is sent ${MAX_RECEIPT_EMAILS} times at most`, async () => {
    const { sent, emails, sessionId } = world();
    for (let i = 0; i < MAX_RECEIPT_EMAILS; i++) expect(await emails.send(sessionId, `d${i}@example.org`)).toMatchObject({ outcome: 'sent' });
    expect(await emails.send(sessionId, 'one-more@example.org')).toMatchObject({ outcome: 'tooMany' });
    expect(sent).toHaveLength(MAX_RECEIPT_EMAILS);
  });

  it('of a session that has no receipt (yet), or none at all, is not found', async () => {
    const { w, emails } = world();
    const { sessionId: open } = w.givenSession({ status: 'charging' });
    expect(await emails.send(open, 'driver@example.org')).toEqual({ outcome: 'notFound' });
    expect(await emails.send('no-such-session', 'driver@example.org')).toEqual({ outcome: 'notFound' });
  });

  it("fails without the mailer's words, which may quote the address", async () => {
    const { emails, sessionId } = world({ send: async ({ to }) => Promise.reject(new Error(`Email address is not verified: ${to}`)) });
    const failed = emails.send(sessionId, 'driver@example.org');
    await expect(failed).rejects.toThrow(`the receipt e-mail of session ${sessionId} could not be sent`);
    await expect(emails.send(sessionId, 'driver@example.org').catch((error: Error) => error.message)).resolves.not.toContain('driver@');
  });
});
