/**
 * Payter's callbacks as a driver lives them (docs/payter.md, "Callbacks CPS sends us";
 * docs/settlement.md, "The reader and its session", "Cards the reader holds"): a tap on an idle
 * reader starts one session, the session's own card stops it, any other card is let go, the
 * buttons of the journey's screens, a reader back online, and every callback without the
 * capability of its URL, or for a finished reading, refused with one answer and no effect.
 */
import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../lambdas/shared/errors';
import { PayterCallbacks, chooseConnector } from '../../lambdas/sessions/payter-callbacks';
import type { SessionStatus } from '../../lambdas/sessions/model';
import { SERIAL, SITE_ID, STATION_ID, T0, givenWorld, tokenOf, type World } from '../support/in-memory';
import { connectorStateOf16 } from '../../lambdas/ocpp/v16/connector-states';

const card = (cardId = 'card-1') => ({ serialNumber: SERIAL, ifd: 'CONTACTLESS', aid: 'A0000000031010', cardId });

/** An idle reader showing its start screen (reading-1). */
async function idleReader(options: Parameters<typeof givenWorld>[0] = {}): Promise<World> {
  const w = givenWorld(options);
  await w.display.showStartScreen(w.reader(), w.site);
  w.payter.calls.length = 0;
  return w;
}

/** A session charging on the reader with the tap-to-stop reading open (its card is card-1). */
async function chargingReader(fields: Parameters<World['givenSession']>[0] = {}): Promise<World> {
  const w = givenWorld();
  w.givenSession({ sessionId: 'session-1', status: 'charging', transactionId: 7, cardId: 'card-1', ...fields }, { hold: true });
  await w.display.armTapToStop(w.reader(), w.site);
  w.payter.calls.length = 0;
  return w;
}

const status = (connectorId: number, s: string) => ({
  stationId: STATION_ID,
  connectorId,
  state: connectorStateOf16(s),
  status: s,
  errorCode: 'NoError',
  timestamp: T0,
  receivedAt: T0,
});

describe('a card callback without the capability of its URL', () => {
  it.each([
    ['a token of another reading', (w: World) => tokenOf(w.urls.card(SERIAL, 'reading-2')), 'reading-1', SERIAL],
    ['a token of another reader', (w: World) => tokenOf(w.urls.card('READER-2', 'reading-1')), 'reading-1', SERIAL],
    ['a UI token', (w: World) => tokenOf(w.urls.ui(SERIAL, 'reading-1')), 'reading-1', SERIAL],
    ['no token', () => '', 'reading-1', SERIAL],
    ['a reading that is not the open one', (w: World) => tokenOf(w.urls.card(SERIAL, 'reading-0')), 'reading-0', SERIAL],
    ['a reader we do not have', (w: World) => tokenOf(w.urls.card('READER-9', 'reading-1')), 'reading-1', 'READER-9'],
  ])('is refused as "no such reading" with %s, and starts nothing', async (_case, token, readingId, serialNumber) => {
    const w = await idleReader();
    const refused = w.callbacks.cardRead(token(w), readingId, { ...card(), serialNumber });
    await expect(refused).rejects.toThrow(NotFoundError);
    await expect(w.callbacks.cardRead(token(w), readingId, { ...card(), serialNumber })).rejects.toThrow('no such reading');
    expect(w.sessions.all()).toEqual([]);
    expect(w.workflow.starts).toEqual([]);
    expect(w.payter.calls).toEqual([]);
    expect(w.reader().reading).toMatchObject({ id: 'reading-1', state: 'open' });
  });

  it('is refused on a reader that reads nothing', async () => {
    const w = givenWorld();
    await expect(w.tap()).rejects.toThrow('no such reading');
    expect(w.sessions.all()).toEqual([]);
  });
});

