/**
 * A charger lost mid-session is settled within the site's chargerLostSeconds (plus one sweep),
 * not at its maximum session time: billed from its last meter value, committed, the receipt
 * shown, the reader freed. A charger back in time carries on; a StopTransaction it replays
 * after being billed never commits a second time. Whole local system, real OCPP peers.
 */
import { FAST_WAITS } from '../support/paid-session';
import { describe, expect, it } from 'vitest';
import type { PayterSimulator } from '../../lib/local/payter-simulator';
import { OCPP_VERSIONS, SimulatedCharger, ocppTimestamp, type OcppVersion } from '../../lib/local/simulated-charger';
import { demoSite, waitFor, type TestSystem } from '../support/local-system';
import { useTestSystem } from '../support/world';

const PASSWORD = 'lost-charger-secret';
let system: TestSystem;
let payter: PayterSimulator;

useTestSystem(
  // The workflow's own waits stay long (the maximum session time must not be what ends it).
  { timeScale: FAST_WAITS, payterTimeoutMs: 1_000, sessionSweepIntervalSeconds: 1 },
  (started) => {
    system = started;
    payter = system.payter;
  },
);

const t0 = Date.now() - 3_600_000;
async function chargingSession(cardId: string, ocpp: OcppVersion) {
  const site = await system.api('PUT', '/installer/sites/site-lost', { ...demoSite('site-lost'), limits: { plugInWindowSeconds: 120, maxSessionMinutes: 720, chargerLostSeconds: 5 } });
  expect(site.status).toBe(200);
  const script = { meterStart: 0, startedAt: ocppTimestamp(t0), stop: { meterStop: 1000, timestamp: ocppTimestamp(t0 + 3_600_000) } };
  const { stationId, serial, charger } = await system.stationWithReader('L', PASSWORD, { script, siteId: 'site-lost', ocpp });
  expect(await payter.tap(serial, { cardId })).toBe(200);
  const sessionId = await waitFor(async () => (await system.api('GET', `/installer/readers/${serial}`)).body.activeSessionId as string | undefined, 5_000, 'session');
  await waitFor(async () => ((await system.sessionRecord(sessionId)).stopTaskToken ? true : undefined), 5_000, 'charging');
  // Half an hour in: 500 Wh.
  await charger.meter(500, ocppTimestamp(t0 + 1_800_000));
  return { stationId, serial, charger, script, sessionId };
}

describe.each(OCPP_VERSIONS)('a charger lost mid-session on OCPP %s', (ocpp) => {
  it("is billed from its last meter value within the site's chargerLostSeconds, and a StopTransaction replayed later never commits again", async () => {
    const { stationId, serial, charger, script, sessionId } = await chargingSession(`card-nia-${ocpp}`, ocpp);
    const lostAt = Date.now();
    await charger.close();

    expect((await system.executionEnded(sessionId, 20_000)).status).toBe('SUCCEEDED');
    const settledAfterMs = Date.now() - lostAt;
    // 5 s of the site's limit and a sweep a second: well before the 720 minutes of the maximum session.
    expect(settledAfterMs).toBeLessThan(15_000);
    // Half an hour, 500 Wh: fee 100 + energy 17.5 -> 18 + time 60 = 178, tax 15.80 -> 16: 194.
    expect(payter.sessions(serial)).toEqual([expect.objectContaining({ state: 'COMMITTED', committedAmount: 194 })]);
    expect(await system.sessionRecord(sessionId)).toMatchObject({ status: 'completed', endReason: 'chargerLost', committedAmount: 194, meterStop: 500 });
    expect(payter.screens(serial).map((s) => s.screen.id)).toContain('receipt');
    expect((await system.api('GET', `/installer/readers/${serial}`)).body.activeSessionId).toBeUndefined();

    // The charger comes back and replays its StopTransaction: recorded, never billed again.
    const back = await new SimulatedCharger(system.runtime.ocppUrl, stationId, PASSWORD, script, ocpp).resume(charger).connect();
    try {
      await back.stopTransaction();
      await waitFor(async () => (await system.sessionRecord(sessionId)).chargerReportedStop, 5_000, 'the late stop recorded');
      expect((await system.sessionRecord(sessionId)).chargerReportedStop).toMatchObject({ meterStop: 1000 });
      expect(payter.calls().filter((c) => c.call === 'commit' && c.serial === serial)).toHaveLength(1);
      expect(payter.sessions(serial)).toEqual([expect.objectContaining({ state: 'COMMITTED', committedAmount: 194 })]);
      // Operators see it in reconciliation: billed 500 Wh, the charger says 1000.
      const from = new Date(Date.now() - 600_000).toISOString();
      const reconciliation = await system.api('GET', `/ops/reconciliation?from=${from}&to=${new Date().toISOString()}`);
      expect(reconciliation.body.differences).toContainEqual(
        expect.objectContaining({ sessionId, kind: 'chargerReportedOtherUsage', charger: expect.objectContaining({ billedMeterStop: 500, meterStop: 1000 }) }),
      );
    } finally {
      await back.close();
    }
  });

  it('a charger back before the limit just carries on and is billed in full', async () => {
    const { stationId, serial, charger, script, sessionId } = await chargingSession(`card-oto-${ocpp}`, ocpp);
    await charger.close();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const back = await new SimulatedCharger(system.runtime.ocppUrl, stationId, PASSWORD, script, ocpp).resume(charger).connect();
    try {
      // Longer than the limit since the disconnect, but the charger is back and talking.
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      expect((await system.sessionRecord(sessionId)).status).toBe('charging');
      await payter.tap(serial, { cardId: `card-oto-${ocpp}` });
      expect((await system.executionEnded(sessionId)).status).toBe('SUCCEEDED');
      // The whole hour, 1 kWh: 100 + 35 + 120 = 255, tax 23: 278.
      expect(payter.sessions(serial)).toEqual([expect.objectContaining({ state: 'COMMITTED', committedAmount: 278 })]);
    } finally {
      await back.close();
    }
  });
});
