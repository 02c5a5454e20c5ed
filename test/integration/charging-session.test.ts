/**
 * Whole charging-payment sessions, path by path, on the local system: a real OCPP charger
 * peer (1.6J and 2.0.1, each path on both), the Payter simulator and the session workflow on
 * the Step Functions engine. Every path ends with no hold left authorized at Payter.
 */
import { FAST_WORKFLOW } from '../support/paid-session';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { GetExecutionHistoryCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import type { PayterSimulator } from '../../lib/local/payter-simulator';
import { OPS_TOKEN, demoSite, localDynamoDb, waitFor, type TestSystem } from '../support/local-system';
import { useTestSystem } from '../support/world';
import { OCPP_VERSIONS, ocppTimestamp, workedExample, type ChargerScript } from '../../lib/local/simulated-charger';

const PASSWORD = 'session-station-secret';
let system: TestSystem;
let payter: PayterSimulator;
const db = localDynamoDb();

useTestSystem(
  // Minutes and hours of the workflow become milliseconds; the charger's own timestamps stay real.
  { timeScale: FAST_WORKFLOW, payterTimeoutMs: 1_000 },
  async (started) => {
    system = started;
    payter = system.payter;
    // A short maximum session so the lost-charger path ends within the test (60 s * 0.02).
    await system.api('PUT', '/installer/sites/site-short', { ...demoSite('site-short'), limits: { plugInWindowSeconds: 120, maxSessionMinutes: 1 } });
  },
);


async function tap(serial: string, cardId: string): Promise<string> {
  expect(await payter.tap(serial, { cardId, maskedPan: '4111********1111' })).toBe(200);
  return waitFor(async () => (await system.api('GET', `/installer/readers/${serial}`)).body.activeSessionId as string | undefined, 5_000, 'session');
}

const finished = (sessionId: string) => system.executionEnded(sessionId);

const statesVisited = (sessionId: string) => system.statesVisited(sessionId);

const session = (sessionId: string) => system.sessionRecord(sessionId);

function expectNoHoldLeft(serial: string) {
  expect(payter.sessions(serial).filter((s) => s.state === 'AUTHORIZED')).toEqual([]);
}

const iso = ocppTimestamp;

// Every path on both OCPP versions: a 2.0.1 charger reporting the same is billed the same.
describe.each(OCPP_VERSIONS)('on OCPP %s', (ocpp) => {
  /** A fresh station with one connector, its charger online on `ocpp`, and a reader commissioned to it. */
  const given = (script: ChargerScript = {}, siteId = 'site-main-st') => system.stationWithReader('S', PASSWORD, { script, siteId, ocpp });

  describe('a paid charging session', () => {
    it("charges docs/pricing.md's worked example end to end: commit 764, split 62/120/582, receipt, reader free", async () => {
      const example = workedExample(Date.now() - 3_600_000);
      const { serial, charger } = await given(example.script);
      try {
        const sessionId = await tap(serial, 'card-alice');
        await charger.waitForTransaction();
        await waitFor(() => payter.reader(serial).state === 'READING' || undefined, 5_000, 'tap to stop armed');
        await waitFor(() => payter.currentScreen(serial)?.id === 'charging' || undefined, 5_000, 'the charging screen');
        const live = payter.currentScreen(serial);
        expect(live?.id).toBe('charging');
        // An hour in, before any meter value: fee $1.00 + time $1.20 = $2.20, tax 19.525 -> 20: $2.40.
        expect(live?.properties.message).toMatch(/^0\.00 kWh · 1:00:0\d · \$2\.40$/);
        // The car pauses for 15 minutes: 900 s idle, 300 s of it billable after the 10 min grace.
        await example.pauseCar(charger);

        // Someone else's card does not stop it, and the reader is ready again at once.
        await payter.tap(serial, { cardId: 'card-mallory' });
        await waitFor(() => payter.reader(serial).state === 'READING' || undefined, 5_000, 're-armed');
        expect(charger.remoteStops).toEqual([]);

        // The driver taps the same card: the charge stops, is priced and committed.
        await payter.tap(serial, { cardId: 'card-alice' });
        const execution = await finished(sessionId);
        expect(execution.status).toBe('SUCCEEDED');
        expect(charger.remoteStops).toEqual([{ transactionId: charger.transactionId }]);

        const [hold] = payter.sessions(serial);
        expect(hold).toMatchObject({ state: 'COMMITTED', authorizedAmount: 5000, committedAmount: 764, cardId: 'card-alice' });
        const record = await session(sessionId);
        expect(record).toMatchObject({
          status: 'completed',
          paymentState: 'committed',
          committedAmount: 764,
          split: {
            captured: { minor: 764 },
            taxCollected: { minor: 62 },
            platformFee: { minor: 120 },
            hostRevenue: { minor: 582 },
          },
        });
        expect((record.receipt as { lines: { amount: { minor: number } }[] }).lines.map((l) => l.amount.minor)).toEqual([100, 432, 120, 50]);
        expect(payter.screens(serial).map((s) => s.screen.id)).toEqual(expect.arrayContaining(['authorizing', 'plugIn', 'charging', 'stopping', 'receipt']));
        const receipt = payter.screens(serial).find((s) => s.screen.id === 'receipt')!;
        expect(receipt.screen.properties.message).toContain('$7.64');
        // The e-receipt the screen links to.
        const link = `${system.runtime.httpUrl}/receipts/${sessionId}`;
        expect(receipt.screen.properties.message).toContain(link);
        const page = await fetch(link);
        expect(page.status).toBe(200);
        const html = await page.text();
        expect(html).toContain('Main St Garage');
        expect(html).toMatch(/\$7\.64/);
        expect(html).toMatch(/\$4\.32/);
        expect((await fetch(`${system.runtime.httpUrl}/receipts/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
        // Each state entered is a billed state transition: issue 10's budget is 12 for a paid session.
        const visited = await statesVisited(sessionId);
        expect(visited).toEqual([
          'AuthorizeHold', 'Approved?', 'RemoteStart', 'AwaitTransactionStart', 'Charging',
          'PriceSession', 'Capture?', 'CommitPayment', 'ShowReceipt', 'ReceiptOnScreen', 'Release',
        ]);
        expect(visited.length).toBeLessThanOrEqual(12);
        // No card identifier in the execution's input, outputs or any event (what Step Functions
        // logs and keeps for 90 days), nor in the ops API's view of it: the session record has them.
        const { events } = await system.sfn.send(new GetExecutionHistoryCommand({ executionArn: system.executionArn(sessionId), maxResults: 1000, includeExecutionData: true }));
        const opsHistory = await system.api('GET', `/ops/sessions/${sessionId}/execution`);
        expect(opsHistory.status).toBe(200);
        const cardData = ['card-alice', 'card-mallory', '4111********1111', 'CONTACTLESS'];
        const carrying = <T,>(items: T[]) => items.filter((item) => cardData.some((card) => JSON.stringify(item).includes(card)));
        expect(carrying(events ?? []).map((e) => `${e.id} ${e.type}`)).toEqual([]);
        expect(carrying(opsHistory.body.events)).toEqual([]);
        expect(JSON.stringify(events)).toContain(sessionId);
        expect(record).toMatchObject({ cardId: 'card-alice', maskedPan: '4111********1111', ifd: 'CONTACTLESS' });
        // The reader is free and back in its start screen.
        const reader = (await system.api('GET', `/installer/readers/${serial}`)).body;
        expect(reader.activeSessionId).toBeUndefined();
        expect(payter.reader(serial).state).toBe('READING');
        expectNoHoldLeft(serial);
      } finally {
        await charger.close();
      }
    });

    it('declined card: no hold, the declined screen, the reader free again', async () => {
      const { serial, charger } = await given();
      payter.configureReader(serial, { authorize: 'decline' });
      try {
        const sessionId = await tap(serial, 'card-broke');
        expect((await finished(sessionId)).status).toBe('SUCCEEDED');
        expect(payter.sessions(serial)).toEqual([]);
        expect(charger.remoteStarts).toEqual([]);
        expect(await session(sessionId)).toMatchObject({ status: 'declined', paymentState: 'none' });
        expect(payter.screens(serial).map((s) => s.screen.id)).toContain('declined');
        expect(payter.reader(serial).state).toBe('READING');
      } finally {
        await charger.close();
      }
    });

    it.each([
      ['the charger rejects the remote start', { remoteStart: 'Rejected' as const }],
      ['the charger never answers the remote start', { remoteStart: 'silent' as const }],
      ['the driver never plugs in', { plugIn: false }],
    ])('%s: the hold is cancelled', async (_case, script) => {
      const { serial, charger } = await given(script);
      try {
        const sessionId = await tap(serial, 'card-bob');
        expect((await finished(sessionId)).status).toBe('SUCCEEDED');
        expect(payter.sessions(serial)).toEqual([expect.objectContaining({ state: 'CANCELLED', authorizedAmount: 5000 })]);
        expect(await session(sessionId)).toMatchObject({ status: 'cancelled', paymentState: 'cancelled', endReason: 'noTransaction' });
        expect(await statesVisited(sessionId)).toContain('CancelPayment');
        // A Rejected answer fails RemoteStart itself: its Catch, not a Choice state, takes the way to NoTransaction.
        if ('remoteStart' in script && script.remoteStart === 'Rejected') {
          const failed = (await system.executionHistory(sessionId)).filter((e) => e.type === 'TaskFailed').map((e) => e.taskFailedEventDetails?.error);
          expect(failed).toEqual(['CallRejected']);
        }
        // The compensation step itself cancelled the hold (not Release's sweep after it).
        expect((await system.stateOutput(sessionId, 'CancelPayment'))?.payment).toEqual({ state: 'cancelled' });
        expectNoHoldLeft(serial);
        expect(payter.reader(serial).state).toBe('READING');
      } finally {
        await charger.close();
      }
    });

    it('the driver presses Cancel on the plug-in screen: the hold is cancelled at once', async () => {
      const { serial, charger } = await given({ plugIn: false });
      try {
        const sessionId = await tap(serial, 'card-olga');
        await waitFor(async () => ((await session(sessionId)).startTaskToken ? true : undefined), 5_000, 'waiting for the plug');
        expect(payter.currentScreen(serial)?.id).toBe('plugIn');
        expect(await payter.pressButton(serial, 'plugIn', 'cancel')).toBe(200);
        expect((await finished(sessionId)).status).toBe('SUCCEEDED');
        expect(payter.sessions(serial)).toEqual([expect.objectContaining({ state: 'CANCELLED' })]);
        expect(await session(sessionId)).toMatchObject({ status: 'cancelled', endReason: 'noTransaction' });
        // Ended by the button, not by the plug-in window running out.
        const executionArn = `${system.runtime.stateMachineArn.replace(':stateMachine:', ':execution:')}:${sessionId}`;
        const { events } = await system.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
        expect(events?.filter((e) => e.type === 'TaskFailed').map((e) => e.taskFailedEventDetails?.error)).toEqual(['DriverCancelled']);
      } finally {
        await charger.close();
      }
    });

    it("the Stop button on the charging screen stops the charge once, even when Payter delivers the press twice", async () => {
      const t0 = Date.now() - 600_000;
      const { serial, charger } = await given({ meterStart: 0, startedAt: iso(t0), stop: { meterStop: 3000, timestamp: iso(Date.now()) } });
      try {
        const sessionId = await tap(serial, 'card-peggy');
        await waitFor(() => payter.currentScreen(serial)?.id === 'charging' || undefined, 5_000, 'the charging screen');
        expect(await payter.pressButton(serial, 'charging', 'stop')).toBe(200);
        const press = payter.callbacks().filter((c) => c.kind === 'ui').at(-1)!;
        const again = await fetch(press.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(press.body) });
        expect(again.status).toBe(200);
        expect((await finished(sessionId)).status).toBe('SUCCEEDED');
        expect(charger.remoteStops).toHaveLength(1);
        expect(payter.sessions(serial)).toEqual([expect.objectContaining({ state: 'COMMITTED' })]);
      } finally {
        await charger.close();
      }
    });

    it('refreshes the live cost on the reader from meter values, at most every 30 s', async () => {
      const t0 = Date.now() - 1_800_000;
      const { serial, charger } = await given({ meterStart: 0, startedAt: iso(t0), stop: { meterStop: 8000, timestamp: iso(Date.now()) } });
      try {
        const sessionId = await tap(serial, 'card-quinn');
        await waitFor(() => payter.currentScreen(serial)?.id === 'charging' || undefined, 5_000, 'the charging screen');
        const shown = () => payter.screens(serial).filter((s) => s.screen.id === 'charging').length;
        // The screen drawn when charging began said 0.00 kWh: the charger's first reading replaces it at once.
        await charger.meter(3000, iso(Date.now() - 90_000));
        await waitFor(() => /^3\.00 kWh/.test(payter.currentScreen(serial)?.properties.message ?? '') || undefined, 5_000, 'the first reading on screen');
        const before = shown();
        // Within 30 s of the last refresh: the session's total moves on, the screen stays.
        const total = (await session(sessionId)).runningTotal;
        await charger.meter(4000, iso(Date.now() - 60_000));
        expect(shown()).toBe(before);
        expect((await session(sessionId)).runningTotal).toBeGreaterThan(total);
        // 30 s later (the last refresh moved back in time), the next meter value refreshes it.
        await db.send(
          new UpdateCommand({
            TableName: process.env.SESSIONS_TABLE!,
            Key: { sessionId },
            UpdateExpression: 'SET chargingScreenAt = :long',
            ExpressionAttributeValues: { ':long': new Date(Date.now() - 31_000).toISOString() },
          }),
        );
        await charger.meter(6000, iso(Date.now() - 30_000));
        await waitFor(() => shown() > before || undefined, 5_000, 'a refreshed charging screen');
        // 6 kWh in 30 min: fee 1.00 + energy 2.10 + time 0.60 = 3.70, tax 0.33: $4.03.
        expect(payter.currentScreen(serial)?.properties.message).toMatch(/^6\.00 kWh · 30:0\d · \$4\.03$/);
        await payter.tap(serial, { cardId: 'card-quinn' });
        expect((await finished(sessionId)).status).toBe('SUCCEEDED');
      } finally {
        await charger.close();
      }
    });

    it('charger lost mid-session: commits the last known total', async () => {
      const t0 = Date.now() - 600_000;
      const { serial, charger } = await given({ meterStart: 1000, startedAt: iso(t0), remoteStop: 'silent' }, 'site-short');
      try {
        const sessionId = await tap(serial, 'card-carol');
        await charger.waitForTransaction();
        await charger.meter(3000, iso(t0 + 300_000));
        // The charger falls silent: no StopTransaction ever comes.
        const execution = await finished(sessionId);
        expect(execution.status).toBe('SUCCEEDED');
        const record = await session(sessionId);
        expect(record).toMatchObject({ status: 'completed', endReason: 'chargerLost', meterStop: 3000, paymentState: 'committed' });
        // 2000 Wh over 300 s: fee 100 + energy 70 + time 10 = 180, tax 16 -> 196.
        expect(payter.sessions(serial)).toEqual([expect.objectContaining({ state: 'COMMITTED', committedAmount: 196 })]);
        expect(await statesVisited(sessionId)).toEqual(expect.arrayContaining(['StopCharging', 'AwaitStopAfterRemoteStop', 'ChargerLost', 'CommitPayment']));
        expectNoHoldLeft(serial);
      } finally {
        await charger.close();
      }
    });

    it("retries a failing commit on Payter's schedule until it lands", async () => {
      const t0 = Date.now() - 60_000;
      const { serial, charger } = await given({ meterStart: 0, startedAt: iso(t0), stop: { meterStop: 500, timestamp: iso(t0 + 60_000) } });
      payter.script(serial, 'commit', { kind: 'fail', status: 503 }, 7);
      try {
        const sessionId = await tap(serial, 'card-dave');
        await charger.waitForTransaction();
        await waitFor(() => payter.reader(serial).state === 'READING' || undefined, 5_000, 'tap to stop armed');
        await payter.tap(serial, { cardId: 'card-dave' });
        expect((await finished(sessionId)).status).toBe('SUCCEEDED');
        const commits = payter.calls().filter((c) => c.serial === serial && c.call === 'commit');
        // Five failures in the minute phase, then the hourly phase: the 8th attempt lands.
        expect(commits.map((c) => c.status)).toEqual([503, 503, 503, 503, 503, 503, 503, 200]);
        expect(await statesVisited(sessionId)).toEqual(expect.arrayContaining(['CommitPaymentHourlyWait', 'CommitPaymentHourly']));
        expect(payter.sessions(serial)).toEqual([expect.objectContaining({ state: 'COMMITTED' })]);
      } finally {
        await charger.close();
      }
    });

    it("retries a failing cancel through the minute and hourly phases into the daily one, where it lands", async () => {
      const { serial, charger } = await given({ remoteStart: 'Rejected' });
      // 1 + 5 per minute + 24 hourly attempts fail: the first daily attempt (the 31st) lands.
      payter.script(serial, 'cancel', { kind: 'fail', status: 503 }, 30);
      try {
        const sessionId = await tap(serial, 'card-dana');
        expect((await finished(sessionId)).status).toBe('SUCCEEDED');
        const cancels = payter.calls().filter((c) => c.serial === serial && c.call === 'cancel');
        expect(cancels.map((c) => c.status)).toEqual([...Array(30).fill(503), 200]);
        expect(await statesVisited(sessionId)).toEqual(expect.arrayContaining(['CancelPaymentHourlyWait', 'CancelPaymentHourly', 'CancelPaymentDailyWait', 'CancelPaymentDaily', 'Release']));
        expect(payter.sessions(serial)).toEqual([expect.objectContaining({ state: 'CANCELLED' })]);
        expect(await session(sessionId)).toMatchObject({ status: 'cancelled', paymentState: 'cancelled', endReason: 'noTransaction' });
      } finally {
        await charger.close();
      }
    });

    it('flags a hold Payter never lets us finalize, and fails the execution for an operator', async () => {
      const t0 = Date.now() - 60_000;
      const { serial, charger } = await given({ meterStart: 0, startedAt: iso(t0), stop: { meterStop: 500, timestamp: iso(t0 + 60_000) } });
      payter.script(serial, 'commit', { kind: 'fail', status: 503 }, 1000);
      try {
        const sessionId = await tap(serial, 'card-erin');
        await charger.waitForTransaction();
        await waitFor(() => payter.reader(serial).state === 'READING' || undefined, 5_000, 'tap to stop armed');
        await payter.tap(serial, { cardId: 'card-erin' });
        const execution = await finished(sessionId);
        expect(execution.status).toBe('FAILED');
        expect(execution.error).toBe('PaymentNotFinalized');
        // 37 attempts: 1 + 5 per minute, 24 hourly, 7 daily.
        expect(payter.calls().filter((c) => c.serial === serial && c.call === 'commit')).toHaveLength(37);
        expect(await session(sessionId)).toMatchObject({ status: 'failed', paymentState: 'unfinalized' });
        // The reader is not held hostage by the alarm.
        expect((await system.api('GET', `/installer/readers/${serial}`)).body.activeSessionId).toBeUndefined();
      } finally {
        await charger.close();
      }
    });

    it('an authorize whose answer is lost: the hold it left is swept', async () => {
      const { serial, charger } = await given();
      // Payter holds the money but answers after our client gave up.
      payter.script(serial, 'authorize', { kind: 'slow', delayMs: 1_500 });
      try {
        const sessionId = await tap(serial, 'card-frank');
        expect((await finished(sessionId)).status).toBe('SUCCEEDED');
        await waitFor(() => payter.sessions(serial).length > 0 || undefined, 5_000, 'the late hold');
        await waitFor(() => payter.sessions(serial).every((s) => s.state !== 'AUTHORIZED') || undefined, 5_000, 'swept');
        expect(payter.sessions(serial)).toEqual([expect.objectContaining({ state: 'CANCELLED' })]);
        expect(charger.remoteStarts).toEqual([]);
      } finally {
        await charger.close();
      }
    });

    it('stops the charge before the running total passes the hold', async () => {
      const t0 = Date.now() - 60_000;
      const { serial, charger } = await given({ meterStart: 0, startedAt: iso(t0) });
      try {
        const sessionId = await tap(serial, 'card-grace');
        await charger.waitForTransaction();
        // 35 c/kWh: 100 kWh would cost $35; each 20 kWh meter interval adds about $7.62 with tax.
        for (let i = 1; i <= 8 && charger.remoteStops.length === 0; i++) {
          charger.setScript({ meterStart: 0, startedAt: iso(t0), stop: { meterStop: i * 20_000, timestamp: iso(t0 + 60_000) } });
          await charger.meter(i * 20_000, iso(t0 + i * 5_000));
        }
        const execution = await finished(sessionId);
        expect(execution.status).toBe('SUCCEEDED');
        expect(charger.remoteStops).toHaveLength(1);
        const record = await session(sessionId);
        expect(record.endReason).toBe('holdReached');
        const [hold] = payter.sessions(serial);
        expect(hold?.state).toBe('COMMITTED');
        expect(hold!.committedAmount).toBeLessThanOrEqual(5000);
        expect(record.payment.shortfall.minor).toBe(0);
      } finally {
        await charger.close();
      }
    });
  });

  describe("an operator's view of sessions", () => {
    /** A finished paid session: docs/pricing.md's worked example, committed at 764. */
    async function paidSession(cardId: string) {
      const example = workedExample(Date.now() - 3_600_000);
      const given_ = await given(example.script);
      const sessionId = await tap(given_.serial, cardId);
      await given_.charger.waitForTransaction();
      await example.pauseCar(given_.charger);
      await waitFor(() => payter.currentScreen(given_.serial)?.id === 'charging' || undefined, 5_000, 'charging');
      await payter.tap(given_.serial, { cardId });
      expect((await finished(sessionId)).status).toBe('SUCCEEDED');
      return { ...given_, sessionId };
    }

    it('finds the session with its execution, refunds it on the spot in parts, never beyond what was charged', async () => {
      const { sessionId, serial, stationId, charger } = await paidSession('card-heidi');
      await charger.close();

      const list = await system.api('GET', `/ops/sessions?stationId=${stationId}`);
      expect(list.status).toBe(200);
      expect(list.body.sessions).toEqual([expect.objectContaining({ sessionId, status: 'completed', captured: 764, tax: 62, committedAmount: 764 })]);
      expect((await system.api('GET', '/ops/sessions?siteId=site-main-st&status=completed')).body.sessions.map((s: { sessionId: string }) => s.sessionId)).toContain(sessionId);
      expect((await system.api('GET', '/ops/sessions?status=sleeping')).status).toBe(400);

      const detail = await system.api('GET', `/ops/sessions/${sessionId}`);
      expect(detail.body).toMatchObject({
        sessionId,
        paymentState: 'committed',
        execution: { name: sessionId, status: 'SUCCEEDED' },
        split: { platformFee: { minor: 120 }, hostRevenue: { minor: 582 } },
      });
      const history = await system.api('GET', `/ops/sessions/${sessionId}/execution`);
      expect(history.body.events.filter((e: { state?: string }) => e.state).map((e: { state: string }) => e.state)).toContain('CommitPayment');

      // $2.00 now, then the rest: the parts add up to what was captured, split back in proportion.
      const first = await system.api('POST', `/ops/sessions/${sessionId}/refunds`, { amount: 200, reason: 'idle fee waived' });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ amount: 200, state: 'done', tax: 16, platformFee: 31 });
      expect(first.body.tax + first.body.platformFee + first.body.hostRevenue).toBe(200);
      const tooMuch = await system.api('POST', `/ops/sessions/${sessionId}/refunds`, { amount: 565, reason: 'oops' });
      expect(tooMuch.status).toBe(409);
      // An operator tool retrying with the same Idempotency-Key gets the same refund, not a second one.
      const refundOnce = () =>
        fetch(`${system.runtime.httpUrl}/ops/sessions/${sessionId}/refunds`, {
          method: 'POST',
          headers: { authorization: `Bearer ${OPS_TOKEN}`, 'content-type': 'application/json', 'idempotency-key': 'refund-ticket-4711' },
          body: JSON.stringify({ amount: 564, reason: 'charger fault' }),
        }).then(async (r) => ({ status: r.status, body: await r.json() }));
      const rest = await refundOnce();
      expect(rest.status).toBe(200);
      expect(await refundOnce()).toEqual(rest);
      expect(payter.sessions(serial)[0]?.refunds.map((r) => r.amount)).toEqual([200, 564]);
      const after = (await system.api('GET', `/ops/sessions/${sessionId}`)).body;
      expect(after.refundedAmount).toBe(764);
      // Every share goes back exactly: tax 62, platform 120, host 582 in all.
      const sums = after.refunds.reduce(
        (t: number[], r: { tax: number; platformFee: number; hostRevenue: number }) => [t[0]! + r.tax, t[1]! + r.platformFee, t[2]! + r.hostRevenue],
        [0, 0, 0],
      );
      expect(sums).toEqual([62, 120, 582]);
      expect((await system.api('POST', `/ops/sessions/${sessionId}/refunds`, { amount: 1, reason: 'again' })).status).toBe(409);
      expect((await system.api('POST', `/ops/sessions/${sessionId}/refunds`, { amount: 1.5, reason: 'x' })).body.details[0].field).toBe('amount');
    });

    it('stops a charge remotely', async () => {
      const t0 = Date.now() - 600_000;
      const { serial, charger } = await given({ meterStart: 0, startedAt: iso(t0), stop: { meterStop: 2000, timestamp: iso(Date.now()) } });
      try {
        const sessionId = await tap(serial, 'card-judy');
        await charger.waitForTransaction();
        await waitFor(async () => (await session(sessionId)).status === 'charging' || undefined, 5_000, 'charging');
        // While charging, the detail has the total so far, priced as the receipt will be.
        await charger.meter(1500, iso(t0 + 300_000));
        const live = (await system.api('GET', `/ops/sessions/${sessionId}`)).body;
        // 1.5 kWh in 10 minutes: fee 100 + energy 52.5 -> 53 + time 20 = 173, tax 15.35 -> 15: 188.
        expect(live).toMatchObject({ status: 'charging', total: 188, usage: { energyWh: 1500, idleSeconds: 0, soFar: true } });
        expect(live.usage.durationSeconds).toBeGreaterThanOrEqual(600);
        const stop = await system.api('POST', `/ops/sessions/${sessionId}/stop`);
        expect(stop.status).toBe(202);
        expect((await finished(sessionId)).status).toBe('SUCCEEDED');
        expect(charger.remoteStops).toEqual([{ transactionId: charger.transactionId }]);
        expect(await session(sessionId)).toMatchObject({ endReason: 'operatorStop', paymentState: 'committed' });
        // Once priced: the receipt's total and usage (2 kWh in the 10 minutes the charger reported: 100 + 70 + 20 = 190, tax 17).
        expect((await system.api('GET', `/ops/sessions/${sessionId}`)).body).toMatchObject({ total: 207, usage: { energyWh: 2000, soFar: false } });
        expect((await system.api('POST', `/ops/sessions/${sessionId}/stop`)).status).toBe(409);
      } finally {
        await charger.close();
      }
    });

    it('reconciles our sessions with Payter and names every difference', async () => {
      const from = new Date(Date.now() - 3_600_000).toISOString();
      const { sessionId, serial, charger } = await paidSession('card-ken');
      await charger.close();
      const clean = await system.api('GET', `/ops/reconciliation?from=${from}&to=${new Date().toISOString()}`);
      expect(clean.status).toBe(200);
      expect(clean.body.sessions).toBeGreaterThanOrEqual(1);
      expect(clean.body.differences.filter((d: { serialNumber: string }) => d.serialNumber === serial)).toEqual([]);

      // Our record drifts from Payter's (a lost update): the report shows both sides.
      const period = `from=${from}&to=${new Date(Date.now() + 60_000).toISOString()}`;
      await db.send(
        new UpdateCommand({
          TableName: process.env.SESSIONS_TABLE!,
          Key: { sessionId },
          UpdateExpression: 'SET paymentState = :cancelled',
          ExpressionAttributeValues: { ':cancelled': 'cancelled' },
        }),
      );
      const drifted = await system.api('GET', `/ops/reconciliation?${period}`);
      expect(drifted.body.differences.filter((d: { serialNumber: string }) => d.serialNumber === serial)).toEqual([
        expect.objectContaining({ kind: 'stateDiffers', sessionId, ours: expect.objectContaining({ paymentState: 'cancelled' }), payters: { state: 'COMMITTED', committedAmount: 764 } }),
      ]);
      await db.send(
        new UpdateCommand({
          TableName: process.env.SESSIONS_TABLE!,
          Key: { sessionId },
          UpdateExpression: 'SET paymentState = :committed, payment.captured.minor = :less',
          ExpressionAttributeValues: { ':committed': 'committed', ':less': 700 },
        }),
      );
      const amounts = await system.api('GET', `/ops/reconciliation?${period}`);
      expect(amounts.body.differences.filter((d: { serialNumber: string }) => d.serialNumber === serial)).toEqual([
        expect.objectContaining({ kind: 'amountDiffers', sessionId }),
      ]);
      expect((await system.api('GET', '/ops/reconciliation?from=yesterday')).status).toBe(400);
    });
  });
});

describe('the card in the workflow', () => {
  it("is in no event of any execution above (approved, declined, cancelled, lost charger, commit retried or never finalized): the session record keeps it", async () => {
    const { executions = [] } = await system.sfn.send(new ListExecutionsCommand({ stateMachineArn: system.runtime.stateMachineArn, maxResults: 1000 }));
    expect(executions.length).toBeGreaterThan(10);
    const carrying: string[] = [];
    for (const { executionArn } of executions) {
      const { events = [] } = await system.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, includeExecutionData: true }));
      for (const event of events) {
        if (/card-[a-z]|4111\*{8}1111|CONTACTLESS/.test(JSON.stringify(event))) carrying.push(`${executionArn!.split(':').at(-1)} ${event.id} ${event.type}`);
      }
    }
    expect(carrying).toEqual([]);
  });
});
