/**
 * What the charger's transaction does to its payment session, on in-memory ports:
 * StartTransaction and StopTransaction complete the workflow's waits (and a start that comes
 * after its session gave up is stopped), meter values refresh the driver's live cost on the
 * reader and stop the charge before the running total passes the hold.
 */
import { describe, expect, it } from 'vitest';
import type { TransactionEvent } from '../../lambdas/csms/charging-stations';
import type { Transaction } from '../../lambdas/csms/model';
import type { ChargingSession } from '../../lambdas/sessions/model';
import { SERIAL, STATION_ID, T0, givenWorld } from '../support/in-memory';

const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();
const START = at(10);

/** The charger's transaction 7 of session s1's id tag. */
function transaction(fields: Partial<Transaction> = {}): Transaction {
  return { transactionId: 7, stationId: STATION_ID, connectorId: 1, idTag: 'TAG-s1', meterStart: 1000, startedAt: START, status: 'active', ...fields };
}
const started = (fields: Partial<Transaction> = {}): TransactionEvent => ({ type: 'started', transaction: transaction(fields), replayed: false });
const stopped = (fields: Partial<Transaction> = {}): TransactionEvent => ({
  type: 'stopped',
  transaction: transaction({ status: 'stopped', stoppedAt: at(3600), meterStop: 13345, stopReason: 'EVDisconnected', ...fields }),
});
const metered = (lastMeterWh: number | undefined, fields: Partial<Transaction> = {}): TransactionEvent => ({
  type: 'meter',
  transaction: transaction({ ...(lastMeterWh !== undefined && { lastMeterWh, lastMeterAt: T0 }), ...fields }),
  readings: [],
});

function world(fields: Partial<ChargingSession>, options: Parameters<typeof givenWorld>[0] = {}) {
  const w = givenWorld(options);
  w.givenSession({ sessionId: 's1', idTag: 'TAG-s1', startTaskToken: 'start-token', ...fields });
  return w;
}

describe('StartTransaction', () => {
  it("moves the starting session to charging with the charger's figures and completes the workflow's wait", async () => {
    const w = world({ status: 'starting' });
    w.clock.advance({ seconds: 12 });
    await w.events.onTransaction(started());
    expect(w.session('s1')).toMatchObject({ status: 'charging', transactionId: 7, startedAt: START, meterStart: 1000, updatedAt: at(12) });
    expect(w.session('s1').timestampsWithoutOffset).toBeUndefined();
    expect(w.workflow.signals).toEqual([{ kind: 'succeed', taskToken: 'start-token', output: { transactionId: 7, startedAt: START, meterStart: 1000 } }]);
    expect(w.remoteStops).toEqual([]);
  });

  it("a start stamped without an offset is marked for operators", async () => {
    const w = world({ status: 'starting' });
    await w.events.onTransaction(started({ timestampsWithoutOffset: true }));
    expect(w.session('s1')).toMatchObject({ status: 'charging', timestampsWithoutOffset: true });
  });

  it.each([
    { case: 'an unknown id tag', fields: { idTag: 'TAG-other' } },
    { case: "another station's transaction with the same id tag", fields: { stationId: 'CP-2' } },
  ])('$case: nothing happens', async ({ fields }) => {
    const w = world({ status: 'starting' });
    await w.events.onTransaction(started(fields));
    expect(w.session('s1').status).toBe('starting');
    expect(w.workflow.signals).toEqual([]);
    expect(w.remoteStops).toEqual([]);
  });

  it.each(['declined', 'cancelled', 'failed'] as const)('a start reaching the charger after its session was %s: the transaction is stopped, nobody pays', async (status) => {
    const w = world({ status });
    await w.events.onTransaction(started());
    expect(w.remoteStops).toEqual([{ stationId: STATION_ID, transactionId: 7 }]);
    expect(w.session('s1').status).toBe(status);
    expect(w.workflow.signals).toEqual([]);
  });

  it('a start read while its session was starting, which gave up before the start was recorded, is stopped: the session is judged as it is now', async () => {
    const w = world({ status: 'starting' });
    // The workflow's NoTransaction step cancels the session between our read and our write.
    const find = w.sessions.findByIdTag.bind(w.sessions);
    w.sessions.findByIdTag = async (idTag) => {
      const seen = await find(idTag);
      await w.sessions.transition('s1', ['starting'], 'cancelled', at(20), { endReason: 'noTransaction' });
      return seen;
    };
    await w.events.onTransaction(started());
    expect(w.remoteStops).toEqual([{ stationId: STATION_ID, transactionId: 7 }]);
    expect(w.session('s1').status).toBe('cancelled');
    expect(w.workflow.signals).toEqual([]);
  });

  it.each([
    { case: 'a session that gave up after its own transaction', fields: { status: 'cancelled', transactionId: 6 } },
    { case: 'a session completed', fields: { status: 'completed' } },
    { case: 'a session charging another transaction', fields: { status: 'charging', transactionId: 6 } },
  ] as const)('$case: another transaction is neither stopped nor signalled', async ({ fields }) => {
    const w = world(fields);
    await w.events.onTransaction(started());
    expect(w.remoteStops).toEqual([]);
    expect(w.workflow.signals).toEqual([]);
    expect(w.session('s1').status).toBe(fields.status);
  });

  it("a replayed StartTransaction of the session's own transaction signals again, with the recorded figures", async () => {
    const w = world({ status: 'charging', transactionId: 7, startedAt: START, meterStart: 1000 });
    await w.events.onTransaction({ type: 'started', transaction: transaction({ meterStart: 999 }), replayed: true });
    expect(w.workflow.signals).toEqual([{ kind: 'succeed', taskToken: 'start-token', output: { transactionId: 7, startedAt: START, meterStart: 1000 } }]);
    expect(w.session('s1')).toMatchObject({ status: 'charging', meterStart: 1000 });
  });

  it('no wait to complete (no task token): the session charges, nothing signalled', async () => {
    const w = world({ status: 'starting', startTaskToken: undefined });
    await w.events.onTransaction(started());
    expect(w.session('s1').status).toBe('charging');
    expect(w.workflow.signals).toEqual([]);
  });
});

