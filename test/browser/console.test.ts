/**
 * The console in headless Chromium (Debian's `chromium`, driven by playwright-core) at a
 * phone's 375 px, against the whole local system: an installer provisions a station and
 * commissions a reader through the pages, a simulated paid session (pricing.md's worked
 * example) is watched on the overview, its page shows the receipt and the workflow timeline, an
 * operator refunds part of it (a double click refunds once), an installer is refused the refund,
 * and a bad site setting is shown at its field. `npm run test:browser`; not part of `npm test`.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { SimulatedCharger, workedExample } from '../../lib/local/simulated-charger';
import { CONSOLE_CSP } from '../../lib/local/console';
import { FAST_WAITS } from '../support/paid-session';
import { INSTALLER_TOKEN, OPS_TOKEN, demoSite, startTestSystem, waitFor, type TestSystem } from '../support/local-system';

const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
const STATION = 'CP-BROWSER-1';
const READER = 'READER-BROWSER-1';
const CARD = 'card-browser';

let system: TestSystem;
let browser: Browser;
let charger: SimulatedCharger | undefined;
/** The charger's transaction: pricing.md's worked example (an hour, 12.345 kWh, 15 minutes idle). */
const example = workedExample(Date.now() - 3_600_000);
let sessionId: string;
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!CHROMIUM) throw new Error('no Chromium: apt-get install -y chromium (or set CHROMIUM_PATH)');
  system = await startTestSystem({ timeScale: FAST_WAITS });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
});

afterAll(async () => {
  await charger?.close();
  await browser?.close();
  await system?.close();
});

/** A fresh tab (its own sessionStorage) at 375 px, signed in with `token`. */
async function signedIn(token: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 375, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    // An API's 4xx is logged by Chromium as a failed load: the pages show those themselves.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(message.text());
  });
  await page.goto(system.runtime.httpUrl);
  await page.getByLabel('Access token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Signed in as').waitFor();
  return page;
}

/** Nothing wider than the phone: no sideways scrolling of the page itself. */
async function fitsTheScreen(page: Page): Promise<void> {
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
}