describe('a tap on an idle reader', () => {
  it('starts one session for the card on the reader connector, and its workflow named after it', async () => {
    const w = await idleReader({ site: { limits: { plugInWindowSeconds: 90, maxSessionMinutes: 240, chargerLostSeconds: 300, receiptTapMinutes: 10 } } });
    w.clock.advance({ seconds: 30 });
    const result = await w.tap('card-7', { maskedPan: '****1234', ifd: 'CHIP' });

    expect(result).toEqual({ action: 'started', sessionId: 'session-1' });
    const session = w.session('session-1');
    expect(session).toEqual({
      sessionId: 'session-1',
      status: 'authorizing',
      paymentState: 'none',
      serialNumber: SERIAL,
      stationId: STATION_ID,
      connectorId: 1,
      siteId: SITE_ID,
      cardId: 'card-7',
      ifd: 'CHIP',
      maskedPan: '****1234',
      idTag: expect.stringMatching(/^PT[A-Z0-9]{18}$/),
      readingId: 'reading-1',
      createdAt: '2026-12-01T12:00:30.000Z',
      updatedAt: '2026-12-01T12:00:30.000Z',
    });
    // The execution is named after the session; its input is what the workflow's states read, no site nor card.
    expect(w.workflow.starts).toEqual([
      {
        sessionId: 'session-1',
        stationId: STATION_ID,
        connectorId: 1,
        idTag: session.idTag,
        timing: { plugInWindowSeconds: 90, maxSessionSeconds: 240 * 60 },
      },
    ]);
    expect(w.reader()).toMatchObject({ activeSessionId: 'session-1', reading: { id: 'reading-1', state: 'card' } });
    // The card stays held for authorize: nothing is let go.
    expect(w.payter.callsOf('stopReading')).toEqual([]);
  });

  it('keeps no masked PAN the card did not give', async () => {
    const w = await idleReader();
    await w.tap('card-1');
    expect(w.session('session-1')).not.toHaveProperty('maskedPan');
    expect(w.session('session-1').ifd).toBe('CONTACTLESS');
  });

  it('is taken once when Payter delivers the callback twice', async () => {
    const w = await idleReader();
    await w.tap('card-1');
    const again = w.callbacks.cardRead(tokenOf(w.urls.card(SERIAL, 'reading-1')), 'reading-1', card('card-1'));
    await expect(again).rejects.toThrow('no such reading');
    expect(w.sessions.all().map((s) => s.sessionId)).toEqual(['session-1']);
    expect(w.workflow.starts).toHaveLength(1);
  });

  it('gives each session an OCPP id tag of its own that cannot be guessed (CiString20, upper case)', async () => {
    const tags = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const w = await idleReader();
      await w.tap();
      const { idTag } = w.session('session-1');
      expect(idTag).toMatch(/^PT[A-Z0-9]{18}$/);
      tags.add(idTag);
    }
    expect(tags.size).toBe(40);
  });

  it('names the session with a random UUID when no id source is given', async () => {
    const w = await idleReader();
    const callbacks = new PayterCallbacks({
      readers: w.readers,
      sessions: w.sessions,
      sites: w.sites,
      stations: w.stations,
      display: w.display,
      urls: w.urls,
      workflow: w.workflow,
      stopCharging: async () => undefined,
      clock: w.clock,
      receiptUrl: (sessionId) => `https://csms.test/receipts/${sessionId}`,
    });
    const result = await callbacks.cardRead(tokenOf(w.urls.card(SERIAL, 'reading-1')), 'reading-1', card());
    expect(result).toEqual({ action: 'started', sessionId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/) });
    const sessionId = (result as { sessionId: string }).sessionId;
    expect(w.workflow.starts.map((s) => s.sessionId)).toEqual([sessionId]);
    expect(w.reader().activeSessionId).toBe(sessionId);
  });

  it.each([
    ['the connector the car is plugged into', [1, 2], [status(1, 'Available'), status(2, 'Preparing')], 2],
    ['an available connector', [1, 2], [status(1, 'Charging'), status(2, 'Available')], 2],
    ['a connector never reported', [1, 2], [], 1],
    ['a connector that is occupied but usable', [1], [status(1, 'Occupied')], 1],
  ])('charges %s', async (_case, connectors, statuses, connectorId) => {
    const w = await idleReader({ connectors });
    for (const s of statuses) await w.stations.putConnectorStatus(s);
    await w.tap();
    expect(w.session('session-1').connectorId).toBe(connectorId);
    expect(w.workflow.starts[0]).toMatchObject({ connectorId });
  });

  it.each(['Faulted', 'Unavailable', 'Charging', 'SuspendedEV', 'SuspendedEVSE', 'Finishing', 'Reserved'])(
    'with its only connector %s starts nothing: the card is let go and the start screen comes back',
    async (connectorStatus) => {
      const w = await idleReader();
      await w.stations.putConnectorStatus(status(1, connectorStatus));
      const result = await w.tap();

      expect(result).toEqual({ action: 'ignored', reason: 'no connector of the reader is free' });
      expect(w.sessions.all()).toEqual([]);
      expect(w.workflow.starts).toEqual([]);
      expect(w.payter.trace()).toEqual([`stopReading ${SERIAL}`, `startReading ${SERIAL}`]);
      expect(w.reader()).toMatchObject({ reading: { id: 'reading-2', state: 'open' }, screen: 'tapCard' });
      expect(w.reader().activeSessionId).toBeUndefined();
    },
  );

  it('of a reader whose site is gone starts nothing and lets the card go (no start screen to show)', async () => {
    const w = await idleReader();
    w.readers.seed({ ...w.reader(), siteId: 'site-gone' });
    const result = await w.tap();
    expect(result).toEqual({ action: 'ignored', reason: 'site site-gone is missing' });
    expect(w.sessions.all()).toEqual([]);
    expect(w.payter.trace()).toEqual([`stopReading ${SERIAL}`]);
  });

  it('that another tap beats to the reader starts nothing and leaves the reader to that session', async () => {
    const w = await idleReader();
    // While this tap looks at the connectors, another one binds the reader to its session.
    const statuses = w.stations.getConnectorStatuses.bind(w.stations);
    w.stations.getConnectorStatuses = async (stationId) => {
      await w.readers.attachSession(SERIAL, 'session-other', { stationId: STATION_ID, connectorId: 1 });
      return statuses(stationId);
    };
    const result = await w.tap();
    expect(result).toEqual({ action: 'ignored', reason: 'the reader serves another session' });
    expect(w.sessions.all()).toEqual([]);
    expect(w.workflow.starts).toEqual([]);
    expect(w.payter.calls).toEqual([]); // that session drives the screens
    expect(w.reader().activeSessionId).toBe('session-other');
  });

  it('on a reader decommissioned meanwhile starts nothing and shows nothing', async () => {
    const w = await idleReader();
    const statuses = w.stations.getConnectorStatuses.bind(w.stations);
    w.stations.getConnectorStatuses = async (stationId) => {
      await w.readers.delete(SERIAL);
      return statuses(stationId);
    };
    expect(await w.tap()).toEqual({ action: 'ignored', reason: 'the reader serves another session' });
    expect(w.sessions.all()).toEqual([]);
    expect(w.payter.calls).toEqual([]);
  });

  it('whose workflow does not start fails the session, frees the reader and shows the start screen again', async () => {
    const w = await idleReader();
    w.workflow.failNextStart();
    w.clock.advance({ seconds: 5 });
    await expect(w.tap()).rejects.toThrow('StartExecution failed (injected)');

    expect(w.session('session-1')).toMatchObject({ status: 'failed', endReason: 'workflowNotStarted', updatedAt: '2026-12-01T12:00:05.000Z' });
    expect(w.reader().activeSessionId).toBeUndefined();
    expect(w.reader()).toMatchObject({ reading: { id: 'reading-2', state: 'open' }, screen: 'tapCard' });
    // The card the failed tap left held is let go on the 409, then the reader reads again.
    expect(w.payter.trace()).toEqual([`startReading ${SERIAL}`, `stopReading ${SERIAL}`, `startReading ${SERIAL}`]);
    // The driver taps again and this time it starts.
    expect(await w.tap()).toEqual({ action: 'started', sessionId: 'session-2' });
  });
});

