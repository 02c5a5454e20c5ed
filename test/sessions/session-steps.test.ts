/**
 * The steps of the charging-session workflow (lambdas/sessions/session-steps.ts) through
 * in-memory ports and a scripted Payter: what a driver sees on the reader, what is held,
 * committed or cancelled at Payter (and what is not), and what the session record says.
 * The retry schedule of commit and cancel (5 x 1 min, 24 x 1 h, 7 x 1 day) runs in the ASL;
 * here each attempt's outcome is classified, which is what decides whether the schedule goes on.
 */
import { describe, expect, it } from 'vitest';
import { PAYTER_FINALIZE_ERRORS } from '../../lambdas/payter/retry-schedule';
import { pricingAtTap, type ChargingSession } from '../../lambdas/sessions/model';
import { AuthorizationUncertainError, SessionStateError, SessionSteps, startedOutput, stoppedOutput, type SessionStepsDeps } from '../../lambdas/sessions/session-steps';
import { PAYTER, SERIAL, STATION_ID, T0, givenWorld, type ScriptedPayterOutcome, type World } from '../support/in-memory';
import { connectorStateOf16 } from '../../lambdas/ocpp/v16/connector-states';

const HOLD = 5000;
const minutesAfterT0 = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

/** The message of the reader's current screen. */
const message = (w: World) => w.payter.lastScreen(SERIAL)?.properties.message;

/** The world's steps with some ports replaced (a hook left out, a record that vanishes mid-step). */
function stepsOf(w: World, overrides: Partial<SessionStepsDeps>): SessionSteps {
  return new SessionSteps({
    sessions: w.sessions,
    readers: w.readers,
    sites: w.sites,
    stations: w.stations,
    transactions: w.transactions,
    payter: w.payter.client,
    display: w.display,
    workflow: w.workflow,
    clock: w.clock,
    receiptUrl: (sessionId) => `https://csms.test/receipts/${sessionId}`,
    log: { info: () => undefined, error: () => undefined },
    ...overrides,
  });
}

/** A repository whose `get` finds the record once (the step's load), then no more: deleted meanwhile. */
function vanishingAfterFirstGet<T extends { get(key: string): Promise<unknown> }>(repository: T): T {
  let reads = 0;
  const wrapper = Object.create(repository) as T;
  wrapper.get = (async (key: string) => (reads++ === 0 ? repository.get(key) : undefined)) as T['get'];
  return wrapper;
}

/** A session whose card is on the reader, ready to authorize. */
function authorizing(fields: Partial<ChargingSession> = {}, options: Parameters<typeof givenWorld>[0] = {}) {
  const w = givenWorld(options);
  w.payter.presentCard(SERIAL, HOLD);
  const session = w.givenSession({ status: 'authorizing', ...fields });
  return { w, id: session.sessionId };
}

/** The docs/pricing.md worked example, charged: 12345 Wh in an hour, the last 15 minutes idle (SuspendedEV). */
async function charged(fields: Partial<ChargingSession> = {}, options: Parameters<typeof givenWorld>[0] = {}) {
  const w = givenWorld(options);
  const session = w.givenSession(
    {
      status: 'stopped',
      transactionId: 7,
      startedAt: minutesAfterT0(-60),
      meterStart: 1000,
      stoppedAt: T0,
      meterStop: 13345,
      stopReason: 'EVDisconnected',
      endReason: 'chargerStopped',
      ...fields,
    },
    { hold: true },
  );
  for (const [status, minutes] of [['Charging', -60], ['SuspendedEV', -15], ['Finishing', 0]] as const) {
    await w.stations.putConnectorStatus({ stationId: STATION_ID, connectorId: 1, state: connectorStateOf16(status), status, errorCode: 'NoError', timestamp: minutesAfterT0(minutes), receivedAt: minutesAfterT0(minutes) });
  }
  return { w, id: session.sessionId, payterSessionId: session.payterSessionId! };
}

/** A charged session priced at 764 with its hold open at Payter: ready to commit. */
async function priced(options: Parameters<typeof givenWorld>[0] = {}) {
  const world = await charged({}, options);
  await world.w.steps.price(world.id);
  return world;
}