describe('the console', () => {
  it('is served at / with its CSP, and keeps the token in sessionStorage only', async () => {
    const response = await fetch(`${system.runtime.httpUrl}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    expect((await fetch(`${system.runtime.httpUrl}/console/app.js`)).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(`${system.runtime.httpUrl}/console/..%2Fpackage.json`)).status).toBe(404);

    const page = await signedIn(OPS_TOKEN);
    expect(await page.evaluate('sessionStorage.getItem("console.token")')).toBe(OPS_TOKEN);
    expect(await page.evaluate('localStorage.length')).toBe(0);
    expect(page.url()).not.toContain(OPS_TOKEN);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Access token').waitFor();
    expect(await page.evaluate('sessionStorage.getItem("console.token")')).toBeNull();

    await page.getByLabel('Access token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('401');
    await page.context().close();
  });

  it('lets an installer create a site, provision a station (its password shown once) and commission a reader', async () => {
    const page = await signedIn(INSTALLER_TOKEN);
    // An installer's pages: no overview, no sessions.
    await expect.poll(() => page.getByRole('navigation').textContent()).not.toContain('Sessions');

    // pricing.md's example site, typed in as an installer would.
    await page.getByLabel('Site id').fill('site-main-st');
    await page.getByRole('button', { name: 'Open' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('does not exist yet');
    const site = demoSite();
    const typed: Record<string, string | number> = {
      Name: site.name,
      'Currency (ISO 4217)': site.currency,
      'Language of the screens': site.language,
      'Hold (minor units)': site.holdAmount,
      'Session fee (minor units)': site.tariff.sessionFee,
      'Energy per kWh (minor units, decimal)': site.tariff.energyPerKwh,
      'Time per hour (minor units, decimal)': site.tariff.timePerHour,
      'Idle per hour (minor units, decimal)': site.tariff.idlePerHour,
      'Idle grace (minutes)': site.tariff.idleGraceMinutes,
      'Tax rate (%)': site.tax.ratePercent,
      'Platform share (%)': site.revenueShare.platformPercent,
      'Platform fixed fee per session (minor units)': site.revenueShare.platformFixedPerSession,
    };
    for (const [label, value] of Object.entries(typed)) await page.getByLabel(label, { exact: true }).fill(String(value));
    await page.getByRole('button', { name: 'Save site' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Site site-main-st saved.');
    expect((await system.api('GET', '/installer/sites/site-main-st')).body).toMatchObject({ ...site, timeZone: 'UTC' });
    await fitsTheScreen(page);

    await page.getByRole('link', { name: 'Stations' }).click();
    await page.getByLabel('Station id').fill(STATION);
    await page.getByLabel('Site id').fill('site-main-st');
    await page.getByLabel('Connectors').fill('1');
    await page.getByRole('button', { name: 'Provision with a new password' }).click();
    const password = (await page.getByLabel('Station password').textContent())!;
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    await fitsTheScreen(page);
    // Shown once: looking the station up again never shows it.
    await page.getByRole('button', { name: 'Look up' }).click();
    await expect.poll(() => page.getByLabel('Station password').count()).toBe(0);
    expect(await page.content()).not.toContain(password);

    // An edit keeps the password: a second connector saved, nothing secret shown.
    await page.getByLabel('Connectors').fill('1, 2');
    await page.getByRole('button', { name: 'Save, keep its password' }).click();
    await expect.poll(async () => (await system.api('GET', `/installer/stations/${STATION}`)).body.connectors).toEqual([1, 2]);
    expect(await page.getByLabel('Station password').count()).toBe(0);

    // The charger connects with the password the page showed.
    charger = await new SimulatedCharger(system.runtime.ocppUrl, STATION, password, example.script).connect();

    await page.getByRole('link', { name: 'Readers' }).click();
    // A terminal Payter does not know: explained at the serial number, nothing commissioned.
    await page.getByLabel('Serial number').fill('READER-NOT-AT-PAYTER');
    await page.getByLabel('Station id').fill(STATION);
    await page.getByRole('button', { name: 'Commission', exact: true }).click();
    await expect.poll(() => page.getByLabel('Serial number').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('[id="error-serialNumber"]').textContent()).toMatch(/Payter/);
    expect((await system.api('GET', '/installer/readers/READER-NOT-AT-PAYTER')).status).toBe(404);

    system.payter.addReader(READER, { currency: 'USD' });
    await page.getByLabel('Serial number').fill(READER);
    await page.getByLabel('Station id').fill(STATION);
    await page.getByLabel('Connectors').fill('1');
    await page.getByRole('button', { name: 'Commission', exact: true }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain(`Reader ${READER} commissioned to ${STATION}`);
    // Today's reader: tap to start, its connector labelled by number.
    expect(await page.getByRole('definition').first().textContent()).toBe('Tap to start');
    expect(await page.getByRole('definition').nth(1).textContent()).toBe(`1: ${STATION} connector 1`);
    await fitsTheScreen(page);

    // A kiosk with UI start: a connector that reader already serves is refused at its field, nothing stored.
    system.payter.addReader('READER-BROWSER-KIOSK', { currency: 'USD' });
    await page.getByLabel('Serial number').fill('READER-BROWSER-KIOSK');
    await page.getByLabel('Kiosk bays').fill(`${STATION}:1=Bay A`);
    await page.getByLabel('Start flow').selectOption('uiStart');
    await page.getByRole('button', { name: 'Commission', exact: true }).click();
    await expect.poll(() => page.locator('[id="error-connectors"]').textContent()).toContain(`served by reader ${READER}`);
    expect((await system.api('GET', '/installer/readers/READER-BROWSER-KIOSK')).status).toBe(404);
    await page.context().close();
  });

  it('shows the paid session in progress on the overview, refreshing by itself, and then its end', async () => {
    const page = await signedIn(OPS_TOKEN);
    await page.getByRole('heading', { name: 'Sessions in progress' }).waitFor();
    await page.getByText('No session in progress.').waitFor();
    expect(await page.locator('section[aria-labelledby="attention"]').textContent()).toContain('Nothing.');

    expect(await system.payter.tap(READER, { cardId: CARD, maskedPan: '4111********1111' })).toBe(200);
    sessionId = await system.activeSession(READER);
    await charger!.waitForTransaction();
    await waitFor(() => system.payter.currentScreen(READER)?.id === 'charging' || undefined, 10_000, 'charging');
    await example.pauseCar(charger!);
    await example.meterHour(charger!);

    // No reload: the overview finds the session itself.
    const inProgress = page.locator('section[aria-labelledby="in-progress"]');
    await expect.poll(() => inProgress.textContent(), { timeout: 10_000 }).toContain(sessionId.slice(0, 8));
    await expect.poll(() => inProgress.textContent(), { timeout: 10_000 }).toContain('12.345 kWh');
    expect(await inProgress.textContent()).toContain(STATION);
    expect(await inProgress.textContent()).toContain('charging');
    // The station online with its connector charging, the reader on its live screen.
    const station = page.locator(`tr[data-station="${STATION}"]`);
    await expect.poll(() => station.textContent(), { timeout: 10_000 }).toContain('1 Charging');
    expect(await station.textContent()).toContain('online');
    await expect.poll(() => page.locator(`tr[data-reader="${READER}"]`).textContent()).toContain('charging');
    expect(await page.locator(`tr[data-reader="${READER}"]`).textContent()).toContain(sessionId.slice(0, 8));
    await fitsTheScreen(page);

    await system.payter.tap(READER, { cardId: CARD });
    expect((await system.executionEnded(sessionId)).status).toBe('SUCCEEDED');
    await expect.poll(() => inProgress.textContent(), { timeout: 10_000 }).toContain('No session in progress.');
    const recent = page.locator('section[aria-labelledby="recent"]');
    await expect.poll(() => recent.textContent(), { timeout: 10_000 }).toContain('completed');
    expect(await recent.textContent()).toContain('$7.64');

    // The station's page lists it among its recent sessions.
    await page.getByRole('link', { name: 'Stations' }).click();
    await page.getByLabel('Station id').fill(STATION);
    await page.getByRole('button', { name: 'Look up' }).click();
    const stationSessions = page.locator('section[aria-labelledby="station-sessions"]');
    await expect.poll(() => stationSessions.textContent(), { timeout: 10_000 }).toContain(sessionId.slice(0, 8));
    expect(await stationSessions.textContent()).toContain('$7.64');
    await page.context().close();
  });

  it("opens the session's page: pricing.md's receipt, captured, and the workflow timeline", async () => {
    const page = await signedIn(OPS_TOKEN);
    await page.getByRole('link', { name: 'Sessions' }).click();
    await page.getByLabel('Station').fill(STATION);
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByRole('link', { name: sessionId.slice(0, 8) }).click();
    await page.getByRole('heading', { name: 'Receipt' }).waitFor();

    const cell = (kind: string) => page.locator(`table.receipt td[data-kind="${kind}"]`).textContent();
    expect(await cell('sessionFee')).toBe('$1.00');
    expect(await cell('energy')).toBe('$4.32');
    expect(await cell('time')).toBe('$1.20');
    expect(await cell('idle')).toBe('$0.50');
    expect(await cell('subtotal')).toBe('$7.02');
    expect(await cell('tax')).toBe('$0.62');
    expect(await cell('total')).toBe('$7.64');
    expect(await cell('captured')).toBe('$7.64');
    expect(await cell('shortfall')).toBe('$0.00');

    const steps = await page.getByRole('list', { name: 'Workflow timeline' }).locator('li strong').allTextContents();
    expect(steps.slice(0, 4)).toEqual(['AuthorizeHold', 'Approved?', 'RemoteStart', 'AwaitTransactionStart']);
    expect(steps).toEqual(expect.arrayContaining(['Charging', 'PriceSession', 'CommitPayment', 'Release']));
    expect(steps.at(-1)).toBe('Execution Succeeded');
    expect(await page.getByRole('list', { name: 'Workflow timeline' }).textContent()).toContain('succeeded');
    // The chart of the charger's meter values: 12.345 kWh in the hour, nothing while the car paused.
    expect(await page.getByRole('img', { name: /^Energy 12\.345 kWh over 1:00:00/ }).count()).toBe(1);
    await page.getByText('Meter values').click();
    const meter = await page.getByRole('table', { name: 'Meter values' }).locator('tbody tr').allTextContents();
    expect(meter).toEqual(['0:00:000.000 kWh–', '0:30:008.230 kWh16.46 kW', '0:45:008.230 kWh0.00 kW', '1:00:0012.345 kWh16.46 kW']);
    await fitsTheScreen(page);
    await page.context().close();
  });

  it('refunds part of it once, however often the button is clicked', async () => {
    const page = await signedIn(OPS_TOKEN);
    await page.goto(`${system.runtime.httpUrl}/#/sessions/${sessionId}`);
    await page.getByRole('heading', { name: 'Refunds' }).waitFor();
    await page.getByLabel('Amount (USD)').fill('2.50');
    await page.getByLabel('Reason').fill('connector fault for 10 minutes');
    await page.getByRole('button', { name: 'Refund', exact: true }).dblclick();
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 10_000 }).toContain('Refund of $2.50');
    await expect.poll(() => cellText(page, 'refunded')).toBe('$2.50');

    const { body } = await system.api('GET', `/ops/sessions/${sessionId}`);
    expect(body.refunds).toHaveLength(1);
    expect(body.refunds[0]).toMatchObject({ amount: 250, reason: 'connector fault for 10 minutes' });
    // Payter made one refund of 2.50, not two.
    expect(system.payter.sessions(READER)[0]?.refunds.map((refund) => refund.amount)).toEqual([250]);

    // More than is left ($5.14) is the API's 409, shown at the amount; nothing more is refunded.
    await page.getByLabel('Amount (USD)').fill('7.00');
    await page.getByLabel('Reason').fill('too much');
    await page.getByRole('button', { name: 'Refund', exact: true }).click();
    await expect.poll(() => page.getByLabel('Amount (USD)').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('[id="error-amount"]').textContent()).toMatch(/\S/);
    expect((await system.api('GET', `/ops/sessions/${sessionId}`)).body.refundedAmount).toBe(250);
    await page.context().close();
  });

  it("stops a charging session from its page", async () => {
    // A new transaction of its own on the same connection, timed now.
    charger!.setScript({});
    charger!.nextTransaction();
    expect(await system.payter.tap(READER, { cardId: 'card-stop', maskedPan: '5555********4444' })).toBe(200);
    const stopped = await waitFor(async () => {
      const id = await system.activeSession(READER);
      return id !== sessionId ? id : undefined;
    }, 10_000, 'the second session');
    await waitFor(async () => (await system.api('GET', `/ops/sessions/${stopped}`)).body.status === 'charging' || undefined, 10_000, 'charging');
    const page = await signedIn(OPS_TOKEN);
    await page.goto(`${system.runtime.httpUrl}/#/sessions/${stopped}`);
    await page.getByRole('button', { name: 'Stop charging' }).click();
    expect((await system.executionEnded(stopped)).status).toBe('SUCCEEDED');
    await expect.poll(() => page.locator('dl.facts').first().textContent(), { timeout: 10_000 }).toContain('operatorStop');
    expect(await page.getByRole('button', { name: 'Stop charging' }).count()).toBe(0);
    await page.context().close();
  });

  it('refuses an installer the refund (403)', async () => {
    const page = await signedIn(INSTALLER_TOKEN);
    await page.goto(`${system.runtime.httpUrl}/#/sessions/${sessionId}`);
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('403');
    // The same API a script would call, with the installer's token: refused before any handler.
    const refused = await page.request.post(`${system.runtime.httpUrl}/ops/sessions/${sessionId}/refunds`, {
      headers: { authorization: `Bearer ${INSTALLER_TOKEN}`, 'idempotency-key': 'installer-try-1' },
      data: { amount: 100, reason: 'an installer tries' },
    });
    expect(refused.status()).toBe(403);
    const { body } = await system.api('GET', `/ops/sessions/${sessionId}`);
    expect(body.refunds).toHaveLength(1);
    await page.context().close();
  });

  it("shows a bad site setting at its field, from the API's 400, and saves the corrected site", async () => {
    const page = await signedIn(INSTALLER_TOKEN);
    await page.getByRole('link', { name: 'Sites' }).click();
    await page.getByLabel('Site id').fill('site-main-st');
    await page.getByRole('button', { name: 'Open' }).click();
    const energy = page.getByLabel('Energy per kWh (minor units, decimal)');
    await expect.poll(() => energy.inputValue()).toBe('35');

    // The start screen a driver reads before tapping, and pricing.md's session priced as it would be billed.
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    const before = page.getByRole('figure', { name: 'Reader screen: Before the tap' });
    await expect.poll(() => before.textContent()).toContain('$0.35/kWh');
    for (const shown of ['$1.00', '$1.20/h', '$6.00/h', '8.875%', '$50.00']) expect(await before.textContent()).toContain(shown);
    const quote = (kind: string) => page.getByRole('table', { name: 'Quote' }).locator(`td[data-kind="${kind}"]`).textContent();
    expect(await quote('total')).toBe('$7.64');
    expect(await quote('captured')).toBe('$7.64');
    expect(await quote('platformFee')).toBe('$1.20');
    await page.getByLabel('Idle (minutes)').fill('90');
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await expect.poll(() => page.locator('[id="error-idleMinutes"]').textContent()).toContain('durationSeconds');
    await page.getByLabel('Idle (minutes)').fill('15');

    // The wording overrides, previewed on every screen of a session before anything is saved.
    await page.getByLabel('Screen wording overrides (JSON)').fill('{"tapCard": {"title": "Tap to pay here"}}');
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await expect.poll(() => before.textContent()).toContain('Tap to pay here');
    expect(await page.locator('figure.reader-screen').count()).toBe(10);
    expect(await page.getByRole('figure', { name: 'Reader screen: Receipt' }).textContent()).toContain('$7.64');
    await page.getByLabel('Screen wording overrides (JSON)').fill('{"welcome": {"title": "Hi"}}');
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await expect.poll(() => page.locator('[id="error-screens"]').textContent()).toContain('unknown field(s): welcome');
    await page.getByLabel('Screen wording overrides (JSON)').fill('');
    await energy.fill('thirty-five');
    await page.getByLabel('Currency (ISO 4217)').fill('usd');
    await page.getByRole('button', { name: 'Save site' }).click();

    await expect.poll(() => energy.getAttribute('aria-invalid')).toBe('true');
    const energyError = page.locator('[id="error-tariff-energyPerKwh"]');
    expect(await energyError.textContent()).toContain('decimal');
    expect(await energy.getAttribute('aria-describedby')).toContain('error-tariff-energyPerKwh');
    expect(await page.locator('[id="error-currency"]').textContent()).toContain('ISO 4217');
    expect(await page.getByLabel('Name').getAttribute('aria-invalid')).toBeNull();
    await fitsTheScreen(page);
    // Nothing was stored.
    expect((await system.api('GET', '/installer/sites/site-main-st')).body.tariff.energyPerKwh).toBe('35');

    await energy.fill('36');
    await page.getByLabel('Currency (ISO 4217)').fill('USD');
    await page.getByRole('button', { name: 'Save site' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Site site-main-st saved.');
    expect((await system.api('GET', '/installer/sites/site-main-st')).body.tariff.energyPerKwh).toBe('36');
    await page.context().close();
  });

  it("sends an operator's OCPP command to the charger and shows its answer; shows a connector's history", async () => {
    const page = await signedIn(OPS_TOKEN);
    await page.getByRole('link', { name: 'Stations' }).click();
    await page.getByLabel('Station id').fill(STATION);
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.getByLabel('Command', { exact: true }).selectOption('UnlockConnector');
    expect(await page.getByLabel('Payload (JSON)').inputValue()).toBe('{"connectorId":1}');
    await page.getByRole('button', { name: 'Send to the charger' }).click();
    // The simulated charger implements no UnlockConnector: its CALLERROR, in words.
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 10_000 }).toContain('The charger answered with an error: NotImplemented');
    await page.getByLabel('Payload (JSON)').fill('{"connectorId":');
    await page.getByRole('button', { name: 'Send to the charger' }).click();
    await expect.poll(() => page.locator('[id="error-payload"]').textContent()).toBe('not valid JSON');

    await page.getByRole('button', { name: 'History of connector 1' }).click();
    const history = await page.getByRole('list', { name: 'Connector 1 history' }).textContent();
    for (const status of ['Available', 'Charging', 'SuspendedEV']) expect(history).toContain(status);
    await fitsTheScreen(page);
    await page.context().close();
  });

  it("compares a period's sessions with Payter's on the reconciliation page", async () => {
    const page = await signedIn(OPS_TOKEN);
    await page.getByRole('link', { name: 'Reconciliation' }).click();
    await page.getByRole('button', { name: 'Compare with Payter' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 2 }).first().textContent()).toMatch(/^2 sessions, 2 matched, \d+ differences$/);
    // MyPayter's side, once the job has synced its transactions: both sessions found there too.
    expect((await system.api('POST', '/local/reconciliation/run')).status).toBe(200);
    await page.getByRole('button', { name: 'Compare with Payter' }).click();
    const myPayter = page.locator('section[aria-labelledby="mypayter"]');
    await expect.poll(() => myPayter.locator('h2').textContent()).toMatch(/^Against MyPayter: 2 sessions, 2 transactions, 2 matched, 0 differences$/);
    expect(await myPayter.textContent()).toContain('synced at');
    await fitsTheScreen(page);
    await page.context().close();
  });

  it('is usable with the keyboard alone: sign in, move between pages, open a session', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 800 } });
    const page = await context.newPage();
    await page.goto(system.runtime.httpUrl);
    // The sign-in form comes once the page has read how to sign in (/console/config.json).
    await page.getByLabel('Access token').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.id')).toBe('token');
    await page.keyboard.type(OPS_TOKEN);
    await page.keyboard.press('Enter');
    await page.getByText('Signed in as').waitFor();
    // Tab reaches the page links in order; Enter follows one.
    const focused: string[] = [];
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Tab');
      focused.push(String(await page.evaluate('document.activeElement.textContent')));
    }
    expect(focused).toEqual(['EV charging console', 'Overview', 'Sessions', 'Sites']);
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
    await page.getByRole('link', { name: sessionId.slice(0, 8) }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Receipt' }).waitFor();
    await context.close();
  });

  it('lists what needs attention on the overview as it happens: a reader offline at Payter, a station gone', async () => {
    const page = await signedIn(OPS_TOKEN);
    const attention = page.locator('section[aria-labelledby="attention"]');
    await expect.poll(() => attention.textContent()).toContain('Nothing.');

    await system.payter.setOnline(READER, false);
    await expect.poll(() => attention.textContent(), { timeout: 10_000 }).toContain(`Reader ${READER} is offline at Payter.`);
    await system.payter.setOnline(READER, true);
    await expect.poll(() => attention.textContent(), { timeout: 10_000 }).not.toContain(`Reader ${READER} is offline`);

    await charger!.close();
    charger = undefined;
    await expect.poll(() => attention.textContent(), { timeout: 10_000 }).toMatch(new RegExp(`Station ${STATION} is offline since \\d`));
    await page.context().close();
  });

  it('ran without a script error or a CSP violation', () => {
    expect(pageErrors).toEqual([]);
  });
});

function cellText(page: Page, kind: string): Promise<string | null> {
  return page.locator(`table.receipt td[data-kind="${kind}"]`).textContent();
}
