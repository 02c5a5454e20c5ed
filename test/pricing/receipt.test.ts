import { describe, expect, it } from 'vitest';
import { Money } from '../../lambdas/money/money';
import { capture } from '../../lambdas/pricing/capture';
import { priceSession } from '../../lambdas/pricing/price';
import { cancelledView, receiptFacts, receiptView, settlementView, type ReceiptView, type ReceiptViewAmount } from '../../lambdas/pricing/receipt';
import { FREE_TARIFF, aSite, usd } from './builders';

const WORKED_USAGE = { energyWh: 12345, durationSeconds: 3600, idleSeconds: 900 };

const shown = ({ label, text }: Pick<ReceiptViewAmount, 'label' | 'text'>) => `${label}: ${text}`;
const printed = (view: ReceiptView) => [
  ...view.lines.map((line) => `${line.label} ${line.detail}: ${line.text}`.replace(' :', ':')),
  shown(view.subtotal),
  shown(view.tax),
  shown(view.total),
  shown(view.captured),
  shown(view.taxCollected),
  ...(view.shortfall ? [shown(view.shortfall)] : []),
];

describe('receiptView', () => {
  it("shows docs/pricing.md's worked example line by line, in English by default", () => {
    const receipt = priceSession(aSite(), WORKED_USAGE);
    const view = receiptView(receipt, capture(receipt, usd(5000)));
    expect(printed(view)).toEqual([
      'Session fee: $1.00',
      'Energy 12.35 kWh × $0.35/kWh: $4.32',
      'Charging time 1:00:00 × $1.20/h: $1.20',
      'Idle fee 0:05:00 × $6.00/h (10 min free): $0.50',
      'Subtotal: $7.02',
      'Tax 8.875%: $0.62',
      'Total: $7.64',
      'Charged to your card: $7.64',
      'Of which tax: $0.62',
    ]);
    expect(view).toMatchObject({ language: 'en', currency: 'USD', energyWh: 12345, durationSeconds: 3600 });
    expect(view.shortfall).toBeUndefined();
    expect(view.lines.map((l) => l.amount.minor)).toEqual([100, 432, 120, 50]);
  });

  it('shows an inclusive-tax site in Dutch, without the lines it does not charge, and the shortfall of a capped session', () => {
    const site = aSite({
      currency: 'EUR',
      tariff: { sessionFee: 0, energyPerKwh: '34.5', timePerHour: '0', idlePerHour: '600', idleGraceMinutes: 0 },
      tax: { ratePercent: '21', inclusive: true },
    });
    const receipt = priceSession(site, { energyWh: 152_345, durationSeconds: 3600, idleSeconds: 900 });
    const view = receiptView(receipt, capture(receipt, Money.of(5000, 'EUR')), 'nl-BE');
    expect(printed(view)).toEqual([
      'Energie 152,35 kWh × € 0,345/kWh: € 52,56',
      'Stilstandtarief 0:15:00 × € 6,00/u: € 1,50',
      'Subtotaal: € 54,06',
      'Incl. btw 21%: € 9,38',
      'Totaal: € 54,06',
      'Afgeschreven van uw kaart: € 50,00',
      'Waarvan btw: € 8,68',
      'Niet gedekt door de reservering: € 4,06',
    ]);
  });

  it('shows a German receipt with the rate in German notation', () => {
    const receipt = priceSession(aSite({ currency: 'EUR' }), WORKED_USAGE);
    const view = receiptView(receipt, capture(receipt, Money.of(5000, 'EUR')), 'de');
    expect(shown(view.tax)).toBe('MwSt. 8,875 %: 0,62 €');
    expect(view.lines.map((l) => l.label)).toEqual(['Startgebühr', 'Energie', 'Ladezeit', 'Standgebühr']);
  });

  it('shows free charging as no lines and zero amounts', () => {
    const receipt = priceSession(aSite({ tariff: FREE_TARIFF }), WORKED_USAGE);
    const view = receiptView(receipt, capture(receipt, usd(5000)));
    expect(view.lines).toEqual([]);
    expect([view.total.text, view.captured.text]).toEqual(['$0.00', '$0.00']);
  });
});

describe('the e-receipt page: times, refunds, a session that charged nothing', () => {
  it('gives the times in the site time zone, the duration as h:mm:ss, and names the zone', () => {
    const { facts, timesIn } = receiptFacts(
      { startedAt: '2026-12-01T08:14:51Z', stoppedAt: '2026-12-01T09:14:51Z', energyWh: 12345, durationSeconds: 600 },
      'America/New_York',
    );
    expect(facts.map(shown)).toEqual([
      'Started: Dec 1, 2026, 3:14:51 AM EST',
      'Ended: Dec 1, 2026, 4:14:51 AM EST',
      'Energy: 12.35 kWh',
      'Duration: 0:10:00',
    ]);
    expect(timesIn).toBe('Times in America/New_York');
  });

  it.each<[string, Parameters<typeof receiptFacts>[0], string[]]>([
    // A session that never started a transaction has no times; one cut short has no stop yet.
    ['nothing known', {}, []],
    ['only the start', { startedAt: '2026-12-01T08:14:51Z' }, ['Started: Dec 1, 2026, 8:14:51 AM UTC']],
    ['only the stop', { stoppedAt: '2026-12-01T09:14:51Z' }, ['Ended: Dec 1, 2026, 9:14:51 AM UTC']],
    ['only the energy, 0 Wh included', { energyWh: 0 }, ['Energy: 0.00 kWh']],
    ['only the duration, 0 s included', { durationSeconds: 0 }, ['Duration: 0:00:00']],
  ])('shows only the facts it has: %s', (_case, session, expected) => {
    expect(receiptFacts(session, 'UTC').facts.map(shown)).toEqual(expected);
  });

  it('shows each refund, one still in progress, and the final amount counting only the refunds made', () => {
    const view = settlementView(usd(764), [{ amount: usd(200), refundedAt: '2026-12-01T10:00:00Z' }, { amount: usd(100) }], 'UTC');
    expect(view?.refunds.map(shown)).toEqual(['Refunded Dec 1, 2026, 10:00:00 AM UTC: −$2.00', 'Refund in progress: −$1.00']);
    expect(view && shown(view.final)).toBe('Final amount: $5.64');
    expect(settlementView(usd(764), [], 'UTC')).toBeUndefined();
  });

  it.each([
    ['en', usd(5000), ['Nothing was charged to your card.', 'The hold of $50.00 placed on your card was released.']],
    ['en', undefined, ['Nothing was charged to your card.']],
    ['nl', Money.of(5000, 'EUR'), ['Er is niets van uw kaart afgeschreven.', 'De reservering van € 50,00 op uw kaart is vrijgegeven.']],
    ['de', Money.of(5000, 'EUR'), ['Ihre Karte wurde nicht belastet.', 'Die Reservierung von 50,00 € auf Ihrer Karte wurde freigegeben.']],
  ] as const)('a cancelled session in %s says nothing was charged (hold %s)', (language, held, messages) => {
    expect(cancelledView(held, language).messages).toEqual(messages);
  });
});
