/**
 * Payter readers against the whole local system and the CPS simulator: commissioning puts a
 * reader in its start screen, a tap starts a session workflow named after the session,
 * callbacks are refused unless they carry the right capability for the open reading, and the
 * reader follows its station (out of order when it cannot charge, start screen when back).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PayterSimulator } from '../../lib/local/payter-simulator';
import { startTestSystem, waitFor, type Charger, type TestSystem } from '../support/local-system';

const PASSWORD = 'reader-station-secret';
/** A station that went away has this long to come back before its readers go out of order. */
const GRACE_SECONDS = 2;
let system: TestSystem;
let payter: PayterSimulator;
let payCharger: Charger;
const db = () =>
  DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } }));

beforeAll(async () => {
  system = await startTestSystem({ stationOfflineGraceSeconds: GRACE_SECONDS });
  payter = system.runtime.payter!;
  await system.provisionStation('CP-PAY', PASSWORD, 'site-main-st', [1, 2]);
  await system.provisionStation('CP-OTHER', PASSWORD, 'site-main-st', [1]);
  for (const serial of ['APOLLO-1', 'APOLLO-2', 'APOLLO-3', 'APOLLO-4']) payter.addReader(serial);
  // Online, but it never answers RemoteStartTransaction: a tapped session waits in its
  // workflow while these tests look at the reader (whole sessions: charging-session.test.ts).
  payCharger = system.charger('CP-PAY', PASSWORD);
  payCharger.handle('RemoteStartTransaction', () => new Promise(() => undefined));
  await payCharger.connect();
  await payCharger.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError' });
});

afterAll(async () => {
  await payCharger?.close({ force: true });
  await system?.close();
});

const readingUrl = (serial: string) => payter.reader(serial).reading?.callbackUrl ?? '';

async function post(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, body: await response.json().catch(() => undefined) };
}

async function sessions(): Promise<string[]> {
  const sfn = new SFNClient({ endpoint: system.runtime.stepFunctionsEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
  const { executions } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: system.runtime.stateMachineArn }));
  return (executions ?? []).map((e) => e.name ?? '');
}

describe('commissioning a reader', () => {
  it('records it and puts the reader in its start screen for the site hold', async () => {
    const put = await system.api('PUT', '/installer/readers/APOLLO-1', { stationId: 'CP-PAY', connectorIds: [1, 2] });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ serialNumber: 'APOLLO-1', stationId: 'CP-PAY', siteId: 'site-main-st', connectorIds: [1, 2] });

    const reader = payter.reader('APOLLO-1');
    expect(reader.state).toBe('READING');
    expect(reader.reading).toMatchObject({ authorizedAmount: 5000, language: 'en' });
    expect(reader.reading?.uiMessage).toContain('$0.35/kWh');
    expect(reader.reading?.callbackUrl).toMatch(new RegExp(`^${system.runtime.httpUrl}/payter/[A-Za-z0-9_-]{43}/card/[0-9a-f-]{36}$`));

    const got = await system.api('GET', '/installer/readers/APOLLO-1');
    expect(got.body).toMatchObject({ serialNumber: 'APOLLO-1', screen: 'tapCard' });
  });

  it.each([
    ['an unknown station', 'APOLLO-2', { stationId: 'CP-NONE', connectorIds: [1] }, 400, 'stationId'],
    ['a connector the station lacks', 'APOLLO-2', { stationId: 'CP-PAY', connectorIds: [3] }, 400, 'connectorIds'],
    ['a connector served by another reader', 'APOLLO-2', { stationId: 'CP-PAY', connectorIds: [2] }, 409, 'connectorIds'],
    ['a reader commissioned elsewhere', 'APOLLO-1', { stationId: 'CP-OTHER', connectorIds: [1] }, 409, 'serialNumber'],
    ['no connectors', 'APOLLO-2', { stationId: 'CP-PAY', connectorIds: [] }, 400, 'connectorIds'],
    ['an extra field', 'APOLLO-2', { stationId: 'CP-PAY', connectorIds: [1], pin: 1234 }, 400, '(body)'],
    ['a bad serial number', 'APOLLO 2', { stationId: 'CP-PAY', connectorIds: [1] }, 400, 'serialNumber'],
  ])('refuses %s, naming the field and changing nothing', async (_case, serial, body, status, field) => {
    const before = payter.calls().length;
    const put = await system.api('PUT', `/installer/readers/${encodeURIComponent(serial)}`, body);
    expect(put.status).toBe(status);
    expect(put.body.details.map((d: { field: string }) => d.field)).toContain(field);
    expect(payter.calls().length).toBe(before);
    if (serial === 'APOLLO-1') expect((await system.api('GET', '/installer/readers/APOLLO-1')).body.stationId).toBe('CP-PAY');
    else expect((await system.api('GET', `/installer/readers/${encodeURIComponent(serial)}`)).status).toBe(404);
  });
});