describe('StopTransaction', () => {
  const STOP = { stoppedAt: at(3600), meterStop: 13345, stopReason: 'EVDisconnected' };

  it('a session still charging: the charger stopped it (chargerStopped), its wait is completed', async () => {
    const w = world({ status: 'charging', transactionId: 7, stopTaskToken: 'stop-token' });
    w.clock.advance({ minutes: 61 });
    await w.events.onTransaction(stopped());
    expect(w.session('s1')).toMatchObject({ status: 'stopped', endReason: 'chargerStopped', ...STOP, updatedAt: at(3660) });
    expect(w.session('s1').timestampsWithoutOffset).toBeUndefined();
    expect(w.workflow.signals).toEqual([{ kind: 'succeed', taskToken: 'stop-token', output: STOP }]);
  });

  it('a session we were stopping keeps why we stopped it', async () => {
    const w = world({ status: 'stopping', transactionId: 7, endReason: 'operatorStop', stopTaskToken: 'stop-token' });
    await w.events.onTransaction(stopped({ stopReason: 'Remote' }));
    expect(w.session('s1')).toMatchObject({ status: 'stopped', endReason: 'operatorStop', stopReason: 'Remote', meterStop: 13345 });
    expect(w.workflow.of('stop-token')).toHaveLength(1);
  });

  it('no meter reading at the stop: billed as no energy (meterStop = meterStart); no reason: none recorded', async () => {
    const w = world({ status: 'charging', transactionId: 7, stopTaskToken: 'stop-token' });
    await w.events.onTransaction(stopped({ meterStop: undefined, stopReason: undefined, timestampsWithoutOffset: true }));
    const session = w.session('s1');
    expect(session).toMatchObject({ status: 'stopped', meterStop: 1000, timestampsWithoutOffset: true });
    expect('stopReason' in session).toBe(false);
    expect(w.workflow.signals).toEqual([{ kind: 'succeed', taskToken: 'stop-token', output: { stoppedAt: at(3600), meterStop: 1000 } }]);
  });

  it.each([
    { case: 'of another transaction', event: stopped({ transactionId: 8 }) },
    { case: 'without a stop time', event: stopped({ stoppedAt: undefined }) },
  ])('a stop $case changes nothing', async ({ event }) => {
    const w = world({ status: 'charging', transactionId: 7, stopTaskToken: 'stop-token' });
    await w.events.onTransaction(event);
    expect(w.session('s1').status).toBe('charging');
    expect(w.workflow.signals).toEqual([]);
  });

  it('a replayed stop of a stopped session signals again with the recorded stop, not the new figures', async () => {
    const w = world({ status: 'stopped', transactionId: 7, stopTaskToken: 'stop-token', ...STOP });
    await w.events.onTransaction(stopped({ meterStop: 20000 }));
    expect(w.session('s1')).toMatchObject({ status: 'stopped', meterStop: 13345 });
    expect(w.workflow.signals).toEqual([{ kind: 'succeed', taskToken: 'stop-token', output: STOP }]);
  });

  it.each([
    { case: 'no task token', fields: { status: 'charging', stopTaskToken: undefined } },
    { case: 'a session that never stopped (cancelled)', fields: { status: 'cancelled', stopTaskToken: 'stop-token' } },
  ] as const)('$case: nothing signalled', async ({ fields }) => {
    const w = world({ transactionId: 7, ...fields });
    await w.events.onTransaction(stopped());
    expect(w.workflow.signals).toEqual([]);
  });

  describe('a charger lost and billed from its last meter value', () => {
    const billed = { status: 'completed', transactionId: 7, endReason: 'chargerLost', stoppedAt: at(1800), meterStop: 9000, stopTaskToken: 'stop-token' } as const;

    it('its late StopTransaction is kept for reconciliation, never billed nor signalled', async () => {
      const w = world(billed);
      await w.events.onTransaction(stopped());
      expect(w.session('s1')).toMatchObject({ ...billed, chargerReportedStop: STOP });
      expect(w.workflow.signals).toEqual([]);
    });

    it('without a meter reading or reason: the start reading, no reason', async () => {
      const w = world(billed);
      await w.events.onTransaction(stopped({ meterStop: undefined, stopReason: undefined }));
      expect(w.session('s1').chargerReportedStop).toStrictEqual({ stoppedAt: at(3600), meterStop: 1000 }); // no reason key at all
    });

    it('a second report leaves the first', async () => {
      const w = world(billed);
      await w.events.onTransaction(stopped());
      await w.events.onTransaction(stopped({ meterStop: 20000 }));
      expect(w.session('s1').chargerReportedStop).toEqual(STOP);
    });

    it('not yet billed (no stop recorded): an ordinary stop', async () => {
      const w = world({ status: 'stopping', transactionId: 7, endReason: 'chargerLost', stopTaskToken: 'stop-token' });
      await w.events.onTransaction(stopped());
      expect(w.session('s1')).toMatchObject({ status: 'stopped', endReason: 'chargerLost', ...STOP });
      expect(w.session('s1').chargerReportedStop).toBeUndefined();
      expect(w.workflow.of('stop-token')).toHaveLength(1);
    });
  });
});

