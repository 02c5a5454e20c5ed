/**
 * Receipts at the reader (issue 13), whole sessions on the local system: a tap of the same card
 * on the idle reader shortly after its session shows that session's receipt QR (never another
 * card's, once: the next tap charges), the menu's Receipt option finds a card's last receipt,
 * and a session that charged nothing has a receipt saying so and why.
 */
import { expect, it } from 'vitest';
import type { PayterSimulator } from '../../lib/local/payter-simulator';
import { workedExample, type SimulatedCharger } from '../../lib/local/simulated-charger';
import { waitFor, type TestSystem } from '../support/local-system';
import { FAST_WAITS } from '../support/paid-session';
import { useTestSystem } from '../support/world';

const PASSWORD = 'reader-receipts-secret';
const HOUR = 3_600_000;
let system: TestSystem;
let payter: PayterSimulator;

useTestSystem({ timeScale: FAST_WAITS }, (started) => {
  system = started;
  payter = system.payter;
});

/** docs/pricing.md's worked example paid by `cardId` (764 committed), ending with the reader reading cards again. */
async function payWorkedExample(charger: SimulatedCharger, serial: string, cardId: string, t0: number): Promise<string> {
  const example = workedExample(t0);
  charger.nextTransaction();
  charger.setScript(example.script);
  expect(await payter.tap(serial, { cardId })).toBe(200);
  const sessionId = await system.activeSession(serial);
  await charger.waitForTransaction();
  await example.pauseCar(charger);
  await waitFor(() => payter.currentScreen(serial)?.id === 'charging' || undefined, 5_000, 'charging');
  await waitFor(() => payter.reader(serial).state === 'READING' || undefined, 5_000, 'tap to stop armed');
  expect(await payter.tap(serial, { cardId })).toBe(200);
  expect((await system.executionEnded(sessionId)).status).toBe('SUCCEEDED');
  return sessionId;
}

/** The screens a tap (or a button) put on the reader. */
async function screensAfter(serial: string, act: () => Promise<unknown>) {
  const before = payter.screens(serial).length;
  await act();
  return payter.screens(serial).slice(before).map((shown) => shown.screen);
}

const readingCards = (serial: string) => waitFor(() => payter.reader(serial).state === 'READING' || undefined, 5_000, `${serial} reading cards`);

const receiptPage = async (sessionId: string) => {
  const page = await fetch(`${system.runtime.httpUrl}/receipts/${sessionId}`);
  expect(page.status).toBe(200);
  return (await page.text()).replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
};

it("shows each card its own session's receipt when tapped on the idle reader, once; a cancelled session's says nothing was charged and why", async () => {
  const { serial, charger } = await system.stationWithReader('RR', PASSWORD);
  try {
    const first = await payWorkedExample(charger, serial, 'card-receipt-a', Date.now() - 3 * HOUR);
    const second = await payWorkedExample(charger, serial, 'card-receipt-b', Date.now() - 1.5 * HOUR);
    await readingCards(serial);

    for (const [cardId, sessionId] of [['card-receipt-a', first], ['card-receipt-b', second]] as const) {
      const shown = await screensAfter(serial, () => payter.tap(serial, { cardId }));
      expect(shown).toEqual([expect.objectContaining({ id: 'receipt' })]);
      expect(shown[0]!.properties.message).toBe(`Total $7.64 (incl. tax $0.62) · 12.35 kWh · 1:00:00. Receipt: ${system.runtime.httpUrl}/receipts/${sessionId}`);
      // No hold, no session: the reader reads cards again under the receipt.
      expect((await system.api('GET', `/installer/readers/${serial}`)).body.activeSessionId).toBeUndefined();
      await readingCards(serial);
    }
    expect(payter.sessions(serial)).toEqual([
      expect.objectContaining({ cardId: 'card-receipt-a', state: 'COMMITTED', authorizedAmount: 5000, committedAmount: 764 }),
      expect.objectContaining({ cardId: 'card-receipt-b', state: 'COMMITTED', authorizedAmount: 5000, committedAmount: 764 }),
    ]);
    for (const sessionId of [first, second]) {
      expect(await system.sessionRecord(sessionId)).toMatchObject({ status: 'completed', paymentState: 'committed', committedAmount: 764, receiptShownOnTapAt: expect.any(String) });
    }

    // The receipt was shown: the same card's next tap is a new charge (here one the charger refuses).
    charger.nextTransaction();
    charger.setScript({ remoteStart: 'Rejected' });
    expect(await payter.tap(serial, { cardId: 'card-receipt-a' })).toBe(200);
    const cancelled = await system.activeSession(serial);
    expect((await system.executionEnded(cancelled)).status).toBe('SUCCEEDED');
    expect(payter.sessions(serial)[2]).toMatchObject({ cardId: 'card-receipt-a', state: 'CANCELLED', authorizedAmount: 5000 });
    expect(await system.sessionRecord(cancelled)).toMatchObject({ status: 'cancelled', paymentState: 'cancelled', endReason: 'noTransaction' });
    await readingCards(serial);

    // Its receipt: the QR of a session that charged nothing, and the page says so and why.
    const shown = await screensAfter(serial, () => payter.tap(serial, { cardId: 'card-receipt-a' }));
    expect(shown).toEqual([expect.objectContaining({ id: 'nothingCharged' })]);
    expect(shown[0]!.properties.message).toContain(`${system.runtime.httpUrl}/receipts/${cancelled}`);
    const page = await receiptPage(cancelled);
    expect(page).toContain('Charging did not start. Nothing was charged to your card. The hold of $50.00 placed on your card was released.');
    expect(payter.sessions(serial)).toHaveLength(3);
  } finally {
    await charger.close();
  }
});