describe('card reads', () => {
  it('refuses a callback with a wrong token, an unknown reading, a bad or oversized body, changing nothing', async () => {
    const url = readingUrl('APOLLO-1');
    const card = { serialNumber: 'APOLLO-1', ifd: 'CONTACTLESS', aid: 'A0000000031010', cardId: 'card-x' };
    const forged = url.replace(/\/payter\/[^/]+\//, `/payter/${'A'.repeat(43)}/`);
    expect((await post(forged, card)).status).toBe(404);
    expect((await post(url.replace(/card\/[^/]+$/, 'card/00000000-0000-4000-8000-000000000000'), card)).status).toBe(404);
    expect((await post(url, { ...card, serialNumber: 'APOLLO-2' })).status).toBe(404);

    const missing = await post(url, { serialNumber: 'APOLLO-1', ifd: 'CONTACTLESS' });
    expect(missing.status).toBe(400);
    expect(missing.body.details.map((d: { field: string }) => d.field)).toContain('cardId');
    expect((await post(url, '{"serialNumber": ')).status).toBe(400);
    const huge = await post(url, { ...card, padding: 'x'.repeat(20_000) });
    expect(huge.status).toBe(413);

    expect(await sessions()).toEqual([]);
    expect((await system.api('GET', '/installer/readers/APOLLO-1')).body.reading.state).toBe('open');
  });

  it('starts a session workflow execution named after the session on a tap', async () => {
    const status = await payter.tap('APOLLO-1', { cardId: 'card-alice', maskedPan: '4111********1111' });
    expect(status).toBe(200);
    const callback = payter.callbacks().at(-1)!;
    const reader = (await system.api('GET', '/installer/readers/APOLLO-1')).body;
    expect(reader.activeSessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(reader.reading.state).toBe('card');
    expect(await sessions()).toContain(reader.activeSessionId);

    const { Item: session } = await db().send(new GetCommand({ TableName: process.env.SESSIONS_TABLE!, Key: { sessionId: reader.activeSessionId } }));
    expect(session).toMatchObject({ stationId: 'CP-PAY', connectorId: 1, cardId: 'card-alice', serialNumber: 'APOLLO-1' });
    expect(session?.idTag).toMatch(/^PT[A-Z0-9]{18}$/);

    // The same delivery again: the same answer, still one session.
    const again = await post(callback.url, callback.body);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ action: 'started', sessionId: reader.activeSessionId });
    expect((await sessions()).length).toBe(1);
  });

  it('refuses a replayed callback of an old reading once a new reading is open', async () => {
    const old = payter.callbacks().at(-1)!;
    // Release the reader and put it back in its start screen: a new reading.
    const { Item } = await db().send(new GetCommand({ TableName: process.env.READERS_TABLE!, Key: { serialNumber: 'APOLLO-1' } }));
    await db().send(new UpdateCommand({ TableName: process.env.READERS_TABLE!, Key: { serialNumber: 'APOLLO-1' }, UpdateExpression: 'REMOVE activeSessionId' }));
    expect(Item?.activeSessionId).toBeDefined();
    await payter.setOnline('APOLLO-1', false);
    await payter.setOnline('APOLLO-1', true);
    await waitFor(() => payter.reader('APOLLO-1').state === 'READING' || undefined, 5_000, 'start screen re-sent');
    expect(readingUrl('APOLLO-1')).not.toBe(old.url);

    const replay = await post(old.url, { ...(old.body as object), cardId: 'card-mallory' });
    expect(replay.status).toBe(404);
    expect((await sessions()).length).toBe(1);
  });
});

