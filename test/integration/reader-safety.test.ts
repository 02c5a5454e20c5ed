/**
 * A reader's money stays right when installers, drivers and Payter do the unexpected: a
 * reader re-commissioned mid-session keeps its session, Release cancels only its own holds,
 * a card nobody authorizes is let go, a refused start screen is retried (and reported when it
 * keeps failing), installer mistakes are refused before anything is stored, and a reader
 * holding money in another currency never starts a charge. Whole local system, real peers.
 */
import { FAST_WORKFLOW } from '../support/paid-session';
import { describe, expect, it } from 'vitest';
import type { PayterSimulator, ReaderOptions } from '../../lib/local/payter-simulator';
import { ocppTimestamp, type ChargerScript } from '../../lib/local/simulated-charger';
import { demoSite, waitFor, type TestSystem } from '../support/local-system';
import { useTestSystem } from '../support/world';

const PASSWORD = 'safety-station-secret';
let system: TestSystem;
let payter: PayterSimulator;

useTestSystem({ timeScale: FAST_WORKFLOW, payterTimeoutMs: 1_000, readerRetryDelaysMs: [20, 50, 100] }, async (started) => {
  system = started;
  payter = system.payter;
  await system.api('PUT', '/installer/sites/site-main-st', demoSite());
});

/** One hour, 1 kWh, no idle: fee 100 + energy 35 + time 120 = 255, tax 8.875 % = 23, total 278. */
const t0 = Date.now() - 3_600_000;
const ONE_HOUR: ChargerScript = { meterStart: 0, startedAt: ocppTimestamp(t0), stop: { meterStop: 1000, timestamp: ocppTimestamp(t0 + 3_600_000) } };
const ONE_HOUR_TOTAL = 278;

const given = (script: ChargerScript = ONE_HOUR, terminal: ReaderOptions = { currency: 'USD' }) =>
  system.stationWithReader('R', PASSWORD, { script, terminal });

const readerRecord = async (serial: string) => (await system.api('GET', `/installer/readers/${serial}`)).body;

async function tap(serial: string, cardId: string): Promise<string> {
  expect(await payter.tap(serial, { cardId })).toBe(200);
  return waitFor(async () => (await readerRecord(serial)).activeSessionId as string | undefined, 5_000, 'session');
}

const finished = (sessionId: string) => system.executionEnded(sessionId);
const session = (sessionId: string) => system.sessionRecord(sessionId);
const charging = (sessionId: string) => waitFor(async () => ((await session(sessionId)).status === 'charging' && (await session(sessionId)).stopTaskToken ? true : undefined), 5_000, 'charging');

describe("a reader's session binding", () => {
  it('re-commissioning a reader that serves a session is refused with 409 naming it, and the session keeps its reader', async () => {
    const { stationId, serial, charger } = await given();
    try {
      const sessionA = await tap(serial, 'card-ann');
      await charging(sessionA);
      const again = await system.api('PUT', `/installer/readers/${serial}`, { stationId, connectorIds: [1] });
      expect(again.status).toBe(409);
      expect(JSON.stringify(again.body)).toContain(`serves session ${sessionA}`);
      expect((await readerRecord(serial)).activeSessionId).toBe(sessionA);

      // A second card cannot start a session on the reader; Ann stops hers and pays exactly its price.
      await payter.tap(serial, { cardId: 'card-ben' });
      await payter.tap(serial, { cardId: 'card-ann' });
      expect((await finished(sessionA)).status).toBe('SUCCEEDED');
      expect(payter.sessions(serial)).toEqual([expect.objectContaining({ state: 'COMMITTED', committedAmount: ONE_HOUR_TOTAL, cardId: 'card-ann' })]);
      expect((await readerRecord(serial)).activeSessionId).toBeUndefined();
    } finally {
      await charger.close();
    }
  });

  it("Release leaves another session's hold on the reader alone", async () => {
    const { serial, charger } = await given();
    try {
      const sessionA = await tap(serial, 'card-cat');
      await charging(sessionA);
      const foreign = payter.holdElsewhere(serial, { cardId: 'card-dan', amount: 5000 });
      await payter.tap(serial, { cardId: 'card-cat' });
      expect((await finished(sessionA)).status).toBe('SUCCEEDED');
      const holds = payter.sessions(serial);
      expect(holds.find((h) => h.cardId === 'card-cat')).toMatchObject({ state: 'COMMITTED', committedAmount: ONE_HOUR_TOTAL });
      expect(holds.find((h) => h.sessionId === foreign)).toMatchObject({ state: 'AUTHORIZED' });
    } finally {
      await charger.close();
    }
  });

  it('an authorize whose answer is lost: only the hold it left is cancelled, not one that was open before', async () => {
    const { serial, charger } = await given();
    const before = payter.holdElsewhere(serial, { cardId: 'card-eve', amount: 5000 });
    payter.script(serial, 'authorize', { kind: 'slow', delayMs: 1_500 });
    try {
      const sessionId = await tap(serial, 'card-fay');
      expect((await finished(sessionId)).status).toBe('SUCCEEDED');
      await waitFor(() => payter.sessions(serial).find((h) => h.cardId === 'card-fay')?.state === 'CANCELLED' || undefined, 5_000, 'the lost hold swept');
      expect(payter.sessions(serial).find((h) => h.sessionId === before)).toMatchObject({ state: 'AUTHORIZED' });
      expect(charger.remoteStarts).toEqual([]);
    } finally {
      await charger.close();
    }
  });
});

