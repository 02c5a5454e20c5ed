/**
 * The local bearer tokens, one per role (docs/interfaces.md): the installer's (INSTALLER_TOKEN)
 * reaches the installer API and gets 403 on the ops API; the operator's (OPS_TOKEN) reaches both; an unknown token is 401; the console's page needs none.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { INSTALLER_TOKEN, OPS_TOKEN, demoSite, startTestSystem, type TestSystem } from '../support/local-system';

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem();
});

afterAll(() => system?.close());

it('lets each role reach its routes, and answers 403 to an installer on the ops routes', async () => {
  const status = async (token: string, method: string, path: string, body?: unknown) => (await system.api(method, path, body, token)).status;
  for (const token of [INSTALLER_TOKEN, OPS_TOKEN]) {
    expect(await status(token, 'PUT', '/installer/sites/site-roles', demoSite('site-roles')), token).toBe(200);
    expect(await status(token, 'GET', '/installer/sites/site-roles'), token).toBe(200);
  }
  expect(await status(INSTALLER_TOKEN, 'GET', '/ops/sessions')).toBe(403);
  expect(await status(INSTALLER_TOKEN, 'POST', '/ops/sessions/any/refunds', { amount: 100, reason: 'x' })).toBe(403);
  expect(await status(INSTALLER_TOKEN, 'POST', '/local/reconciliation/run')).toBe(403);
  expect(await status(OPS_TOKEN, 'GET', '/ops/sessions')).toBe(200);
  expect(await status('local-nobody', 'GET', '/ops/sessions')).toBe(401);
  expect(await status('local-nobody', 'GET', '/installer/sites/site-roles')).toBe(401);

  const page = await fetch(`${system.runtime.httpUrl}/`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('/console/app.js');
});
