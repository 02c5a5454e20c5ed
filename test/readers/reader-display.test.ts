/**
 * What a driver sees on the reader (docs/settlement.md, "Cards the reader holds"): the start
 * screen's reading with the site's hold and price summary, tap-to-stop, the journey's screens
 * in the site's language, a refused start screen retried (a held card let go first) and, when
 * Payter keeps refusing, the reader out of service until the next screen Payter accepts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Money } from '../../lambdas/money/money';
import { ReaderDisplay, START_SCREEN_RETRY_DELAYS_MS, describeOutcome } from '../../lambdas/readers/reader-display';
import { PAYTER, SERIAL, T0, givenWorld, tokenOf, type World } from '../support/in-memory';

/** The start readings Payter was asked for, as the reader shows them. */
const readings = (w: World) => w.payter.callsOf('startReading');
const lastReading = (w: World) => readings(w).at(-1)!;

describe('the start screen', () => {
  it('asks Payter to read a card for the site hold, worded with the price summary, on a reading stored first', async () => {
    const w = givenWorld({ site: { holdAmount: 3000 } });
    const shown = await w.display.showStartScreen(w.reader(), w.site);

    expect(shown).toEqual({ kind: 'ok', value: undefined });
    expect(readings(w)).toEqual([
      {
        serial: SERIAL,
        authorizedAmount: 3000,
        callbackUrl: w.urls.card(SERIAL, 'reading-1'),
        uiMessageTitle: 'Tap your card to charge',
        uiMessage: '$1.00/session + $0.35/kWh + $1.20/h + idle $6.00/h after 10 min + 8.875% tax. Hold: $30.00, you pay only what you use.',
        language: 'en',
        hideAmount: false,
      },
    ]);
    expect(w.reader()).toMatchObject({ reading: { id: 'reading-1', state: 'open', startedAt: T0 }, screen: 'tapCard', updatedAt: T0 });
    expect(w.payter.callsOf('stopReading')).toEqual([]); // nothing held: nothing to let go
  });

  it.each([
    ['nl', 'Houd uw pas bij de lezer', /Reservering € 50,00/],
    ['de', /Karte/, /50,00 €/],
    ['en', 'Tap your card to charge', /Hold: \$50\.00/],
  ])('is worded in the site language (%s)', async (language, title, message) => {
    const w = givenWorld({ site: { language, currency: language === 'en' ? 'USD' : 'EUR' }, terminal: { currency: 'EUR' } });
    await w.display.showStartScreen(w.reader(), w.site);
    expect(lastReading(w)).toMatchObject({ uiMessageTitle: expect.stringMatching(title), uiMessage: expect.stringMatching(message), language });
  });

  it("uses the site's own wording where operators overrode it", async () => {
    const w = givenWorld({ site: { screens: { tapCard: { title: 'Tap here', message: 'Hold {hold}' } } } });
    await w.display.showStartScreen(w.reader(), w.site);
    expect(lastReading(w)).toMatchObject({ uiMessageTitle: 'Tap here', uiMessage: 'Hold $50.00' });
  });

  it('opens a new reading each time, so a card callback of the last one no longer counts', async () => {
    const w = givenWorld();
    await w.display.showStartScreen(w.reader(), w.site);
    await w.display.showStartScreen(w.reader(), w.site);
    expect(readings(w).map((r) => r.callbackUrl)).toEqual([w.urls.card(SERIAL, 'reading-1'), w.urls.card(SERIAL, 'reading-2')]);
    expect(w.reader().reading?.id).toBe('reading-2');
  });
});

describe('tap to stop while a session charges', () => {
  it('lets a held card go, then reads cards again with the amount hidden and the tap-to-stop wording', async () => {
    const w = givenWorld({ site: { holdAmount: 4000 } });
    await w.display.armTapToStop(w.reader(), w.site);

    expect(w.payter.trace()).toEqual([`stopReading ${SERIAL}`, `startReading ${SERIAL}`]);
    expect(lastReading(w)).toEqual({
      serial: SERIAL,
      authorizedAmount: 4000,
      callbackUrl: w.urls.card(SERIAL, 'reading-1'),
      uiMessageTitle: 'Charging',
      uiMessage: 'Tap the same card to stop charging.',
      language: 'en',
      hideAmount: true,
    });
    expect(w.reader()).toMatchObject({ reading: { id: 'reading-1', state: 'open' }, screen: 'tapToStop' });
  });

  it.each([
    ['nl', 'Bezig met laden', 'Houd dezelfde kaart tegen de lezer om te stoppen.'],
    ['de', 'Ladevorgang läuft', 'Dieselbe Karte vorhalten, um das Laden zu beenden.'],
  ])('is worded in the site language (%s)', async (language, title, message) => {
    const w = givenWorld({ site: { language } });
    await w.display.armTapToStop(w.reader(), w.site);
    expect(lastReading(w)).toMatchObject({ uiMessageTitle: title, uiMessage: message, language });
  });
});