describe('a reader never stays stuck holding a card', () => {
  it('starts sessions whatever names the terminal gives its reading and card states', async () => {
    const { serial, charger } = await given(ONE_HOUR, { currency: 'USD', stateNames: { reading: 'READY', cardPresented: 'CARD_READING' } });
    try {
      const sessionId = await tap(serial, 'card-gil');
      await charging(sessionId);
      await payter.tap(serial, { cardId: 'card-gil' });
      expect((await finished(sessionId)).status).toBe('SUCCEEDED');
      expect(payter.sessions(serial)).toEqual([expect.objectContaining({ state: 'COMMITTED', committedAmount: ONE_HOUR_TOTAL })]);
    } finally {
      await charger.close();
    }
  });

  it('a card tapped while the session is stopping is let go, and the next driver can start', async () => {
    const { serial, charger } = await given({ ...ONE_HOUR, remoteStop: 'silent' });
    try {
      const sessionId = await tap(serial, 'card-hal');
      await charging(sessionId);
      expect((await system.api('POST', `/ops/sessions/${sessionId}/stop`)).status).toBe(202);
      await waitFor(async () => ((await session(sessionId)).status === 'stopping' ? true : undefined), 5_000, 'stopping');
      // The reader still takes cards (tap to stop): someone taps while the charge is ending.
      expect(payter.reader(serial).state).toBe('READING');
      expect(await payter.tap(serial, { cardId: 'card-ivy' })).toBe(200);
      await waitFor(() => payter.reader(serial).state === 'IDLE' || undefined, 5_000, 'the card let go');

      await charger.stopTransaction();
      expect((await finished(sessionId)).status).toBe('SUCCEEDED');
      await waitFor(() => payter.reader(serial).state === 'READING' || undefined, 5_000, 'the start screen');
      expect((await readerRecord(serial)).screen).toBe('tapCard');
      charger.stopped = false;
      const next = await tap(serial, 'card-jo');
      expect(next).not.toBe(sessionId);
    } finally {
      await charger.close();
    }
  });

  it('a start screen Payter refuses is retried; one it keeps refusing puts the reader out of service for operators', async () => {
    const { serial, charger } = await given();
    try {
      const first = await tap(serial, 'card-kim');
      await charging(first);
      payter.script(serial, 'start', { kind: 'fail', status: 503 }, 2);
      await payter.tap(serial, { cardId: 'card-kim' });
      expect((await finished(first)).status).toBe('SUCCEEDED');
      await waitFor(() => payter.reader(serial).state === 'READING' || undefined, 5_000, 'the start screen after two refusals');
      expect((await readerRecord(serial)).outOfService).toBeUndefined();

      // The charger's next transaction starts later (a replayed start time would be the same transaction).
      charger.setScript({ ...ONE_HOUR, startedAt: ocppTimestamp(t0 + 60_000) });
      charger.stopped = false;
      const second = await tap(serial, 'card-lee');
      await charging(second);
      payter.script(serial, 'start', { kind: 'fail', status: 503 }, 20);
      await payter.tap(serial, { cardId: 'card-lee' });
      expect((await finished(second)).status).toBe('SUCCEEDED');
      const reader = await readerRecord(serial);
      expect(reader.screen).toBe('outOfService');
      expect(reader.outOfService.reason).toMatch(/Payter refused the tapCard reading: transient 503/);
    } finally {
      await charger.close();
    }
  });
});