describe('the reader follows its station', () => {
  it('goes out of order when its connectors fault or the station drops, and back to the start screen', async () => {
    expect((await system.api('PUT', '/installer/readers/APOLLO-3', { stationId: 'CP-OTHER', connectorIds: [1] })).status).toBe(200);
    const charger = system.charger('CP-OTHER', PASSWORD);
    await charger.connect();
    await charger.call('StatusNotification', { connectorId: 1, status: 'Faulted', errorCode: 'GroundFailure' });
    await waitFor(() => payter.currentScreen('APOLLO-3')?.id === 'outOfOrder' || undefined, 5_000, 'out of order');
    expect(payter.reader('APOLLO-3').state).toBe('IDLE');

    await charger.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError' });
    await waitFor(() => payter.reader('APOLLO-3').state === 'READING' || undefined, 5_000, 'start screen');

    const outOfOrder = () => payter.screens('APOLLO-3').filter((s) => s.screen.id === 'outOfOrder').length;
    const before = outOfOrder();
    await charger.close({ force: true });
    // Not at once: a charger that went away has the grace to come back.
    const left = Date.now();
    await waitFor(() => (outOfOrder() > before && payter.reader('APOLLO-3').state === 'IDLE') || undefined, 8_000, 'out of order when offline');
    expect(Date.now() - left).toBeGreaterThanOrEqual(GRACE_SECONDS * 1000 - 100);
  });

  it('a station back within the grace costs its reader no Payter call and no "out of order"', async () => {
    await system.provisionStation('CP-BACK', PASSWORD, 'site-main-st', [1]);
    payter.addReader('APOLLO-B');
    expect((await system.api('PUT', '/installer/readers/APOLLO-B', { stationId: 'CP-BACK', connectorIds: [1] })).status).toBe(200);
    const charger = system.charger('CP-BACK', PASSWORD);
    await charger.connect();
    await charger.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError' });
    await waitFor(() => payter.reader('APOLLO-B').state === 'READING' || undefined, 5_000, 'start screen');
    const callsBefore = payter.calls().filter((c) => c.serial === 'APOLLO-B').length;
    try {
      // API Gateway closes every socket after 2 hours; the charger is back in moments.
      await charger.close({ force: true });
      await waitFor(async () => (await system.api('GET', '/installer/stations/CP-BACK')).body.online === false || undefined, 5_000, 'offline');
      await charger.connect();
      await charger.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError' });
      // Past the grace and a few timer passes.
      await new Promise((resolve) => setTimeout(resolve, GRACE_SECONDS * 1000 + 2_000));
      expect(payter.calls().filter((c) => c.serial === 'APOLLO-B').slice(callsBefore)).toEqual([]);
      expect(payter.screens('APOLLO-B').map((s) => s.screen.id)).not.toContain('outOfOrder');
      expect(payter.reader('APOLLO-B').state).toBe('READING');
    } finally {
      await charger.close({ force: true });
    }
  });

  it('goes out of order when a call finds the station connection gone (410) without a $disconnect', async () => {
    await system.provisionStation('CP-GONE', PASSWORD, 'site-main-st', [1]);
    payter.addReader('APOLLO-G');
    expect((await system.api('PUT', '/installer/readers/APOLLO-G', { stationId: 'CP-GONE', connectorIds: [1] })).status).toBe(200);
    expect(payter.reader('APOLLO-G').state).toBe('READING');
    await db().send(
      new UpdateCommand({
        TableName: process.env.STATIONS_TABLE!,
        Key: { stationId: 'CP-GONE', sk: 'PROFILE' },
        UpdateExpression: 'SET connectionId = :gone, #online = :true',
        ExpressionAttributeNames: { '#online': 'online' },
        ExpressionAttributeValues: { ':gone': 'vanished-connection=', ':true': true },
      }),
    );
    const call = await system.api('POST', '/ops/stations/CP-GONE/calls', { action: 'Reset', payload: { type: 'Soft' } });
    expect(call.body.error).toBe('StationOffline');
    await waitFor(() => payter.currentScreen('APOLLO-G')?.id === 'outOfOrder' || undefined, 8_000, 'out of order after the grace');
    expect(payter.reader('APOLLO-G').state).toBe('IDLE');
  });

  it('decommissioning stops reading and forgets the reader', async () => {
    await waitFor(() => payter.currentScreen('APOLLO-3')?.id === 'outOfOrder' || undefined, 5_000, 'settled');
    const del = await system.api('DELETE', '/installer/readers/APOLLO-3');
    expect(del.status).toBe(204);
    expect((await system.api('GET', '/installer/readers/APOLLO-3')).status).toBe(404);
    expect(payter.calls().filter((c) => c.serial === 'APOLLO-3').at(-1)).toMatchObject({ call: 'stop', status: 200 });
    expect((await system.api('DELETE', '/installer/readers/APOLLO-3')).status).toBe(404);
  });
});