describe('meter values', () => {
  /** A site billing energy only, 100 per kWh, no tax: the running total is the Wh / 10. */
  const ENERGY_ONLY = {
    site: { holdAmount: 1000, tariff: { sessionFee: 0, energyPerKwh: '100', timePerHour: '0', idlePerHour: '0' }, tax: { ratePercent: '0' } },
  };
  const charging = (fields: Partial<ChargingSession> = {}) => world({ status: 'charging', transactionId: 7, authorizedAmount: 1000, ...fields }, ENERGY_ONLY);

  it('the running total is stored and shown on the reader with the energy and time so far', async () => {
    const w = charging();
    w.clock.set(at(70));
    await w.events.onTransaction(metered(1000 + 2345)); // 2345 Wh: 234.5 -> 235
    expect(w.session('s1')).toMatchObject({ runningTotal: 235, chargingScreenAt: at(70), status: 'charging' });
    const screen = w.payter.lastScreen(SERIAL);
    expect(screen?.id).toBe('charging');
    expect(screen?.properties).toMatchObject({ title: 'Charging', message: '2.35 kWh · 01:00 · $2.35' }); // a minute since the start
    expect(w.remoteStops).toEqual([]);
  });

  it('the screen is redrawn at most every 30 s: sooner, only the total is stored', async () => {
    const w = charging({ chargingScreenAt: at(60), runningTotal: 100 });
    w.clock.set(at(89.999));
    await w.events.onTransaction(metered(3000));
    expect(w.session('s1')).toMatchObject({ runningTotal: 200, chargingScreenAt: at(60) });
    expect(w.payter.callsOf('showUi')).toEqual([]);
    w.clock.set(at(90));
    await w.events.onTransaction(metered(4000));
    expect(w.session('s1')).toMatchObject({ runningTotal: 300, chargingScreenAt: at(90) });
    expect(w.payter.callsOf('showUi')).toHaveLength(1);
  });

  it("before the charger's first energy reading the screen is shown, and the next reading shows at once", async () => {
    const w = charging();
    w.clock.set(at(30));
    await w.events.onTransaction(metered(undefined));
    expect(w.session('s1').runningTotal).toBe(0);
    expect(w.session('s1').chargingScreenAt).toBeUndefined();
    expect(w.payter.callsOf('showUi')).toHaveLength(1);
    w.clock.set(at(31));
    await w.events.onTransaction(metered(2000));
    expect(w.payter.callsOf('showUi')).toHaveLength(2);
  });

  it("the reader is not read: it is redrawn from the session alone", async () => {
    const w = charging();
    await w.readers.delete(SERIAL);
    await w.events.onTransaction(metered(2000));
    expect(w.session('s1').runningTotal).toBe(100);
    expect(w.payter.lastScreen(SERIAL)?.id).toBe('charging');
  });

  it('a session that moved on after it was read (a stop tap, the next frame) keeps its total and its screen', async () => {
    const w = charging();
    const read = w.sessions.findByIdTag.bind(w.sessions);
    w.sessions.findByIdTag = async (idTag) => {
      const session = await read(idTag);
      await w.sessions.transition('s1', ['charging'], 'stopping', at(70), { endReason: 'driverTap' });
      return session;
    };
    await w.events.onTransaction(metered(2000));
    expect(w.session('s1')).toMatchObject({ status: 'stopping' });
    expect(w.session('s1').runningTotal).toBeUndefined();
    expect(w.payter.calls).toEqual([]);
  });

  it("the prices and wording kept at the tap hold when the site changes mid-session", async () => {
    const w = charging({
      currency: 'USD',
      pricing: {
        tariff: { sessionFee: 0, energyPerKwh: '100', timePerHour: '0', idlePerHour: '0', idleGraceMinutes: 0 },
        tax: { ratePercent: '0', inclusive: false },
        language: 'en',
        chargingScreen: { title: 'Loading up' },
      },
    });
    await w.sites.put({ ...(await w.sites.get(w.session('s1').siteId))!, tariff: { sessionFee: 0, energyPerKwh: '900', timePerHour: '0', idlePerHour: '0', idleGraceMinutes: 0 } });
    await w.events.onTransaction(metered(1000 + 2345));
    expect(w.session('s1').runningTotal).toBe(235);
    expect(w.payter.lastScreen(SERIAL)?.properties).toMatchObject({ title: 'Loading up' });
  });

  it.each([
    { case: 'a session not charging', fields: { status: 'stopping' } },
    { case: 'another transaction', fields: { transactionId: 8 } },
    { case: 'a site gone', fields: { siteId: 'site-gone' } },
  ] as const)('$case: nothing stored nor shown', async ({ fields }) => {
    const w = charging(fields);
    await w.events.onTransaction(metered(2000));
    expect(w.session('s1').runningTotal).toBeUndefined();
    expect(w.payter.calls).toEqual([]);
  });

  describe('the hold cap: stopped before the running total passes the hold', () => {
    // Hold 1000: the threshold is min(1000 - the last interval's cost, 950).
    it.each([
      { previous: 0, running: 950, stops: true },
      { previous: 930, running: 949, stops: false },
      { previous: 500, running: 750, stops: true }, // the last interval cost 250: 1000 - 250 = 750
      { previous: 500, running: 749, stops: false }, // 249: 1000 - 249 = 751
      { previous: 750, running: 799, stops: false }, // 49: min(951, 950)
      { previous: 900, running: 850, stops: false }, // went down (a replayed older reading): no interval
    ])('previous $previous, now $running: stops $stops', async ({ previous, running, stops }) => {
      const w = charging({ runningTotal: previous });
      await w.events.onTransaction(metered(1000 + running * 10));
      if (stops) {
        expect(w.session('s1')).toMatchObject({ status: 'stopping', endReason: 'holdReached', runningTotal: running });
        expect(w.remoteStops).toEqual([{ stationId: STATION_ID, transactionId: 7 }]);
        expect(w.payter.calls).toEqual([]);
      } else {
        expect(w.session('s1')).toMatchObject({ status: 'charging', runningTotal: running });
        expect(w.remoteStops).toEqual([]);
      }
    });

    it("without an authorized amount recorded, the site's hold counts", async () => {
      const w = charging({ authorizedAmount: undefined });
      await w.events.onTransaction(metered(1000 + 9500));
      expect(w.session('s1')).toMatchObject({ status: 'stopping', endReason: 'holdReached' });
    });

    it('the authorized amount counts over the site hold', async () => {
      const w = charging({ authorizedAmount: 2000 });
      await w.events.onTransaction(metered(1000 + 9500));
      expect(w.session('s1')).toMatchObject({ status: 'charging', runningTotal: 950 });
    });

    it('a stop that loses the race to another stop sends no second remote stop', async () => {
      const w = charging();
      const transition = w.sessions.transition.bind(w.sessions);
      w.sessions.transition = async (...args) => {
        await transition('s1', ['charging'], 'stopping', T0, { endReason: 'driverTap' });
        return transition(...args);
      };
      await w.events.onTransaction(metered(1000 + 9500));
      expect(w.session('s1')).toMatchObject({ status: 'stopping', endReason: 'driverTap' });
      expect(w.remoteStops).toEqual([]);
    });
  });
});