describe('installer mistakes are refused, not stored', () => {
  it('a serial Payter does not know: 400 naming it, nothing stored, the connector stays free', async () => {
    await system.provisionStation('CP-MISTAKE', PASSWORD, 'site-main-st', [1]);
    const put = await system.api('PUT', '/installer/readers/NO-SUCH-READER', { stationId: 'CP-MISTAKE', connectorIds: [1] });
    expect(put.status).toBe(400);
    expect(put.body.details).toEqual([expect.objectContaining({ field: 'serialNumber', message: expect.stringContaining('NO-SUCH-READER') })]);
    expect((await system.api('GET', '/installer/readers/NO-SUCH-READER')).status).toBe(404);
    payter.addReader('RIGHT-READER', { currency: 'USD' });
    expect((await system.api('PUT', '/installer/readers/RIGHT-READER', { stationId: 'CP-MISTAKE', connectorIds: [1] })).status).toBe(200);
  });

  it('a start screen Payter refuses at commissioning rolls back', async () => {
    await system.provisionStation('CP-ROLLBACK', PASSWORD, 'site-main-st', [1]);
    payter.addReader('READER-ROLLBACK', { currency: 'USD' });
    payter.script('READER-ROLLBACK', 'start', { kind: 'fail', status: 503 }, 20);
    const put = await system.api('PUT', '/installer/readers/READER-ROLLBACK', { stationId: 'CP-ROLLBACK', connectorIds: [1] });
    expect(put.status).toBe(502);
    expect(JSON.stringify(put.body)).toMatch(/nothing was stored/);
    expect((await system.api('GET', '/installer/readers/READER-ROLLBACK')).status).toBe(404);
  });

  it('decommissioning works when Payter no longer knows the terminal', async () => {
    await system.provisionStation('CP-GONE', PASSWORD, 'site-main-st', [1]);
    payter.addReader('READER-GONE', { currency: 'USD' });
    expect((await system.api('PUT', '/installer/readers/READER-GONE', { stationId: 'CP-GONE', connectorIds: [1] })).status).toBe(200);
    payter.removeReader('READER-GONE');
    expect((await system.api('DELETE', '/installer/readers/READER-GONE')).status).toBeLessThan(300);
    expect((await system.api('GET', '/installer/readers/READER-GONE')).status).toBe(404);
  });

  it("a terminal that tells its currency is refused at commissioning when it is not the site's", async () => {
    await system.provisionStation('CP-EURO', PASSWORD, 'site-main-st', [1]);
    payter.addReader('READER-EURO', { currency: 'EUR', currencyOnTerminal: true });
    const put = await system.api('PUT', '/installer/readers/READER-EURO', { stationId: 'CP-EURO', connectorIds: [1] });
    expect(put.status).toBe(400);
    expect(put.body.details[0].message).toMatch(/EUR.*USD/);
    expect((await system.api('GET', '/installer/readers/READER-EURO')).status).toBe(404);
  });

  it("a hold in another currency than the site's is cancelled at the first tap; the charger never starts", async () => {
    const { serial, charger } = await given(ONE_HOUR, { currency: 'EUR' });
    try {
      const sessionId = await tap(serial, 'card-max');
      expect((await finished(sessionId)).status).toBe('SUCCEEDED');
      expect(payter.sessions(serial)).toEqual([expect.objectContaining({ state: 'CANCELLED', currency: 'EUR' })]);
      expect(charger.remoteStarts).toEqual([]);
      expect(await session(sessionId)).toMatchObject({ status: 'failed', paymentState: 'cancelled', endReason: 'currencyMismatch' });
      expect(payter.screens(serial).map((s) => s.screen.id)).toContain('error');
    } finally {
      await charger.close();
    }
  });
});