describe('a tap on a reader that serves a session', () => {
  it("of the session's own card while it charges stops it: the charger is told, the card let go, the reader says so", async () => {
    const w = await chargingReader();
    w.clock.advance({ minutes: 20 });
    const result = await w.tap('card-1');

    expect(result).toEqual({ action: 'stopping', sessionId: 'session-1' });
    expect(w.session('session-1')).toMatchObject({ status: 'stopping', endReason: 'driverTap', updatedAt: '2026-12-01T12:20:00.000Z' });
    expect(w.remoteStops).toEqual([{ stationId: STATION_ID, transactionId: 7 }]);
    expect(w.payter.trace()).toEqual([`stopReading ${SERIAL}`, `showUi ${SERIAL}`]);
    expect(w.payter.lastScreen(SERIAL)?.id).toBe('stopping');
    expect(w.payter.callsOf('showUi')[0]!.callbackUrl).toBe(w.urls.ui(SERIAL, 'session-1'));
    expect(w.reader().activeSessionId).toBe('session-1'); // only Release frees it
    expect(w.sessions.all()).toHaveLength(1);
  });

  it('of its own card stops it even when the site is gone, with no screen to show', async () => {
    const w = await chargingReader();
    w.readers.seed({ ...w.reader(), siteId: 'site-gone' });
    expect(await w.tap('card-1')).toEqual({ action: 'stopping', sessionId: 'session-1' });
    expect(w.remoteStops).toEqual([{ stationId: STATION_ID, transactionId: 7 }]);
    expect(w.payter.calls).toEqual([]);
  });

  it('of its own card as the stop button wins the race tells the charger once', async () => {
    const w = await chargingReader();
    // The tap read the session charging; the Stop button's transition lands first.
    const get = w.sessions.get.bind(w.sessions);
    w.sessions.get = async (id) => {
      const session = await get(id);
      w.sessions.get = get;
      await w.pressButton('session-1', 'charging', 'stop');
      return session;
    };
    expect(await w.tap('card-1')).toEqual({ action: 'stopping', sessionId: 'session-1' });
    expect(w.remoteStops).toEqual([{ stationId: STATION_ID, transactionId: 7 }]);
    expect(w.session('session-1').endReason).toBe('driverStopButton');
  });

  it('of another card while it charges lets that card go and reads again for the driver own card', async () => {
    const w = await chargingReader();
    const result = await w.tap('card-2');

    expect(result).toEqual({ action: 'ignored', reason: 'the reader serves another session' });
    expect(w.session('session-1').status).toBe('charging');
    expect(w.remoteStops).toEqual([]);
    expect(w.payter.trace()).toEqual([`stopReading ${SERIAL}`, `startReading ${SERIAL}`]);
    expect(w.payter.callsOf('startReading')[0]).toMatchObject({ hideAmount: true, callbackUrl: w.urls.card(SERIAL, 'reading-2') });
    expect(w.sessions.all()).toHaveLength(1);
    // The driver's own card still stops it.
    expect(await w.tap('card-1')).toEqual({ action: 'stopping', sessionId: 'session-1' });
  });

  it.each<[string, SessionStatus, string]>([
    ['its own card while it is stopping', 'stopping', 'card-1'],
    ['its own card before it charges', 'starting', 'card-1'],
    ['another card while it is stopping', 'stopping', 'card-2'],
    ['another card while it authorizes', 'authorizing', 'card-2'],
  ])('of %s lets the card go and reads nothing more', async (_case, sessionStatus, cardId) => {
    const w = await chargingReader({ status: sessionStatus });
    const result = await w.tap(cardId);

    expect(result).toEqual({ action: 'ignored', reason: cardId === 'card-1' ? 'the card has a session on this reader' : 'the reader serves another session' });
    expect(w.session('session-1').status).toBe(sessionStatus);
    expect(w.remoteStops).toEqual([]);
    expect(w.payter.trace()).toEqual([`stopReading ${SERIAL}`]);
    expect(w.sessions.all()).toHaveLength(1);
  });

  it('whose session record is gone lets the card go', async () => {
    const w = await chargingReader();
    w.readers.seed({ ...w.reader(), activeSessionId: 'session-gone' });
    expect(await w.tap('card-1')).toEqual({ action: 'ignored', reason: 'the reader serves another session' });
    expect(w.payter.trace()).toEqual([`stopReading ${SERIAL}`]);
    expect(w.sessions.all().map((s) => s.sessionId)).toEqual(['session-1']);
  });

  it('of another card while it charges on a reader whose site is gone only lets the card go', async () => {
    const w = await chargingReader();
    w.readers.seed({ ...w.reader(), siteId: 'site-gone' });
    await w.tap('card-2');
    expect(w.payter.trace()).toEqual([`stopReading ${SERIAL}`]);
  });
});