describe('authorize: the hold on the card', () => {
  it("holds the site's amount, moves the session to starting and asks the driver to plug in", async () => {
    const { w, id } = authorizing({}, { site: { limits: { plugInWindowSeconds: 90, maxSessionMinutes: 720, chargerLostSeconds: 900, receiptTapMinutes: 10 } } });
    expect(await w.steps.authorize(id)).toEqual({ outcome: 'approved' });
    expect(w.session(id)).toMatchObject({
      status: 'starting',
      paymentState: 'authorized',
      payterSessionId: 'payter-1',
      authorizedAmount: HOLD,
      currency: 'USD',
      holdsBeforeAuthorize: [],
      authorizePending: false,
      // What the start screen showed, kept for the live cost and the receipt.
      pricing: { tariff: w.site.tariff, tax: w.site.tax, language: 'en' },
    });
    expect(w.session(id).authorizeAnswerLost).toBeUndefined();
    expect(w.payter.holdsOf(SERIAL)).toMatchObject([{ sessionId: 'payter-1', state: 'AUTHORIZED', authorizedAmount: HOLD }]);
    expect(w.payter.screenIds(SERIAL)).toEqual(['authorizing', 'plugIn']);
    expect(w.payter.terminal(SERIAL).screens[0]!.properties.message).toContain('$50.00');
    expect(message(w)).toBe('Card approved. Plug in the cable within 90 seconds to start charging.');
    expect(w.reader().screen).toBe('plugIn');
    expect(w.payter.calls.map((c) => c.call)).toEqual(['showUi', 'getTerminal', 'listSessions', 'authorize', 'getSession', 'showUi']);
  });

  it('records the holds already open on the reader as never its own (only the authorized ones)', async () => {
    const { w, id } = authorizing();
    const other = w.payter.holdElsewhere(SERIAL, { amount: 3000 });
    w.payter.holdElsewhere(SERIAL, { amount: 3000, state: 'COMMITTED' });
    w.payter.holdElsewhere(SERIAL, { amount: 3000, state: 'CANCELLED' });
    await w.steps.authorize(id);
    expect(w.session(id).holdsBeforeAuthorize).toEqual([other]);
  });

  it('a retried step keeps the holds it saw first and counts the earlier answer as lost', async () => {
    const { w, id } = authorizing({ holdsBeforeAuthorize: ['payter-old'], authorizePending: true });
    expect(await w.steps.authorize(id)).toEqual({ outcome: 'approved' });
    expect(w.payter.callsOf('listSessions')).toEqual([]);
    expect(w.session(id)).toMatchObject({ holdsBeforeAuthorize: ['payter-old'], authorizeAnswerLost: true, authorizePending: false });
  });

  it.each([
    { case: 'approved (has a hold)', fields: { status: 'starting', payterSessionId: 'p' }, outcome: 'approved' },
    { case: 'refused (hold, failed)', fields: { status: 'failed', payterSessionId: 'p' }, outcome: 'refused' },
    { case: 'declined', fields: { status: 'declined' }, outcome: 'declined' },
    { case: 'cancelled meanwhile', fields: { status: 'cancelled' }, outcome: 'failed' },
    { case: 'already starting without a hold', fields: { status: 'starting' }, outcome: 'failed' },
  ] as const)('a retried step that finds the session $case answers $outcome and asks Payter nothing', async ({ fields, outcome }) => {
    const { w, id } = authorizing(fields);
    const before = w.session(id);
    expect(await w.steps.authorize(id)).toEqual({ outcome });
    expect(w.payter.calls).toEqual([]);
    expect(w.session(id)).toEqual(before);
  });

  it.each([
    // Offline, the reader cannot show the screen (Payter answers 503), but it was asked to.
    { case: 'offline', terminal: { online: false, state: 'CARD' }, shown: undefined },
    { case: 'idle (no card)', terminal: { online: true, state: 'IDLE' }, shown: 'The card was not read. Please tap again.' },
  ])('a terminal $case: no hold is asked for, the card is let go, the driver asked to tap again', async ({ terminal, shown }) => {
    const { w, id } = authorizing();
    Object.assign(w.payter.terminal(SERIAL), terminal);
    expect(await w.steps.authorize(id)).toEqual({ outcome: 'failed' });
    expect(w.session(id)).toMatchObject({ status: 'failed', endReason: 'cardNotPresent' });
    expect(w.payter.callsOf('authorize')).toEqual([]);
    expect(w.payter.callsOf('listSessions')).toEqual([]);
    expect(w.payter.callsOf('stopReading')).toEqual([{ serial: SERIAL }]);
    expect(w.payter.callsOf('showUi').map((r) => (r.screen as { id: string }).id)).toEqual(['authorizing', 'error']);
    expect(message(w)).toBe(shown);
  });

  it("a terminal whose state cannot be read does not stop the authorize (Payter's answer tells)", async () => {
    const { w, id } = authorizing();
    w.payter.script('getTerminal', PAYTER.unavailable);
    expect(await w.steps.authorize(id)).toEqual({ outcome: 'approved' });
  });

  it('Payter cannot list the reader\'s holds: no authorize (a hold could not be told from others), payterUnavailable', async () => {
    const { w, id } = authorizing();
    w.payter.script('listSessions', PAYTER.unavailable);
    expect(await w.steps.authorize(id)).toEqual({ outcome: 'failed' });
    expect(w.session(id)).toMatchObject({ status: 'failed', endReason: 'payterUnavailable' });
    expect(w.session(id).authorizePending).toBeUndefined();
    expect(w.payter.callsOf('authorize')).toEqual([]);
    expect(w.payter.callsOf('stopReading')).toHaveLength(1);
  });

  it.each(['lost', 'garbled'] as const)('an authorize answer %s: uncertain, the session remembers a hold may exist for Release to sweep', async (kind) => {
    const { w, id } = authorizing();
    w.payter.script('authorize', PAYTER[kind]);
    await expect(w.steps.authorize(id)).rejects.toThrow(AuthorizationUncertainError);
    expect(w.session(id)).toMatchObject({ status: 'authorizing', authorizePending: false, authorizeAnswerLost: true, holdsBeforeAuthorize: [] });
    expect(w.payter.holdsOf(SERIAL)).toMatchObject([{ state: 'AUTHORIZED' }]); // the hold Release must sweep
  });

  it('a step that dies after Payter held the money, before recording it: the session still says pending, so Release cancels that hold', async () => {
    const { w, id } = authorizing();
    w.sessions.failNext('transition');
    await expect(w.steps.authorize(id)).rejects.toThrow('transition failed (injected)');
    expect(w.session(id)).toMatchObject({ status: 'authorizing', authorizePending: true, holdsBeforeAuthorize: [] });
    // The retry finds the card gone (Payter took it for the hold), and the workflow releases.
    expect(await w.steps.authorize(id)).toEqual({ outcome: 'failed' });
    await w.steps.release(id);
    expect(w.payter.holdsOf(SERIAL)).toMatchObject([{ sessionId: 'payter-1', state: 'CANCELLED' }]);
  });

  it('an uncertain authorize throws an error named for the workflow', async () => {
    const { w, id } = authorizing();
    w.payter.script('authorize', PAYTER.unavailable);
    await expect(w.steps.authorize(id)).rejects.toMatchObject({ name: 'AuthorizationUncertain', message: "Payter's answer to authorize was transient" });
  });

  it('a declined card: declined, the declined screen, nothing held', async () => {
    const { w, id } = authorizing();
    w.payter.script('authorize', PAYTER.declined);
    expect(await w.steps.authorize(id)).toEqual({ outcome: 'declined' });
    expect(w.session(id)).toMatchObject({ status: 'declined', endReason: 'declined', authorizePending: false });
    expect(w.session(id).paymentState).toBe('none');
    expect(w.payter.screenIds(SERIAL)).toEqual(['authorizing', 'declined']);
    expect(w.payter.holdsOf(SERIAL)).toEqual([]);
  });

  it.each([
    { answer: PAYTER.conflict, endReason: 'cardNotPresent' },
    { answer: PAYTER.rejected, endReason: 'payterRefused' },
  ])('a clean no ($answer.kind): failed $endReason, the card let go, tap again', async ({ answer, endReason }) => {
    const { w, id } = authorizing();
    w.payter.script('authorize', answer);
    expect(await w.steps.authorize(id)).toEqual({ outcome: 'failed' });
    expect(w.session(id)).toMatchObject({ status: 'failed', endReason, authorizePending: false });
    expect(w.payter.callsOf('stopReading')).toHaveLength(1);
    expect(message(w)).toBe('The card was not read. Please tap again.');
  });

  describe('the currency Payter holds the money in', () => {
    it.each([
      { case: 'told by the answer, the same', terminal: { currency: 'USD', currencyOnAuthorize: true }, reader: {}, getSession: false, outcome: 'approved' },
      { case: 'told by the answer, another', terminal: { currency: 'EUR', currencyOnAuthorize: true }, reader: {}, getSession: false, outcome: 'refused' },
      { case: 'known on the reader, another', terminal: { currency: 'USD' }, reader: { payterCurrency: 'EUR' }, getSession: false, outcome: 'refused' },
      { case: 'known on the reader, the same', terminal: { currency: 'EUR' }, reader: { payterCurrency: 'USD' }, getSession: false, outcome: 'approved' },
      { case: "read from Payter's session, another", terminal: { currency: 'EUR' }, reader: {}, getSession: true, outcome: 'refused' },
      { case: "read from Payter's session, the same", terminal: { currency: 'USD' }, reader: {}, getSession: true, outcome: 'approved' },
    ] as const)('$case: $outcome', async ({ terminal, reader, getSession, outcome }) => {
      const { w, id } = authorizing({}, { terminal });
      w.readers.seed({ ...w.reader(), ...reader });
      expect(await w.steps.authorize(id)).toEqual({ outcome });
      expect(w.payter.callsOf('getSession')).toHaveLength(getSession ? 1 : 0);
      if (getSession) expect(w.reader().payterCurrency).toBe(terminal.currency);
      if (outcome === 'approved') {
        expect(w.session(id)).toMatchObject({ status: 'starting', currency: 'USD' });
        return;
      }
      // Never start the charger on money held in another currency: failed, the hold kept for CancelPayment.
      expect(w.session(id)).toMatchObject({
        status: 'failed',
        endReason: 'currencyMismatch',
        paymentState: 'authorized',
        payterSessionId: 'payter-1',
        authorizedAmount: HOLD,
        currency: 'EUR',
        authorizePending: false,
      });
      expect(w.alerts).toEqual([
        {
          metric: 'CurrencyMismatches',
          message: 'reader currency differs from its site: hold cancelled',
          details: { sessionId: id, serialNumber: SERIAL, siteId: w.site.siteId, readerCurrency: 'EUR', siteCurrency: 'USD' },
        },
      ]);
      expect(message(w)).toBe('This reader cannot take payments here. You have not been charged.');
    });

    it('a currency mismatch is refused without an alert hook too', async () => {
      const { w, id } = authorizing({}, { terminal: { currency: 'EUR', currencyOnAuthorize: true } });
      expect(await stepsOf(w, { alert: undefined }).authorize(id)).toEqual({ outcome: 'refused' });
      expect(w.session(id)).toMatchObject({ status: 'failed', endReason: 'currencyMismatch' });
    });

    it("Payter's session cannot be read: the hold is taken in the site's currency", async () => {
      const { w, id } = authorizing({}, { terminal: { currency: 'EUR' } });
      w.payter.script('getSession', PAYTER.unavailable);
      expect(await w.steps.authorize(id)).toEqual({ outcome: 'approved' });
      expect(w.session(id).currency).toBe('USD');
      expect(w.reader().payterCurrency).toBeUndefined();
    });
  });
});

