/**
 * The CSMS's calls to a strict OCPP 2.0.1 charger (an ocpp-rpc peer with the official 2.0.1
 * schemas): the domain's remote start and stop go out as RequestStartTransaction and
 * RequestStopTransaction, and the charger's answers come back in the domain's words, while a
 * 1.6 charger on the same system still gets RemoteStartTransaction as it always did.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { remoteStartIdOf } from '../../lambdas/csms/model';
import { startTestSystem, type TestSystem } from '../support/local-system';

const require = createRequire(import.meta.url);
const { createValidator } = require('ocpp-rpc/lib/validator') as typeof import('ocpp-rpc');
const official = createValidator('ocpp2.0.1', require('ocpp-rpc/lib/schemas/ocpp2_0_1.json'));

const PASSWORD = 'very-secret-password-201';
const BOOT = { reason: 'PowerUp', chargingStation: { vendorName: 'Alpitronic', model: 'HYC300' } };
let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem({ heartbeatIntervalSeconds: 120 });
  for (const id of ['CP-201-CALLS', 'CP-16-CALLS']) await system.provisionStation(id, PASSWORD, 'site-main-st', [1]);
});

afterAll(async () => {
  await system?.close();
});

describe('CSMS calls to a strict OCPP 2.0.1 charger', () => {
  it('sends a remote start as RequestStartTransaction and hears its Rejected', async () => {
    const charger = system.charger('CP-201-CALLS', PASSWORD, ['ocpp2.0.1']);
    const received: unknown[] = [];
    charger.handle('RequestStartTransaction', ({ params }: { params: unknown }) => {
      received.push(params);
      return { status: 'Rejected', statusInfo: { reasonCode: 'Occupied' } };
    });
    await charger.connect();
    try {
      await charger.call('BootNotification', BOOT);
      const { status, body } = await system.api('POST', '/ops/stations/CP-201-CALLS/calls', {
        action: 'RemoteStartTransaction',
        payload: { connectorId: 1, idTag: 'PTREMOTE201' },
      });
      expect({ status, result: body.result }).toEqual({ status: 200, result: { status: 'Rejected' } });
      expect(received).toEqual([{ idToken: { idToken: 'PTREMOTE201', type: 'Central' }, remoteStartId: remoteStartIdOf('PTREMOTE201'), evseId: 1 }]);
      expect(official.validate('urn:RequestStartTransaction.req', received[0])).toBe(true);
    } finally {
      await charger.close();
    }
  });

  it('sends a remote stop as RequestStopTransaction and hears its Accepted', async () => {
    const charger = system.charger('CP-201-CALLS', PASSWORD, ['ocpp2.0.1']);
    const received: unknown[] = [];
    charger.handle('RequestStopTransaction', ({ params }: { params: unknown }) => {
      received.push(params);
      return { status: 'Accepted' };
    });
    await charger.connect();
    try {
      await charger.call('BootNotification', BOOT);
      const { status, body } = await system.api('POST', '/ops/stations/CP-201-CALLS/calls', { action: 'RemoteStopTransaction', payload: { transactionId: 42 } });
      expect({ status, result: body.result }).toEqual({ status: 200, result: { status: 'Accepted' } });
      expect(received).toEqual([{ transactionId: '42' }]);
    } finally {
      await charger.close();
    }
  });

  it('fails a 1.6-only call to a 2.0.1 charger without sending it', async () => {
    const charger = system.charger('CP-201-CALLS', PASSWORD, ['ocpp2.0.1']);
    await charger.connect();
    try {
      await charger.call('BootNotification', BOOT);
      const { status, body } = await system.api('POST', '/ops/stations/CP-201-CALLS/calls', {
        action: 'ChangeConfiguration',
        payload: { key: 'HeartbeatInterval', value: '60' },
      });
      expect(status).toBeGreaterThanOrEqual(400);
      expect(JSON.stringify(body)).toContain('NotSupportedByStation');
    } finally {
      await charger.close();
    }
  });

  it('still sends a 1.6 charger RemoteStartTransaction as it is', async () => {
    const charger = system.charger('CP-16-CALLS', PASSWORD, ['ocpp1.6']);
    const received: unknown[] = [];
    charger.handle('RemoteStartTransaction', ({ params }: { params: unknown }) => {
      received.push(params);
      return { status: 'Rejected' };
    });
    await charger.connect();
    try {
      await charger.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
      const { status, body } = await system.api('POST', '/ops/stations/CP-16-CALLS/calls', {
        action: 'RemoteStartTransaction',
        payload: { connectorId: 1, idTag: 'PTREMOTE16' },
      });
      expect({ status, result: body.result }).toEqual({ status: 200, result: { status: 'Rejected' } });
      expect(received).toEqual([{ connectorId: 1, idTag: 'PTREMOTE16' }]);
    } finally {
      await charger.close();
    }
  });
});
