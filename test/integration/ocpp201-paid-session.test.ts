/**
 * The paid session of docs/pricing.md's worked example on a strict OCPP 2.0.1 charger (an
 * ocpp-rpc peer with the official 2.0.1 schemas), on the local system with the Payter
 * simulator and the session workflow: the same 764 a 1.6 charger reporting the same commits
 * (test/integration/charging-session.test.ts runs every session path on both versions), also
 * when the charger ran the whole transaction offline and replays it late.
 */
import { describe, expect, it } from 'vitest';
import { ocppTimestamp, workedExample } from '../../lib/local/simulated-charger';
import type { PayterSimulator } from '../../lib/local/payter-simulator';
import { waitFor, type TestSystem } from '../support/local-system';
import { FAST_WORKFLOW } from '../support/paid-session';
import { register, remoteStartPeer } from '../support/ocpp201-peer';
import { useTestSystem } from '../support/world';

const PASSWORD = 'session-station-secret-201';
const STATION = 'CP-201-PAID';
const SERIAL = 'READER-201-PAID';
const REJECTING = 'CP-201-REJECTS';
const PLUGGED = ['CP-201-OCCUPIED', 'CP-201-EVCONNECTED'] as const;
let system: TestSystem;
let payter: PayterSimulator;

useTestSystem({ timeScale: FAST_WORKFLOW, payterTimeoutMs: 1_000 }, async (started) => {
  system = started;
  payter = system.payter;
  await system.provisionStation(STATION, PASSWORD, 'site-main-st', [1]);
  await system.provisionStation(REJECTING, PASSWORD, 'site-main-st', [1]);
  for (const station of PLUGGED) await system.provisionStation(station, PASSWORD, 'site-main-st', [1, 2]);
});