describe('the waits for the charger', () => {
  it.each([
    { case: 'not yet started', fields: {}, signals: [] },
    {
      case: 'already started',
      fields: { transactionId: 7, startedAt: T0, meterStart: 100 },
      signals: [{ kind: 'succeed', taskToken: 'start-token', output: { transactionId: 7, startedAt: T0, meterStart: 100 } }],
    },
  ])('awaitStart, $case: the token is kept; a start that came already completes the wait', async ({ fields, signals }) => {
    const w = givenWorld();
    const { sessionId } = w.givenSession({ status: 'starting', ...fields });
    await w.steps.awaitStart(sessionId, 'start-token');
    expect(w.session(sessionId).startTaskToken).toBe('start-token');
    expect(w.workflow.signals).toEqual(signals);
  });

  it.each([
    { case: 'not yet stopped', fields: {}, signals: [] },
    {
      case: 'already stopped',
      fields: { stoppedAt: T0, meterStop: 900, stopReason: 'Local' },
      signals: [{ kind: 'succeed', taskToken: 'stop-token', output: { stoppedAt: T0, meterStop: 900, stopReason: 'Local' } }],
    },
  ])('awaitStop, $case: the token is kept; a stop that came already completes the wait', async ({ fields, signals }) => {
    const w = givenWorld();
    const { sessionId } = w.givenSession({ status: 'charging', transactionId: 7, ...fields });
    await w.steps.awaitStop(sessionId, 'stop-token');
    expect(w.session(sessionId).stopTaskToken).toBe('stop-token');
    expect(w.workflow.signals).toEqual(signals);
  });

  it("the outputs the workflow reads: the charger's start and stop", () => {
    const session = { transactionId: 3, startedAt: 'a', meterStart: 1, stoppedAt: 'b', meterStop: 2, stopReason: 'Local' } as ChargingSession;
    expect(startedOutput(session)).toEqual({ transactionId: 3, startedAt: 'a', meterStart: 1 });
    expect(stoppedOutput(session)).toEqual({ stoppedAt: 'b', meterStop: 2, stopReason: 'Local' });
  });

  it.each([
    { status: 'starting', after: 'cancelled', started: false, screen: true },
    { status: 'authorizing', after: 'cancelled', started: false, screen: true },
    { status: 'charging', after: 'charging', started: true, screen: false },
    { status: 'failed', after: 'failed', started: false, screen: true },
  ] as const)('noTransaction of a $status session: $after, started $started', async ({ status, after, started, screen }) => {
    const w = givenWorld();
    const { sessionId } = w.givenSession({ status });
    expect(await w.steps.noTransaction(sessionId)).toEqual({ started });
    expect(w.session(sessionId).status).toBe(after);
    if (after === 'cancelled') expect(w.session(sessionId).endReason).toBe('noTransaction');
    expect(message(w)).toBe(screen ? 'Charging did not start. You have not been charged.' : undefined);
  });
});

it('noTransaction of a session deleted meanwhile: not started, the driver told', async () => {
  const w = givenWorld();
  const { sessionId } = w.givenSession({ status: 'failed' });
  expect(await stepsOf(w, { sessions: vanishingAfterFirstGet(w.sessions) }).noTransaction(sessionId)).toEqual({ started: false });
  expect(message(w)).toBe('Charging did not start. You have not been charged.');
});

describe('charging: the live screen, then the wait for the stop', () => {
  it('the reader takes cards again (tap to stop, amount hidden) and shows the cost so far', async () => {
    const w = givenWorld();
    const { sessionId } = w.givenSession({ status: 'charging', transactionId: 1, startedAt: minutesAfterT0(-30), meterStart: 1000 });
    w.transactions.seed({ transactionId: 1, stationId: STATION_ID, connectorId: 1, idTag: 'T', meterStart: 1000, startedAt: minutesAfterT0(-30), status: 'active', lastMeterWh: 11000, lastMeterAt: minutesAfterT0(-1) });
    await w.steps.charging(sessionId, 'stop-token');
    expect(w.session(sessionId).stopTaskToken).toBe('stop-token');
    expect(w.payter.calls.map((c) => c.call)).toEqual(['stopReading', 'startReading', 'showUi']);
    expect(w.payter.callsOf('startReading')[0]).toMatchObject({ hideAmount: true, authorizedAmount: HOLD });
    expect(w.reader().reading).toMatchObject({ id: 'reading-1', state: 'open' });
    // 10 kWh at 35 c = 350, half an hour at 120 c/h = 60, fee 100: 510, tax 8.875 % 45: 555.
    expect(w.session(sessionId)).toMatchObject({ runningTotal: 555, chargingScreenAt: T0 });
    expect(message(w)).toContain('$5.55');
    expect(w.payter.lastScreen(SERIAL)?.id).toBe('charging');
  });

  it.each([
    { case: 'no transaction yet', transactionId: undefined },
    { case: 'no meter value yet', transactionId: 1 },
  ])('$case: the screen shows what is known and does not hold back the first reading', async ({ transactionId }) => {
    const w = givenWorld({ site: { tariff: { sessionFee: 0, timePerHour: '0' } } });
    const { sessionId } = w.givenSession({ status: 'charging', ...(transactionId && { transactionId }) });
    w.transactions.seed({ transactionId: 1, stationId: STATION_ID, connectorId: 1, idTag: 'T', meterStart: 0, startedAt: T0, status: 'active' });
    await w.steps.charging(sessionId, 'stop-token');
    expect(w.session(sessionId).runningTotal).toBe(0);
    expect(w.session(sessionId).chargingScreenAt).toBeUndefined();
    expect(message(w)).toContain('$0.00');
  });
});

it('charging whose screen cannot be shown: logged, and the wait for the stop begins all the same', async () => {
  const w = givenWorld();
  const { sessionId } = w.givenSession({ status: 'charging', transactionId: 1, startedAt: minutesAfterT0(-30), meterStart: 1000, stoppedAt: T0, meterStop: 2000 });
  const errors: string[] = [];
  w.sessions.failNext('update');
  await stepsOf(w, { log: { info: () => undefined, error: (message) => errors.push(message) } }).charging(sessionId, 'stop-token');
  expect(errors).toEqual(['charging screen not shown']);
  // The stop had come already: the wait is completed at once.
  expect(w.workflow.signals).toEqual([expect.objectContaining({ kind: 'succeed', taskToken: 'stop-token' })]);
});

