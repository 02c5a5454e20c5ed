/**
 * The driver's e-receipt page (GET /receipts/{sessionId}) as a driver reads it: what was
 * charged, refunded and finally paid; times in the site's time zone with the zone named;
 * durations as h:mm:ss; a session that charged nothing says so, in the site's language.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { expect, it } from 'vitest';
import type { OutboxMessage } from '../../lib/local/ses-outbox';
import { TABLES } from '../../lib/tables';
import type { PayterSimulator } from '../../lib/local/payter-simulator';
import { SimulatedCharger } from '../../lib/local/simulated-charger';
import { demoSite, localDynamoDb, waitFor, type TestSystem } from '../support/local-system';
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

const outbox = (): OutboxMessage[] =>
  existsSync(system.runtime.outboxFile)
    ? readFileSync(system.runtime.outboxFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as OutboxMessage)
    : [];

const emailForm = (sessionId: string, email: string) =>
  fetch(`${system.runtime.httpUrl}/receipts/${sessionId}/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email }).toString(),
  });

/** Every item of every table, as text. */
async function everythingStored(): Promise<string> {
  const db = localDynamoDb();
  const items: unknown[] = [];
  for (const spec of Object.values(TABLES)) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await db.send(new ScanCommand({ TableName: process.env[spec.envVar]!, ExclusiveStartKey: start }));
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
  }
  return JSON.stringify(items);
}

it('e-mails the receipt once to the address entered on its page, and keeps the address nowhere', async () => {
  const { sessionId } = await paidSession(system, 'card-receipt-email');
  const page = await (await fetch(`${system.runtime.httpUrl}/receipts/${sessionId}`)).text();
  expect(page).toContain(`<form method="post" action="${sessionId}/email">`);

  const refused = await emailForm(sessionId, 'not an address');
  expect(refused.status).toBe(400);
  expect(await refused.text()).toContain('That is not an e-mail address.');

  const address = `driver-${randomUUID()}@example.org`;
  const sent = await emailForm(sessionId, address);
  expect(sent.status).toBe(200);
  expect(await sent.text()).toContain('The receipt is on its way to your e-mail address.');

  const mine = outbox().filter((message) => message.to.includes(address));
  expect(mine).toEqual([expect.objectContaining({ to: [address], subject: `Your charging receipt from ${demoSite().name}` })]);
  expect(mine[0]!.text).toMatch(/Energy 12\.35 kWh × \$0\.35\/kWh \$4\.32\nCharging time/);
  expect(mine[0]!.text).toContain('Total $7.64');
  expect(mine[0]!.html).toContain(sessionId);
  expect(mine[0]!.html).not.toContain('<form');
  expect(await everythingStored()).not.toContain(address.split('@')[0]);

  // The page is public to whoever has its link: it e-mails a receipt a few times, not as a relay.
  for (const n of [2, 3]) expect((await emailForm(sessionId, `again-${n}@example.org`)).status).toBe(200);
  const tooMany = await emailForm(sessionId, 'once-more@example.org');
  expect(tooMany.status).toBe(429);
  expect(outbox().filter((message) => message.to.includes('once-more@example.org'))).toEqual([]);
});