describe('reader buttons, the state web hook and wording', () => {
  it('refuses UI and state callbacks without the right capability', async () => {
    const shown = payter.screens('APOLLO-1').at(-1)!;
    expect(shown.callbackUrl).toMatch(/\/payter\/[^/]+\/ui\/[^/]+$/);
    const press = { serialNumber: 'APOLLO-1', screenId: 'stopping', response: 'ok' };
    expect((await post(shown.callbackUrl!.replace(/\/payter\/[^/]+\//, `/payter/${'B'.repeat(43)}/`), press)).status).toBe(404);
    expect((await post(shown.callbackUrl!, { ...press, serialNumber: 'APOLLO-3' })).status).toBe(404);
    expect((await post(shown.callbackUrl!, { serialNumber: 'APOLLO-1' })).status).toBe(400);

    const hook = `${system.runtime.httpUrl}/payter/${'C'.repeat(43)}/state`;
    expect((await post(hook, { serialNumber: 'APOLLO-1', online: true, state: 'IDLE' })).status).toBe(404);
    const badHook = payter.callbacks().find((c) => c.kind === 'terminal-state')!.url;
    expect((await post(badHook, { serialNumber: 'APOLLO-1', online: 'yes' })).status).toBe(400);
  });

  it('uses the operator wording of the site at once, without a deploy', async () => {
    await system.provisionStation('CP-WORDS', PASSWORD, 'site-words', [1]);
    const site = (await system.api('GET', '/installer/sites/site-words')).body;
    const { updatedAt: _u, limits: _l, ...settings } = site;
    const custom = {
      ...settings,
      screens: { tapCard: { title: 'Pay here', message: 'Tap to charge at {energyPrice} per kWh' } },
    };
    expect((await system.api('PUT', '/installer/sites/site-words', custom)).status).toBe(200);
    payter.addReader('APOLLO-W');
    expect((await system.api('PUT', '/installer/readers/APOLLO-W', { stationId: 'CP-WORDS', connectorIds: [1] })).status).toBe(200);
    expect(payter.reader('APOLLO-W').reading).toMatchObject({ uiMessageTitle: 'Pay here', uiMessage: 'Tap to charge at $0.35 per kWh' });

    const bad = await system.api('PUT', '/installer/sites/site-words', { ...custom, screens: { tapCard: { title: 'x', message: 'Costs {total}' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { field: string }) => d.field).join(' ')).toContain('screens.tapCard');
  });
});

describe('a tap whose workflow cannot be started', () => {
  it('frees the reader again and records the session as failed, with no hold taken', async () => {
    const { SFNClient } = await import('@aws-sdk/client-sfn');
    const { StepFunctionsSessionWorkflow } = await import('../../lambdas/aws/step-functions-workflow');
    const { DynamoReaderRepository } = await import('../../lambdas/aws/reader-repository');
    const { DynamoSessionRepository } = await import('../../lambdas/aws/session-repository');
    const { DynamoSiteRepository } = await import('../../lambdas/aws/site-repository');
    const { DynamoStationRepository } = await import('../../lambdas/aws/station-repository');
    const { PayterClient } = await import('../../lambdas/payter/cps-client');
    const { CallbackUrls } = await import('../../lambdas/readers/callback-urls');
    const { ReaderDisplay } = await import('../../lambdas/readers/reader-display');
    const { PayterCallbacks } = await import('../../lambdas/sessions/payter-callbacks');

    await system.provisionStation('CP-NOFLOW', PASSWORD, 'site-main-st', [1]);
    payter.addReader('APOLLO-N');
    expect((await system.api('PUT', '/installer/readers/APOLLO-N', { stationId: 'CP-NOFLOW', connectorIds: [1] })).status).toBe(200);
    const readingId = (await system.api('GET', '/installer/readers/APOLLO-N')).body.reading.id as string;

    // The same wiring as the card-read Lambda, but Step Functions cannot be reached.
    const readers = new DynamoReaderRepository();
    const urls = new CallbackUrls(process.env.PUBLIC_BASE_URL!, process.env.PAYTER_CALLBACK_SECRET!);
    const client = new PayterClient({ baseUrl: payter.url, apiKey: process.env.PAYTER_API_KEY! });
    const clock = { now: () => new Date() };
    const unreachable = new SFNClient({ endpoint: 'http://127.0.0.1:1', region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
    const callbacks = new PayterCallbacks({
      readers,
      sessions: new DynamoSessionRepository(),
      sites: new DynamoSiteRepository(),
      stations: new DynamoStationRepository(),
      display: new ReaderDisplay({ payter: client, urls, readers, clock }),
      urls,
      workflow: new StepFunctionsSessionWorkflow(unreachable, system.runtime.stateMachineArn),
      stopCharging: async () => undefined,
      clock,
      receiptUrl: (sessionId) => `${process.env.PUBLIC_BASE_URL}/receipts/${sessionId}`,
    });
    const token = /\/payter\/([^/]+)\//.exec(urls.card('APOLLO-N', readingId))![1]!;
    await expect(
      callbacks.cardRead(token, readingId, { serialNumber: 'APOLLO-N', ifd: 'CONTACTLESS', aid: 'A0000000031010', cardId: 'card-z' }),
    ).rejects.toThrow();

    const reader = (await system.api('GET', '/installer/readers/APOLLO-N')).body;
    expect(reader.activeSessionId).toBeUndefined();
    expect(reader.reading).toMatchObject({ state: 'open' });
    expect(reader.reading.id).not.toBe(readingId);
    expect(payter.reader('APOLLO-N').state).toBe('READING');
    expect(payter.sessions('APOLLO-N')).toEqual([]);
  });
});