describe('the end of charging', () => {
  it.each([
    { status: 'charging', after: 'stopping', endReason: 'maxDuration' },
    { status: 'stopping', after: 'stopping', endReason: 'driverTap' },
  ] as const)('maxDuration of a $status session: $after ($endReason)', async ({ status, after, endReason }) => {
    const w = givenWorld();
    const { sessionId } = w.givenSession({ status, ...(status === 'stopping' && { endReason: 'driverTap' }) });
    await w.steps.maxDuration(sessionId);
    expect(w.session(sessionId)).toMatchObject({ status: after, endReason });
  });

  it.each([
    {
      case: 'its last meter value',
      transaction: { lastMeterWh: 8000, lastMeterAt: minutesAfterT0(-20) },
      session: { startedAt: minutesAfterT0(-60), meterStart: 1000 },
      billed: { stoppedAt: minutesAfterT0(-20), meterStop: 8000 },
    },
    {
      case: 'no meter value: its start (nothing billed for energy)',
      transaction: {},
      session: { startedAt: minutesAfterT0(-60), meterStart: 1000 },
      billed: { stoppedAt: minutesAfterT0(-60), meterStop: 1000 },
    },
    { case: 'no record of it at all: now, 0', transaction: undefined, session: {}, billed: { stoppedAt: T0, meterStop: 0 } },
  ])('a charger lost mid-session is billed up to $case', async ({ transaction, session, billed }) => {
    const w = givenWorld();
    const { sessionId } = w.givenSession({ status: 'charging', transactionId: 4, ...session });
    if (transaction) w.transactions.seed({ transactionId: 4, stationId: STATION_ID, connectorId: 1, idTag: 'T', meterStart: 1000, startedAt: minutesAfterT0(-60), status: 'active', ...transaction });
    await w.steps.chargerLost(sessionId);
    expect(w.session(sessionId)).toMatchObject({ status: 'stopped', endReason: 'chargerLost', ...billed });
  });

  it.each([
    { case: 'already stopped', fields: { transactionId: 4, stoppedAt: minutesAfterT0(-5), meterStop: 5000 } },
    { case: 'never started', fields: {} },
  ])('chargerLost of a session $case changes nothing', async ({ fields }) => {
    const w = givenWorld();
    const { sessionId } = w.givenSession({ status: 'charging', ...fields });
    const before = w.session(sessionId);
    await w.steps.chargerLost(sessionId);
    expect(w.session(sessionId)).toEqual(before);
  });
});

describe('price: what to capture', () => {
  it("prices docs/pricing.md's worked example: 764 captured, split and receipt stored", async () => {
    const { w, id } = await charged();
    expect(await w.steps.price(id)).toEqual({ captured: 764, cancel: false });
    const session = w.session(id);
    expect(session.status).toBe('stopped');
    expect(session.payment).toEqual({
      captured: { minor: 764, currency: 'USD' },
      shortfall: { minor: 0, currency: 'USD' },
      taxCollected: { minor: 62, currency: 'USD' },
      capped: false,
      cancel: false,
    });
    expect(session.split).toEqual({
      captured: { minor: 764, currency: 'USD' },
      taxCollected: { minor: 62, currency: 'USD' },
      platformFee: { minor: 120, currency: 'USD' },
      hostRevenue: { minor: 582, currency: 'USD' },
    });
    expect(session.receipt).toMatchObject({ usage: { energyWh: 12345, durationSeconds: 3600, idleSeconds: 900 }, total: { minor: 764, currency: 'USD' } });
    expect(JSON.stringify(session.receiptView)).toContain('7.64');
    expect(w.logs).toContainEqual({ level: 'info', message: 'session priced', details: { sessionId: id, total: 764, captured: 764, shortfall: 0 } });
  });

  it.each([
    { case: 'a hold below the total: capped at the hold', hold: 500, site: {}, captured: 500, cancel: false, shortfall: 264 },
    { case: 'a free site: nothing to capture, cancel', hold: HOLD, site: { tariff: { sessionFee: 0, energyPerKwh: '0', timePerHour: '0', idlePerHour: '0' } }, captured: 0, cancel: true, shortfall: 0 },
  ])('$case', async ({ hold, site, captured, cancel, shortfall }) => {
    const { w, id } = await charged({ authorizedAmount: hold }, { site });
    expect(await w.steps.price(id)).toEqual({ captured, cancel });
    expect(w.session(id).payment).toMatchObject({ captured: { minor: captured }, shortfall: { minor: shortfall }, cancel });
  });

  it('a session without an authorized amount captures nothing', async () => {
    const w = givenWorld();
    const { sessionId } = w.givenSession({ status: 'stopped', startedAt: minutesAfterT0(-60), meterStart: 0, stoppedAt: T0, meterStop: 1000 });
    expect(await w.steps.price(sessionId)).toEqual({ captured: 0, cancel: true });
  });

  it("the prices kept at the tap, not the site's changed since: what the live screen showed is what is captured", async () => {
    const { w, id } = await charged({ currency: 'USD', pricing: pricingAtTap(givenWorld().site) });
    await w.sites.put({ ...w.site, tariff: { ...w.site.tariff, energyPerKwh: '99' }, tax: { ratePercent: '20', inclusive: false } });
    expect(await w.steps.price(id)).toEqual({ captured: 764, cancel: false });
    expect(w.session(id).receipt).toMatchObject({ taxRatePercent: '8.875' });
  });

  it('a session authorized before prices were kept is priced from its site as it is', async () => {
    const { w, id } = await charged();
    await w.sites.put({ ...w.site, tariff: { ...w.site.tariff, sessionFee: 200 } });
    expect(await w.steps.price(id)).toEqual({ captured: 873, cancel: false }); // 100 more, tax 8.875 % on it
  });

  it('a retried price returns what was priced, even if the tariff changed since', async () => {
    const { w, id } = await priced();
    await w.sites.put({ ...w.site, tariff: { ...w.site.tariff, sessionFee: 9999 } });
    expect(await w.steps.price(id)).toEqual({ captured: 764, cancel: false });
    expect(w.session(id).payment?.captured.minor).toBe(764);
  });

  it.each(['startedAt', 'stoppedAt', 'meterStart', 'meterStop'] as const)('a session without %s has nothing to price: a state error, not a retry', async (field) => {
    const { w, id } = await charged();
    const { [field]: _removed, ...rest } = w.session(id);
    w.sessions.seed(rest as ChargingSession);
    await expect(w.steps.price(id)).rejects.toThrow(SessionStateError);
    await expect(w.steps.price(id)).rejects.toMatchObject({ name: 'SessionStateError', message: `session ${id} has no finished transaction to price` });
    expect(w.session(id).payment).toBeUndefined();
  });
});

