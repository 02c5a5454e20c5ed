/**
 * The driver's e-receipt page (linked from the reader's receipt screen): docs/pricing.md's
 * worked example as the driver reads it, what the card was charged after refunds, a session
 * that charged nothing, and nothing shown while the session still holds money.
 */
import { describe, expect, it } from 'vitest';
import { Money } from '../../lambdas/money/money';
import { capture } from '../../lambdas/pricing/capture';
import { priceSession } from '../../lambdas/pricing/price';
import { receiptView } from '../../lambdas/pricing/receipt';
import type { ChargingSession, SessionRefund } from '../../lambdas/sessions/model';
import { renderReceiptPage, type ReceiptSite } from '../../lambdas/sessions/receipt-page';
import { aSite } from '../pricing/builders';
import { aSession } from '../support/in-memory';

const SITE: ReceiptSite = { name: 'Main St Garage', timeZone: 'America/New_York', language: 'en', currency: 'USD' };

/** The worked example (12345 Wh, 1 h, 15 min idle: total 764) held for `hold`, as the session stores it. */
function pricedView(hold = 5000, language = 'en') {
  const receipt = priceSession(aSite(), { energyWh: 12345, durationSeconds: 3600, idleSeconds: 900 });
  return JSON.parse(JSON.stringify(receiptView(receipt, capture(receipt, Money.of(hold, 'USD')), language))) as unknown;
}

const priced = (fields: Partial<ChargingSession> = {}) =>
  aSession({ sessionId: 's1', status: 'completed', paymentState: 'committed', startedAt: '2026-12-01T12:00:00Z', stoppedAt: '2026-12-01T13:00:00Z', receiptView: pricedView(), ...fields });

const refund = (amount: number, fields: Partial<SessionRefund>): SessionRefund => ({ amount, tax: 0, platformFee: 0, hostRevenue: amount, reason: 'r', requestedAt: '2026-12-02T10:00:00Z', state: 'done', ...fields });

/** The page's table rows as "label | amount" ("label (detail) | amount"; "*" marks a total row). */
function rows(html: string | undefined): string[] {
  return [...(html ?? '').matchAll(/<tr( class="total")?><td>(.*?)<\/td><td>(.*?)<\/td><\/tr>/g)].map(([, total, label, text]) => {
    const [name, detail] = label!.split('<br><small>');
    return `${total ? '*' : ''}${name}${detail !== undefined ? ` (${detail.replace('</small>', '')})` : ''} | ${text}`;
  });
}

