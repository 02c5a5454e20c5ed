/**
 * The session's cost on a strict OCPP 2.0.1 charger's own display (an ocpp-rpc peer with the
 * official 2.0.1 schemas), on the local system with the Payter simulator and the workflow:
 * the answers to the TransactionEvents while charging carry the running total the reader is
 * given, the answer to Ended the 764 the session commits (docs/pricing.md's worked example);
 * a charger that has no display (its installer's setting, over what it reports) gets the
 * amount but no message to show.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ocppTimestamp } from '../../lib/local/simulated-charger';
import { waitFor, type TestSystem } from '../support/local-system';
import { FAST_WORKFLOW } from '../support/paid-session';
import { register, remoteStartPeer } from '../support/ocpp201-peer';
import { useTestSystem } from '../support/world';

const require = createRequire(import.meta.url);
const { createValidator } = require('ocpp-rpc/lib/validator') as typeof import('ocpp-rpc');
const official = createValidator('ocpp2.0.1', require('ocpp-rpc/lib/schemas/ocpp2_0_1.json'));

const PASSWORD = 'display-station-secret-201';
let system: TestSystem;

useTestSystem({ timeScale: FAST_WORKFLOW, payterTimeoutMs: 1_000 }, async (started) => {
  system = started;
  await system.provisionStation('CP-201-SHOWS', PASSWORD, 'site-main-st', [1]);
  // Its installer knows it has no display the CSMS may write to.
  const blind = await system.api('PUT', '/installer/stations/CP-201-BLIND', { siteId: 'site-main-st', connectors: [1], password: PASSWORD, display: false });
  if (blind.status !== 200) throw new Error(`CP-201-BLIND not provisioned: ${JSON.stringify(blind.body)}`);
});

type Answer = { totalCost?: number; updatedPersonalMessage?: { format: string; language?: string; content: string }; idTokenInfo?: unknown };

/** docs/pricing.md's worked example on `stationId`, whose DisplayMessageCtrlr reports `available`: every TransactionEvent's answer. */
async function workedExample(stationId: string, serial: string, available: 'true' | 'false') {
  const payter = system.payter;
  const t0 = Date.now() - 3_600_000;
  const at = (ms: number) => ocppTimestamp(t0 + ms);
  const charger = system.charger(stationId, PASSWORD, ['ocpp2.0.1']);
  const { event, starts, ended } = remoteStartPeer<Answer>(charger, `${stationId}-tx`, at, { ms: 3_600_000, wh: 12345 });
  await charger.connect();
  try {
    await charger.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'Alpitronic', model: 'HYC300' } });
    await charger.call('NotifyReport', {
      requestId: 1,
      generatedAt: at(0),
      seqNo: 0,
      reportData: [{ component: { name: 'DisplayMessageCtrlr' }, variable: { name: 'Available' }, variableAttribute: [{ value: available }] }],
    });
    await charger.call('StatusNotification', { timestamp: at(0), connectorStatus: 'Available', evseId: 1, connectorId: 1 });
    await system.commissionReader(serial, stationId, [1]);
    expect(await payter.tap(serial, { cardId: `card-${stationId}`, maskedPan: '4111********1111' })).toBe(200);
    const sessionId = await system.activeSession(serial);
    await waitFor(() => starts[0], 10_000, 'RequestStartTransaction');
    const { idToken, remoteStartId } = starts[0]!;
    const started = await event(
      'Started',
      'RemoteStart',
      at(0),
      { evse: { id: 1, connectorId: 1 }, idToken, meterValue: register(0, at(0), 'Transaction.Begin') },
      { chargingState: 'Charging', remoteStartId },
    );
    await waitFor(() => payter.currentScreen(serial)?.id === 'charging' || undefined, 5_000, 'the charging screen');
    const paused = await event('Updated', 'ChargingStateChanged', at(1_800_000), { meterValue: register(8230, at(1_800_000), 'Sample.Periodic') }, { chargingState: 'SuspendedEV' });
    const runningAfterPause = (await system.sessionRecord(sessionId)).runningTotal as number;
    const resumed = await event('Updated', 'ChargingStateChanged', at(2_700_000), { meterValue: register(8230, at(2_700_000), 'Sample.Periodic') }, { chargingState: 'Charging' });
    const runningAfterResume = (await system.sessionRecord(sessionId)).runningTotal as number;
    await waitFor(() => payter.reader(serial).state === 'READING' || undefined, 5_000, 'tap to stop armed');
    await payter.tap(serial, { cardId: `card-${stationId}` });
    const execution = await system.executionEnded(sessionId);
    const end = await ended()!;
    return { started, paused, resumed, end, runningAfterPause, runningAfterResume, execution, committed: payter.sessions(serial)[0]?.committedAmount };
  } finally {
    await charger.close();
  }
}

describe("the session's cost on a 2.0.1 charger's own display", () => {
  it('answers each event while charging with the running total, and Ended with the 764 committed', async () => {
    const run = await workedExample('CP-201-SHOWS', 'READER-201-SHOWS', 'true');
    expect({ status: run.execution.status, committed: run.committed }).toEqual({ status: 'SUCCEEDED', committed: 764 });
    expect(run.started).toEqual({ idTokenInfo: { status: 'Accepted' } });
    // The running totals are the reader's, in major units (the charger's clock is an hour behind ours: they are the cost up to now).
    expect(run.runningAfterPause).toBeGreaterThan(0);
    expect(run.paused).toEqual({ totalCost: run.runningAfterPause / 100, updatedPersonalMessage: { format: 'UTF8', language: 'en', content: expect.stringContaining((run.runningAfterPause / 100).toFixed(2)) } });
    expect(run.resumed.totalCost).toBe(run.runningAfterResume / 100);
    expect(run.end).toEqual({ totalCost: 7.64, updatedPersonalMessage: { format: 'UTF8', language: 'en', content: expect.stringContaining('7.64') } });
    for (const answer of [run.paused, run.resumed, run.end]) expect(official.validate('urn:TransactionEvent.conf', answer)).toBe(true);
  });

  it('sends a charger its installer says has no display the amount, but no message to show, whatever it reports', async () => {
    const run = await workedExample('CP-201-BLIND', 'READER-201-BLIND', 'true');
    expect(run.committed).toBe(764);
    expect(run.paused).toEqual({ totalCost: run.runningAfterPause / 100 });
    expect(run.end).toEqual({ totalCost: 7.64 });
  });
});