describe('commit: exactly the captured amount', () => {
  it('commits the captured amount and records it', async () => {
    const { w, id, payterSessionId } = await priced();
    expect(await w.steps.commit(id)).toEqual({ paymentState: 'committed' });
    expect(w.payter.trace()).toEqual([`getSession ${SERIAL}/${payterSessionId}`, `commit ${SERIAL}/${payterSessionId}`, `getSession ${SERIAL}/${payterSessionId}`]);
    expect(w.payter.callsOf('commit')).toEqual([{ serial: SERIAL, sessionId: payterSessionId, commitAmount: 764 }]);
    expect(w.payter.hold(payterSessionId)).toMatchObject({ state: 'COMMITTED', committedAmount: 764 });
    expect(w.session(id)).toMatchObject({ paymentState: 'committed', committedAmount: 764 });
    expect(w.logs).toContainEqual({ level: 'info', message: 'payment committed', details: { sessionId: id, committedAmount: 764 } });
  });

  it.each(['committed', 'cancelled'] as const)('a session already %s: no money moves', async (paymentState) => {
    const { w, id } = await priced();
    await w.sessions.update(id, { paymentState }, T0);
    expect(await w.steps.commit(id)).toEqual({ paymentState });
    expect(w.payter.calls).toEqual([]);
  });

  it.each(['payterSessionId', 'payment'] as const)('a session without %s has nothing to commit: a state error', async (field) => {
    const { w, id } = await priced();
    const { [field]: _removed, ...rest } = w.session(id);
    w.sessions.seed(rest as ChargingSession);
    await expect(w.steps.commit(id)).rejects.toMatchObject({ name: 'SessionStateError', message: `session ${id} has nothing to commit` });
    expect(w.payter.callsOf('commit')).toEqual([]);
  });

  it.each([
    { state: 'COMMITTED', committedAmount: 764, paymentState: 'committed' },
    { state: 'CANCELLED', committedAmount: 0, paymentState: 'cancelled' },
  ] as const)('a retry that finds the hold already $state at Payter moves no money and records its outcome', async ({ state, committedAmount, paymentState }) => {
    const { w, id, payterSessionId } = await priced();
    const final = { kind: 'answer', outcome: { kind: 'ok', value: { ...w.payter.hold(payterSessionId), state, committedAmount } } } as const;
    w.payter.script('getSession', final, final);
    expect(await w.steps.commit(id)).toEqual({ paymentState });
    expect(w.payter.callsOf('commit')).toEqual([]);
    expect(w.session(id)).toMatchObject({ paymentState, committedAmount });
  });

  it("Payter's session cannot be read before: the commit goes ahead (a 409 would tell)", async () => {
    const { w, id, payterSessionId } = await priced();
    w.payter.script('getSession', PAYTER.unavailable);
    expect(await w.steps.commit(id)).toEqual({ paymentState: 'committed' });
    expect(w.payter.hold(payterSessionId).committedAmount).toBe(764);
  });

  describe("Payter's 409: already final, its own record says which way", () => {
    it.each([
      { case: 'committed by an attempt whose answer was lost', final: { state: 'COMMITTED', committedAmount: 764 }, paymentState: 'committed', committedAmount: 764 },
      { case: 'cancelled meanwhile (the sweeper)', final: { state: 'CANCELLED', committedAmount: 0 }, paymentState: 'cancelled', committedAmount: 0 },
      { case: 'committed, the amount not told', final: { state: 'COMMITTED', committedAmount: undefined }, paymentState: 'committed', committedAmount: undefined },
    ] as const)('$case: $paymentState', async ({ final, paymentState, committedAmount }) => {
      const { w, id, payterSessionId } = await priced();
      const record = { ...w.payter.hold(payterSessionId), ...final };
      w.payter.script('getSession', { kind: 'answer', outcome: { kind: 'ok', value: { ...record, state: 'AUTHORIZED' } } }, { kind: 'answer', outcome: { kind: 'ok', value: record } });
      w.payter.script('commit', PAYTER.conflict);
      expect(await w.steps.commit(id)).toEqual({ paymentState });
      expect(w.session(id).paymentState).toBe(paymentState);
      expect(w.session(id).committedAmount).toBe(committedAmount);
    });

    it("a 409 whose record cannot be read: taken as the commit's own (Payter stops retrying on 409)", async () => {
      const { w, id } = await priced();
      w.payter.script('commit', PAYTER.conflict);
      w.payter.script('getSession', { kind: 'answer', outcome: { kind: 'ok', value: { sessionId: 'x', serialNumber: SERIAL, state: 'AUTHORIZED', authorizedAmount: HOLD, committedAmount: undefined, currency: 'USD' } } }, PAYTER.unavailable);
      expect(await w.steps.commit(id)).toEqual({ paymentState: 'committed' });
      expect(w.session(id).committedAmount).toBeUndefined();
    });

    it.each([
      { state: 'COMMITTED', committedAmount: 764, paymentState: 'committed' },
      // Cancelled meanwhile (the sweeper, an operator): never recorded as a charge the driver did not pay.
      { state: 'CANCELLED', committedAmount: 0, paymentState: 'cancelled' },
    ] as const)('a retry that finds the hold $state, whose second read fails: $paymentState, as the first read said', async ({ state, committedAmount, paymentState }) => {
      const { w, id, payterSessionId } = await priced();
      w.payter.script('getSession', { kind: 'answer', outcome: { kind: 'ok', value: { ...w.payter.hold(payterSessionId), state, committedAmount } } }, PAYTER.unavailable);
      expect(await w.steps.commit(id)).toEqual({ paymentState });
      expect(w.payter.callsOf('commit')).toEqual([]);
      expect(w.session(id).paymentState).toBe(paymentState);
    });

    it('a 409 on a hold still listed AUTHORIZED is not believed: retried, the hold still open and ours', async () => {
      const { w, id, payterSessionId } = await priced();
      w.payter.script('commit', PAYTER.conflict);
      await expect(w.steps.commit(id)).rejects.toMatchObject({ name: PAYTER_FINALIZE_ERRORS.retryable, message: 'Payter commit answered conflict but the session is still AUTHORIZED' });
      expect(w.session(id).paymentState).toBe('authorized');
      expect(w.payter.hold(payterSessionId)).toMatchObject({ state: 'AUTHORIZED' });
      // The retry lands.
      expect(await w.steps.commit(id)).toEqual({ paymentState: 'committed' });
      expect(w.payter.hold(payterSessionId)).toMatchObject({ state: 'COMMITTED', committedAmount: 764 });
    });

    it('a commit that finds the hold cancelled at Payter: recorded cancelled, the operator alerted that nothing was paid', async () => {
      const { w, id, payterSessionId } = await priced();
      w.payter.cancelElsewhere(payterSessionId);
      expect(await w.steps.commit(id)).toEqual({ paymentState: 'cancelled' });
      expect(w.payter.callsOf('commit')).toEqual([]);
      expect(w.alerts).toEqual([
        {
          metric: 'CommitsFoundCancelled',
          message: 'the hold was cancelled at Payter before the commit: nothing was paid',
          details: { sessionId: id, payterSessionId, serialNumber: SERIAL, captured: 764 },
        },
      ]);
    });

    it.each<{ case: string; arrange: (w: World, payterSessionId: string, id: string) => void; act: 'commit' | 'cancel'; paymentState: string }>([
      { case: 'a commit that lands', arrange: () => undefined, act: 'commit', paymentState: 'committed' },
      { case: 'a cancel', arrange: () => undefined, act: 'cancel', paymentState: 'cancelled' },
      { case: 'a cancel that finds the hold already cancelled', arrange: (w, p) => w.payter.cancelElsewhere(p), act: 'cancel', paymentState: 'cancelled' },
      {
        case: 'a commit of nothing that finds the hold cancelled (nothing was charged)',
        arrange: (w, p, id) => {
          const session = w.session(id);
          w.sessions.seed({ ...session, payment: { ...session.payment!, captured: { ...session.payment!.captured, minor: 0 } } });
          w.payter.cancelElsewhere(p);
        },
        act: 'commit',
        paymentState: 'cancelled',
      },
    ])('$case: no operator alert', async ({ arrange, act, paymentState }) => {
      const { w, id, payterSessionId } = await priced();
      arrange(w, payterSessionId, id);
      expect(await w.steps[act](id)).toEqual({ paymentState });
      expect(w.alerts).toEqual([]);
    });

    it('a commit whose answer was lost, retried: the retry finds it committed and commits nothing twice', async () => {
      const { w, id, payterSessionId } = await priced();
      w.payter.script('commit', PAYTER.lost);
      await expect(w.steps.commit(id)).rejects.toMatchObject({ name: PAYTER_FINALIZE_ERRORS.retryable });
      expect(w.session(id).paymentState).toBe('authorized');
      expect(await w.steps.commit(id)).toEqual({ paymentState: 'committed' });
      expect(w.payter.callsOf('commit')).toHaveLength(1);
      expect(w.payter.hold(payterSessionId)).toMatchObject({ state: 'COMMITTED', committedAmount: 764 });
      expect(w.session(id)).toMatchObject({ paymentState: 'committed', committedAmount: 764 });
    });
  });

  it.each<{ answer: ScriptedPayterOutcome; error: string }>([
    { answer: PAYTER.unavailable, error: PAYTER_FINALIZE_ERRORS.retryable },
    { answer: PAYTER.lost, error: PAYTER_FINALIZE_ERRORS.retryable },
    { answer: PAYTER.garbled, error: PAYTER_FINALIZE_ERRORS.retryable },
    { answer: { kind: 'rejected', status: 401 }, error: PAYTER_FINALIZE_ERRORS.retryable },
    { answer: { kind: 'rejected', status: 404 }, error: PAYTER_FINALIZE_ERRORS.retryable },
    { answer: { kind: 'rejected', status: 400 }, error: PAYTER_FINALIZE_ERRORS.refused },
    { answer: { kind: 'rejected', status: 422 }, error: PAYTER_FINALIZE_ERRORS.refused },
  ])('a commit answered $answer.kind $answer.status throws $error for the schedule; the session stays authorized', async ({ answer, error }) => {
    const { w, id } = await priced();
    w.payter.script('commit', answer);
    const failure = await w.steps.commit(id).catch((e: unknown) => e as Error);
    expect(failure).toMatchObject({ name: error });
    expect((failure as Error).message).toMatch(/^Payter commit answered (transient|protocol|rejected)$/);
    expect(w.session(id).paymentState).toBe('authorized');
    expect(w.session(id).committedAmount).toBeUndefined();
  });
});

