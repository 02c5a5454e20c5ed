/**
 * Every way a session ends records why (`END_REASONS` of lambdas/sessions/model.ts), for the
 * operators who read it: one row per path and OCPP version (1.6J, 2.0.1), each driven through the outward interfaces (the
 * Payter simulator, a real OCPP charger peer, the ops API) on the whole local system.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { PayterSimulator } from '../../lib/local/payter-simulator';
import { OCPP_VERSIONS, SimulatedCharger, ocppTimestamp, type ChargerScript } from '../../lib/local/simulated-charger';
import { END_REASONS, type EndReason } from '../../lambdas/sessions/model';
import { FAST_WAITS } from '../support/paid-session';
import { demoSite, startTestSystem, waitFor, type TestSystem } from '../support/local-system';

const PASSWORD = 'end-reason-station-secret';
let system: TestSystem;
let payter: PayterSimulator;

beforeAll(async () => {
  // Task timeouts at 10 % (a remote start may take 6 s, a slow machine must not end a row early).
  system = await startTestSystem({ timeScale: { ...FAST_WAITS, timeoutScale: 0.1 }, payterTimeoutMs: 3_000, sessionSweepIntervalSeconds: 1 });
  payter = system.runtime.payter!;
  await system.api('PUT', '/installer/sites/site-main-st', demoSite());
  const site = (siteId: string, limits: Record<string, number>) =>
    system.api('PUT', `/installer/sites/${siteId}`, { ...demoSite(siteId), limits: { plugInWindowSeconds: 120, maxSessionMinutes: 720, ...limits } });
  // A maximum session of 1 minute (6 s at these timeouts); a charger lost after 5 s.
  expect((await site('site-end-short', { maxSessionMinutes: 1 })).status).toBe(200);
  expect((await site('site-end-lost', { chargerLostSeconds: 5 })).status).toBe(200);
});

afterAll(async () => {
  await system?.close();
});

interface Path {
  readonly site?: string;
  readonly script?: ChargerScript;
  readonly readerCurrency?: string;
  /** Before the tap (the Payter simulator's scripts). */
  readonly arrange?: (serial: string) => void;
  /** From the tap on, until the session ends by itself. */
  readonly drive?: (ctx: { sessionId: string; serial: string; charger: SimulatedCharger; cardId: string }) => Promise<void>;
  /** The OCPP reason of the charger's StopTransaction (2.0.1: its Ended event's stoppedReason), shown beside the end reason. */
  readonly stopReason?: string;
}

const t0 = Date.now() - 600_000;
const charged: ChargerScript = { meterStart: 0, startedAt: ocppTimestamp(t0), stop: { meterStop: 2000, timestamp: ocppTimestamp(t0 + 600_000) } };

const charging = async ({ sessionId, serial }: { sessionId: string; serial: string }) => {
  await waitFor(async () => ((await system.sessionRecord(sessionId)).stopTaskToken ? true : undefined), 15_000, 'charging');
  await waitFor(() => (payter.reader(serial).state === 'READING' && payter.currentScreen(serial)?.id === 'charging') || undefined, 10_000, 'tap to stop armed');
};

const PATHS: Record<EndReason, Path | 'elsewhere'> = {
  driverTap: {
    script: charged,
    drive: async (ctx) => {
      await charging(ctx);
      await payter.tap(ctx.serial, { cardId: ctx.cardId });
    },
  },
  driverStopButton: {
    script: charged,
    drive: async (ctx) => {
      await charging(ctx);
      expect(await payter.pressButton(ctx.serial, 'charging', 'stop')).toBe(200);
    },
  },
  chargerStopped: {
    script: charged,
    drive: async (ctx) => {
      await charging(ctx);
      await ctx.charger.stopTransaction('Local');
    },
    stopReason: 'Local',
  },
  operatorStop: {
    script: charged,
    drive: async (ctx) => {
      await charging(ctx);
      expect((await system.api('POST', `/ops/sessions/${ctx.sessionId}/stop`)).status).toBe(202);
    },
  },
  holdReached: {
    script: { ...charged, stop: { meterStop: 140_000, timestamp: ocppTimestamp(t0 + 600_000) } },
    drive: async (ctx) => {
      await charging(ctx);
      // 140 kWh at 35 c/kWh: $49 of the $50 hold.
      await ctx.charger.meter(140_000, ocppTimestamp(t0 + 300_000));
    },
  },
  maxDuration: { site: 'site-end-short', script: charged },
  chargerLost: {
    site: 'site-end-lost',
    script: charged,
    drive: async (ctx) => {
      await charging(ctx);
      await ctx.charger.close();
    },
  },
  declined: { arrange: (serial) => payter.configureReader(serial, { authorize: 'decline' }) },
  noTransaction: { script: { remoteStart: 'Rejected' } },
  currencyMismatch: { readerCurrency: 'EUR' },
  // Payter holds the money but answers after our client gave up (payterTimeoutMs).
  authorizeFailed: { arrange: (serial) => payter.script(serial, 'authorize', { kind: 'slow', delayMs: 3_500 }) },
  // Their own tests: no card at the reader (reader-safety), Payter down or refusing the
  // authorize (faults), the workflow not starting (session-sweeper).
  cardNotPresent: 'elsewhere',
  payterUnavailable: 'elsewhere',
  payterRefused: 'elsewhere',
  workflowNotStarted: 'elsewhere',
};

it('declares every end reason once, and every one is driven here or in its own test', () => {
  expect(Object.keys(PATHS).sort()).toEqual([...END_REASONS].sort());
});

let stations = 0;
const driven = Object.entries(PATHS).filter((entry): entry is [EndReason, Path] => entry[1] !== 'elsewhere');
it.each(OCPP_VERSIONS.flatMap((ocpp) => driven.map(([endReason, path]) => [endReason, ocpp, path] as const)))(
  '%s is recorded on the session (OCPP %s)',
  async (endReason, ocpp, path) => {
    stations += 1;
    const stationId = `CP-END${stations}`;
    const serial = `READER-END${stations}`;
    const cardId = `card-end-${endReason}-${ocpp}`;
    const station = await system.api('PUT', `/installer/stations/${stationId}`, { siteId: path.site ?? 'site-main-st', connectors: [1], password: PASSWORD });
    expect(station.status).toBe(200);
    const charger = await new SimulatedCharger(system.runtime.ocppUrl, stationId, PASSWORD, path.script ?? {}, ocpp).connect();
    try {
      payter.addReader(serial, { currency: path.readerCurrency ?? 'USD' });
      expect((await system.api('PUT', `/installer/readers/${serial}`, { stationId, connectorIds: [1] })).status).toBe(200);
      path.arrange?.(serial);
      expect(await payter.tap(serial, { cardId, maskedPan: '4111********1111' })).toBe(200);
      const sessionId = await waitFor(
        async () => (await system.api('GET', `/installer/readers/${serial}`)).body.activeSessionId as string | undefined,
        5_000,
        'session',
      );
      await path.drive?.({ sessionId, serial, charger, cardId });
      expect((await system.executionEnded(sessionId, 30_000)).status).toBe('SUCCEEDED');
      expect((await system.sessionRecord(sessionId)).endReason).toBe(endReason);
      const detail = (await system.api('GET', `/ops/sessions/${sessionId}`)).body;
      expect(detail.endReason).toBe(endReason);
      if (path.stopReason) expect(detail.stopReason).toBe(path.stopReason);
      await waitFor(() => payter.sessions(serial).every((s) => s.state !== 'AUTHORIZED') || undefined, 5_000, 'no hold left');
    } finally {
      await charger.close();
    }
  },
  60_000,
);