it("the menu's Receipt option reads a card and shows its last receipt; Done goes back to the menu", async () => {
  const { stationId, serial, charger } = await system.stationWithReader('RM', PASSWORD);
  try {
    const refused = await system.api('PUT', `/installer/readers/${serial}`, { stationId, connectorIds: [1], startFlow: 'plugInToStart', menu: true });
    expect(refused.status).toBe(400);
    expect(refused.body.details).toEqual([expect.objectContaining({ field: 'menu' })]);

    expect((await system.api('PUT', `/installer/readers/${serial}`, { stationId, connectorIds: [1], menu: true })).status).toBe(200);
    expect(payter.currentScreen(serial)).toMatchObject({
      id: 'menu',
      properties: { 'buttons.start.label': 'Start', 'buttons.stop.label': 'Stop', 'buttons.receipt.label': 'Receipt' },
    });
    // The menu reads no card until the driver picks.
    expect(payter.reader(serial).state).toBe('IDLE');

    expect(await payter.pressButton(serial, 'menu', 'start')).toBe(200);
    await readingCards(serial);
    const paid = await payWorkedExample(charger, serial, 'card-menu-c', Date.now() - 3 * HOUR);
    await waitFor(() => payter.currentScreen(serial)?.id === 'menu' || undefined, 5_000, 'the menu after the session');
    // A later session of another card: the option still finds each card's own.
    expect(await payter.pressButton(serial, 'menu', 'start')).toBe(200);
    await readingCards(serial);
    await payWorkedExample(charger, serial, 'card-menu-d', Date.now() - 1.5 * HOUR);
    await waitFor(() => payter.currentScreen(serial)?.id === 'menu' || undefined, 5_000, 'the menu after the second session');

    expect(await payter.pressButton(serial, 'menu', 'receipt')).toBe(200);
    expect(payter.reader(serial)).toMatchObject({ state: 'READING', reading: { hideAmount: true } });
    const shown = await screensAfter(serial, () => payter.tap(serial, { cardId: 'card-menu-c' }));
    expect(shown).toEqual([expect.objectContaining({ id: 'receipt' })]);
    expect(shown[0]!.properties.message).toContain(`${system.runtime.httpUrl}/receipts/${paid}`);
    expect(payter.reader(serial).state).toBe('IDLE');
    expect(await screensAfter(serial, () => payter.pressButton(serial, 'receipt', 'done'))).toEqual([expect.objectContaining({ id: 'menu' })]);

    // A card without a session here: no receipt, and no hold.
    expect(await payter.pressButton(serial, 'menu', 'receipt')).toBe(200);
    const stranger = await screensAfter(serial, () => payter.tap(serial, { cardId: 'card-menu-stranger' }));
    expect(stranger).toEqual([expect.objectContaining({ id: 'noReceipt' })]);
    expect(await screensAfter(serial, () => payter.pressButton(serial, 'noReceipt', 'done'))).toEqual([expect.objectContaining({ id: 'menu' })]);
    expect(payter.sessions(serial)).toEqual([
      expect.objectContaining({ cardId: 'card-menu-c', state: 'COMMITTED', authorizedAmount: 5000, committedAmount: 764 }),
      expect.objectContaining({ cardId: 'card-menu-d', state: 'COMMITTED', authorizedAmount: 5000, committedAmount: 764 }),
    ]);
  } finally {
    await charger.close();
  }
});