describe('cancel: the hold let go', () => {
  async function holding() {
    const w = givenWorld();
    const session = w.givenSession({ status: 'cancelled', endReason: 'noTransaction' }, { hold: true });
    return { w, id: session.sessionId, payterSessionId: session.payterSessionId! };
  }

  it('cancels the hold at Payter and records it', async () => {
    const { w, id, payterSessionId } = await holding();
    expect(await w.steps.cancel(id)).toEqual({ paymentState: 'cancelled' });
    expect(w.payter.trace()).toEqual([`cancel ${SERIAL}/${payterSessionId}`, `getSession ${SERIAL}/${payterSessionId}`]);
    expect(w.payter.hold(payterSessionId).state).toBe('CANCELLED');
    expect(w.session(id)).toMatchObject({ paymentState: 'cancelled', committedAmount: 0 });
    expect(w.logs).toContainEqual({ level: 'info', message: 'payment cancelled', details: { sessionId: id, committedAmount: 0 } });
  });

  it.each([
    { case: 'no hold (declined)', fields: { status: 'declined', paymentState: 'none' }, paymentState: 'none' },
    { case: 'no hold, no payment state', fields: { status: 'failed', paymentState: undefined }, paymentState: 'none' },
    { case: 'already cancelled', fields: { payterSessionId: 'p', paymentState: 'cancelled' }, paymentState: 'cancelled' },
    { case: 'already committed', fields: { payterSessionId: 'p', paymentState: 'committed' }, paymentState: 'committed' },
  ] as const)('$case: nothing to cancel, $paymentState', async ({ fields, paymentState }) => {
    const w = givenWorld();
    const { paymentState: state, ...rest } = fields as Partial<ChargingSession>;
    const { sessionId } = w.givenSession({ ...rest, ...(state && { paymentState: state }) });
    if (!state) {
      const { paymentState: _none, ...without } = w.session(sessionId);
      w.sessions.seed(without as ChargingSession);
    }
    expect(await w.steps.cancel(sessionId)).toEqual({ paymentState });
    expect(w.payter.calls).toEqual([]);
  });

  it.each([
    { case: 'cancelled by an attempt whose answer was lost', final: 'CANCELLED', paymentState: 'cancelled' },
    { case: 'committed meanwhile (the other finalize won)', final: 'COMMITTED', paymentState: 'committed' },
  ] as const)("Payter's 409, $case: $paymentState", async ({ final, paymentState }) => {
    const { w, id, payterSessionId } = await holding();
    w.payter.script('cancel', PAYTER.conflict);
    w.payter.script('getSession', { kind: 'answer', outcome: { kind: 'ok', value: { ...w.payter.hold(payterSessionId), state: final, committedAmount: final === 'COMMITTED' ? 764 : 0 } } });
    expect(await w.steps.cancel(id)).toEqual({ paymentState });
    expect(w.session(id)).toMatchObject({ paymentState, committedAmount: final === 'COMMITTED' ? 764 : 0 });
  });

  it("Payter's 409 whose record cannot be read: taken as the cancel's own", async () => {
    const { w, id } = await holding();
    w.payter.script('cancel', PAYTER.conflict);
    w.payter.script('getSession', PAYTER.unavailable);
    expect(await w.steps.cancel(id)).toEqual({ paymentState: 'cancelled' });
    expect(w.session(id).committedAmount).toBeUndefined();
  });

  it('the daily retries: each attempt that fails throws for the schedule, the one that gets 409 ends it', async () => {
    const { w, id, payterSessionId } = await holding();
    // An outage: attempts fail (one of them lost after the hold was cancelled), the next gets 409.
    w.payter.script('cancel', PAYTER.unavailable, { kind: 'rejected', status: 401 }, PAYTER.lost);
    for (let attempt = 1; attempt <= 3; attempt++) {
      await expect(w.steps.cancel(id)).rejects.toMatchObject({ name: PAYTER_FINALIZE_ERRORS.retryable, message: /^Payter cancel answered / });
      expect(w.session(id).paymentState).toBe('authorized');
      w.clock.advance({ days: 1 });
    }
    expect(await w.steps.cancel(id)).toEqual({ paymentState: 'cancelled' });
    expect(w.payter.callsOf('cancel')).toHaveLength(4);
    expect(w.payter.calls.filter((c) => c.call === 'cancel').map((c) => c.outcome.kind)).toEqual(['transient', 'rejected', 'transient', 'conflict']);
    expect(w.payter.hold(payterSessionId).state).toBe('CANCELLED');
    expect(w.session(id).updatedAt).toBe(minutesAfterT0(3 * 24 * 60));
  });

  it('a cancel refused as a bad request gives up at once (an alarm, not 8 days of retries)', async () => {
    const { w, id } = await holding();
    w.payter.script('cancel', { kind: 'rejected', status: 400 });
    await expect(w.steps.cancel(id)).rejects.toMatchObject({ name: PAYTER_FINALIZE_ERRORS.refused, message: 'Payter cancel answered rejected' });
  });
});

describe('receipt and unfinalized payments', () => {
  it('shows the receipt: what was taken, its tax, energy, time and the e-receipt link', async () => {
    const { w, id } = await priced();
    await w.steps.commit(id);
    await w.steps.receipt(id);
    expect(w.payter.lastScreen(SERIAL)?.id).toBe('receipt');
    const text = message(w)!;
    for (const part of ['$7.64', '$0.62', '12.35 kWh', `https://csms.test/receipts/${id}`]) expect(text).toContain(part);
    expect(text).toContain('1:00:00');
    expect(w.reader().screen).toBe('receipt');
  });

  it('a payment not committed (the hold was cancelled at Payter) shows no receipt: nothing was charged', async () => {
    const { w, id } = await priced();
    w.sessions.seed({ ...w.session(id), paymentState: 'cancelled' });
    await w.steps.receipt(id);
    expect(w.payter.calls).toEqual([]);
  });

  it.each(['payment', 'receipt'] as const)('a session without its %s shows no receipt', async (field) => {
    const { w, id } = await priced();
    const { [field]: _removed, ...rest } = w.session(id);
    w.sessions.seed(rest as ChargingSession);
    await w.steps.receipt(id);
    expect(w.payter.calls).toEqual([]);
  });

  it('a payment the retries could not finalize: failed, unfinalized, logged loudly for an operator', async () => {
    const { w, id, payterSessionId } = await priced();
    await w.steps.paymentNotFinalized(id);
    expect(w.session(id)).toMatchObject({ status: 'failed', paymentState: 'unfinalized' });
    expect(w.logs).toContainEqual({
      level: 'error',
      message: 'payment not finalized: hold still open at Payter',
      details: { sessionId: id, payterSessionId, serialNumber: SERIAL },
    });
  });
});

