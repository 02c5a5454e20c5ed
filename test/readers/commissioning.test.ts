/**
 * Installers commissioning Payter readers (docs/settlement.md, "The reader and its session",
 * "Installer mistakes"): each mistake is refused with the HTTP answer the installer gets and
 * nothing stored; a good commissioning puts the reader in its start screen at once, and a start
 * screen Payter refuses rolls the record back.
 */
import { describe, expect, it } from 'vitest';
import { toHttpError } from '../../lambdas/http/api';
import { ReaderCommissioning } from '../../lambdas/readers/commissioning';
import { servedConnectors, startFlowOf } from '../../lambdas/readers/model';
import { readerCommissioningSchema } from '../../lambdas/sites/site-settings';
import { PAYTER, SERIAL, SITE_ID, STATION_ID, T0, givenWorld, type World } from '../support/in-memory';

const NEW_SERIAL = 'READER-2';

/** The world with a second station (CP-2, connectors 1 and 2) and a terminal READER-2 Payter knows, not commissioned. */
function givenInstaller(options: Parameters<typeof givenWorld>[0] = {}) {
  const w = givenWorld({ connectors: [1, 2], ...options });
  w.stations.seed({ stationId: 'CP-2', siteId: SITE_ID, connectors: [1, 2], passwordHash: 'hash', createdAt: T0, updatedAt: T0, online: true });
  w.payter.addReader(NEW_SERIAL, { currency: w.site.currency });
  const commissioning = new ReaderCommissioning({
    readers: w.readers,
    stations: w.stations,
    sites: w.sites,
    display: w.display,
    payter: w.payter.client,
    clock: w.clock,
  });
  return { ...w, commissioning };
}

/** What the installer's HTTP call answers when `action` throws. */
async function answerOf(action: Promise<unknown>) {
  const error = await action.then(
    () => undefined,
    (e: unknown) => e,
  );
  const http = toHttpError(error);
  if (!http) throw new Error(`expected an installer error, got ${String(error)}`);
  return { status: http.statusCode, message: http.message, fields: http.details.map((d) => d.field) };
}

/** Payter's GET /terminals/{serial} answer telling the terminal's currency. */
const terminalIn = (currency: string | undefined, online = true) => ({
  kind: 'answer' as const,
  outcome: { kind: 'ok' as const, value: { serialNumber: NEW_SERIAL, online, state: 'IDLE', ...(currency && { currency }) } },
});

const readersOf = async (w: World) => (await w.readers.list()).filter((r) => r.stationId === STATION_ID || r.stationId === 'CP-2');

describe('commissioning a new reader', () => {
  it('stores it for the station connectors and puts it in its start screen at once', async () => {
    const w = givenInstaller();
    w.clock.advance({ minutes: 1 });
    const reader = await w.commissioning.commission(NEW_SERIAL, { stationId: 'CP-2', connectorIds: [2, 1] });

    const at = '2026-12-01T12:01:00.000Z';
    expect(reader).toEqual({
      serialNumber: NEW_SERIAL,
      stationId: 'CP-2',
      siteId: SITE_ID,
      connectorIds: [2, 1],
      commissionedAt: at,
      updatedAt: at,
      online: true,
      reading: { id: 'reading-1', state: 'open', startedAt: at },
      screen: 'tapCard',
    });
    expect(w.readers.record(NEW_SERIAL)).toEqual(reader);
    expect(w.payter.trace()).toEqual([`getTerminal ${NEW_SERIAL}`, `startReading ${NEW_SERIAL}`]);
    expect(w.payter.callsOf('startReading')[0]).toMatchObject({ authorizedAmount: w.site.holdAmount, callbackUrl: w.urls.card(NEW_SERIAL, 'reading-1') });
    expect(await w.commissioning.get(NEW_SERIAL)).toEqual(reader);
  });

  it('records a terminal Payter reports offline as offline', async () => {
    const w = givenInstaller();
    w.payter.script('getTerminal', terminalIn(undefined, false));
    expect((await w.commissioning.commission(NEW_SERIAL, { stationId: 'CP-2', connectorIds: [1] })).online).toBe(false);
  });

  it.each([
    ["the site's currency", 'USD'],
    ['no currency (the first authorization will tell)', undefined],
  ])('takes a terminal in %s and records what Payter said', async (_case, currency) => {
    const w = givenInstaller();
    w.payter.script('getTerminal', terminalIn(currency));
    const reader = await w.commissioning.commission(NEW_SERIAL, { stationId: 'CP-2', connectorIds: [1] });
    expect(reader.payterCurrency).toBe(currency);
    expect(Object.hasOwn(w.readers.record(NEW_SERIAL), 'payterCurrency')).toBe(currency !== undefined);
  });
});

