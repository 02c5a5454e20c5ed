/**
 * The driver's e-receipt page (GET /receipts/{sessionId}) as a driver reads it: what was
 * charged, refunded and finally paid; times in the site's time zone with the zone named;
 * durations as h:mm:ss; a session that charged nothing says so, in the site's language.
 */
import { expect, it } from 'vitest';
import type { PayterSimulator } from '../../lib/local/payter-simulator';
import { SimulatedCharger } from '../../lib/local/simulated-charger';
import { demoSite, waitFor, type TestSystem } from '../support/local-system';
import { useTestSystem } from '../support/world';
import { FAST_WAITS, paidSession } from '../support/paid-session';

let system: TestSystem;
let payter: PayterSimulator;

// Task timeouts kept: a slow machine must not time out the remote start of the paid session.
useTestSystem({ timeScale: FAST_WAITS }, (started) => {
  system = started;
  payter = system.payter;
});

const receiptPage = async (sessionId: string) => {
  const page = await fetch(`${system.runtime.httpUrl}/receipts/${sessionId}`);
  expect(page.status).toBe(200);
  // One line per table row, tags left out: what a driver reads.
  return (await page.text()).replace(/<\/tr>/g, '\n').replace(/<\/td><td>/g, ' | ').replace(/<[^>]+>/g, ' ').replace(/[ \t]+/g, ' ');
};

it('shows the charge, each refund and the final amount, times in the site time zone and durations as h:mm:ss', async () => {
  const { sessionId } = await paidSession(system, 'card-receipt-refund');
  // The site's time zone counts when the page is read.
  expect((await system.api('PUT', '/installer/sites/site-main-st', { ...demoSite(), timeZone: 'America/New_York' })).status).toBe(200);
  expect((await system.api('POST', `/ops/sessions/${sessionId}/refunds`, { amount: 200, reason: 'idle fee waived' })).status).toBe(200);

  const text = await receiptPage(sessionId);
  expect(text).toMatch(/Total \| \$7\.64/);
  expect(text).toMatch(/Charged to your card \| \$7\.64/);
  expect(text).toMatch(/Refunded [A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}:\d{2} [AP]M E[SD]T \| −\$2\.00/);
  expect(text).toMatch(/Final amount \| \$5\.64/);
  expect(text).toMatch(/Started \| [A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}:\d{2} [AP]M E[SD]T/);
  expect(text).toMatch(/Ended \| .* E[SD]T/);
  expect(text).toContain('Times in America/New_York');
  expect(text).toMatch(/Duration \| 1:00:00/);
  expect(text).toMatch(/Idle fee .*0:05:00 × \$6\.00\/h/);
});

it("says why nothing was charged and that the hold was released, in the site's language", async () => {
  await system.provisionStation('CP-RECEIPT-NL', 'receipt-station-secret', 'site-nl', [1]);
  expect((await system.api('PUT', '/installer/sites/site-nl', { ...demoSite('site-nl'), language: 'nl', timeZone: 'Europe/Amsterdam' })).status).toBe(200);
  const charger = await new SimulatedCharger(system.runtime.ocppUrl, 'CP-RECEIPT-NL', 'receipt-station-secret', { remoteStart: 'Rejected' }).connect();
  try {
    payter.addReader('READER-RECEIPT-NL', { currency: 'USD' });
    expect((await system.api('PUT', '/installer/readers/READER-RECEIPT-NL', { stationId: 'CP-RECEIPT-NL', connectorIds: [1] })).status).toBe(200);
    expect(await payter.tap('READER-RECEIPT-NL', { cardId: 'card-receipt-nl' })).toBe(200);
    const sessionId = await waitFor(
      async () => (await system.api('GET', '/installer/readers/READER-RECEIPT-NL')).body.activeSessionId as string | undefined,
      5_000,
      'session',
    );
    expect((await system.executionEnded(sessionId)).status).toBe('SUCCEEDED');
    expect(payter.sessions('READER-RECEIPT-NL')).toEqual([expect.objectContaining({ state: 'CANCELLED', authorizedAmount: 5000 })]);

    const text = await receiptPage(sessionId);
    expect(text).toContain('Laadsessie geannuleerd');
    // Why, then what happened to the money.
    expect(text).toMatch(/Het laden is niet begonnen\.\s+Er is niets van uw kaart afgeschreven\./);
    expect(text).toContain('Er is niets van uw kaart afgeschreven.');
    expect(text).toMatch(/De reservering van .*50,00 op uw kaart is vrijgegeven\./);
    expect(text).toContain('Tijden in Europe/Amsterdam');
  } finally {
    await charger.close();
  }
});