describe('the e-receipt page', () => {
  it("the worked example: times in the site's zone, each line with its detail, tax and total", () => {
    const html = renderReceiptPage(priced({ maskedPan: '**** 4242' }), SITE);
    expect(rows(html)).toEqual([
      'Started | Dec 1, 2026, 7:00:00 AM EST',
      'Ended | Dec 1, 2026, 8:00:00 AM EST',
      'Energy | 12.35 kWh',
      'Duration | 1:00:00',
      'Session fee | $1.00',
      'Energy (12.35 kWh × $0.35/kWh) | $4.32',
      'Charging time (1:00:00 × $1.20/h) | $1.20',
      'Idle fee (0:05:00 × $6.00/h (10 min free)) | $0.50',
      'Subtotal | $7.02',
      'Tax 8.875% | $0.62',
      '*Total | $7.64',
    ]);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<title>Main St Garage: receipt</title>');
    expect(html).toContain('<h1>Main St Garage</h1>\n<p>CP-1 · **** 4242</p>');
    expect(html).toContain('<p><small>Times in America/New_York · s1</small></p>');
    expect(html).not.toContain('<h2>');
  });

  it('the page as sent: the facts table, then the amounts, one row a line', () => {
    const html = renderReceiptPage(priced(), SITE)!;
    const body = html.slice(html.indexOf('<p>CP-1</p>'), html.indexOf('<p><small>'));
    expect(body).toBe(
      [
        '<p>CP-1</p>',
        '<table class="facts">',
        '<tr><td>Started</td><td>Dec 1, 2026, 7:00:00 AM EST</td></tr>',
        '<tr><td>Ended</td><td>Dec 1, 2026, 8:00:00 AM EST</td></tr>',
        '<tr><td>Energy</td><td>12.35 kWh</td></tr>',
        '<tr><td>Duration</td><td>1:00:00</td></tr>',
        '</table>',
        '<table>',
        '<tr><td>Session fee</td><td>$1.00</td></tr>',
        '<tr><td>Energy<br><small>12.35 kWh × $0.35/kWh</small></td><td>$4.32</td></tr>',
        '<tr><td>Charging time<br><small>1:00:00 × $1.20/h</small></td><td>$1.20</td></tr>',
        '<tr><td>Idle fee<br><small>0:05:00 × $6.00/h (10 min free)</small></td><td>$0.50</td></tr>',
        '<tr><td>Subtotal</td><td>$7.02</td></tr>',
        '<tr><td>Tax 8.875%</td><td>$0.62</td></tr>',
        '<tr class="total"><td>Total</td><td>$7.64</td></tr>',
        '</table>',
        '',
      ].join('\n'),
    );
  });

  it('the page of a session that never started: the notes only, no empty facts table', () => {
    const html = renderReceiptPage(aSession({ sessionId: 's2', status: 'cancelled', paymentState: 'cancelled', authorizedAmount: 5000 }), SITE)!;
    const body = html.slice(html.indexOf('<h1>'), html.indexOf('</body>'));
    expect(body).toBe(
      [
        '<h1>Main St Garage</h1>',
        '<h2>Session cancelled</h2>',
        '<p>CP-1</p>',
        '<p class="note">Nothing was charged to your card.</p>',
        '<p class="note">The hold of $50.00 placed on your card was released.</p>',
        '<p><small>Times in America/New_York · s2</small></p>',
        '',
      ].join('\n'),
    );
  });

  it('a total above the hold: what the card was charged, and the shortfall', () => {
    expect(rows(renderReceiptPage(priced({ receiptView: pricedView(500) }), SITE)).slice(-4)).toEqual([
      'Tax 8.875% | $0.62',
      '*Total | $7.64',
      '*Charged to your card | $5.00',
      'Not covered by the hold | $2.64',
    ]);
  });

  it('refunds: made ones (when) and in progress are listed, failed ones not; the final amount counts the made ones', () => {
    const refunds = [
      refund(100, { settledAt: '2026-12-02T10:01:00Z' }),
      refund(25, {}), // done, no settlement time: when it was asked
      refund(50, { state: 'pending' }),
      refund(300, { state: 'failed' }),
    ];
    expect(rows(renderReceiptPage(priced({ refunds }), SITE)).slice(-6)).toEqual([
      '*Total | $7.64',
      '*Charged to your card | $7.64',
      'Refunded Dec 2, 2026, 5:01:00 AM EST | −$1.00',
      'Refunded Dec 2, 2026, 5:00:00 AM EST | −$0.25',
      'Refund in progress | −$0.50',
      '*Final amount | $6.39',
    ]);
  });

  it('only failed refunds: no settlement shown', () => {
    expect(rows(renderReceiptPage(priced({ refunds: [refund(300, { state: 'failed' })] }), SITE)).at(-1)).toBe('*Total | $7.64');
  });

  it.each([
    { case: 'not priced yet, still charging', fields: { status: 'charging', paymentState: 'authorized', receiptView: undefined } },
    { case: 'not priced, ended, money still held', fields: { status: 'failed', paymentState: 'authorized', receiptView: undefined } },
    { case: 'not priced, open, nothing held', fields: { status: 'authorizing', paymentState: 'none', receiptView: undefined } },
  ] as const)('$case: no page yet', ({ fields }) => {
    expect(renderReceiptPage(priced(fields), SITE)).toBeUndefined();
  });

  it('priced but not yet committed: the priced page', () => {
    expect(rows(renderReceiptPage(priced({ status: 'stopped', paymentState: 'authorized' }), SITE)).at(-1)).toBe('*Total | $7.64');
  });

  it.each([
    { paymentState: 'cancelled', authorizedAmount: 5000, held: 'The hold of $50.00 placed on your card was released.' },
    { paymentState: 'cancelled', authorizedAmount: undefined, held: undefined },
    { paymentState: 'none', authorizedAmount: 5000, held: undefined },
    { paymentState: undefined, authorizedAmount: undefined, held: undefined },
  ] as const)('a session that charged nothing (payment $paymentState, held $authorizedAmount) says so', ({ paymentState, authorizedAmount, held }) => {
    const session = aSession({ sessionId: 's2', status: 'cancelled', ...(paymentState && { paymentState }), ...(authorizedAmount && { authorizedAmount }) });
    const html = renderReceiptPage(paymentState ? session : { ...session, paymentState: undefined }, SITE);
    expect(html).toContain('<h2>Session cancelled</h2>\n<p>CP-1</p>');
    expect(html).toContain('<p class="note">Nothing was charged to your card.</p>');
    if (held) expect(html).toContain(`<p class="note">${held}</p>`);
    else expect(html).not.toContain('released');
    expect(rows(html)).toEqual([]);
  });

  it('a priced session whose hold was cancelled (nothing to charge): the facts, no amounts', () => {
    const html = renderReceiptPage(priced({ paymentState: 'cancelled', status: 'completed' }), SITE);
    expect(html).toContain('<h2>Session cancelled</h2>');
    expect(rows(html)).toEqual(['Started | Dec 1, 2026, 7:00:00 AM EST', 'Ended | Dec 1, 2026, 8:00:00 AM EST', 'Energy | 12.35 kWh', 'Duration | 1:00:00']);
  });

  it.each([
    { case: "the session's currency", session: { currency: 'EUR' }, site: {}, text: '€50.00' },
    { case: "the site's currency", session: {}, site: { currency: 'EUR' }, text: '€50.00' },
    { case: 'dollars when none is known', session: {}, site: { currency: undefined }, text: '$50.00' },
  ])('an unpriced hold released in $case', ({ session, site, text }) => {
    const html = renderReceiptPage(aSession({ sessionId: 's2', status: 'cancelled', paymentState: 'cancelled', authorizedAmount: 5000, ...session }), { ...SITE, ...site });
    expect(html).toContain(`The hold of ${text} placed`);
  });

  it("the driver's language: the receipt's, else the site's, else English", () => {
    expect(renderReceiptPage(priced({ receiptView: pricedView(5000, 'nl') }), { ...SITE, language: 'de' })).toContain('<html lang="nl">');
    expect(renderReceiptPage(aSession({ sessionId: 's2', status: 'cancelled' }), { ...SITE, language: 'de' })).toContain('<html lang="de">');
    expect(renderReceiptPage(aSession({ sessionId: 's2', status: 'cancelled' }), { ...SITE, language: undefined })).toContain('<html lang="en">');
  });

  it('escapes what it did not write itself', () => {
    const html = renderReceiptPage(priced({ stationId: 'CP-"1"', maskedPan: "<b>O'Neil</b>" }), { ...SITE, name: 'Tom & Jerry <Garage>' });
    expect(html).toContain('<h1>Tom &amp; Jerry &lt;Garage&gt;</h1>');
    expect(html).toContain('<p>CP-&quot;1&quot; · &lt;b&gt;O&#39;Neil&lt;/b&gt;</p>');
    expect(html).not.toContain('<b>');
  });
});
