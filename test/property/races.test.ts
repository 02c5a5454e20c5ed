/**
 * Concurrent actions on one session, on the whole local system: two stops at once, a press
 * or a card read delivered several times at once, two drivers at the two connectors of one
 * station, an installer repeating the commissioning mid-session. Each ends with the hold
 * committed at exactly docs/pricing.md's price of what the charger reported (our captured amount
 * equal to Payter's), nothing left AUTHORIZED, and the reader free.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PayterSimulator } from '../../lib/local/payter-simulator';
import type { Charger } from '../../lib/local/simulated-charger';
import type { TestSystem } from '../support/local-system';
import { waitFor } from '../support/local-system';
import {
  PASSWORD,
  charging,
  ended,
  expectedCapture,
  givenStation,
  newSession,
  openHolds,
  readerFree,
  redeliver,
  reportOf,
  settlementProblems,
  startPropertySystem,
  type ChargerReport,
} from './support';
import { ONE_HOUR, scenarios } from './scenarios';

let system: TestSystem;
let payter: PayterSimulator;

beforeAll(async () => {
  system = await startPropertySystem();
  payter = system.runtime.payter!;
});

afterAll(async () => {
  await system?.close();
});

const { given, startCharging, expectSettled } = scenarios('RACE', () => system);

describe('two stops at once', () => {
  it('tap to stop and an operator stop at the same moment: one remote stop, one commit at the price', async () => {
    const report = ONE_HOUR();
    const pair = await given(report);
    try {
      const sessionId = await startCharging(pair, 'card-race-1');
      await waitFor(() => payter.reader(pair.serial).state === 'READING' || undefined, 5_000, 'tap to stop armed');
      const [tapped, ops] = await Promise.all([payter.tap(pair.serial, { cardId: 'card-race-1' }), system.api('POST', `/ops/sessions/${sessionId}/stop`)]);
      expect(tapped).toBe(200);
      // Whichever came second finds the session stopping already.
      expect([202, 409]).toContain(ops.status);
      await expectSettled(pair, sessionId, 'card-race-1', report);
      expect(pair.charger.remoteStops).toHaveLength(1);
      // The oracle, by hand: fee 100 + energy 34.5 * 12.345 = 425.9 -> 426 + time 120 = 646; tax 57.33 -> 57.
      expect(expectedCapture(report)).toBe(703);
    } finally {
      await pair.charger.close();
    }
  });

  it('the Stop button delivered twice at once: both answered 200, one remote stop, one commit', async () => {
    const report = ONE_HOUR();
    const pair = await given(report);
    try {
      const sessionId = await startCharging(pair, 'card-race-2');
      const screen = await waitFor(() => payter.screens(pair.serial).findLast((s) => s.screen.id === 'charging' && s.callbackUrl), 5_000, 'the charging screen');
      const press = { url: screen.callbackUrl!, body: { serialNumber: pair.serial, screenId: 'charging', response: 'stop' } };
      // Soft: the money must be right even while a duplicate is answered wrongly.
      expect.soft(await Promise.all([redeliver(press), redeliver(press)])).toEqual([200, 200]);
      await expectSettled(pair, sessionId, 'card-race-2', report);
      expect(pair.charger.remoteStops).toHaveLength(1);
    } finally {
      await pair.charger.close();
    }
  });
});

describe('duplicate deliveries at once', () => {
  it('the same card read delivered 10 times at once: never a 5xx, one session, one hold, charged once', async () => {
    const report = ONE_HOUR();
    const pair = await given(report);
    try {
      const callbackUrl = payter.reader(pair.serial).reading!.callbackUrl;
      // The tap marks the card read at once; its delivery and nine copies race to our endpoint.
      const first = payter.tap(pair.serial, { cardId: 'card-race-3' });
      const card = payter.reader(pair.serial).card!;
      const copies = Array.from({ length: 9 }, () => redeliver({ url: callbackUrl, body: card }));
      const statuses = await Promise.all([first, ...copies]);
      expect.soft(statuses.filter((s) => s === undefined || s >= 500)).toEqual([]);
      const sessionId = await newSession(pair.stationId, new Set());
      expect(await charging(system, sessionId)).toBe(true);
      expect(payter.sessions(pair.serial)).toHaveLength(1);
      expect(pair.charger.remoteStarts).toHaveLength(1);
      await waitFor(() => payter.reader(pair.serial).state === 'READING' || undefined, 5_000, 'tap to stop armed');
      await payter.tap(pair.serial, { cardId: 'card-race-3' });
      await expectSettled(pair, sessionId, 'card-race-3', report);
    } finally {
      await pair.charger.close();
    }
  });
});

describe('two drivers at one station', () => {
  /** A real OCPP peer with two connectors, each with its own transaction. */
  function twoConnectorCharger(client: Charger, reports: Record<number, ChargerReport>) {
    const transactions = new Map<number, number>(); // connector -> transaction
    const remoteStarts: number[] = [];
    client.handle('RemoteStartTransaction', ({ params }) => {
      const connectorId = params.connectorId as number;
      remoteStarts.push(connectorId);
      const report = reports[connectorId]!;
      setTimeout(() => {
        void (async () => {
          await client.call('StatusNotification', { connectorId, status: 'Charging', errorCode: 'NoError', timestamp: report.startedAt });
          const answer = await client.call('StartTransaction', { connectorId, idTag: params.idTag, meterStart: report.meterStart, timestamp: report.startedAt });
          transactions.set(connectorId, answer.transactionId);
        })().catch(() => undefined);
      }, 20);
      return { status: 'Accepted' };
    });
    client.handle('RemoteStopTransaction', ({ params }) => {
      const connectorId = [...transactions].find(([, t]) => t === params.transactionId)?.[0];
      if (connectorId === undefined) return { status: 'Rejected' };
      const report = reports[connectorId]!;
      setTimeout(() => {
        void (async () => {
          await client.call('StopTransaction', { transactionId: params.transactionId, meterStop: report.meterStop, timestamp: report.stoppedAt, reason: 'Remote' });
          await client.call('StatusNotification', { connectorId, status: 'Available', errorCode: 'NoError' });
        })().catch(() => undefined);
      }, 20);
      return { status: 'Accepted' };
    });
    return { transactions, remoteStarts };
  }

  it('two drivers tap the two readers of a two-connector station at once: both charge, each pays its own price', async () => {
    const reports = { 1: reportOf(1_000, 7_000, 1800), 2: reportOf(50_000, 20_000, 5400) };
    const { stationId, serials, charger } = await givenStation(system, 'CP-RACE-TWIN', ['READER-TWIN-1', 'READER-TWIN-2']);
    await charger.close();
    const client = system.charger(stationId, PASSWORD);
    const peer = twoConnectorCharger(client, reports);
    await client.connect();
    await client.call('BootNotification', { chargePointVendor: 'Alfen', chargePointModel: 'Eve Double' });
    for (const connectorId of [1, 2]) await client.call('StatusNotification', { connectorId, status: 'Available', errorCode: 'NoError' });
    try {
      const cards = ['card-twin-a', 'card-twin-b'];
      expect(await Promise.all(serials.map((serial, i) => payter.tap(serial, { cardId: cards[i]! })))).toEqual([200, 200]);
      const sessionIds = await waitFor(async () => {
        const records = await Promise.all(serials.map(async (serial) => (await system.api('GET', `/installer/readers/${serial}`)).body.activeSessionId as string | undefined));
        return records.every(Boolean) ? (records as string[]) : undefined;
      }, 5_000, 'both sessions');
      // Both remote starts reach the charger, and both transactions charge.
      for (const sessionId of sessionIds) expect(await charging(system, sessionId)).toBe(true);
      expect(peer.remoteStarts.sort()).toEqual([1, 2]);
      await Promise.all(serials.map(async (serial, i) => {
        await waitFor(() => payter.reader(serial).state === 'READING' || undefined, 5_000, 'tap to stop armed');
        expect(await payter.tap(serial, { cardId: cards[i]! })).toBe(200);
      }));
      for (const [i, serial] of serials.entries()) {
        const sessionId = sessionIds[i]!;
        const report = reports[(i + 1) as 1 | 2];
        expect(await ended(system, sessionId)).toBe('SUCCEEDED');
        expect(await settlementProblems(system, { sessionId, serial, cardId: cards[i]!, started: report })).toEqual([]);
        expect(await readerFree(system, serial)).toBeUndefined();
      }
      expect(openHolds(payter, serials)).toEqual([]);
    } finally {
      await client.close({ force: true });
    }
  });
});

