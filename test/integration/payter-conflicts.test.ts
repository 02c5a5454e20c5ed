/**
 * Payter's 409 ("already committed or cancelled") in whole sessions on the local system. Payter
 * stops its retry rule on a 409, so the workflow must then learn from Payter's own record which
 * way the money went, and say exactly that: in the session record, on the reader and on the
 * driver's e-receipt. A 409 that Payter's record contradicts (the hold still open) is not
 * believed: the commit is retried, and no hold is left behind.
 */
import { describe, expect, it, vi } from 'vitest';
import type { PayterSimulator } from '../../lib/local/payter-simulator';
import { ocppTimestamp, type ChargerScript, type SimulatedCharger } from '../../lib/local/simulated-charger';
import { waitFor, type TestSystem } from '../support/local-system';
import { useTestSystem } from '../support/world';
import { FAST_WORKFLOW } from '../support/paid-session';

// The operator alerts are log lines (with their EMF metric): the global console lets this file read them.
vi.hoisted(() => {
  process.env.POWERTOOLS_DEV = 'true';
});

const PASSWORD = 'conflict-station-secret';
let system: TestSystem;
let payter: PayterSimulator;

useTestSystem({ timeScale: FAST_WORKFLOW, payterTimeoutMs: 2_000, logLevel: 'ERROR' }, (started) => {
  system = started;
  payter = system.payter;
});

/** A station whose charger reports 500 Wh over one minute, and a reader commissioned to it. */
function given(script: ChargerScript = {}) {
  const t0 = Date.now() - 60_000;
  const oneMinute = { meterStart: 0, startedAt: ocppTimestamp(t0), stop: { meterStop: 500, timestamp: ocppTimestamp(t0 + 60_000) } };
  return system.stationWithReader('409-', PASSWORD, { script: { ...oneMinute, ...script } });
}

/** Taps, charges, and taps again to stop; resolves when the execution has ended. */
async function chargeAndStop(serial: string, charger: SimulatedCharger, cardId: string, beforeStop: (sessionId: string) => void = () => undefined) {
  expect(await payter.tap(serial, { cardId, maskedPan: '4111********1111' })).toBe(200);
  const sessionId = await system.activeSession(serial);
  await charger.waitForTransaction();
  await waitFor(() => payter.reader(serial).state === 'READING' || undefined, 5_000, 'tap to stop armed');
  beforeStop(sessionId);
  await payter.tap(serial, { cardId });
  const execution = await system.executionEnded(sessionId);
  return { sessionId, execution };
}

const commitsOf = (serial: string) => payter.calls().filter((c) => c.serial === serial && c.call === 'commit');
const receiptPage = async (sessionId: string) => (await fetch(`${system.runtime.httpUrl}/receipts/${sessionId}`)).text();

describe("Payter's 409 in a session", () => {
  it("a commit whose answer was lost: the retry reads Payter's record, finds it committed and commits nothing twice", async () => {
    const { serial, charger } = await given();
    // Payter commits, but its answer comes after our client gave up.
    payter.script(serial, 'commit', { kind: 'slow', delayMs: 3_000 });
    try {
      const { sessionId, execution } = await chargeAndStop(serial, charger, 'card-409-lost');
      expect(execution.status).toBe('SUCCEEDED');
      const [hold] = payter.sessions(serial);
      expect(payter.sessions(serial)).toEqual([expect.objectContaining({ state: 'COMMITTED' })]);
      const record = await system.sessionRecord(sessionId);
      expect(record).toMatchObject({ status: 'completed', paymentState: 'committed', committedAmount: hold!.committedAmount });
      expect(record.split.captured.minor).toBe(hold!.committedAmount);
      // The lost one moved the money; the retry re-read Payter and found it final (no second commit).
      expect(commitsOf(serial).map((c) => c.status)).toEqual([200]);
      expect(payter.screens(serial).map((s) => s.screen.id)).toContain('receipt');
    } finally {
      await charger.close();
    }
  });

  it('a cancel whose answer was lost: the retry finds the hold cancelled, and the session ends cancelled', async () => {
    const { serial, charger } = await given({ remoteStart: 'Rejected' });
    payter.script(serial, 'cancel', { kind: 'slow', delayMs: 3_000 });
    try {
      expect(await payter.tap(serial, { cardId: 'card-409-cancel' })).toBe(200);
      const sessionId = await system.activeSession(serial);
      expect((await system.executionEnded(sessionId)).status).toBe('SUCCEEDED');
      expect(payter.sessions(serial)).toEqual([expect.objectContaining({ state: 'CANCELLED' })]);
      expect(await system.sessionRecord(sessionId)).toMatchObject({ status: 'cancelled', paymentState: 'cancelled', endReason: 'noTransaction' });
      // The lost answer's cancel worked; the retry's 409 ends Payter's retry rule.
      expect(payter.calls().filter((c) => c.serial === serial && c.call === 'cancel').map((c) => c.status)).toEqual([200, 409]);
    } finally {
      await charger.close();
    }
  });

  it('a hold cancelled at Payter before the commit: the session says nothing was charged, the operator is alerted', async () => {
    const { serial, charger } = await given();
    const logged = vi.spyOn(console, 'error');
    try {
      const { sessionId, execution } = await chargeAndStop(serial, charger, 'card-409-gone', () => {
        // An operator cancels the hold in MyPayter while the car charges.
        payter.cancelElsewhere(serial, payter.sessions(serial)[0]!.sessionId);
      });
      expect(execution.status).toBe('SUCCEEDED');
      expect(payter.sessions(serial)).toEqual([expect.objectContaining({ state: 'CANCELLED' })]);
      const record = await system.sessionRecord(sessionId);
      // What Payter says, not what we asked for: nothing was committed.
      expect(record).toMatchObject({ status: 'cancelled', paymentState: 'cancelled' });
      expect(record.committedAmount ?? 0).toBe(0);
      expect(commitsOf(serial)).toEqual([]);
      // The reader never claimed a charge; the e-receipt says nothing was charged.
      expect(payter.screens(serial).map((s) => s.screen.id)).not.toContain('receipt');
      expect(await receiptPage(sessionId)).toMatch(/not been charged|nothing was charged/i);
      const alerts = logged.mock.calls.map((args) => args.map(String).join(' ')).filter((line) => line.includes('"CommitsFoundCancelled"'));
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toContain(sessionId);
    } finally {
      logged.mockRestore();
      await charger.close();
    }
  });

  it('a 409 while Payter still shows the hold open is not believed: the commit is retried until it lands', async () => {
    const { serial, charger } = await given();
    payter.script(serial, 'commit', { kind: 'fail', status: 409, error: 'CONFLICT', message: 'try again' });
    try {
      const { sessionId, execution } = await chargeAndStop(serial, charger, 'card-409-open');
      expect(execution.status).toBe('SUCCEEDED');
      expect(commitsOf(serial).map((c) => c.status)).toEqual([409, 200]);
      const [hold] = payter.sessions(serial);
      expect(hold).toMatchObject({ state: 'COMMITTED' });
      expect(await system.sessionRecord(sessionId)).toMatchObject({ status: 'completed', paymentState: 'committed', committedAmount: hold!.committedAmount });
    } finally {
      await charger.close();
    }
  });
});