describe('a paid session on a strict OCPP 2.0.1 charger', () => {
  it("charges docs/pricing.md's worked example end to end: commit 764, split 62/120/582", async () => {
    const t0 = Date.now() - 3_600_000;
    const at = (ms: number) => ocppTimestamp(t0 + ms);
    const charger = system.charger(STATION, PASSWORD, ['ocpp2.0.1']);
    const txId = 'b1c2-201-paid';
    const { event, starts, stops, ended } = remoteStartPeer(charger, txId, at, { ms: 3_600_000, wh: 12345 });
    await charger.connect();
    try {
      await charger.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'Alpitronic', model: 'HYC300' } });
      await charger.call('StatusNotification', { timestamp: at(0), connectorStatus: 'Available', evseId: 1, connectorId: 1 });
      await system.commissionReader(SERIAL, STATION, [1]);

      expect(await payter.tap(SERIAL, { cardId: 'card-alice', maskedPan: '4111********1111' })).toBe(200);
      const sessionId = await system.activeSession(SERIAL);
      await waitFor(() => starts[0], 10_000, 'RequestStartTransaction');
      const { idToken, remoteStartId } = starts[0]!;
      expect(
        await event(
          'Started',
          'RemoteStart',
          at(0),
          { evse: { id: 1, connectorId: 1 }, idToken, meterValue: register(0, at(0), 'Transaction.Begin') },
          { chargingState: 'Charging', remoteStartId },
        ),
      ).toEqual({ idTokenInfo: { status: 'Accepted' } });
      await waitFor(() => payter.currentScreen(SERIAL)?.id === 'charging' || undefined, 5_000, 'the charging screen');

      // The car pauses for 15 minutes: 900 s idle, 300 s of it billable after the 10 min grace.
      await event('Updated', 'ChargingStateChanged', at(1_800_000), { meterValue: register(8230, at(1_800_000), 'Sample.Periodic') }, { chargingState: 'SuspendedEV' });
      await event('Updated', 'ChargingStateChanged', at(2_700_000), { meterValue: register(8230, at(2_700_000), 'Sample.Periodic') }, { chargingState: 'Charging' });
      await waitFor(() => payter.reader(SERIAL).state === 'READING' || undefined, 5_000, 'tap to stop armed');

      await payter.tap(SERIAL, { cardId: 'card-alice' });
      const execution = await system.executionEnded(sessionId);
      await ended();
      expect(execution.status).toBe('SUCCEEDED');
      expect(stops).toEqual([{ transactionId: txId }]);
      const [hold] = payter.sessions(SERIAL);
      expect(hold).toMatchObject({ state: 'COMMITTED', authorizedAmount: 5000, committedAmount: 764, cardId: 'card-alice' });
      const record = await system.sessionRecord(sessionId);
      // Fee, energy, time, and the idle the SuspendedEV quarter hour made: as on a 1.6 charger.
      expect((record.receipt as { lines: { amount: { minor: number } }[] }).lines.map((l) => l.amount.minor)).toEqual([100, 432, 120, 50]);
      expect(record).toMatchObject({
        status: 'completed',
        committedAmount: 764,
        split: { captured: { minor: 764 }, taxCollected: { minor: 62 }, platformFee: { minor: 120 }, hostRevenue: { minor: 582 } },
      });
    } finally {
      await charger.close();
    }
  });

  it('cancels the hold when the charger rejects RequestStartTransaction', async () => {
    const charger = system.charger(REJECTING, PASSWORD, ['ocpp2.0.1']);
    const starts: unknown[] = [];
    charger.handle('RequestStartTransaction', ({ params }: { params: unknown }) => {
      starts.push(params);
      return { status: 'Rejected', statusInfo: { reasonCode: 'Faulted' } };
    });
    await charger.connect();
    try {
      await charger.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'Alpitronic', model: 'HYC300' } });
      await system.commissionReader('READER-201-REJECTS', REJECTING, [1]);
      expect(await payter.tap('READER-201-REJECTS', { cardId: 'card-bob', maskedPan: '4111********1111' })).toBe(200);
      const sessionId = await system.activeSession('READER-201-REJECTS');
      expect((await system.executionEnded(sessionId)).status).toBe('SUCCEEDED');
      expect(starts).toHaveLength(1);
      expect(payter.sessions('READER-201-REJECTS')).toEqual([expect.objectContaining({ state: 'CANCELLED', authorizedAmount: 5000 })]);
      expect(await system.sessionRecord(sessionId)).toMatchObject({ status: 'cancelled', paymentState: 'cancelled', endReason: 'noTransaction' });
      // The charger's Rejected fails the workflow's RemoteStart task, as a 1.6 charger's does.
      const failed = (await system.executionHistory(sessionId)).filter((e) => e.type === 'TaskFailed').map((e) => e.taskFailedEventDetails?.error);
      expect(failed).toEqual(['CallRejected']);
    } finally {
      await charger.close();
    }
  });

  it('settles a whole transaction replayed late from the offline queue (offline: true, a gap in seqNo) as it settles the same live', async () => {
    /** The worked example on a fresh station, the driver stopping at the charger; offline: all of it queued, replayed after. */
    const session = async (offline: boolean) => {
      const example = workedExample(Date.now() - 3_600_000);
      const script = { ...example.script, plugIn: !offline };
      const { serial, charger } = await system.stationWithReader('OFF', PASSWORD, { script, ocpp: '2.0.1' });
      try {
        expect(await payter.tap(serial, { cardId: 'card-olivia', maskedPan: '4111********1111' })).toBe(200);
        const sessionId = await system.activeSession(serial);
        if (offline) {
          // The charger accepts the remote start, then loses its connection and charges offline.
          const idTag = await waitFor(() => charger.remoteStartIdTag, 10_000, 'RequestStartTransaction');
          await charger.goOffline();
          await charger.startTransaction(1, idTag);
        } else {
          await charger.waitForTransaction();
        }
        await example.pauseCar(charger);
        await example.meterHour(charger);
        await charger.stopTransaction('Local');
        // Its queue was full: the meter samples' Updated event was dropped, the others come late.
        const replayed = offline ? await charger.backOnline((e) => e.triggerReason === 'MeterValuePeriodic') : undefined;
        expect((await system.executionEnded(sessionId)).status).toBe('SUCCEEDED');
        const record = await system.sessionRecord(sessionId);
        const transaction = (await system.api('GET', `/ops/transactions/${record.transactionId}`)).body;
        return {
          replayed,
          hold: payter.sessions(serial).map(({ state, authorizedAmount, committedAmount }) => ({ state, authorizedAmount, committedAmount })),
          session: { status: record.status, endReason: record.endReason, paymentState: record.paymentState, committedAmount: record.committedAmount, split: record.split },
          receipt: (record.receipt as { lines: { amount: { minor: number } }[] }).lines.map((l) => l.amount.minor),
          transaction: {
            meterStart: transaction.meterStart,
            meterStop: transaction.meterStop,
            seconds: (Date.parse(transaction.stoppedAt) - Date.parse(transaction.startedAt)) / 1000,
            status: transaction.status,
          },
        };
      } finally {
        await charger.close();
      }
    };
    const live = await session(false);
    const replayed = await session(true);
    expect(replayed.replayed).toEqual([0, 1, 2, 4]);
    expect(live.hold).toEqual([{ state: 'COMMITTED', authorizedAmount: 5000, committedAmount: 764 }]);
    expect(live.receipt).toEqual([100, 432, 120, 50]);
    expect(live.transaction).toEqual({ meterStart: 0, meterStop: 12345, seconds: 3600, status: 'stopped' });
    expect({ ...replayed, replayed: undefined }).toEqual(live);
  });

  it.each([
    ['Occupied (StatusNotification)', PLUGGED[0], 'occupied'],
    ['EVConnected (the cable-plugged TransactionEvent, before any id token)', PLUGGED[1], 'evConnected'],
  ] as const)('plug in to start: %s counts as plugged in, and the tap charges that EVSE', async (_case, station, signal) => {
    const serial = `READER-${station}`;
    const charger = system.charger(station, PASSWORD, ['ocpp2.0.1']);
    const starts: { evseId?: number; idToken: { idToken: string } }[] = [];
    charger.handle('RequestStartTransaction', ({ params }: { params: (typeof starts)[number] }) => {
      starts.push(params);
      return { status: 'Rejected' };
    });
    await charger.connect();
    try {
      const now = ocppTimestamp(Date.now());
      await charger.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'Alpitronic', model: 'HYC300' } });
      for (const evseId of [1, 2]) await charger.call('StatusNotification', { timestamp: now, connectorStatus: 'Available', evseId, connectorId: 1 });
      payter.addReader(serial, { currency: 'USD' });
      expect((await system.api('PUT', `/installer/readers/${serial}`, { stationId: station, connectorIds: [1, 2], startFlow: 'plugInToStart' })).status).toBe(200);
      await waitFor(() => payter.currentScreen(serial)?.id === 'plugInFirst' || undefined, 5_000, 'the plug-in-first screen');

      if (signal === 'occupied') await charger.call('StatusNotification', { timestamp: now, connectorStatus: 'Occupied', evseId: 2, connectorId: 1 });
      else {
        await charger.call('TransactionEvent', {
          eventType: 'Started',
          triggerReason: 'CablePluggedIn',
          seqNo: 0,
          timestamp: now,
          evse: { id: 2, connectorId: 1 },
          transactionInfo: { transactionId: `tx-${serial}`, chargingState: 'EVConnected' },
        });
      }
      await waitFor(() => payter.reader(serial).state === 'READING' || undefined, 5_000, 'reading for EVSE 2');
      expect(payter.reader(serial).reading?.uiMessage).toMatch(/^2: /);
      expect(await payter.tap(serial, { cardId: 'card-cleo' })).toBe(200);
      const sessionId = await system.activeSession(serial);
      await waitFor(() => starts[0], 10_000, 'RequestStartTransaction');
      expect(starts[0]).toMatchObject({ evseId: 2 });
      // Refused by the charger: the hold is cancelled, as for any start that never happens.
      expect((await system.executionEnded(sessionId)).status).toBe('SUCCEEDED');
      expect(payter.sessions(serial)).toEqual([expect.objectContaining({ state: 'CANCELLED', authorizedAmount: 5000, cardId: 'card-cleo' })]);
      expect(await system.sessionRecord(sessionId)).toMatchObject({ connectorId: 2, status: 'cancelled', paymentState: 'cancelled' });
    } finally {
      await charger.close();
    }
  });
});
