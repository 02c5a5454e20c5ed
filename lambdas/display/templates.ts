/**
 * The reader's wording, as plain data. A site may override any screen's title, message or
 * button labels (validated by `screenOverridesSchema`); everything here is the default.
 *
 * `{name}` is a placeholder filled by `renderScreen`; each screen accepts only the
 * placeholders listed in `SCREEN_PLACEHOLDERS`.
 */

export const SCREEN_KINDS = [
  'tapCard',
  'authorizing',
  'declined',
  'plugIn',
  'charging',
  'tapToStop',
  'stopping',
  'receipt',
  'error',
  'outOfOrder',
  // Plug in to start: idle until a car is plugged in, then a reading for that connector.
  'plugInFirst',
  'tapCardAt',
  // Receipts: a reader's menu (Start, Stop, Receipt), the Receipt option's card reading, the
  // receipt of a session that charged nothing, and a card with no receipt to show.
  'menu',
  'receiptTap',
  'nothingCharged',
  'noReceipt',
] as const;
export type ScreenKind = (typeof SCREEN_KINDS)[number];

export const LANGUAGES = ['en', 'nl', 'de'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'en';

/**
 * Text limits of a `message` screen. Payter publishes none; these keep a title on one line and
 * a message within the Apollo / P68 message area without scrolling. A placeholder counts as
 * its width in `SCREEN_PLACEHOLDERS` (the longest value we expect it to take), so a template
 * that passes validation fits once rendered.
 */
export const TITLE_MAX_CHARS = 32;
export const MESSAGE_MAX_CHARS = 160;
export const BUTTON_LABEL_MAX_CHARS = 20;

/** Buttons of each screen; their ids come back in Payter's UI callback. */
export const SCREEN_BUTTONS = {
  tapCard: [],
  authorizing: [],
  declined: [],
  plugIn: ['cancel'],
  charging: ['stop'],
  tapToStop: [],
  stopping: [],
  receipt: ['done'],
  error: [],
  outOfOrder: [],
  plugInFirst: [],
  tapCardAt: [],
  menu: ['start', 'stop', 'receipt'],
  receiptTap: [],
  nothingCharged: ['done'],
  noReceipt: ['done'],
} as const satisfies Record<ScreenKind, readonly string[]>;
export type ButtonId = (typeof SCREEN_BUTTONS)[ScreenKind][number];

/** Placeholders of each screen, with the width each counts for in the text limits. */
export const SCREEN_PLACEHOLDERS = {
  tapCard: {
    priceSummary: 90,
    hold: 12,
    sessionFee: 12,
    energyPrice: 12,
    timePrice: 12,
    idlePrice: 12,
    idleGraceMinutes: 3,
    taxRate: 6,
  },
  authorizing: { hold: 12 },
  declined: {},
  plugIn: { plugInWindow: 12 },
  charging: { energy: 12, elapsed: 9, cost: 12 },
  tapToStop: {},
  stopping: {},
  receipt: { total: 12, tax: 12, energy: 12, duration: 9, receiptUrl: 40 },
  error: { reason: 100 },
  outOfOrder: {},
  plugInFirst: {},
  tapCardAt: { connector: 20, priceSummary: 90, hold: 12 },
  menu: {},
  receiptTap: {},
  nothingCharged: { receiptUrl: 40 },
  noReceipt: {},
} as const satisfies Record<ScreenKind, Record<string, number>>;
export type PlaceholderName<K extends ScreenKind> = keyof (typeof SCREEN_PLACEHOLDERS)[K] & string;

export interface Template {
  readonly title: string;
  readonly message: string;
  /** Labels of the screen's buttons (`SCREEN_BUTTONS`), plain text without placeholders. */
  readonly buttons?: Readonly<Partial<Record<ButtonId, string>>>;
}

/**
 * Parts of the tap-card price summary, joined with `separator`; parts for a zero price are left
 * out. A part must not end in ".": the tap-card message puts one after the summary.
 */
export interface PriceSummaryPhrases {
  readonly sessionFee: string;
  readonly energy: string;
  readonly time: string;
  readonly idle: string;
  readonly idleWithoutGrace: string;
  /** Added only for a tax that is not included in the prices. */
  readonly exclusiveTax: string;
  readonly free: string;
  readonly separator: string;
}

export const DEFAULT_TEMPLATES: Readonly<Record<Language, Readonly<Record<ScreenKind, Template>>>> = {
  en: {
    tapCard: {
      title: 'Tap your card to charge',
      message: '{priceSummary}. Hold: {hold}, you pay only what you use.',
    },
    authorizing: { title: 'Authorizing…', message: 'Placing a hold of {hold} on your card. One moment, please.' },
    declined: { title: 'Card declined', message: 'Your card was declined. Please try another card.' },
    plugIn: {
      title: 'Plug in your car',
      message: 'Card approved. Plug in the cable within {plugInWindow} to start charging.',
      buttons: { cancel: 'Cancel' },
    },
    charging: { title: 'Charging', message: '{energy} · {elapsed} · {cost}', buttons: { stop: 'Stop' } },
    tapToStop: { title: 'Charging', message: 'Tap the same card to stop charging.' },
    stopping: { title: 'Stopping…', message: 'Ending your session. Please wait, then unplug the cable.' },
    receipt: {
      title: 'Thank you!',
      message: 'Total {total} (incl. tax {tax}) · {energy} · {duration}. Receipt: {receiptUrl}',
      buttons: { done: 'Done' },
    },
    error: { title: 'Something went wrong', message: '{reason}' },
    outOfOrder: { title: 'Out of order', message: 'This charger is not available right now. Sorry for the inconvenience.' },
    plugInFirst: { title: 'Plug in to start', message: 'Plug the cable into your car; this reader then asks for your card.' },
    tapCardAt: { title: 'Tap your card to charge', message: '{connector}: {priceSummary}. Hold: {hold}.' },
    menu: {
      title: 'Welcome',
      message: 'Start charging, stop your session, or see the receipt of your last one.',
      buttons: { start: 'Start', stop: 'Stop', receipt: 'Receipt' },
    },
    receiptTap: { title: 'Your receipt', message: 'Tap the card you paid with to see its receipt.' },
    nothingCharged: {
      title: 'Nothing was charged',
      message: 'Your card was not charged; any hold on it was released. Receipt: {receiptUrl}',
      buttons: { done: 'Done' },
    },
    noReceipt: { title: 'No receipt found', message: 'This card has no recent session at this reader.', buttons: { done: 'Done' } },
  },
  nl: {
    tapCard: {
      title: 'Houd uw pas bij de lezer',
      message: '{priceSummary}. Reservering {hold}, u betaalt alleen wat u laadt.',
    },
    authorizing: { title: 'Even geduld…', message: 'We reserveren {hold} op uw kaart. Een moment, alstublieft.' },
    declined: { title: 'Kaart geweigerd', message: 'Uw kaart is geweigerd. Probeer een andere kaart.' },
    plugIn: {
      title: 'Sluit uw auto aan',
      message: 'Kaart goedgekeurd. Sluit de kabel binnen {plugInWindow} aan om te laden.',
      buttons: { cancel: 'Annuleren' },
    },
    charging: { title: 'Bezig met laden', message: '{energy} · {elapsed} · {cost}', buttons: { stop: 'Stoppen' } },
    tapToStop: { title: 'Bezig met laden', message: 'Houd dezelfde kaart tegen de lezer om te stoppen.' },
    stopping: { title: 'Bezig met stoppen…', message: 'Uw sessie wordt beëindigd. Even geduld, koppel daarna de kabel los.' },
    receipt: {
      title: 'Bedankt!',
      message: 'Totaal {total} (incl. btw {tax}) · {energy} · {duration}. Bon: {receiptUrl}',
      buttons: { done: 'Klaar' },
    },
    error: { title: 'Er ging iets mis', message: '{reason}' },
    outOfOrder: { title: 'Buiten gebruik', message: 'Deze laadpaal is nu niet beschikbaar. Excuses voor het ongemak.' },
    plugInFirst: { title: 'Steek de stekker in', message: 'Sluit de kabel aan op uw auto; daarna vraagt deze lezer om uw pas.' },
    tapCardAt: { title: 'Houd uw pas bij de lezer', message: '{connector}: {priceSummary}. Reservering: {hold}.' },
    menu: {
      title: 'Welkom',
      message: 'Start met laden, stop uw sessie of bekijk de bon van uw laatste sessie.',
      buttons: { start: 'Starten', stop: 'Stoppen', receipt: 'Bon' },
    },
    receiptTap: { title: 'Uw bon', message: 'Houd de kaart waarmee u betaalde bij de lezer om de bon te zien.' },
    nothingCharged: {
      title: 'Niets afgeschreven',
      message: 'Er is niets van uw kaart afgeschreven; een reservering is vrijgegeven. Bon: {receiptUrl}',
      buttons: { done: 'Klaar' },
    },
    noReceipt: { title: 'Geen bon gevonden', message: 'Deze kaart heeft geen recente sessie bij deze lezer.', buttons: { done: 'Klaar' } },
  },
  de: {
    tapCard: {
      title: 'Karte an das Lesegerät halten',
      message: '{priceSummary}. Reservierung {hold}, Sie zahlen nur, was Sie laden.',
    },
    authorizing: { title: 'Bitte warten…', message: 'Wir reservieren {hold} auf Ihrer Karte. Einen Moment, bitte.' },
    declined: { title: 'Karte abgelehnt', message: 'Ihre Karte wurde abgelehnt. Bitte versuchen Sie eine andere Karte.' },
    plugIn: {
      title: 'Fahrzeug anschließen',
      message: 'Karte akzeptiert. Schließen Sie das Kabel innerhalb von {plugInWindow} an, um zu laden.',
      buttons: { cancel: 'Abbrechen' },
    },
    charging: { title: 'Ladevorgang läuft', message: '{energy} · {elapsed} · {cost}', buttons: { stop: 'Beenden' } },
    tapToStop: { title: 'Ladevorgang läuft', message: 'Dieselbe Karte vorhalten, um das Laden zu beenden.' },
    stopping: { title: 'Wird beendet…', message: 'Ihr Ladevorgang wird beendet. Bitte warten, dann das Kabel abziehen.' },
    receipt: {
      title: 'Vielen Dank!',
      message: 'Gesamt {total} (inkl. MwSt. {tax}) · {energy} · {duration}. Beleg: {receiptUrl}',
      buttons: { done: 'Fertig' },
    },
    error: { title: 'Ein Fehler ist aufgetreten', message: '{reason}' },
    outOfOrder: { title: 'Außer Betrieb', message: 'Diese Ladestation ist derzeit nicht verfügbar. Bitte entschuldigen Sie.' },
    plugInFirst: { title: 'Zum Start einstecken', message: 'Stecken Sie das Kabel in Ihr Auto; danach fragt dieses Terminal nach Ihrer Karte.' },
    tapCardAt: { title: 'Karte an das Lesegerät halten', message: '{connector}: {priceSummary}. Vorautorisierung: {hold}.' },
    menu: {
      title: 'Willkommen',
      message: 'Laden starten, Ladevorgang beenden oder den Beleg des letzten Ladevorgangs ansehen.',
      buttons: { start: 'Starten', stop: 'Beenden', receipt: 'Beleg' },
    },
    receiptTap: { title: 'Ihr Beleg', message: 'Halten Sie die Karte vor, mit der Sie bezahlt haben, um den Beleg zu sehen.' },
    nothingCharged: {
      title: 'Nichts abgebucht',
      message: 'Ihre Karte wurde nicht belastet; eine Reservierung wurde freigegeben. Beleg: {receiptUrl}',
      buttons: { done: 'Fertig' },
    },
    noReceipt: { title: 'Kein Beleg gefunden', message: 'Zu dieser Karte gibt es keinen aktuellen Ladevorgang an diesem Terminal.', buttons: { done: 'Fertig' } },
  },
};

export const PRICE_SUMMARY_PHRASES: Readonly<Record<Language, PriceSummaryPhrases>> = {
  en: {
    sessionFee: '{sessionFee}/session',
    energy: '{energyPrice}/kWh',
    time: '{timePrice}/h',
    idle: 'idle {idlePrice}/h after {idleGraceMinutes} min',
    idleWithoutGrace: 'idle {idlePrice}/h',
    exclusiveTax: '{taxRate}% tax',
    free: 'Free charging',
    separator: ' + ',
  },
  nl: {
    sessionFee: '{sessionFee}/sessie',
    energy: '{energyPrice}/kWh',
    time: '{timePrice}/uur',
    idle: 'stilstaan {idlePrice}/uur na {idleGraceMinutes} min',
    idleWithoutGrace: 'stilstaan {idlePrice}/uur',
    exclusiveTax: '{taxRate}% btw',
    free: 'Gratis laden',
    separator: ' + ',
  },
  de: {
    sessionFee: '{sessionFee}/Ladevorgang',
    energy: '{energyPrice}/kWh',
    time: '{timePrice}/h',
    idle: 'Standzeit {idlePrice}/h nach {idleGraceMinutes} Minuten',
    idleWithoutGrace: 'Standzeit {idlePrice}/h',
    exclusiveTax: 'zzgl. {taxRate} % MwSt',
    free: 'Kostenlos laden',
    separator: ' + ',
  },
};