describe('a button pressed on the reader', () => {
  it.each([
    ['another context', (w: World) => tokenOf(w.urls.ui(SERIAL, 'session-2')), SERIAL],
    ['a card token', (w: World) => tokenOf(w.urls.card(SERIAL, 'session-1')), SERIAL],
    ['no token', () => '', SERIAL],
    ['a reader we do not have', (w: World) => tokenOf(w.urls.ui('READER-9', 'session-1')), 'READER-9'],
  ])('without the capability (%s) is refused as "no such screen" and stops nothing', async (_case, token, serialNumber) => {
    const w = await chargingReader();
    const press = w.callbacks.uiButton(token(w), 'session-1', { serialNumber, screenId: 'charging', response: 'stop' });
    await expect(press).rejects.toThrow(NotFoundError);
    await expect(w.callbacks.uiButton(token(w), 'session-1', { serialNumber, screenId: 'charging', response: 'stop' })).rejects.toThrow('no such screen');
    expect(w.session('session-1').status).toBe('charging');
    expect(w.remoteStops).toEqual([]);
  });

  it('Stop on the charging screen stops the session: the charger is told', async () => {
    const w = await chargingReader();
    w.clock.advance({ minutes: 3 });
    expect(await w.pressButton('session-1', 'charging', 'stop')).toEqual({ action: 'stopping' });
    expect(w.session('session-1')).toMatchObject({ status: 'stopping', endReason: 'driverStopButton', updatedAt: '2026-12-01T12:03:00.000Z' });
    expect(w.remoteStops).toEqual([{ stationId: STATION_ID, transactionId: 7 }]);
  });

  it('Stop on the screen of a session the reader no longer serves does nothing, even while that session charges', async () => {
    const w = await chargingReader();
    w.givenSession({ sessionId: 'session-old', status: 'charging', transactionId: 3 }, { attach: false });
    expect(await w.pressButton('session-old', 'charging', 'stop')).toEqual({ action: 'ignored' });
    expect(w.session('session-old').status).toBe('charging');
    expect(w.remoteStops).toEqual([]);
  });

  it('Stop pressed twice tells the charger once', async () => {
    const w = await chargingReader();
    await w.pressButton('session-1', 'charging', 'stop');
    expect(await w.pressButton('session-1', 'charging', 'stop')).toEqual({ action: 'ignored' });
    expect(w.remoteStops).toHaveLength(1);
  });

  it.each<[string, string, string, string, SessionStatus]>([
    ['Stop of a session that is no longer the reader one', 'session-old', 'charging', 'stop', 'charging'],
    ['Stop of a session that is stopping', 'session-1', 'charging', 'stop', 'stopping'],
    ['another answer on the charging screen', 'session-1', 'charging', 'cancel', 'charging'],
    ['Stop on another screen', 'session-1', 'plugIn', 'stop', 'charging'],
  ])('%s does nothing', async (_case, contextId, screenId, response, sessionStatus) => {
    const w = await chargingReader({ status: sessionStatus });
    expect(await w.pressButton(contextId, screenId, response)).toEqual({ action: 'ignored' });
    expect(w.session('session-1').status).toBe(sessionStatus);
    expect(w.remoteStops).toEqual([]);
    expect(w.workflow.signals).toEqual([]);
    expect(w.payter.calls).toEqual([]);
  });

  it('Cancel on the plug-in screen ends the wait for the charger', async () => {
    const w = await chargingReader({ status: 'starting', startTaskToken: 'token-start', transactionId: undefined });
    expect(await w.pressButton('session-1', 'plugIn', 'cancel')).toEqual({ action: 'cancelling' });
    expect(w.workflow.signals).toEqual([
      { kind: 'fail', taskToken: 'token-start', error: 'DriverCancelled', cause: 'the driver cancelled before plugging in' },
    ]);
    expect(w.remoteStops).toEqual([]);
  });

  it.each<[string, SessionStatus, string | undefined, string, string]>([
    ['once the charger started', 'charging', 'token-start', 'plugIn', 'cancel'],
    ['before the workflow waits for the charger', 'starting', undefined, 'plugIn', 'cancel'],
    ['on another screen', 'starting', 'token-start', 'charging', 'cancel'],
    ['with another answer', 'starting', 'token-start', 'plugIn', 'ok'],
  ])('Cancel %s does nothing', async (_case, sessionStatus, startTaskToken, screenId, response) => {
    const w = await chargingReader({ status: sessionStatus, ...(startTaskToken && { startTaskToken }) });
    expect(await w.pressButton('session-1', screenId, response)).toEqual({ action: 'ignored' });
    expect(w.workflow.signals).toEqual([]);
    expect(w.session('session-1').status).toBe(sessionStatus);
  });

  it('Done on the receipt of an ended session brings the start screen back', async () => {
    const w = givenWorld();
    w.givenSession({ sessionId: 'session-1', status: 'completed' });
    expect(await w.pressButton('session-1', 'receipt', 'done')).toEqual({ action: 'start-screen' });
    expect(w.payter.trace()).toEqual([`startReading ${SERIAL}`]);
    expect(w.reader()).toMatchObject({ screen: 'tapCard', reading: { id: 'reading-1', state: 'open' } });
  });

  it.each([
    ['Cancel of a plug-in screen', 'plugIn', 'cancel'],
    ['Stop of a charging screen', 'charging', 'stop'],
  ])('%s left on an idle reader brings no start screen', async (_case, screenId, response) => {
    const w = givenWorld();
    expect(await w.pressButton('session-1', screenId, response)).toEqual({ action: 'ignored' });
    expect(w.payter.calls).toEqual([]);
  });

  it('Done on a receipt while the reader already serves the next session does nothing', async () => {
    const w = givenWorld();
    w.givenSession({ sessionId: 'session-2', status: 'authorizing' });
    expect(await w.pressButton('session-1', 'receipt', 'done')).toEqual({ action: 'ignored' });
    expect(w.payter.calls).toEqual([]);
  });

  it('Done on a receipt of a reader whose site is gone shows nothing', async () => {
    const w = givenWorld();
    w.readers.seed({ ...w.reader(), siteId: 'site-gone' });
    expect(await w.pressButton('session-1', 'receipt', 'done')).toEqual({ action: 'start-screen' });
    expect(w.payter.calls).toEqual([]);
  });
});

