/**
 * `npm run screenshots`: the console's pictures in docs/ (the overview, a session's page, the
 * site editor), taken in headless Chromium of `npm start`'s demo session, so they are
 * regenerated rather than drawn by hand. Needs Chromium (`apt-get install -y chromium`, or
 * CHROMIUM_PATH).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { runDemo } from '../lib/local/demo';
import { DEFAULT_INSTALLER_TOKEN, DEFAULT_OPS_TOKEN, startLocalRuntime } from '../lib/local/runtime';

const executablePath = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
if (!executablePath) throw new Error('no Chromium: apt-get install -y chromium (or set CHROMIUM_PATH)');
const docs = fileURLToPath(new URL('../docs/', import.meta.url));

const runtime = await startLocalRuntime({ ocppPort: 0, httpPort: 0, logLevel: 'CRITICAL', timeScale: { waitScale: 0.01, retryScale: 0.01 } });
const browser = await chromium.launch({ executablePath, headless: true });
try {
  await runDemo(runtime, DEFAULT_INSTALLER_TOKEN, () => undefined);
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  await page.goto(runtime.httpUrl);
  await page.getByLabel('Access token').fill(DEFAULT_OPS_TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Latest sessions' }).waitFor();
  await page.locator('section[aria-labelledby="recent"] tbody tr').first().waitFor();
  await page.screenshot({ path: `${docs}console-overview.png`, fullPage: true });

  await page.locator('section[aria-labelledby="recent"] tbody a').first().click();
  await page.getByRole('heading', { name: 'Receipt' }).waitFor();
  await page.locator('ol.timeline li').first().waitFor();
  await page.screenshot({ path: `${docs}console-session.png`, fullPage: true });

  await page.getByRole('link', { name: 'Sites' }).click();
  await page.getByLabel('Site id').fill('demo-main-st');
  await page.getByRole('button', { name: 'Open' }).click();
  await page.getByRole('button', { name: 'Preview', exact: true }).click();
  await page.getByRole('table', { name: 'Quote' }).waitFor();
  const energy = page.getByLabel('Energy per kWh (minor units, decimal)');
  await energy.fill('thirty-five');
  await page.getByRole('button', { name: 'Save site' }).click();
  await page.locator('[id="error-tariff-energyPerKwh"]').waitFor();
  await page.screenshot({ path: `${docs}console-site.png`, fullPage: true });
  console.log(`docs/console-overview.png, docs/console-session.png, docs/console-site.png written`);
} finally {
  await browser.close();
  await runtime.close();
}