describe('an installer mistake is refused and nothing is stored', () => {
  it.each([
    ['a station that does not exist', { stationId: 'CP-9', connectorIds: [1] }, 400, 'station CP-9 does not exist', 'stationId'],
    ['connectors the station does not have', { stationId: 'CP-2', connectorIds: [1, 3, 4] }, 400, 'station CP-2 has no connector 3, 4', 'connectorIds'],
    ['a connector another reader serves', { stationId: STATION_ID, connectorIds: [2, 1] }, 409, `connector 1, 2 is served by reader ${SERIAL}`, 'connectorIds'],
  ])('%s', async (_case, request, status, message, field) => {
    const w = givenInstaller();
    expect(await answerOf(w.commissioning.commission(NEW_SERIAL, request))).toEqual({ status, message, fields: [field] });
    await expect(w.readers.get(NEW_SERIAL)).resolves.toBeUndefined();
    expect(w.payter.calls).toEqual([]);
  });

  it('a serial Payter does not know: 400 naming it', async () => {
    const w = givenInstaller();
    const answer = await answerOf(w.commissioning.commission('READER-X', { stationId: 'CP-2', connectorIds: [1] }));
    expect(answer).toEqual({ status: 400, message: "Payter knows no terminal READER-X: check the serial number on the reader's label", fields: ['serialNumber'] });
    await expect(w.readers.get('READER-X')).resolves.toBeUndefined();
    expect(w.payter.trace()).toEqual(['getTerminal READER-X']);
  });

  it('a terminal in another currency than the site: 400 naming both', async () => {
    const w = givenInstaller();
    w.payter.script('getTerminal', terminalIn('EUR'));
    expect(await answerOf(w.commissioning.commission(NEW_SERIAL, { stationId: 'CP-2', connectorIds: [1] }))).toEqual({
      status: 400,
      message: `terminal ${NEW_SERIAL} takes payments in EUR but site ${SITE_ID} charges in USD`,
      fields: ['serialNumber'],
    });
    await expect(w.readers.get(NEW_SERIAL)).resolves.toBeUndefined();
    expect(w.payter.callsOf('startReading')).toEqual([]);
  });

  it('a station whose site is gone: 400', async () => {
    const w = givenInstaller();
    w.stations.seed({ ...w.stations.record('CP-2'), siteId: 'site-gone' });
    expect(await answerOf(w.commissioning.commission(NEW_SERIAL, { stationId: 'CP-2', connectorIds: [1] }))).toEqual({
      status: 400,
      message: 'the site site-gone of station CP-2 does not exist',
      fields: ['stationId'],
    });
    expect(w.payter.calls).toEqual([]);
  });

  it('a reader commissioned to another station: 409, decommission it first', async () => {
    const w = givenInstaller();
    const before = w.reader();
    expect(await answerOf(w.commissioning.commission(SERIAL, { stationId: 'CP-2', connectorIds: [1] }))).toEqual({
      status: 409,
      message: `reader ${SERIAL} is commissioned to station ${STATION_ID}; decommission it first`,
      fields: ['serialNumber'],
    });
    expect(w.reader()).toEqual(before);
    expect(w.payter.calls).toEqual([]);
  });

  it('a reader serving a session: 409 naming the session, the binding kept', async () => {
    const w = givenInstaller();
    w.givenSession({ sessionId: 'session-1', status: 'charging' });
    const before = w.reader();
    expect(await answerOf(w.commissioning.commission(SERIAL, { stationId: STATION_ID, connectorIds: [1] }))).toEqual({
      status: 409,
      message: `reader ${SERIAL} serves session session-1; commission it again when that session has ended`,
      fields: ['serialNumber'],
    });
    expect(w.reader()).toEqual(before);
    expect(w.payter.calls).toEqual([]);
  });

  it('a reader a session takes while it is commissioned: 409, look again', async () => {
    const w = givenInstaller();
    // The tap's binding lands between the check and the write.
    const terminal = w.payter.getTerminal.bind(w.payter);
    w.payter.getTerminal = async (request) => {
      await w.readers.attachSession(SERIAL, 'session-1', { stationId: STATION_ID, connectorId: 1 });
      return terminal(request);
    };
    expect(await answerOf(w.commissioning.commission(SERIAL, { stationId: STATION_ID, connectorIds: [2] }))).toEqual({
      status: 409,
      message: `reader ${SERIAL} was just commissioned elsewhere or took a session; look again`,
      fields: ['serialNumber'],
    });
    expect(w.reader()).toMatchObject({ activeSessionId: 'session-1', connectorIds: [1, 2] });
    expect(w.payter.callsOf('startReading')).toEqual([]);
  });

  it.each([
    ['refuses the check', { kind: 'rejected', status: 401 } as const, 'rejected 401 rejected (scripted)'],
    ['is unavailable', PAYTER.unavailable, 'transient 503 HTTP 503: unavailable (scripted)'],
  ])('Payter %s: 502, nothing was stored, try again', async (_case, outcome, described) => {
    const w = givenInstaller();
    w.payter.script('getTerminal', outcome);
    expect(await answerOf(w.commissioning.commission(NEW_SERIAL, { stationId: 'CP-2', connectorIds: [1] }))).toEqual({
      status: 502,
      message: `Payter could not check terminal ${NEW_SERIAL} (${described}); nothing was stored, try again`,
      fields: [],
    });
    await expect(w.readers.get(NEW_SERIAL)).resolves.toBeUndefined();
  });
});