describe("Payter's terminal-state web hook", () => {
  const hook = (w: World, serialNumber: string, online: boolean, token = tokenOf(w.urls.state())) =>
    w.terminalStates.changed(token, { serialNumber, online, state: online ? 'IDLE' : 'OFFLINE' } as never);

  it.each([
    ['a card token', (w: World) => tokenOf(w.urls.card(SERIAL, 'reading-1'))],
    ['no token', () => ''],
  ])('without its capability (%s) is refused as "no such hook" and records nothing', async (_case, token) => {
    const w = givenWorld();
    w.readers.seed({ ...w.reader(), online: false });
    await expect(hook(w, SERIAL, true, token(w))).rejects.toThrow(NotFoundError);
    await expect(hook(w, SERIAL, true, token(w))).rejects.toThrow('no such hook');
    expect(w.reader().online).toBe(false);
    expect(w.payter.calls).toEqual([]);
  });

  it('about a reader we do not have is ignored', async () => {
    const w = givenWorld();
    expect(await hook(w, 'READER-9', true)).toEqual({ action: 'ignored' });
    expect(w.payter.calls).toEqual([]);
  });

  it('an idle reader back online gets its start screen again', async () => {
    const w = givenWorld();
    w.readers.seed({ ...w.reader(), online: false });
    expect(await hook(w, SERIAL, true)).toEqual({ action: 'start-screen' });
    expect(w.reader()).toMatchObject({ online: true, screen: 'tapCard', reading: { id: 'reading-1', state: 'open' } });
    expect(w.payter.trace()).toEqual([`startReading ${SERIAL}`]);
  });

  it('a reader whose online state was never reported, now online, gets its start screen', async () => {
    const w = givenWorld();
    const { online: _never, ...reader } = w.reader();
    w.readers.seed(reader);
    expect(await hook(w, SERIAL, true)).toEqual({ action: 'start-screen' });
    expect(w.reader().online).toBe(true);
  });

  it('a reader decommissioned as it comes back online is only recorded', async () => {
    const w = givenWorld();
    w.readers.seed({ ...w.reader(), online: false });
    const recordOnline = w.readers.recordOnline.bind(w.readers);
    w.readers.recordOnline = async (serialNumber, online) => {
      const was = await recordOnline(serialNumber, online);
      await w.readers.delete(serialNumber);
      return was;
    };
    expect(await hook(w, SERIAL, true)).toEqual({ action: 'recorded' });
    expect(w.payter.calls).toEqual([]);
  });

  it('a reader already online is only recorded: its screen stays', async () => {
    const w = givenWorld();
    expect(await hook(w, SERIAL, true)).toEqual({ action: 'recorded' });
    expect(w.payter.calls).toEqual([]);
  });

  it('a reader going offline is recorded offline', async () => {
    const w = givenWorld();
    expect(await hook(w, SERIAL, false)).toEqual({ action: 'recorded' });
    expect(w.reader().online).toBe(false);
    expect(w.payter.calls).toEqual([]);
  });

  it('a reader that rebooted mid-session reads cards again so the driver can still tap to stop', async () => {
    const w = await chargingReader();
    w.readers.seed({ ...w.reader(), online: false });
    expect(await hook(w, SERIAL, true)).toEqual({ action: 'tap-to-stop' });
    expect(w.payter.trace()).toEqual([`stopReading ${SERIAL}`, `startReading ${SERIAL}`]);
    expect(w.payter.callsOf('startReading')[0]).toMatchObject({ hideAmount: true });
    expect(await w.tap('card-1')).toEqual({ action: 'stopping', sessionId: 'session-1' });
  });

  it.each<[string, SessionStatus | undefined, string]>([
    ['a session that is stopping', 'stopping', SITE_ID],
    ['a session whose record is gone', undefined, SITE_ID],
    ['a charging session on a site that is gone', 'charging', 'site-gone'],
  ])('a reader back online serving %s is only recorded', async (_case, sessionStatus, siteId) => {
    const w = await chargingReader({ status: sessionStatus ?? 'charging' });
    w.readers.seed({ ...w.reader(), online: false, siteId, ...(sessionStatus === undefined && { activeSessionId: 'session-gone' }) });
    expect(await hook(w, SERIAL, true)).toEqual({ action: 'recorded' });
    expect(w.payter.calls).toEqual([]);
    expect(w.reader().online).toBe(true);
  });
});

