import { describe, expect, it } from 'vitest';
import { Money, UnknownCurrencyError } from '../../lambdas/money/money';
import {
  InvalidScreenParamError,
  MissingPlaceholderError,
  UnknownScreenError,
  renderScreen,
  resolveLanguage,
  screenOverridesSchema,
  type RenderOptions,
  type ScreenOverrides,
  type ScreenParams,
} from '../../lambdas/display/screens';
import {
  BUTTON_LABEL_MAX_CHARS,
  DEFAULT_TEMPLATES,
  LANGUAGES,
  MESSAGE_MAX_CHARS,
  SCREEN_BUTTONS,
  SCREEN_KINDS,
  TITLE_MAX_CHARS,
  type ScreenKind,
} from '../../lambdas/display/templates';

interface Site {
  readonly currency: string;
  readonly params: ScreenParams;
}

/** The site of docs/pricing.md: USD, tax 8.875% on top, the worked example's session. */
function aUsdSite(): Site {
  const usd = (minor: number) => Money.of(minor, 'USD');
  return {
    currency: 'USD',
    params: {
      tapCard: {
        tariff: { sessionFee: 100, energyPerKwh: '35', timePerHour: '120', idlePerHour: '600', idleGraceMinutes: 10 },
        tax: { ratePercent: '8.875', inclusive: false },
        hold: usd(5000),
      },
      authorizing: { hold: usd(5000) },
      declined: {},
      plugIn: { plugInWindowSeconds: 120 },
      charging: { energyWh: 12345, elapsedSeconds: 3600, cost: usd(764) },
      tapToStop: {},
      stopping: {},
      receipt: {
        total: usd(764),
        tax: usd(62),
        energyWh: 12345,
        durationSeconds: 3600,
        receiptUrl: 'https://r.example.com/s/7Hk2',
      },
      error: { reason: 'The charger did not start.' },
      outOfOrder: {},
      plugInFirst: {},
      tapCardAt: {
        tariff: { sessionFee: 100, energyPerKwh: '35', timePerHour: '120', idlePerHour: '600', idleGraceMinutes: 10 },
        tax: { ratePercent: '8.875', inclusive: false },
        hold: usd(5000),
        connector: 'Bay 2',
      },
      menu: {},
      receiptTap: {},
      nothingCharged: { receiptUrl: 'https://r.example.com/s/7Hk2' },
      noReceipt: {},
    },
  };
}

/** A European site: EUR, 21% VAT included in the prices, no session fee, a sub-cent energy price. */
function aEurSite(): Site {
  const eur = (minor: number) => Money.of(minor, 'EUR');
  const usd = aUsdSite().params;
  return {
    currency: 'EUR',
    params: {
      ...usd,
      tapCard: {
        tariff: { sessionFee: 0, energyPerKwh: '34.5', timePerHour: '0', idlePerHour: '600', idleGraceMinutes: 10 },
        tax: { ratePercent: '21', inclusive: true },
        hold: eur(5000),
      },
      tapCardAt: { ...usd.tapCardAt, tariff: { sessionFee: 0, energyPerKwh: '34.5', timePerHour: '0', idlePerHour: '600', idleGraceMinutes: 10 }, tax: { ratePercent: '21', inclusive: true }, hold: eur(5000) },
      authorizing: { hold: eur(5000) },
      charging: { energyWh: 12345, elapsedSeconds: 3600, cost: eur(764) },
      receipt: { ...usd.receipt, total: eur(764), tax: eur(133) },
    },
  };
}

const SITES = { USD: aUsdSite(), EUR: aEurSite() };

function render<K extends ScreenKind>(screen: K, site: Site, language: string, overrides?: ScreenOverrides) {
  const options: RenderOptions = { language, currency: site.currency, ...(overrides ? { overrides } : {}) };
  return renderScreen(screen, site.params[screen], options);
}

/** Money amounts each screen shows, in minor units of the site's currency. */
const AMOUNTS_SHOWN: Partial<Record<ScreenKind, (site: Site) => Money[]>> = {
  tapCard: (site) => [site.params.tapCard.hold],
  tapCardAt: (site) => [site.params.tapCardAt.hold],
  authorizing: (site) => [site.params.authorizing.hold],
  charging: (site) => [site.params.charging.cost],
  receipt: (site) => [site.params.receipt.total, site.params.receipt.tax],
};

