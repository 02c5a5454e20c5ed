/**
 * A receipt as a driver reads it, for the e-receipt page and the reader's receipt screen: the
 * labelled lines, subtotal, tax, total, what the card was charged and any shortfall, in the
 * site's language and currency. Amounts are the receipt's and the capture's, only formatted.
 */
import { formatDecimal, formatElapsed, formatEnergy } from '../display/format';
import { resolveLanguage } from '../display/screens';
import type { Language } from '../display/templates';
import { Money, formatMoney, formatUnitPrice, parseDecimal } from '../money/money';
import type { Capture } from './capture';
import type { Receipt, ReceiptLine, ReceiptLineKind } from './price';

export interface ReceiptViewAmount {
  readonly label: string;
  readonly amount: Money;
  /** `amount` formatted for the site's language: "$7.64", "€ 7,64". */
  readonly text: string;
}

export interface ReceiptViewLine extends ReceiptViewAmount {
  readonly kind: ReceiptLineKind;
  /** What was priced, at what price: "12.35 kWh × $0.35/kWh"; empty for the session fee. */
  readonly detail: string;
}

export interface ReceiptView {
  readonly language: Language;
  readonly currency: string;
  readonly energyWh: number;
  readonly durationSeconds: number;
  /** The receipt's lines whose tariff price is not 0 (a line the site does not charge is left out). */
  readonly lines: readonly ReceiptViewLine[];
  readonly subtotal: ReceiptViewAmount;
  /** The receipt's tax, labelled with the rate; "incl." when the prices contain it. */
  readonly tax: ReceiptViewAmount;
  readonly total: ReceiptViewAmount;
  /** What the card was charged. */
  readonly captured: ReceiptViewAmount;
  /** The tax contained in `captured` (the receipt screen's "incl. tax"). */
  readonly taxCollected: ReceiptViewAmount;
  /** Present only when the hold did not cover the total. */
  readonly shortfall?: ReceiptViewAmount;
}

interface ReceiptWording {
  readonly lines: Readonly<Record<ReceiptLineKind, string>>;
  readonly perKwh: string;
  readonly perHour: string;
  readonly graceFree: string;
  readonly subtotal: string;
  readonly exclusiveTax: string;
  readonly inclusiveTax: string;
  readonly total: string;
  readonly captured: string;
  readonly taxCollected: string;
  readonly shortfall: string;
}

/** `{rate}` is the tax rate ("8.875"), `{minutes}` the idle grace period. */
const WORDING: Readonly<Record<Language, ReceiptWording>> = {
  en: {
    lines: { sessionFee: 'Session fee', energy: 'Energy', time: 'Charging time', idle: 'Idle fee' },
    perKwh: '/kWh',
    perHour: '/h',
    graceFree: '{minutes} min free',
    subtotal: 'Subtotal',
    exclusiveTax: 'Tax {rate}%',
    inclusiveTax: 'Incl. tax {rate}%',
    total: 'Total',
    captured: 'Charged to your card',
    taxCollected: 'Of which tax',
    shortfall: 'Not covered by the hold',
  },
  nl: {
    lines: { sessionFee: 'Starttarief', energy: 'Energie', time: 'Laadtijd', idle: 'Stilstandtarief' },
    perKwh: '/kWh',
    perHour: '/u',
    graceFree: '{minutes} min gratis',
    subtotal: 'Subtotaal',
    exclusiveTax: 'Btw {rate}%',
    inclusiveTax: 'Incl. btw {rate}%',
    total: 'Totaal',
    captured: 'Afgeschreven van uw kaart',
    taxCollected: 'Waarvan btw',
    shortfall: 'Niet gedekt door de reservering',
  },
  de: {
    lines: { sessionFee: 'Startgebühr', energy: 'Energie', time: 'Ladezeit', idle: 'Standgebühr' },
    perKwh: '/kWh',
    perHour: '/h',
    graceFree: '{minutes} Min. frei',
    subtotal: 'Zwischensumme',
    exclusiveTax: 'MwSt. {rate} %',
    inclusiveTax: 'Inkl. MwSt. {rate} %',
    total: 'Gesamt',
    captured: 'Von Ihrer Karte abgebucht',
    taxCollected: 'Davon MwSt.',
    shortfall: 'Nicht durch die Reservierung gedeckt',
  },
};

function lineDetail(line: ReceiptLine, receipt: Receipt, wording: ReceiptWording, language: Language): string {
  const price = (per: string) => `${formatUnitPrice(line.unitPrice, receipt.currency, language)}${per}`;
  switch (line.kind) {
    case 'sessionFee':
      return '';
    case 'energy':
      return `${formatEnergy(line.quantity, language)} × ${price(wording.perKwh)}`;
    case 'time':
      return `${formatElapsed(line.quantity)} × ${price(wording.perHour)}`;
    case 'idle': {
      const { idleGraceMinutes } = receipt.usage;
      const grace = idleGraceMinutes > 0 ? ` (${wording.graceFree.replace('{minutes}', String(idleGraceMinutes))})` : '';
      return `${formatElapsed(line.quantity)} × ${price(wording.perHour)}${grace}`;
    }
  }
}

/** The receipt of `priceSession` and the `capture` of it, ready to show; `language` falls back to "en". */
export function receiptView(receipt: Receipt, payment: Capture, language?: string): ReceiptView {
  const lang = resolveLanguage(language);
  const wording = WORDING[lang];
  const amount = (label: string, money: Money): ReceiptViewAmount => ({
    label,
    amount: money.assertCurrency(receipt.currency),
    text: formatMoney(money, lang),
  });
  const rate = formatDecimal(receipt.taxRatePercent, lang);

  return {
    language: lang,
    currency: receipt.currency,
    energyWh: receipt.usage.energyWh,
    durationSeconds: receipt.usage.durationSeconds,
    lines: receipt.lines
      .filter((line) => parseDecimal(line.unitPrice) !== 0n)
      .map((line) => ({
        ...amount(wording.lines[line.kind], line.amount),
        kind: line.kind,
        detail: lineDetail(line, receipt, wording, lang),
      })),
    subtotal: amount(wording.subtotal, receipt.subtotal),
    tax: amount((receipt.taxInclusive ? wording.inclusiveTax : wording.exclusiveTax).replace('{rate}', rate), receipt.tax),
    total: amount(wording.total, receipt.total),
    captured: amount(wording.captured, payment.captured),
    taxCollected: amount(wording.taxCollected, payment.taxCollected),
    ...(payment.shortfall.isZero() ? {} : { shortfall: amount(wording.shortfall, payment.shortfall) }),
  };
}
