/**
 * A receipt as a driver reads it, for the e-receipt page and the reader's receipt screen: the
 * labelled lines, subtotal, tax, total, what the card was charged and any shortfall, in the
 * site's language and currency. Amounts are the receipt's and the capture's, only formatted.
 */
import { formatDateTime, formatDecimal, formatDuration, formatEnergy } from '../display/format';
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
  readonly started: string;
  readonly ended: string;
  readonly energy: string;
  readonly duration: string;
  /** `{zone}`: the site's IANA time zone. */
  readonly timesIn: string;
  /** `{date}`: when it was refunded. */
  readonly refunded: string;
  readonly refundPending: string;
  readonly finalAmount: string;
  readonly cancelled: string;
  readonly nothingCharged: string;
  /** `{amount}`: the hold. */
  readonly holdReleased: string;
  /** Why a session charged nothing. */
  readonly why: Readonly<Record<NothingChargedReason, string>>;
  readonly email: EmailWording;
}

/** The e-receipt page's e-mail form, its answers, and the e-mail's subject (`{site}`: the site's name). */
export interface EmailWording {
  readonly heading: string;
  readonly address: string;
  readonly send: string;
  readonly sent: string;
  readonly invalid: string;
  readonly tooMany: string;
  readonly back: string;
  readonly subject: string;
}

