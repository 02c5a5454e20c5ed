/**
 * The console's sign-in on AWS, where Cognito's hosted sign-in stands in front: in headless
 * Chromium against the local system configured as the stack configures the page (a hosted
 * domain and a public client), with a stand-in for Cognito's endpoints. The console sends the
 * browser to sign in with an S256 challenge, exchanges the code it gets back with the verifier,
 * keeps no code in the address bar and the token in sessionStorage only, refuses a code it did
 * not ask for, and signs out through the hosted logout. `npm run test:browser`.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { consoleCsp } from '../../lib/local/console';
import { HostedSignIn } from '../support/hosted-sign-in';
import { OPS_TOKEN, startTestSystem, type TestSystem } from '../support/local-system';

const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
const CLIENT_ID = 'console-client-id';

let system: TestSystem;
let browser: Browser;
let idp: HostedSignIn;
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!CHROMIUM) throw new Error('no Chromium: apt-get install -y chromium (or set CHROMIUM_PATH)');
  idp = await new HostedSignIn({ clientId: CLIENT_ID, accessToken: OPS_TOKEN }).start();
  system = await startTestSystem({ consoleSignIn: { signIn: 'cognito', domain: idp.url, clientId: CLIENT_ID } });
  idp.redirectUri = `${system.runtime.httpUrl}/`;
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
});

afterAll(async () => {
  await browser?.close();
  await system?.close();
  await idp?.close();
});

async function freshTab(): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 375, height: 800 } })).newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(message.text());
  });
  return page;
}

describe('the console behind a hosted sign-in', () => {
  it('admits the sign-in domain in its CSP and nothing else beyond its own origin', async () => {
    const response = await fetch(`${system.runtime.httpUrl}/`);
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toBe(consoleCsp({ signIn: 'cognito', domain: idp.url, clientId: CLIENT_ID }));
    expect(csp).toContain(`connect-src 'self' ${idp.url};`);
  });

  it('signs an operator in with the code and PKCE, and out through the hosted logout', async () => {
    const page = await freshTab();
    await page.goto(system.runtime.httpUrl);
    // No token field: people sign in at the hosted page.
    expect(await page.getByLabel('Access token').count()).toBe(0);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Signed in as').waitFor();
    expect(await page.getByText('Signed in as').textContent()).toContain('operator');
    // The verifier matched the challenge (the stand-in checks it as Cognito does), once.
    expect(idp.exchanges).toEqual(['200']);
    // The code is gone from the address bar; the token lives in this tab's sessionStorage alone.
    expect(page.url()).toBe(`${system.runtime.httpUrl}/`);
    expect(await page.evaluate('sessionStorage.getItem("console.token")')).toBe(OPS_TOKEN);
    expect(await page.evaluate('localStorage.length')).toBe(0);
    // The overview's data came through the APIs with that token.
    await page.getByRole('heading', { name: 'Overview' }).waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate('sessionStorage.getItem("console.token")')).toBeNull();
    expect(pageErrors).toEqual([]);
    await page.context().close();
  });

  it('never exchanges a code this tab did not ask for', async () => {
    const page = await freshTab();
    const before = idp.exchanges.length;
    await page.goto(`${system.runtime.httpUrl}/?code=stolen-code&state=forged`);
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not started from this tab');
    expect(idp.exchanges.length).toBe(before);
    expect(page.url()).toBe(`${system.runtime.httpUrl}/`);
    expect(await page.evaluate('sessionStorage.getItem("console.token")')).toBeNull();
    await page.context().close();
  });
});