const FORMATTED: Record<string, Record<string, Record<number, string>>> = {
  USD: { en: { 5000: '$50.00', 764: '$7.64', 62: '$0.62' }, nl: { 5000: 'US$ 50,00', 764: 'US$ 7,64', 62: 'US$ 0,62' }, de: { 5000: '50,00 $', 764: '7,64 $', 62: '0,62 $' } },
  EUR: { en: { 5000: '€50.00', 764: '€7.64', 133: '€1.33' }, nl: { 5000: '€ 50,00', 764: '€ 7,64', 133: '€ 1,33' }, de: { 5000: '50,00 €', 764: '7,64 €', 133: '1,33 €' } },
};

describe('every screen in every language for a USD and a EUR site', () => {
  const cases = SCREEN_KINDS.flatMap((screen) =>
    LANGUAGES.flatMap((language) => (['USD', 'EUR'] as const).map((currency) => [screen, language, currency] as const)),
  );

  it.each(cases)('%s in %s for a %s site', (screen, language, currency) => {
    const site = SITES[currency];
    const rendered = render(screen, site, language);
    const { title, message, ...buttons } = rendered.properties;

    expect(rendered.id).toBe(screen);
    expect(rendered.type).toBe('message');
    expect(title).toBe(DEFAULT_TEMPLATES[language][screen].title);
    expect(message.length).toBeGreaterThan(0);
    expect(message.length).toBeLessThanOrEqual(MESSAGE_MAX_CHARS);
    expect(`${title} ${message}`).not.toMatch(/undefined|NaN|null|\{|\}|\u00a0|\u202f/);
    expect(Object.keys(buttons).sort()).toEqual(SCREEN_BUTTONS[screen].map((button) => `buttons.${button}.label`).sort());
    for (const amount of AMOUNTS_SHOWN[screen]?.(site) ?? []) {
      expect(message).toContain(FORMATTED[currency]?.[language]?.[amount.minor]);
    }
    if (screen === 'charging' || screen === 'receipt') {
      expect(message).toContain(language === 'en' ? '12.35 kWh' : '12,35 kWh');
      expect(message).toContain('1:00:00');
    }
  });
});