describe('commissioning a reader again', () => {
  it('to other connectors of its station keeps when it was first commissioned and the currency Payter told', async () => {
    const w = givenInstaller();
    w.readers.seed({ ...w.reader(), payterCurrency: 'USD', connectorIds: [1] });
    w.clock.advance({ hours: 1 });
    const reader = await w.commissioning.commission(SERIAL, { stationId: STATION_ID, connectorIds: [1, 2] });
    expect(reader).toMatchObject({ connectorIds: [1, 2], commissionedAt: T0, updatedAt: '2026-12-01T13:00:00.000Z', payterCurrency: 'USD', screen: 'tapCard' });
  });

  it('beside another reader of the station on other connectors', async () => {
    const w = givenInstaller();
    w.readers.seed({ ...w.reader(), connectorIds: [1] });
    const reader = await w.commissioning.commission(NEW_SERIAL, { stationId: STATION_ID, connectorIds: [2] });
    expect(reader.connectorIds).toEqual([2]);
    expect((await readersOf(w)).map((r) => [r.serialNumber, r.connectorIds])).toEqual([
      [SERIAL, [1]],
      [NEW_SERIAL, [2]],
    ]);
  });
});

describe('a start screen Payter refuses after the check', () => {
  it('of a new reader: 502, nothing was stored, try again', async () => {
    const w = givenInstaller();
    w.payter.script('startReading', PAYTER.rejected);
    expect(await answerOf(w.commissioning.commission(NEW_SERIAL, { stationId: 'CP-2', connectorIds: [1] }))).toEqual({
      status: 502,
      message: `Payter refused the start screen of reader ${NEW_SERIAL} (rejected 400 rejected (scripted)); nothing was stored, try again`,
      fields: [],
    });
    await expect(w.readers.get(NEW_SERIAL)).resolves.toBeUndefined();
  });

  it('of a reader commissioned again: it is put back exactly as it was', async () => {
    const w = givenInstaller();
    w.readers.seed({ ...w.reader(), connectorIds: [1] });
    const before = w.reader();
    w.payter.script('startReading', PAYTER.rejected);
    expect((await answerOf(w.commissioning.commission(SERIAL, { stationId: STATION_ID, connectorIds: [1, 2] }))).status).toBe(502);
    expect(w.reader()).toEqual(before);
  });
});