describe('which connector a tap charges', () => {
  const status = (connectorId: number, s: string) => ({
    stationId: 'CP',
    connectorId,
    state: connectorStateOf16(s),
    status: s,
    errorCode: 'NoError',
    timestamp: '2026-11-23T10:00:00Z',
    receivedAt: '2026-11-23T10:00:00Z',
  });
  const served = (ids: number[]) => ids.map((connectorId) => ({ stationId: 'CP', connectorId, label: String(connectorId) }));
  it.each([
    ['the one the car is plugged into', [1, 2], [status(1, 'Available'), status(2, 'Preparing')], { connector: 2 }],
    ['the first available', [1, 2], [status(1, 'Charging'), status(2, 'Available')], { connector: 2 }],
    ['a connector never reported as available', [1, 2], [], { connector: 1 }],
    ['none when all are busy or broken', [1, 2], [status(1, 'Faulted'), status(2, 'SuspendedEV')], undefined],
    ['only those the reader serves', [2], [status(1, 'Preparing'), status(2, 'Available')], { connector: 2 }],
    ['no guess between two cars plugged in: the driver chooses', [1, 2, 3], [status(1, 'Preparing'), status(2, 'Available'), status(3, 'Preparing')], { ask: [1, 3] }],
  ])('picks %s', (_case, connectorIds, statuses, expected) => {
    const choice = chooseConnector(served(connectorIds), statuses);
    const ids = choice && ('ask' in choice ? { ask: choice.ask.map((c) => c.connectorId) } : { connector: choice.connector.connectorId });
    expect(ids).toEqual(expected);
  });
});