describe('exact screens', () => {
  it.each([
    ['charging', 'en', 'USD', 'Charging', '12.35 kWh · 1:00:00 · $7.64', { 'buttons.stop.label': 'Stop' }],
    ['charging', 'nl', 'EUR', 'Bezig met laden', '12,35 kWh · 1:00:00 · € 7,64', { 'buttons.stop.label': 'Stoppen' }],
    ['charging', 'de', 'EUR', 'Ladevorgang läuft', '12,35 kWh · 1:00:00 · 7,64 €', { 'buttons.stop.label': 'Beenden' }],
    ['charging', 'nl', 'USD', 'Bezig met laden', '12,35 kWh · 1:00:00 · US$ 7,64', { 'buttons.stop.label': 'Stoppen' }],
    [
      'tapCard',
      'en',
      'USD',
      'Tap your card to charge',
      '$1.00/session + $0.35/kWh + $1.20/h + idle $6.00/h after 10 min + 8.875% tax. Hold: $50.00, you pay only what you use.',
      {},
    ],
    [
      'tapCard',
      'nl',
      'EUR',
      'Houd uw pas bij de lezer',
      '€ 0,345/kWh + stilstaan € 6,00/uur na 10 min. Reservering € 50,00, u betaalt alleen wat u laadt.',
      {},
    ],
    [
      'tapCard',
      'de',
      'EUR',
      'Karte an das Lesegerät halten',
      '0,345 €/kWh + Standzeit 6,00 €/h nach 10 Minuten. Reservierung 50,00 €, Sie zahlen nur, was Sie laden.',
      {},
    ],
    [
      'receipt',
      'en',
      'USD',
      'Thank you!',
      'Total $7.64 (incl. tax $0.62) · 12.35 kWh · 1:00:00. Receipt: https://r.example.com/s/7Hk2',
      { 'buttons.done.label': 'Done' },
    ],
    [
      'receipt',
      'nl',
      'EUR',
      'Bedankt!',
      'Totaal € 7,64 (incl. btw € 1,33) · 12,35 kWh · 1:00:00. Bon: https://r.example.com/s/7Hk2',
      { 'buttons.done.label': 'Klaar' },
    ],
    [
      'plugIn',
      'en',
      'USD',
      'Plug in your car',
      'Card approved. Plug in the cable within 2 minutes to start charging.',
      { 'buttons.cancel.label': 'Cancel' },
    ],
    [
      'plugIn',
      'de',
      'EUR',
      'Fahrzeug anschließen',
      'Karte akzeptiert. Schließen Sie das Kabel innerhalb von 2 Minuten an, um zu laden.',
      { 'buttons.cancel.label': 'Abbrechen' },
    ],
    ['error', 'en', 'USD', 'Something went wrong', 'The charger did not start.', {}],
    ['authorizing', 'nl', 'EUR', 'Even geduld…', 'We reserveren € 50,00 op uw kaart. Een moment, alstublieft.', {}],
  ] as const)('%s in %s for a %s site', (screen, language, currency, title, message, buttons) => {
    expect(render(screen, SITES[currency], language)).toEqual({
      id: screen,
      type: 'message',
      properties: { title, message, ...buttons },
    });
  });

  it('shows the live charging values it is given', () => {
    const site = aUsdSite();
    const screen = renderScreen(
      'charging',
      { energyWh: 5, elapsedSeconds: 307, cost: Money.of(1, 'USD') },
      { language: 'en', currency: site.currency },
    );
    expect(screen.properties.message).toBe('0.01 kWh · 05:07 · $0.01');
  });

  it('summarizes a free tariff as free, and leaves out an included tax', () => {
    const free = renderScreen(
      'tapCard',
      {
        tariff: { sessionFee: 0, energyPerKwh: '0', timePerHour: '0', idlePerHour: '0', idleGraceMinutes: 0 },
        tax: { ratePercent: '8.875', inclusive: false },
        hold: Money.of(500, 'JPY'),
      },
      { language: 'en', currency: 'JPY' },
    );
    expect(free.properties.message).toBe('Free charging. Hold: ¥500, you pay only what you use.');
  });

  it('names idle pricing without a grace period plainly', () => {
    const params = aUsdSite().params.tapCard;
    const screen = renderScreen(
      'tapCard',
      { ...params, tariff: { ...params.tariff, sessionFee: 0, timePerHour: '0', idleGraceMinutes: 0 } },
      { language: 'en', currency: 'USD' },
    );
    expect(screen.properties.message).toMatch(/^\$0\.35\/kWh \+ idle \$6\.00\/h \+ 8\.875% tax\. /);
  });
});

describe('language', () => {
  it.each([
    ['en', 'en'],
    ['nl', 'nl'],
    ['de', 'de'],
    ['nl-BE', 'nl'],
    ['de_AT', 'de'],
    ['DE', 'de'],
    ['fr', 'en'],
    ['', 'en'],
    [undefined, 'en'],
  ])('%s renders in %s', (language, expected) => {
    expect(resolveLanguage(language)).toBe(expected);
  });

  it('falls back to English wording for an unknown language', () => {
    const screen = renderScreen('charging', aUsdSite().params.charging, { language: 'fr', currency: 'USD' });
    expect(screen.properties).toEqual({
      title: 'Charging',
      message: '12.35 kWh · 1:00:00 · $7.64',
      'buttons.stop.label': 'Stop',
    });
  });
});