describe('decommissioning', () => {
  it.each([
    ['Payter stops the reader', undefined],
    ['the reader was not reading (409)', PAYTER.conflict],
    ['Payter no longer knows the terminal (404)', { kind: 'rejected', status: 404 } as const],
  ])('removes the reader when %s', async (_case, outcome) => {
    const w = givenInstaller();
    if (outcome) w.payter.script('stopReading', outcome);
    await w.commissioning.decommission(SERIAL);
    await expect(w.readers.get(SERIAL)).resolves.toBeUndefined();
    expect(w.payter.trace()).toEqual([`stopReading ${SERIAL}`]);
    expect((await answerOf(w.commissioning.get(SERIAL))).status).toBe(404);
  });

  it.each([
    ['refuses the stop', { kind: 'rejected', status: 422 } as const, 'rejected 422 rejected (scripted)'],
    ['is unavailable', PAYTER.unavailable, 'transient 503 HTTP 503: unavailable (scripted)'],
  ])('keeps the reader when Payter %s: 502, try again', async (_case, outcome, described) => {
    const w = givenInstaller();
    w.payter.script('stopReading', outcome);
    expect(await answerOf(w.commissioning.decommission(SERIAL))).toEqual({
      status: 502,
      message: `Payter did not stop reader ${SERIAL} (${described}); try again`,
      fields: [],
    });
    expect(w.reader().serialNumber).toBe(SERIAL);
  });

  it('of a reader serving a session: 409 naming it, the reader kept and still reading', async () => {
    const w = givenInstaller();
    w.givenSession({ sessionId: 'session-1', status: 'stopping' });
    expect(await answerOf(w.commissioning.decommission(SERIAL))).toEqual({
      status: 409,
      message: `reader ${SERIAL} serves session session-1; wait for it to end`,
      fields: ['serialNumber'],
    });
    expect(w.reader().activeSessionId).toBe('session-1');
    expect(w.payter.calls).toEqual([]);
  });

  it.each([
    ['decommissioning', (w: ReturnType<typeof givenInstaller>) => w.commissioning.decommission(NEW_SERIAL)],
    ['looking up', (w: ReturnType<typeof givenInstaller>) => w.commissioning.get(NEW_SERIAL)],
  ])('%s a reader that is not commissioned: 404', async (_case, action) => {
    const w = givenInstaller();
    expect(await answerOf(action(w))).toEqual({ status: 404, message: `reader ${NEW_SERIAL} is not commissioned`, fields: [] });
    expect(w.payter.calls).toEqual([]);
  });
});