describe('an installer repeating the commissioning mid-session', () => {
  it('five PUTs of the reader at once while it serves a session change nothing: the driver pays the price, once', async () => {
    const report = ONE_HOUR();
    const pair = await given(report);
    try {
      const sessionId = await startCharging(pair, 'card-race-4');
      const puts = await Promise.all(Array.from({ length: 5 }, () => system.api('PUT', `/installer/readers/${pair.serial}`, { stationId: pair.stationId, connectorIds: [1] })));
      expect(puts.map((p) => p.status)).toEqual([409, 409, 409, 409, 409]);
      expect((await system.api('GET', `/installer/readers/${pair.serial}`)).body.activeSessionId).toBe(sessionId);
      // A second card starts nothing on the busy reader; the driver's own card stops the charge.
      await waitFor(() => payter.reader(pair.serial).state === 'READING' || undefined, 5_000, 'tap to stop armed');
      await payter.tap(pair.serial, { cardId: 'card-race-intruder' });
      await waitFor(() => payter.reader(pair.serial).state === 'READING' || undefined, 5_000, 're-armed');
      await payter.tap(pair.serial, { cardId: 'card-race-4' });
      await expectSettled(pair, sessionId, 'card-race-4', report);
      expect(payter.sessions(pair.serial).map((s) => s.cardId)).toEqual(['card-race-4']);
    } finally {
      await pair.charger.close();
    }
  });
});