describe('overrides', () => {
  it('replace a screen wording for the site, keeping the rest', () => {
    const overrides: ScreenOverrides = {
      charging: { message: 'Laden {energy} · {elapsed} · {cost}', buttons: { stop: 'Stop laden' } },
      tapCard: { title: 'Welkom bij Garage Noord' },
    };
    const site = aEurSite();
    expect(render('charging', site, 'nl', overrides).properties).toEqual({
      title: 'Bezig met laden',
      message: 'Laden 12,35 kWh · 1:00:00 · € 7,64',
      'buttons.stop.label': 'Stop laden',
    });
    const tapCard = render('tapCard', site, 'nl', overrides).properties;
    expect(tapCard.title).toBe('Welkom bij Garage Noord');
    expect(tapCard.message).toBe(DEFAULT_TEMPLATES.nl.tapCard.message.replace('{priceSummary}', '€ 0,345/kWh + stilstaan € 6,00/uur na 10 min').replace('{hold}', '€ 50,00'));
    expect(render('receipt', site, 'nl', overrides).properties.title).toBe('Bedankt!');
  });

  it('can use any placeholder of the screen, once or twice, in title or message', () => {
    const overrides = screenOverridesSchema.parse({
      tapCard: {
        title: 'Only {energyPrice}/kWh',
        message: 'Energy {energyPrice}/kWh, fee {sessionFee}, time {timePrice}/h, idle {idlePrice}/h after {idleGraceMinutes} min, tax {taxRate}%, hold {hold}.',
      },
    });
    expect(render('tapCard', aUsdSite(), 'en', overrides).properties).toEqual({
      title: 'Only $0.35/kWh',
      message: 'Energy $0.35/kWh, fee $1.00, time $1.20/h, idle $6.00/h after 10 min, tax 8.875%, hold $50.00.',
    });
  });

  it('insert values literally, never as templates', () => {
    const screen = renderScreen('error', { reason: 'bad {cost} {reason}' }, { language: 'en', currency: 'USD' });
    expect(screen.properties.message).toBe('bad {cost} {reason}');
  });

  it('that were not validated still never print a missing value', () => {
    const overrides = { charging: { message: '{energy} {total}' } } as ScreenOverrides;
    expect(() => render('charging', aUsdSite(), 'en', overrides)).toThrow(MissingPlaceholderError);
    expect(() => render('charging', aUsdSite(), 'en', overrides)).toThrow('screen charging: no value for placeholder {total}');
  });
});

describe('screenOverridesSchema', () => {
  it.each(LANGUAGES)('accepts the default templates of %s (they fit the limits)', (language) => {
    expect(screenOverridesSchema.safeParse(DEFAULT_TEMPLATES[language]).success).toBe(true);
  });

  it('accepts an empty set of overrides and partial screens', () => {
    expect(screenOverridesSchema.parse({})).toEqual({});
    expect(screenOverridesSchema.parse({ receipt: { buttons: { done: 'OK' } } })).toEqual({ receipt: { buttons: { done: 'OK' } } });
  });

  function issuesOf(overrides: unknown): { path: string; message: string }[] {
    const result = screenOverridesSchema.safeParse(overrides);
    expect(result.success).toBe(false);
    return (result.error?.issues ?? []).map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  }

  it.each([
    [
      'an unknown screen',
      { idle: { title: 'Hi' } },
      '',
      'unknown screen(s) idle: expected tapCard, authorizing, declined, plugIn, charging, tapToStop, stopping, receipt, error, outOfOrder, plugInFirst, tapCardAt, menu, receiptTap, nothingCharged, noReceipt',
    ],
    [
      'a placeholder the screen does not provide',
      { charging: { message: '{energy} for {total}' } },
      'charging.message',
      'unknown placeholder {total} for screen charging; allowed: {energy}, {elapsed}, {cost}',
    ],
    [
      'a placeholder on a screen without placeholders',
      { declined: { title: 'No {cost}' } },
      'declined.title',
      'unknown placeholder {cost} for screen declined; this screen has no placeholders',
    ],
    ['a stray brace', { charging: { message: '{energy} {cost' } }, 'charging.message', 'stray "{" or "}": placeholders are written {name}'],
    [
      'a title beyond 32 characters',
      { outOfOrder: { title: 'This charger is out of order today' } },
      'outOfOrder.title',
      'too long: 34 characters with placeholders at their full width, at most 32',
    ],
    [
      'a message that overflows once its placeholders are filled',
      { charging: { message: `${'x'.repeat(150)} {cost}` } },
      'charging.message',
      'too long: 163 characters with placeholders at their full width, at most 160',
    ],
    ['an empty message', { stopping: { message: '' } }, 'stopping.message', 'message must not be empty'],
    [
      'a button the screen does not have',
      { charging: { buttons: { done: 'Done' } } },
      'charging.buttons',
      'screen charging has only the buttons stop; unknown: done',
    ],
    ['a button on a screen without buttons', { tapCard: { buttons: { stop: 'Stop' } } }, 'tapCard.buttons', 'screen tapCard has no buttons; unknown: stop'],
    [
      'a placeholder in a button label',
      { charging: { buttons: { stop: 'Stop {cost}' } } },
      'charging.buttons.stop',
      'button labels take no placeholders',
    ],
    [
      'a long button label',
      { receipt: { buttons: { done: 'x'.repeat(BUTTON_LABEL_MAX_CHARS + 1) } } },
      'receipt.buttons.done',
      'button label at most 20 characters',
    ],
    [
      'an unknown template field',
      { receipt: { subtitle: 'Hi' } },
      'receipt',
      'unknown field(s) subtitle of screen receipt: expected title, message, buttons',
    ],
  ])('rejects %s', (_case, overrides, path, message) => {
    expect(issuesOf(overrides)).toContainEqual({ path, message });
  });

  it('counts a placeholder at its full width', () => {
    // 150 characters plus {cost} (12 wide) is 162: too long; plus {elapsed} (9 wide) is 159: fits.
    expect(screenOverridesSchema.safeParse({ charging: { message: `${'x'.repeat(150)}{cost}` } }).success).toBe(false);
    expect(screenOverridesSchema.safeParse({ charging: { message: `${'x'.repeat(150)}{elapsed}` } }).success).toBe(true);
  });

  it('reports every bad field at once', () => {
    const issues = issuesOf({ charging: { title: '{x}', message: '{y}' }, nope: {} });
    expect(issues.map((issue) => issue.path).sort()).toEqual(['', 'charging.message', 'charging.title']);
  });

  it('keeps defaults within the limits it enforces', () => {
    for (const language of LANGUAGES) {
      for (const screen of SCREEN_KINDS) {
        const template = DEFAULT_TEMPLATES[language][screen];
        expect([...template.title].length).toBeLessThanOrEqual(TITLE_MAX_CHARS);
        for (const label of Object.values(template.buttons ?? {})) {
          expect(label.length).toBeLessThanOrEqual(BUTTON_LABEL_MAX_CHARS);
        }
      }
    }
  });
});