describe('a kiosk reader running two sessions at once', () => {
  async function twoCharging(): Promise<World> {
    const w = givenWorld({ connectors: [1, 2] });
    w.givenSession({ sessionId: 'session-1', status: 'charging', connectorId: 1, transactionId: 7, cardId: 'card-1' }, { hold: true });
    w.givenSession({ sessionId: 'session-2', status: 'charging', connectorId: 2, transactionId: 8, cardId: 'card-2' }, { hold: true });
    w.readers.seed({ ...w.reader(), activeSessionId: 'session-2', sessionsByConnector: { [`${STATION_ID}#1`]: 'session-1', [`${STATION_ID}#2`]: 'session-2' } });
    await w.display.showStartScreen(w.reader(), w.site);
    w.payter.calls.length = 0;
    return w;
  }

  it("Stop on the shared screen asks for the card, and the card stops only its own session", async () => {
    const w = await twoCharging();
    // The screen shows session 2, but whoever pressed Stop proves their session with their card.
    expect(await w.pressButton('session-2', 'charging', 'stop')).toEqual({ action: 'tap-to-stop' });
    expect(w.remoteStops).toEqual([]);
    expect(w.reader()).toMatchObject({ screen: 'tapToStop', reading: { state: 'open' } });

    expect(await w.tap('card-1')).toEqual({ action: 'stopping', sessionId: 'session-1' });
    expect(w.remoteStops).toEqual([{ stationId: STATION_ID, transactionId: 7 }]);
    expect(w.session('session-1')).toMatchObject({ status: 'stopping', endReason: 'driverTap' });
    expect(w.session('session-2').status).toBe('charging');
    // Still reading for the other driver's stop.
    expect(w.reader()).toMatchObject({ reading: { state: 'open' } });
    expect(await w.tap('card-2')).toEqual({ action: 'stopping', sessionId: 'session-2' });
    expect(w.remoteStops).toEqual([{ stationId: STATION_ID, transactionId: 7 }, { stationId: STATION_ID, transactionId: 8 }]);
  });

  it('another card with every connector taken starts nothing and stops nobody', async () => {
    const w = await twoCharging();
    expect(await w.tap('card-3')).toEqual({ action: 'ignored', reason: 'the reader serves another session' });
    expect(w.remoteStops).toEqual([]);
    expect(w.sessions.all()).toHaveLength(2);
    expect(w.reader()).toMatchObject({ screen: 'tapToStop', reading: { state: 'open' } });
  });

  it('another card with a connector free starts a session there, beside the one charging', async () => {
    const w = givenWorld({ connectors: [1, 2] });
    w.givenSession({ sessionId: 'session-a', status: 'charging', connectorId: 1, transactionId: 7, cardId: 'card-1' }, { hold: true });
    w.readers.seed({ ...w.reader(), sessionsByConnector: { [`${STATION_ID}#1`]: 'session-a' } });
    await w.display.showStartScreen(w.reader(), w.site);
    expect(w.reader()).toMatchObject({ screen: 'tapCard' });
    const started = await w.tap('card-3');
    expect(started).toMatchObject({ action: 'started' });
    const sessionId = (started as { sessionId: string }).sessionId;
    expect(w.session(sessionId)).toMatchObject({ connectorId: 2, cardId: 'card-3', status: 'authorizing' });
    expect(w.session('session-a').status).toBe('charging');
    expect(w.reader()).toMatchObject({ activeSessionId: sessionId, sessionsByConnector: { [`${STATION_ID}#1`]: 'session-a', [`${STATION_ID}#2`]: sessionId } });
  });

  it('another card when the only connector left is faulted: the card is let go and the reader reads on', async () => {
    const w = givenWorld({ connectors: [1, 2] });
    w.givenSession({ sessionId: 'session-a', status: 'charging', connectorId: 1, transactionId: 7, cardId: 'card-1' }, { hold: true });
    w.readers.seed({ ...w.reader(), sessionsByConnector: { [`${STATION_ID}#1`]: 'session-a' } });
    await w.stations.putConnectorStatus(status(2, 'Faulted'));
    await w.display.showStartScreen(w.reader(), w.site);
    w.payter.calls.length = 0;
    expect(await w.tap('card-3')).toEqual({ action: 'ignored', reason: 'no connector of the reader is free' });
    expect(w.sessions.all()).toHaveLength(1);
    expect(w.payter.trace()[0]).toBe(`stopReading ${SERIAL}`);
    expect(w.reader()).toMatchObject({ reading: { state: 'open' } });
  });

  it("a stale selection pick while another driver's card is being authorized opens no reading (it would let that card go)", async () => {
    const w = givenWorld({ connectors: [1, 2] });
    w.givenSession({ sessionId: 'session-a', status: 'authorizing', connectorId: 1, cardId: 'card-1' });
    w.readers.seed({ ...w.reader(), screen: 'selection', sessionsByConnector: { [`${STATION_ID}#1`]: 'session-a' } });
    expect(await w.pressButton('selection', 'selection', '1')).toEqual({ action: 'ignored' });
    expect(w.payter.calls).toEqual([]);
  });
});