/** Why a session charged nothing, as the driver is told on its receipt. */
export type NothingChargedReason = 'declined' | 'notStarted' | 'cardNotRead' | 'paymentFailed' | 'readerCurrency' | 'nothingUsed' | 'paymentNotTaken';

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
    started: 'Started',
    ended: 'Ended',
    energy: 'Energy',
    duration: 'Duration',
    timesIn: 'Times in {zone}',
    refunded: 'Refunded {date}',
    refundPending: 'Refund in progress',
    finalAmount: 'Final amount',
    cancelled: 'Session cancelled',
    nothingCharged: 'Nothing was charged to your card.',
    holdReleased: 'The hold of {amount} placed on your card was released.',
    email: {
      heading: 'E-mail this receipt',
      address: 'Your e-mail address',
      send: 'Send',
      sent: 'The receipt is on its way to your e-mail address. We do not keep the address.',
      invalid: 'That is not an e-mail address. Please check it and try again.',
      tooMany: 'This receipt has been e-mailed as often as it can be.',
      back: 'Back to the receipt',
      subject: 'Your charging receipt from {site}',
    },
    why: {
      declined: 'Your card was declined.',
      notStarted: 'Charging did not start.',
      cardNotRead: 'The card was not read.',
      paymentFailed: 'The payment could not be started.',
      readerCurrency: 'This reader cannot take payments here.',
      nothingUsed: 'The session used nothing to pay for.',
      paymentNotTaken: 'The payment could not be taken from your card.',
    },
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
    started: 'Begonnen',
    ended: 'Beëindigd',
    energy: 'Energie',
    duration: 'Duur',
    timesIn: 'Tijden in {zone}',
    refunded: 'Terugbetaald {date}',
    refundPending: 'Terugbetaling in behandeling',
    finalAmount: 'Eindbedrag',
    cancelled: 'Laadsessie geannuleerd',
    nothingCharged: 'Er is niets van uw kaart afgeschreven.',
    holdReleased: 'De reservering van {amount} op uw kaart is vrijgegeven.',
    email: {
      heading: 'Deze bon e-mailen',
      address: 'Uw e-mailadres',
      send: 'Versturen',
      sent: 'De bon is onderweg naar uw e-mailadres. We bewaren het adres niet.',
      invalid: 'Dat is geen e-mailadres. Controleer het en probeer het opnieuw.',
      tooMany: 'Deze bon is al zo vaak gemaild als mogelijk is.',
      back: 'Terug naar de bon',
      subject: 'Uw laadbon van {site}',
    },
    why: {
      declined: 'Uw kaart is geweigerd.',
      notStarted: 'Het laden is niet begonnen.',
      cardNotRead: 'De kaart is niet gelezen.',
      paymentFailed: 'De betaling kon niet worden gestart.',
      readerCurrency: 'Deze lezer kan hier geen betalingen aannemen.',
      nothingUsed: 'Er is niets verbruikt om te betalen.',
      paymentNotTaken: 'De betaling kon niet van uw kaart worden afgeschreven.',
    },
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
    started: 'Beginn',
    ended: 'Ende',
    energy: 'Energie',
    duration: 'Dauer',
    timesIn: 'Zeiten in {zone}',
    refunded: 'Erstattet {date}',
    refundPending: 'Erstattung in Bearbeitung',
    finalAmount: 'Endbetrag',
    cancelled: 'Ladevorgang abgebrochen',
    nothingCharged: 'Ihre Karte wurde nicht belastet.',
    holdReleased: 'Die Reservierung von {amount} auf Ihrer Karte wurde freigegeben.',
    email: {
      heading: 'Diesen Beleg per E-Mail senden',
      address: 'Ihre E-Mail-Adresse',
      send: 'Senden',
      sent: 'Der Beleg ist unterwegs an Ihre E-Mail-Adresse. Wir speichern die Adresse nicht.',
      invalid: 'Das ist keine E-Mail-Adresse. Bitte prüfen Sie sie und versuchen Sie es erneut.',
      tooMany: 'Dieser Beleg wurde so oft per E-Mail gesendet wie möglich.',
      back: 'Zurück zum Beleg',
      subject: 'Ihr Ladebeleg von {site}',
    },
    why: {
      declined: 'Ihre Karte wurde abgelehnt.',
      notStarted: 'Der Ladevorgang hat nicht begonnen.',
      cardNotRead: 'Die Karte wurde nicht gelesen.',
      paymentFailed: 'Die Zahlung konnte nicht gestartet werden.',
      readerCurrency: 'Dieses Terminal kann hier keine Zahlungen annehmen.',
      nothingUsed: 'Es wurde nichts verbraucht, das zu bezahlen wäre.',
      paymentNotTaken: 'Die Zahlung konnte nicht von Ihrer Karte abgebucht werden.',
    },
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
      return `${formatDuration(line.quantity)} × ${price(wording.perHour)}`;
    case 'idle': {
      const { idleGraceMinutes } = receipt.usage;
      const grace = idleGraceMinutes > 0 ? ` (${wording.graceFree.replace('{minutes}', String(idleGraceMinutes))})` : '';
      return `${formatDuration(line.quantity)} × ${price(wording.perHour)}${grace}`;
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

/** A labelled fact of the e-receipt page (a time, the energy, the duration). */
export interface ReceiptFact {
  readonly label: string;
  readonly text: string;
}

/**
 * The when and how much of a session for the e-receipt page, times in the site's `timeZone`
 * (with the zone's name), the duration as h:mm:ss; `timesIn` names the zone.
 */
export function receiptFacts(
  session: { readonly startedAt?: string; readonly stoppedAt?: string; readonly energyWh?: number; readonly durationSeconds?: number },
  timeZone: string,
  language?: string,
): { readonly facts: readonly ReceiptFact[]; readonly timesIn: string } {
  const lang = resolveLanguage(language);
  const wording = WORDING[lang];
  const facts: ReceiptFact[] = [];
  if (session.startedAt) facts.push({ label: wording.started, text: formatDateTime(session.startedAt, timeZone, lang) });
  if (session.stoppedAt) facts.push({ label: wording.ended, text: formatDateTime(session.stoppedAt, timeZone, lang) });
  if (session.energyWh !== undefined) facts.push({ label: wording.energy, text: formatEnergy(session.energyWh, lang) });
  if (session.durationSeconds !== undefined) facts.push({ label: wording.duration, text: formatDuration(session.durationSeconds) });
  return { facts, timesIn: wording.timesIn.replace('{zone}', timeZone) };
}

/** A refund of the session as the driver sees it: made (`refundedAt`), or still in progress. */
export interface DriverRefund {
  readonly amount: Money;
  readonly refundedAt?: string;
}

/** What the card was finally charged: the charge, each refund (as a negative amount) and the final amount. */
export interface SettlementView {
  readonly refunds: readonly ReceiptFact[];
  readonly final: ReceiptViewAmount;
}

/** Undefined without refunds. The final amount counts the refunds made, not those in progress. */
export function settlementView(captured: Money, refunds: readonly DriverRefund[], timeZone: string, language?: string): SettlementView | undefined {
  if (!refunds.length) return undefined;
  const lang = resolveLanguage(language);
  const wording = WORDING[lang];
  let final = captured;
  const rows = refunds.map((refund) => {
    if (refund.refundedAt !== undefined) final = final.subtract(refund.amount);
    const label = refund.refundedAt !== undefined ? wording.refunded.replace('{date}', formatDateTime(refund.refundedAt, timeZone, lang)) : wording.refundPending;
    return { label, text: `−${formatMoney(refund.amount, lang)}` };
  });
  return { refunds: rows, final: { label: wording.finalAmount, amount: final, text: formatMoney(final, lang) } };
}

/** A session that charged nothing: why (when known), that nothing was charged, and that the hold (when there was one) was released. */
export function cancelledView(
  heldAndReleased: Money | undefined,
  language?: string,
  why?: NothingChargedReason,
): { readonly title: string; readonly messages: readonly string[] } {
  const lang = resolveLanguage(language);
  const wording = WORDING[lang];
  return {
    title: wording.cancelled,
    messages: [
      ...(why ? [wording.why[why]] : []),
      wording.nothingCharged,
      ...(heldAndReleased ? [wording.holdReleased.replace('{amount}', formatMoney(heldAndReleased, lang))] : []),
    ],
  };
}

/** The e-receipt's e-mail wording in the site's language. */
export function emailWording(language?: string): EmailWording {
  return WORDING[resolveLanguage(language)].email;
}