describe('a start screen Payter refuses', () => {
  it('is read again after a 409, letting go of the card the terminal still holds before each retry', async () => {
    const w = givenWorld();
    w.payter.script('startReading', PAYTER.conflict, PAYTER.conflict);
    const shown = await w.display.showStartScreen(w.reader(), w.site);

    expect(shown.kind).toBe('ok');
    expect(w.payter.trace()).toEqual([
      `startReading ${SERIAL}`,
      `stopReading ${SERIAL}`,
      `startReading ${SERIAL}`,
      `stopReading ${SERIAL}`,
      `startReading ${SERIAL}`,
    ]);
    expect(w.sleeps).toEqual([250, 1000]);
    // The retries repeat the same reading: the stored one is still the one Payter reads for.
    expect(new Set(readings(w).map((r) => r.callbackUrl))).toEqual(new Set([w.urls.card(SERIAL, 'reading-1')]));
    expect(w.reader()).toMatchObject({ screen: 'tapCard', reading: { id: 'reading-1' } });
    expect(w.reader().outOfService).toBeUndefined();
  });

  it('is read again after Payter was unavailable, without stopping anything', async () => {
    const w = givenWorld();
    w.payter.script('startReading', PAYTER.unavailable);
    expect((await w.display.showStartScreen(w.reader(), w.site)).kind).toBe('ok');
    expect(w.payter.trace()).toEqual([`startReading ${SERIAL}`, `startReading ${SERIAL}`]);
    expect(w.sleeps).toEqual([250]);
  });

  it.each([
    ['a 4xx (our request is wrong: no retry)', [PAYTER.rejected], 1, []],
    ['a 409 on every attempt', [PAYTER.conflict, PAYTER.conflict, PAYTER.conflict, PAYTER.conflict], 4, [250, 1000, 3000]],
    ['Payter unavailable on every attempt', [PAYTER.unavailable, PAYTER.unavailable, PAYTER.unavailable, PAYTER.unavailable], 4, [250, 1000, 3000]],
  ] as const)('after %s puts the reader out of service, for operators to see', async (_case, outcomes, attempts, pauses) => {
    const w = givenWorld();
    w.payter.script('startReading', ...outcomes);
    const shown = await w.display.showStartScreen(w.reader(), w.site);

    expect(shown.kind).toBe(outcomes[0].kind === 'unavailable' ? 'transient' : outcomes[0].kind);
    expect(readings(w)).toHaveLength(attempts);
    expect(w.sleeps).toEqual(pauses);
    const reason = `Payter refused the tapCard reading: ${describeOutcome(shown as never)}`;
    expect(w.reader()).toMatchObject({ screen: 'outOfService', outOfService: { since: T0, reason } });
    expect(w.outOfService).toEqual([{ serialNumber: SERIAL, reason }]);
  });

  it('names the tap-to-stop reading when that is the one refused', async () => {
    const w = givenWorld();
    w.payter.script('startReading', PAYTER.rejected);
    await w.display.armTapToStop(w.reader(), w.site);
    expect(w.reader().outOfService?.reason).toBe('Payter refused the tapToStop reading: rejected 400 rejected (scripted)');
  });

  it('keeps the first refusal time and reason while Payter keeps refusing', async () => {
    const w = givenWorld();
    w.payter.script('startReading', PAYTER.rejected, { kind: 'rejected', status: 422, message: 'later' });
    await w.display.showStartScreen(w.reader(), w.site);
    w.clock.advance({ minutes: 5 });
    await w.display.showStartScreen(w.reader(), w.site);
    expect(w.reader().outOfService).toEqual({ since: T0, reason: 'Payter refused the tapCard reading: rejected 400 rejected (scripted)' });
    expect(w.outOfService.map((o) => o.reason)).toEqual([
      'Payter refused the tapCard reading: rejected 400 rejected (scripted)',
      'Payter refused the tapCard reading: rejected 422 later',
    ]);
  });

  it('is cleared by the next start screen Payter accepts', async () => {
    const w = givenWorld();
    w.payter.script('startReading', PAYTER.rejected);
    await w.display.showStartScreen(w.reader(), w.site);
    await w.display.showStartScreen(w.reader(), w.site);
    expect(w.reader().outOfService).toBeUndefined();
    expect(w.reader().screen).toBe('tapCard');
  });

  it('is cleared by a tap-to-stop reading Payter accepts too', async () => {
    const w = givenWorld();
    w.readers.seed({ ...w.reader(), outOfService: { since: T0, reason: 'earlier' } });
    await w.display.armTapToStop(w.reader(), w.site);
    expect(w.reader().outOfService).toBeUndefined();
  });

  it('without an out-of-service mark, has nothing to clear (the store is not written)', async () => {
    const w = givenWorld();
    w.readers.failNext('clearOutOfService');
    // Nothing to clear, so the store is not written: the failing write is never reached.
    await expect(w.display.showStartScreen(w.reader(), w.site)).resolves.toEqual({ kind: 'ok', value: undefined });
  });

  it('without out-of-service callback or retry settings, waits 250 ms, 1 s and 3 s between attempts', async () => {
    const w = givenWorld();
    const pauses: number[] = [];
    const display = new ReaderDisplay({ payter: w.payter.client, urls: w.urls, readers: w.readers, clock: w.clock, sleep: async (ms) => void pauses.push(ms) });
    w.payter.script('startReading', PAYTER.unavailable, PAYTER.unavailable, PAYTER.unavailable, PAYTER.unavailable);
    expect((await display.showStartScreen(w.reader(), w.site)).kind).toBe('transient');
    expect(pauses).toEqual([250, 1000, 3000]);
    expect(START_SCREEN_RETRY_DELAYS_MS).toEqual([250, 1000, 3000]);
    expect(w.reader().screen).toBe('outOfService');
    // Its own reading ids: random UUIDs, each verifiable on its callback URL.
    const readingId = w.reader().reading!.id;
    expect(readingId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(w.urls.verify(tokenOf(lastReading(w).callbackUrl as string), { kind: 'card', serialNumber: SERIAL, readingId })).toBe(true);
  });
});

describe('the default pause between attempts', () => {
  afterEach(() => vi.useRealTimers());

  it('is a real wait of 250 ms before the second attempt', async () => {
    vi.useFakeTimers();
    const w = givenWorld();
    const display = new ReaderDisplay({ payter: w.payter.client, urls: w.urls, readers: w.readers, clock: w.clock, retryDelaysMs: [250] });
    w.payter.script('startReading', PAYTER.unavailable);
    const shown = display.showStartScreen(w.reader(), w.site);
    await vi.advanceTimersByTimeAsync(249);
    expect(readings(w)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(readings(w)).toHaveLength(2);
    expect((await shown).kind).toBe('ok');
  });
});

describe('the journey screens', () => {
  it('shows a screen whose buttons call back for its context, and records it once Payter accepted it', async () => {
    const w = givenWorld({ site: { language: 'nl', currency: 'EUR' }, terminal: { currency: 'EUR' } });
    const shown = await w.display.show(w.reader(), w.site, 'authorizing', { hold: Money.of(5000, 'EUR') }, 'session-9');
    expect(shown.kind).toBe('ok');
    expect(w.payter.callsOf('showUi')).toEqual([
      {
        serial: SERIAL,
        callbackUrl: w.urls.ui(SERIAL, 'session-9'),
        screen: { id: 'authorizing', type: 'message', properties: { title: expect.any(String), message: expect.stringContaining('€ 50,00') } },
      },
    ]);
    expect(w.reader().screen).toBe('authorizing');
  });

  it('does not record a screen Payter refused', async () => {
    const w = givenWorld();
    w.readers.seed({ ...w.reader(), screen: 'tapCard' });
    w.payter.script('showUi', PAYTER.unavailable);
    expect((await w.display.show(w.reader(), w.site, 'declined', {}, 'session-9')).kind).toBe('transient');
    expect(w.reader().screen).toBe('tapCard');
  });

  it.each([
    ['en', 'Stopping…', 'Ending your session. Please wait, then unplug the cable.'],
    ['nl', 'Bezig met stoppen…', 'Uw sessie wordt beëindigd. Even geduld, koppel daarna de kabel los.'],
    ['de', 'Wird beendet…', 'Ihr Ladevorgang wird beendet. Bitte warten, dann das Kabel abziehen.'],
  ])('stopping (%s): lets the card go, then says the session is ending', async (language, title, message) => {
    const w = givenWorld({ site: { language } });
    const shown = await w.display.showStopping(w.reader(), w.site, 'session-3');
    expect(shown.kind).toBe('ok');
    expect(w.payter.trace()).toEqual([`stopReading ${SERIAL}`, `showUi ${SERIAL}`]);
    expect(w.payter.lastScreen(SERIAL)).toEqual({ id: 'stopping', type: 'message', properties: { title, message } });
    expect(w.payter.callsOf('showUi')[0]!.callbackUrl).toBe(w.urls.ui(SERIAL, 'session-3'));
    expect(w.reader().screen).toBe('stopping');
  });

  it.each([
    ['en', 'Out of order', 'This charger is not available right now. Sorry for the inconvenience.'],
    ['nl', 'Buiten gebruik', 'Deze laadpaal is nu niet beschikbaar. Excuses voor het ongemak.'],
    ['de', 'Außer Betrieb', 'Diese Ladestation ist derzeit nicht verfügbar. Bitte entschuldigen Sie.'],
  ])('out of order (%s): lets the card go and says the charger is unavailable', async (language, title, message) => {
    const w = givenWorld({ site: { language } });
    await w.display.showStartScreen(w.reader(), w.site);
    const shown = await w.display.showOutOfOrder(w.reader(), w.site);
    expect(shown.kind).toBe('ok');
    expect(w.payter.trace().slice(1)).toEqual([`stopReading ${SERIAL}`, `showUi ${SERIAL}`]);
    expect(w.payter.lastScreen(SERIAL)).toEqual({ id: 'outOfOrder', type: 'message', properties: { title, message } });
    // Its context is the reading it replaces.
    expect(w.payter.callsOf('showUi')[0]!.callbackUrl).toBe(w.urls.ui(SERIAL, 'reading-1'));
    expect(w.reader().screen).toBe('outOfOrder');
  });

  it('out of order on a reader that never read: its context is "out-of-order"', async () => {
    const w = givenWorld();
    await w.display.showOutOfOrder(w.reader(), w.site);
    expect(w.payter.callsOf('showUi')[0]!.callbackUrl).toBe(w.urls.ui(SERIAL, 'out-of-order'));
  });

  it('releasing a card is a stop at Payter for that reader', async () => {
    const w = givenWorld();
    w.payter.presentCard(SERIAL);
    await w.display.releaseCard(w.reader());
    expect(w.payter.callsOf('stopReading')).toEqual([{ serial: SERIAL }]);
    expect(w.payter.terminal(SERIAL).state).toBe('IDLE');
  });
});

describe('what an operator reads of a Payter outcome', () => {
  it.each([
    ['kind, status and message', { kind: 'rejected', status: 422, message: 'bad amount' }, 'rejected 422 bad amount'],
    ['the reason of a transient failure', { kind: 'transient', status: 503, reason: 'HTTP 503: TERMINAL_OFFLINE' }, 'transient 503 HTTP 503: TERMINAL_OFFLINE'],
    ['the message before the reason', { kind: 'protocol', message: 'm', reason: 'r' }, 'protocol m'],
    ['no status', { kind: 'conflict', message: 'a read card waits' }, 'conflict a read card waits'],
    ['no empty message', { kind: 'rejected', status: 400, message: '' }, 'rejected 400'],
    ['a timeout without status', { kind: 'transient', reason: 'no answer within 10000 ms' }, 'transient no answer within 10000 ms'],
    ['the kind alone', { kind: 'ok' }, 'ok'],
  ])('%s', (_case, outcome, text) => {
    expect(describeOutcome(outcome)).toBe(text);
  });
});