describe('a tap of a card whose session at this reader has ended', () => {
  const minutesBefore = (minutes: number) => new Date(Date.parse(T0) - minutes * 60_000).toISOString();
  /** An idle reader, and an ended session of `card-1` on it. */
  async function afterSession(endedMinutesAgo: number, receiptTapMinutes = 10) {
    const w = await idleReader({ site: { limits: { plugInWindowSeconds: 120, maxSessionMinutes: 720, chargerLostSeconds: 900, receiptTapMinutes } } });
    w.givenSession({ sessionId: 'session-0', status: 'cancelled', paymentState: 'cancelled', cardId: 'card-1', createdAt: minutesBefore(60), endedAt: minutesBefore(endedMinutesAgo) });
    return w;
  }

  it("within the site's receiptTapMinutes shows that session's receipt without a hold, once: the next tap charges", async () => {
    const w = await afterSession(9);
    expect(await w.tap('card-1')).toEqual({ action: 'receipt', sessionId: 'session-0' });
    expect(w.payter.lastScreen(SERIAL)).toMatchObject({ id: 'nothingCharged', properties: { message: expect.stringContaining('https://csms.test/receipts/session-0') } });
    expect(w.payter.callsOf('authorize')).toEqual([]);
    expect(w.workflow.starts).toEqual([]);
    // The reader reads cards again under the receipt.
    expect(w.reader().reading).toMatchObject({ state: 'open' });
    expect(await w.tap('card-1')).toEqual({ action: 'started', sessionId: expect.any(String) });
  });

  it.each([
    ['after the window', 11, 10],
    ['with the window 0', 1, 0],
  ])('%s starts a new session', async (_case, endedMinutesAgo, receiptTapMinutes) => {
    const w = await afterSession(endedMinutesAgo, receiptTapMinutes);
    expect(await w.tap('card-1')).toEqual({ action: 'started', sessionId: expect.any(String) });
  });

  it('of another card starts a new session', async () => {
    const w = await afterSession(1);
    expect(await w.tap('card-2')).toEqual({ action: 'started', sessionId: expect.any(String) });
  });
});

describe("the menu's Stop", () => {
  /** A reader with the menu, idle, its Stop pressed: a card reading to stop that card's session. */
  async function stopPressed() {
    const w = givenWorld();
    w.readers.seed({ ...w.reader(), menu: true });
    await w.display.showStartScreen(w.reader(), w.site);
    expect(w.payter.lastScreen(SERIAL)?.id).toBe('menu');
    const menuContext = /\/ui\/([^/?]+)$/.exec(String(w.payter.callsOf('showUi').at(-1)!.callbackUrl))![1]!;
    expect(await w.pressButton(menuContext, 'menu', 'stop')).toEqual({ action: 'reading-to-stop' });
    w.payter.calls.length = 0;
    return w;
  }

  it('with no session of the card here takes no hold and starts nothing: back to the menu', async () => {
    const w = await stopPressed();
    expect(w.reader().reading).toMatchObject({ state: 'open', purpose: 'stop' });
    expect(await w.tap('card-9')).toEqual({ action: 'ignored', reason: 'no session of this card to stop' });
    expect(w.sessions.all()).toEqual([]);
    expect(w.workflow.starts).toEqual([]);
    expect(w.payter.callsOf('authorize')).toEqual([]);
    expect(w.payter.lastScreen(SERIAL)?.id).toBe('menu');
  });
});
