/**
 * The charger-side scenarios again, with a second OCPP 1.6J implementation as the charger: a
 * bare `ws` client written from the OCPP-J specification (test/support/raw-ocpp-charger.ts),
 * not ocpp-rpc. Every CALL and CALLRESULT the CSMS sends it is checked against the official
 * OCPP 1.6 JSON schemas; each scenario ends with no violation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ocppTimestamp } from '../../lib/local/simulated-charger';
import { FAST_WAITS } from '../support/paid-session';
import { startTestSystem, waitFor, type TestSystem } from '../support/local-system';
import { RawOcppCharger } from '../support/raw-ocpp-charger';

const PASSWORD = 'second-implementation-secret';
let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem({ timeScale: FAST_WAITS });
  await system.provisionStation('CP-RAW-1', PASSWORD);
  await system.provisionStation('CP-RAW-2', PASSWORD);
  await system.provisionStation('CP-RAW-3', PASSWORD, 'site-main-st', [1]);
});

afterAll(async () => {
  await system?.close();
});

const connect = (stationId: string) => new RawOcppCharger(system.runtime.ocppUrl, stationId, PASSWORD).connect();

describe('a charger that is not ocpp-rpc', () => {
  it('boots, heartbeats, reports status, authorizes and runs a transaction with meter values', async () => {
    const charger = await connect('CP-RAW-1');
    try {
      const boot = await charger.call('BootNotification', { chargePointVendor: 'Wallbox', chargePointModel: 'Pulsar', firmwareVersion: '5.2' });
      expect(boot).toMatchObject({ status: 'Accepted', interval: 300 });
      const beat = await charger.call('Heartbeat');
      expect(Math.abs(Date.parse(beat.currentTime) - Date.now())).toBeLessThan(60_000);
      expect(await charger.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Preparing' })).toEqual({});
      expect((await charger.call('Authorize', { idTag: 'NOT-ISSUED' })).idTagInfo.status).toBe('Invalid');

      const start = await charger.call('StartTransaction', { connectorId: 1, idTag: 'LOCAL-1', meterStart: 100, timestamp: '2026-11-30T10:00:00Z' });
      expect(Number.isInteger(start.transactionId)).toBe(true);
      await charger.call('MeterValues', {
        connectorId: 1,
        transactionId: start.transactionId,
        meterValue: [{ timestamp: '2026-11-30T10:15:00Z', sampledValue: [{ value: '2600', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }],
      });
      expect(await charger.call('StopTransaction', { transactionId: start.transactionId, meterStop: 5100, timestamp: '2026-11-30T10:30:00Z', reason: 'Local' })).toEqual({});
      // An unknown transaction's stop is answered too (chargers replay them after reconnects).
      expect(await charger.call('StopTransaction', { transactionId: 99_999, meterStop: 1, timestamp: '2026-11-30T10:30:00Z' })).toEqual({});

      const station = await system.api('GET', '/installer/stations/CP-RAW-1');
      expect(station.body).toMatchObject({ online: true, boot: { vendor: 'Wallbox', model: 'Pulsar' } });
      const tx = await system.api('GET', `/ops/transactions/${start.transactionId}`);
      expect(tx.body).toMatchObject({ meterStart: 100, meterStop: 5100, status: 'stopped', stopReason: 'Local', lastMeterWh: 2600 });
      // A vendor's DataTransfer gets one of the answers the specification lists (the schema check says which).
      expect((await charger.call('DataTransfer', { vendorId: 'com.wallbox', messageId: 'ping' })).status).toEqual(expect.any(String));
    } finally {
      await charger.close();
    }
    expect(charger.violations).toEqual([]);
  });

  it("answers the CSMS's remote start and stop, and its other calls, with the CSMS's frames all valid", async () => {
    const charger = await connect('CP-RAW-2');
    charger
      .handle('RemoteStartTransaction', () => ({ status: 'Accepted' }))
      .handle('RemoteStopTransaction', () => ({ status: 'Rejected' }))
      .handle('GetConfiguration', () => ({ configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }] }));
    try {
      await charger.call('BootNotification', { chargePointVendor: 'Wallbox', chargePointModel: 'Pulsar' });
      const start = await system.api('POST', '/ops/stations/CP-RAW-2/calls', { action: 'RemoteStartTransaction', payload: { connectorId: 2, idTag: 'OPS-1' } });
      expect(start).toMatchObject({ status: 200, body: { result: { status: 'Accepted' } } });
      const stop = await system.api('POST', '/ops/stations/CP-RAW-2/calls', { action: 'RemoteStopTransaction', payload: { transactionId: 7 } });
      expect(stop).toMatchObject({ status: 200, body: { result: { status: 'Rejected' } } });
      const config = await system.api('POST', '/ops/stations/CP-RAW-2/calls', { action: 'GetConfiguration', payload: { key: ['HeartbeatInterval'] } });
      expect(config.body.result.configurationKey[0]).toMatchObject({ key: 'HeartbeatInterval', value: '300' });
      // A call it does not implement: its CALLERROR comes back to the operator.
      const reset = await system.api('POST', '/ops/stations/CP-RAW-2/calls', { action: 'Reset', payload: { type: 'Soft' } });
      expect(reset).toMatchObject({ status: 502, body: { code: 'NotImplemented' } });
      expect(charger.callsReceived.map(([action]) => action)).toEqual(['RemoteStartTransaction', 'RemoteStopTransaction', 'GetConfiguration', 'Reset']);
    } finally {
      await charger.close();
    }
    expect(charger.violations).toEqual([]);
  });

  it('reconnects while its old socket still looks open (a watchdog reconnect): the old one is closed, the new one serves', async () => {
    const old = await connect('CP-RAW-2');
    const closed = new Promise((resolve) => old.onClose(resolve));
    const fresh = await connect('CP-RAW-2');
    fresh.handle('TriggerMessage', () => ({ status: 'Accepted' }));
    try {
      expect(await closed).toBe(1000);
      await fresh.call('BootNotification', { chargePointVendor: 'Wallbox', chargePointModel: 'Pulsar' });
      const trigger = await system.api('POST', '/ops/stations/CP-RAW-2/calls', { action: 'TriggerMessage', payload: { requestedMessage: 'Heartbeat' } });
      expect(trigger).toMatchObject({ status: 200, body: { result: { status: 'Accepted' } } });
    } finally {
      await fresh.close();
    }
    expect([...old.violations, ...fresh.violations]).toEqual([]);
  });

  it("charges pricing.md's worked example as a paid session: the reader's tap starts it, the second tap stops it, 764 committed", async () => {
    const payter = system.runtime.payter!;
    const serial = 'READER-RAW-3';
    const t0 = Date.now() - 3_600_000;
    const charger = await connect('CP-RAW-3');
    let transactionId: number | undefined;
    const remoteStops: unknown[] = [];
    charger.handle('RemoteStartTransaction', ({ connectorId = 1, idTag }) => {
      // As a charger does: accept, then start once the cable is in.
      setTimeout(async () => {
        await charger.call('StatusNotification', { connectorId, errorCode: 'NoError', status: 'Charging', timestamp: ocppTimestamp(t0) });
        const start = await charger.call('StartTransaction', { connectorId, idTag, meterStart: 0, timestamp: ocppTimestamp(t0) });
        transactionId = start.transactionId;
      }, 20);
      return { status: 'Accepted' };
    });
    charger.handle('RemoteStopTransaction', (request) => {
      remoteStops.push(request);
      setTimeout(async () => {
        await charger.call('StopTransaction', { transactionId, meterStop: 12_345, timestamp: ocppTimestamp(t0 + 3_600_000), reason: 'Remote' });
        await charger.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });
      }, 20);
      return { status: 'Accepted' };
    });
    try {
      await charger.call('BootNotification', { chargePointVendor: 'Wallbox', chargePointModel: 'Pulsar' });
      await charger.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });
      payter.addReader(serial, { currency: 'USD' });
      expect((await system.api('PUT', `/installer/readers/${serial}`, { stationId: 'CP-RAW-3', connectorIds: [1] })).status).toBe(200);

      expect(await payter.tap(serial, { cardId: 'card-raw' })).toBe(200);
      const sessionId = await waitFor(async () => (await system.api('GET', `/installer/readers/${serial}`)).body.activeSessionId as string | undefined, 5_000, 'session');
      const tx = await waitFor(() => transactionId, 10_000, 'the transaction');
      await charger.call('MeterValues', {
        connectorId: 1,
        transactionId: tx,
        meterValue: [{ timestamp: ocppTimestamp(t0 + 1_800_000), sampledValue: [{ value: '6200', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }],
      });
      // The car pauses 15 minutes (pricing.md's idle fee), then charges again.
      await charger.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'SuspendedEV', timestamp: ocppTimestamp(t0 + 1_800_000) });
      await charger.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Charging', timestamp: ocppTimestamp(t0 + 2_700_000) });
      await waitFor(() => payter.currentScreen(serial)?.id === 'charging' || undefined, 5_000, 'the charging screen');

      await payter.tap(serial, { cardId: 'card-raw' });
      const execution = await system.executionEnded(sessionId);
      expect(execution.status).toBe('SUCCEEDED');
      expect(remoteStops).toEqual([{ transactionId: tx }]);
      expect(payter.sessions(serial)).toEqual([expect.objectContaining({ state: 'COMMITTED', authorizedAmount: 5000, committedAmount: 764 })]);
      expect(await system.sessionRecord(sessionId)).toMatchObject({ status: 'completed', committedAmount: 764 });
      expect(payter.screens(serial).find((s) => s.screen.id === 'receipt')?.screen.properties.message).toContain('$7.64');
      expect(charger.callsReceived.map(([action]) => action)).toEqual(['RemoteStartTransaction', 'RemoteStopTransaction']);
    } finally {
      await charger.close();
    }
    expect(charger.violations).toEqual([]);
  });
});