describe('start flows and kiosks', () => {
  it('stores the start flow and a kiosk serving connectors of two stations of the site, by their labels', async () => {
    const w = givenInstaller();
    w.stations.seed({ stationId: 'CP-3', siteId: SITE_ID, connectors: [1], passwordHash: 'hash', createdAt: T0, updatedAt: T0, online: true });
    const connectors = [
      { stationId: 'CP-2', connectorId: 2, label: 'Bay 2' },
      { stationId: 'CP-3', connectorId: 1, label: 'Bay 3' },
    ];
    const reader = await w.commissioning.commission(NEW_SERIAL, { connectors, startFlow: 'uiStart' });
    expect(reader).toMatchObject({ stationId: 'CP-2', connectorIds: [2], connectors, startFlow: 'uiStart', siteId: SITE_ID });
    expect(w.readers.record(NEW_SERIAL)).toEqual(reader);
  });

  it("keeps today's body tap to start: no flow stored, read as tap to start", async () => {
    const w = givenInstaller();
    const reader = await w.commissioning.commission(NEW_SERIAL, { stationId: 'CP-2', connectorIds: [1] });
    expect(Object.hasOwn(reader, 'startFlow')).toBe(false);
    expect(startFlowOf(reader)).toBe('tapToStart');
    expect(servedConnectors(reader)).toEqual([{ stationId: 'CP-2', connectorId: 1, label: '1' }]);
  });

  it.each([
    [
      "a connector of another station that another reader serves (a kiosk's overlap)",
      [
        { stationId: 'CP-2', connectorId: 1, label: 'A' },
        { stationId: STATION_ID, connectorId: 2, label: 'B' },
      ],
      409,
      `connector 2 of ${STATION_ID} is served by reader ${SERIAL}`,
      'connectors',
    ],
    ['a station that does not exist', [{ stationId: 'CP-9', connectorId: 1, label: 'A' }], 400, 'station CP-9 does not exist', 'stationId'],
  ])('refuses %s and stores nothing', async (_case, connectors, status, message, field) => {
    const w = givenInstaller();
    expect(await answerOf(w.commissioning.commission(NEW_SERIAL, { connectors }))).toEqual({ status, message, fields: [field] });
    await expect(w.readers.get(NEW_SERIAL)).resolves.toBeUndefined();
    expect(w.payter.calls).toEqual([]);
  });

  it('refuses stations of two sites', async () => {
    const w = givenInstaller();
    w.stations.seed({ stationId: 'CP-X', siteId: 'site-other', connectors: [1], passwordHash: 'hash', createdAt: T0, updatedAt: T0, online: true });
    const answer = await answerOf(
      w.commissioning.commission(NEW_SERIAL, {
        connectors: [
          { stationId: 'CP-2', connectorId: 1, label: 'A' },
          { stationId: 'CP-X', connectorId: 1, label: 'B' },
        ],
      }),
    );
    expect(answer).toMatchObject({ status: 400, fields: ['connectors'] });
    expect(answer.message).toMatch(/a reader serves one site/);
    await expect(w.readers.get(NEW_SERIAL)).resolves.toBeUndefined();
  });

  it.each([
    ['an unknown start flow', { stationId: 'CP-2', connectorIds: [1], startFlow: 'wave' }],
    ['both bodies at once', { stationId: 'CP-2', connectorIds: [1], connectors: [{ stationId: 'CP-2', connectorId: 2, label: 'A' }] }],
    ['neither body', { startFlow: 'uiStart' }],
    ['a station without its connectors', { stationId: 'CP-2' }],
    ['the same connector twice', { connectors: [{ stationId: 'CP-2', connectorId: 1, label: 'A' }, { stationId: 'CP-2', connectorId: 1, label: 'B' }] }],
    ['two connectors with one label', { connectors: [{ stationId: 'CP-2', connectorId: 1, label: 'A' }, { stationId: 'CP-2', connectorId: 2, label: 'A' }] }],
    ['an empty label', { connectors: [{ stationId: 'CP-2', connectorId: 1, label: ' ' }] }],
  ])('the installer API refuses %s', (_case, body) => {
    expect(readerCommissioningSchema.safeParse({ serialNumber: NEW_SERIAL, ...body }).success).toBe(false);
  });

  it('the installer API takes both bodies', () => {
    expect(readerCommissioningSchema.safeParse({ serialNumber: NEW_SERIAL, stationId: 'CP-2', connectorIds: [1] }).success).toBe(true);
    expect(
      readerCommissioningSchema.safeParse({ serialNumber: NEW_SERIAL, startFlow: 'plugInToStart', connectors: [{ stationId: 'CP-2', connectorId: 1, label: 'Left' }] }).success,
    ).toBe(true);
  });
});