describe('release: the reader free for the next driver', () => {
  it.each([
    { case: 'committed', fields: { status: 'stopped', paymentState: 'committed', endReason: 'driverTap' }, status: 'completed', endReason: 'driverTap' },
    { case: 'unfinalized', fields: { status: 'stopped', paymentState: 'unfinalized', endReason: 'driverTap' }, status: 'failed', endReason: 'driverTap' },
    { case: 'declined', fields: { status: 'declined', endReason: 'declined' }, status: 'declined', endReason: 'declined' },
    { case: 'failed (currency)', fields: { status: 'failed', paymentState: 'cancelled', endReason: 'currencyMismatch' }, status: 'failed', endReason: 'currencyMismatch' },
    { case: 'cancelled hold, no charge', fields: { status: 'cancelled', paymentState: 'cancelled', endReason: 'noTransaction' }, status: 'cancelled', endReason: 'noTransaction' },
    { case: 'priced to nothing and cancelled', fields: { status: 'stopped', paymentState: 'cancelled', endReason: 'operatorStop' }, status: 'cancelled', endReason: 'operatorStop' },
    { case: 'an authorize that never answered', fields: { status: 'authorizing' }, status: 'cancelled', endReason: 'authorizeFailed' },
    { case: 'a start that never came', fields: { status: 'starting', paymentState: 'cancelled' }, status: 'cancelled', endReason: 'noTransaction' },
    { case: 'charging, its reason unrecorded', fields: { status: 'charging', paymentState: 'cancelled' }, status: 'cancelled', endReason: undefined },
  ] as const)('$case: $status, ended $endReason', async ({ fields, status, endReason }) => {
    const w = givenWorld();
    const { sessionId, idTag } = w.givenSession(fields);
    w.readers.seed({ ...w.reader(), activeSessionId: sessionId });
    expect(await w.steps.release(sessionId)).toEqual({ status });
    expect(w.session(sessionId).status).toBe(status);
    expect(w.session(sessionId).endReason).toBe(endReason);
    // The session's id tag stops working at the charger now, the reader is free and reads cards.
    expect(w.transactions.issuedIdTags).toEqual([{ idTag, stationId: STATION_ID, expiresAt: T0 }]);
    expect(w.reader().activeSessionId).toBeUndefined();
    expect(w.reader().reading).toMatchObject({ id: 'reading-1', state: 'open' });
    expect(w.payter.callsOf('startReading')).toMatchObject([{ serial: SERIAL, authorizedAmount: HOLD, hideAmount: false }]);
    expect(w.payter.callsOf('listSessions')).toEqual([]); // nothing of its own could be open
  });

  it('records when the session ended, once', async () => {
    const w = givenWorld();
    const { sessionId } = w.givenSession({ status: 'completed', paymentState: 'committed', endReason: 'driverTap' });
    w.clock.advance({ minutes: 1 });
    await w.steps.release(sessionId);
    expect(w.session(sessionId).endedAt).toBe(minutesAfterT0(1));
    w.clock.advance({ minutes: 1 });
    await w.steps.release(sessionId);
    expect(w.session(sessionId).endedAt).toBe(minutesAfterT0(1));
  });

  it('a session whose final status, reason and end are recorded already is not written again', async () => {
    const w = givenWorld();
    const { sessionId } = w.givenSession({
      status: 'completed',
      paymentState: 'committed',
      endReason: 'driverTap',
      endedAt: minutesAfterT0(-5),
      updatedAt: minutesAfterT0(-5),
    });
    w.clock.advance({ minutes: 1 });
    await w.steps.release(sessionId);
    expect(w.session(sessionId).updatedAt).toBe(minutesAfterT0(-5));
  });

  it('a session whose final status is new is written', async () => {
    const w = givenWorld();
    const { sessionId } = w.givenSession({ status: 'stopped', paymentState: 'committed', endReason: 'driverTap', updatedAt: minutesAfterT0(-5) });
    await w.steps.release(sessionId);
    expect(w.session(sessionId).updatedAt).toBe(T0);
  });

  it('a station gone offline: the reader says out of order instead of taking cards', async () => {
    const w = givenWorld({ stationOnline: false });
    const { sessionId } = w.givenSession({ status: 'cancelled', paymentState: 'cancelled', endReason: 'chargerLost' });
    await w.steps.release(sessionId);
    expect(w.payter.callsOf('startReading')).toEqual([]);
    expect(w.payter.lastScreen(SERIAL)?.id).toBe('outOfOrder');
    expect(w.payter.callsOf('stopReading')).toHaveLength(1);
  });

  it('a station no longer provisioned: out of order', async () => {
    const w = givenWorld();
    const { sessionId } = w.givenSession({ status: 'cancelled', paymentState: 'none', endReason: 'noTransaction', stationId: 'CP-gone' });
    await w.steps.release(sessionId);
    expect(w.payter.lastScreen(SERIAL)?.id).toBe('outOfOrder');
  });

  it('a reader decommissioned while its session is released: the screen goes to the reader as it was', async () => {
    const w = givenWorld();
    const { sessionId } = w.givenSession({ status: 'cancelled', paymentState: 'none', endReason: 'noTransaction' });
    expect(await stepsOf(w, { readers: vanishingAfterFirstGet(w.readers) }).release(sessionId)).toEqual({ status: 'cancelled' });
    expect(w.payter.callsOf('startReading')).toMatchObject([{ serial: SERIAL }]);
  });

  it("a reader another session took since: only this session's binding goes", async () => {
    const w = givenWorld();
    const { sessionId } = w.givenSession({ status: 'cancelled', paymentState: 'none', endReason: 'noTransaction' }, { attach: false });
    w.readers.seed({ ...w.reader(), activeSessionId: 'next-driver' });
    await w.steps.release(sessionId);
    expect(w.reader().activeSessionId).toBe('next-driver');
  });

  it.each([
    { gone: 'session', error: 'session session-gone does not exist' },
    { gone: 'reader', error: `reader ${SERIAL} of session session-1 is gone` },
    { gone: 'site', error: 'site site-gone of session session-1 is gone' },
  ])('a $gone that is gone: a state error, nothing released', async ({ gone, error }) => {
    const w = givenWorld();
    const { sessionId } = w.givenSession({ sessionId: 'session-1', status: 'cancelled' });
    if (gone === 'reader') await w.readers.delete(SERIAL);
    if (gone === 'site') w.sessions.seed({ ...w.session(sessionId), siteId: 'site-gone' });
    const id = gone === 'session' ? 'session-gone' : sessionId;
    await expect(w.steps.release(id)).rejects.toThrow(SessionStateError);
    await expect(w.steps.release(id)).rejects.toThrow(error);
    expect(w.transactions.issuedIdTags).toEqual([]);
  });

  describe('the sweep of holds: what this session may have left open at Payter, and nothing else', () => {
    /** A session that ended with `fields`, the reader's holds at Payter made by `holds` (ids by name). */
    function ended(fields: Partial<ChargingSession>, holds: Record<string, { amount?: number; state?: 'AUTHORIZED' | 'COMMITTED' | 'CANCELLED' }>) {
      const w = givenWorld();
      const ids = Object.fromEntries(Object.entries(holds).map(([name, hold]) => [name, w.payter.holdElsewhere(SERIAL, { amount: hold.amount ?? HOLD, ...(hold.state && { state: hold.state }) })]));
      const resolve = (value: unknown) => (typeof value === 'string' && value in ids ? ids[value] : value);
      const session = w.givenSession({
        status: 'cancelled',
        ...Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, Array.isArray(v) ? v.map(resolve) : resolve(v)])),
      });
      w.readers.seed({ ...w.reader(), activeSessionId: session.sessionId });
      return { w, id: session.sessionId, ids };
    }
    const states = (w: World) => Object.fromEntries(w.payter.holdsOf(SERIAL).map((h) => [h.sessionId, h.state]));

    it("its own hold, never committed nor cancelled (the workflow failed): cancelled, and the session says so", async () => {
      const { w, id, ids } = ended({ status: 'charging', paymentState: 'authorized', payterSessionId: 'own' }, { own: {} });
      expect(await w.steps.release(id)).toEqual({ status: 'cancelled' });
      expect(states(w)).toEqual({ [ids.own!]: 'CANCELLED' });
      expect(w.session(id)).toMatchObject({ paymentState: 'cancelled', status: 'cancelled' });
      expect(w.logs).toContainEqual({ level: 'info', message: 'dangling hold cancelled', details: { sessionId: id, payterSessionId: ids.own } });
    });

    it.each<{ case: string; fields: Partial<ChargingSession>; cancelled: string[]; kept: string[] }>([
      { case: 'its own, authorized', fields: { paymentState: 'authorized', payterSessionId: 'own' }, cancelled: ['own'], kept: [] },
      { case: 'another hold, its answer not lost', fields: { paymentState: 'authorized', payterSessionId: 'own' }, cancelled: ['own'], kept: ['other'] },
      { case: 'a hold that appeared while its answer was lost', fields: { authorizeAnswerLost: true, holdsBeforeAuthorize: ['before'] }, cancelled: ['appeared'], kept: ['before'] },
      { case: 'a hold that appeared while its authorize was pending (a crash)', fields: { authorizePending: true, holdsBeforeAuthorize: [] }, cancelled: ['appeared'], kept: [] },
      { case: 'an answer lost before the holds were read', fields: { authorizeAnswerLost: true }, cancelled: [], kept: ['appeared'] },
      { case: 'its own committed hold (answer lost earlier) still listed', fields: { authorizeAnswerLost: true, holdsBeforeAuthorize: [], paymentState: 'committed', payterSessionId: 'own' }, cancelled: ['appeared'], kept: ['own'] },
      { case: 'its own unfinalized hold', fields: { authorizeAnswerLost: true, holdsBeforeAuthorize: [], paymentState: 'unfinalized', payterSessionId: 'own' }, cancelled: [], kept: ['own'] },
    ])('$case', async ({ fields, cancelled, kept }) => {
      const names = [...cancelled, ...kept];
      const { w, id, ids } = ended(fields, Object.fromEntries(names.map((n) => [n, {}])));
      await w.steps.release(id);
      expect(states(w)).toEqual(Object.fromEntries([...cancelled.map((n) => [ids[n], 'CANCELLED']), ...kept.map((n) => [ids[n], 'AUTHORIZED'])]));
      expect(w.payter.callsOf('cancel').map((c) => c.sessionId)).toEqual(cancelled.map((n) => ids[n]));
      // Only cancelling its own hold changes what the session says of its money.
      expect(w.session(id).paymentState).toBe(cancelled.includes('own') ? 'cancelled' : (fields.paymentState ?? 'none'));
    });

    it('nothing open at Payter: other sessions are not read (an index outage cannot hold the reader)', async () => {
      const { w, id } = ended({ authorizeAnswerLost: true, holdsBeforeAuthorize: [] }, {});
      w.sessions.failNext('list');
      expect(await w.steps.release(id)).toEqual({ status: 'cancelled' });
      expect(w.reader().activeSessionId).toBeUndefined();
    });

    it('holds no longer authorized are not touched', async () => {
      const { w, id } = ended({ authorizeAnswerLost: true, holdsBeforeAuthorize: [] }, { done: { state: 'COMMITTED' }, gone: { state: 'CANCELLED' } });
      await w.steps.release(id);
      expect(w.payter.callsOf('cancel')).toEqual([]);
    });

    it("a hold another of our sessions at the station claims is that session's, not this one's", async () => {
      const { w, id, ids } = ended({ authorizeAnswerLost: true, holdsBeforeAuthorize: [] }, { theirs: {}, lost: {} });
      // The next driver's session got its hold after this one asked (created later, same station).
      w.givenSession({ sessionId: 'next', status: 'charging', payterSessionId: ids.theirs!, createdAt: minutesAfterT0(2) }, { attach: false });
      await w.steps.release(id);
      expect(states(w)).toEqual({ [ids.theirs!]: 'AUTHORIZED', [ids.lost!]: 'CANCELLED' });
    });

    it.each([
      { case: 'older than the whole retry schedule (8 days)', stationId: STATION_ID, createdAt: new Date(Date.parse(T0) - 8 * 24 * 3600_000 - 1000).toISOString(), swept: true },
      { case: 'within the retry schedule', stationId: STATION_ID, createdAt: new Date(Date.parse(T0) - 8 * 24 * 3600_000 + 1000).toISOString(), swept: false },
      { case: 'at another station', stationId: 'CP-2', createdAt: T0, swept: true },
    ])("a claim by a session $case: swept $swept", async ({ stationId, createdAt, swept }) => {
      const { w, id, ids } = ended({ authorizeAnswerLost: true, holdsBeforeAuthorize: [] }, { claimed: {} });
      w.givenSession({ sessionId: 'other', status: 'completed', stationId, payterSessionId: ids.claimed!, createdAt }, { attach: false });
      await w.steps.release(id);
      expect(states(w)).toEqual({ [ids.claimed!]: swept ? 'CANCELLED' : 'AUTHORIZED' });
    });

    it("a claim by a session at another station the kiosk reader serves: that session's hold on the same terminal, kept", async () => {
      const { w, id, ids } = ended({ authorizeAnswerLost: true, holdsBeforeAuthorize: [] }, { claimed: {} });
      w.readers.seed({ ...w.reader(), connectors: [{ stationId: STATION_ID, connectorId: 1, label: 'A' }, { stationId: 'CP-2', connectorId: 1, label: 'B' }] });
      w.givenSession({ sessionId: 'other', status: 'charging', stationId: 'CP-2', payterSessionId: ids.claimed!, createdAt: minutesAfterT0(2) }, { attach: false });
      await w.steps.release(id);
      expect(states(w)).toEqual({ [ids.claimed!]: 'AUTHORIZED' });
    });

    it('its own payter session id claimed by itself is no claim', async () => {
      const { w, id, ids } = ended({ authorizeAnswerLost: true, holdsBeforeAuthorize: [], payterSessionId: 'own', paymentState: 'authorized' }, { own: {} });
      await w.steps.release(id);
      expect(states(w)).toEqual({ [ids.own!]: 'CANCELLED' });
    });

    it("Payter cannot list the reader's holds: Release fails (retried) before freeing the reader", async () => {
      const { w, id } = ended({ paymentState: 'authorized', payterSessionId: 'own' }, { own: {} });
      w.payter.script('listSessions', PAYTER.unavailable);
      await expect(w.steps.release(id)).rejects.toThrow(`cannot list Payter sessions of ${SERIAL}: transient`);
      expect(w.reader().activeSessionId).toBe(id);
      expect(w.transactions.issuedIdTags).toEqual([]);
    });

    it.each([
      { answer: PAYTER.unavailable, fails: true },
      { answer: PAYTER.rejected, fails: true },
      { answer: PAYTER.conflict, fails: false },
    ])('a sweep cancel answered $answer.kind: Release fails $fails', async ({ answer, fails }) => {
      const { w, id, ids } = ended({ authorizeAnswerLost: true, holdsBeforeAuthorize: [] }, { lost: {} });
      w.payter.script('cancel', answer);
      if (fails) {
        await expect(w.steps.release(id)).rejects.toThrow(`cannot cancel the dangling hold ${ids.lost}: ${answer.kind === 'unavailable' ? 'transient' : answer.kind}`);
        expect(w.reader().activeSessionId).toBe(id);
      } else {
        expect(await w.steps.release(id)).toEqual({ status: 'cancelled' });
        expect(w.reader().activeSessionId).toBeUndefined();
      }
    });

    it('its own hold answered 409 by the sweep (finalized meanwhile): recorded cancelled', async () => {
      const { w, id } = ended({ paymentState: 'authorized', payterSessionId: 'own' }, { own: {} });
      w.payter.script('cancel', PAYTER.conflict);
      expect(await w.steps.release(id)).toEqual({ status: 'cancelled' });
      expect(w.session(id).paymentState).toBe('cancelled');
    });
  });
});