describe('bad params', () => {
  it('throws for a missing param, naming it, instead of printing undefined', () => {
    const params = { energyWh: 12345, elapsedSeconds: 60 } as unknown as ScreenParams['charging'];
    expect(() => renderScreen('charging', params, { language: 'en', currency: 'USD' })).toThrow(InvalidScreenParamError);
    expect(() => renderScreen('charging', params, { language: 'en', currency: 'USD' })).toThrow(
      'screen charging: param cost is missing',
    );
  });

  it.each([
    ['receipt', { ...aUsdSite().params.receipt, receiptUrl: undefined }, 'param receiptUrl is missing'],
    ['receipt', { ...aUsdSite().params.receipt, receiptUrl: 'r.example.com/x' }, 'param receiptUrl must be an http(s) URL'],
    ['error', { reason: '  ' }, 'param reason must be a non-empty string'],
    ['charging', { ...aUsdSite().params.charging, energyWh: -1 }, 'param energyWh must be a non-negative integer'],
    ['charging', { ...aUsdSite().params.charging, cost: 764 }, 'param cost must be Money'],
    ['charging', { ...aUsdSite().params.charging, cost: Money.of(764, 'EUR') }, "param cost is in EUR, the site's currency is USD"],
    ['plugIn', {}, 'param plugInWindowSeconds is missing'],
    [
      'tapCard',
      { ...aUsdSite().params.tapCard, tariff: { ...aUsdSite().params.tapCard.tariff, energyPerKwh: '0.35.1' } },
      'param tariff.energyPerKwh must be a non-negative decimal string, got "0.35.1"',
    ],
    [
      'tapCard',
      { ...aUsdSite().params.tapCard, tariff: { ...aUsdSite().params.tapCard.tariff, sessionFee: 1.5 } },
      'param tariff.sessionFee must be a non-negative integer, got 1.5',
    ],
    ['tapCard', { ...aUsdSite().params.tapCard, tax: undefined }, 'param tax is missing'],
  ] as const)('%s with %j: %s', (screen, params, message) => {
    expect(() => renderScreen(screen, params as never, { language: 'en', currency: 'USD' })).toThrow(message);
  });

  it('throws for an unknown screen or currency', () => {
    expect(() => renderScreen('idle' as ScreenKind, {} as never, { language: 'en', currency: 'USD' })).toThrow(UnknownScreenError);
    expect(() => renderScreen('declined', {}, { language: 'en', currency: 'XYZ' })).toThrow(UnknownCurrencyError);
  });
});
