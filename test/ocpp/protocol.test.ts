import { describe, expect, it } from 'vitest';
import { OcppError, parseFrame } from '../../lambdas/ocpp/frames';
import {
  adapterFor,
  chooseSubprotocol,
  createOcpp16Adapter,
  ocpp16,
  ocpp201,
  SUPPORTED_SUBPROTOCOLS,
} from '../../lambdas/ocpp/adapters';
import { captureOcppError } from './capture-ocpp-error';

describe('chooseSubprotocol', () => {
  it.each([
    { offered: 'ocpp1.6', chosen: 'ocpp1.6' },
    { offered: 'ocpp2.0.1, ocpp1.6', chosen: 'ocpp2.0.1' },
    { offered: 'ocpp1.6,ocpp2.0.1', chosen: 'ocpp2.0.1' },
    { offered: '  ocpp1.6  ', chosen: 'ocpp1.6' },
    { offered: 'ocpp1.5,\tocpp1.6', chosen: 'ocpp1.6' },
    { offered: 'ocpp1.6, ocpp1.6', chosen: 'ocpp1.6' },
    { offered: ',,ocpp1.6,', chosen: 'ocpp1.6' },
    { offered: 'OCPP1.6', chosen: undefined },
    { offered: 'Ocpp1.6', chosen: undefined },
    { offered: 'ocpp1.6j', chosen: undefined },
    { offered: 'ocpp1.6 ocpp2.0.1', chosen: undefined },
    { offered: 'ocpp2.0.1', chosen: 'ocpp2.0.1' },
    { offered: 'OCPP2.0.1', chosen: undefined },
    { offered: 'ocpp2.0', chosen: undefined },
    { offered: 'ocpp1.5', chosen: undefined },
    { offered: '', chosen: undefined },
    { offered: undefined, chosen: undefined },
  ])('$offered -> $chosen', ({ offered, chosen }) => {
    expect(chooseSubprotocol(offered)).toBe(chosen);
  });

  it.each([
    { offered: 'ocpp2.0.1, ocpp1.6', preference: ['ocpp1.6', 'ocpp2.0.1'], chosen: 'ocpp1.6' },
    { offered: 'ocpp2.0.1, ocpp1.6', preference: ['ocpp1.6'], chosen: 'ocpp1.6' },
    { offered: 'ocpp2.0.1', preference: ['ocpp1.6'], chosen: undefined },
    { offered: 'ocpp1.6', preference: ['ocpp2.0.1', 'ocpp1.6'], chosen: 'ocpp1.6' },
  ])('$offered with the station preferring $preference -> $chosen', ({ offered, preference, chosen }) => {
    expect(chooseSubprotocol(offered, preference)).toBe(chosen);
  });

  it('offers only what has an adapter, 2.0.1 first', () => {
    expect(SUPPORTED_SUBPROTOCOLS).toEqual(['ocpp2.0.1', 'ocpp1.6']);
    expect(adapterFor('ocpp1.6')).toBe(ocpp16);
    expect(adapterFor('ocpp2.0.1')).toBe(ocpp201);
    expect(adapterFor('toString')).toBeUndefined();
  });
});

describe('the OCPP 1.6 adapter', () => {
  it('decodes a valid charger call into a typed, narrowed message', () => {
    const message = ocpp16.decode(
      '[2,"19223201","BootNotification",{"chargePointVendor":"VendorX","chargePointModel":"SingleSocketCharger"}]',
    );
    expect(message).toEqual({
      kind: 'call',
      messageId: '19223201',
      action: 'BootNotification',
      payload: { chargePointVendor: 'VendorX', chargePointModel: 'SingleSocketCharger' },
    });
    if (message.kind === 'call' && message.action === 'BootNotification') {
      // Compiles only because the union narrows on the action.
      expect(message.payload.chargePointModel).toBe('SingleSocketCharger');
    }
  });

  it('answers a broken call with a CALLERROR that echoes the message id', () => {
    const message = ocpp16.decode('[2,"m-1","StartTransaction",{"connectorId":"1","idTag":"A","meterStart":0,"timestamp":"2024-05-01T10:00:00Z"}]');
    expect(message.kind).toBe('rejected');
    if (message.kind !== 'rejected') return;
    expect(JSON.parse(message.reply ?? 'null')).toEqual([
      4,
      'm-1',
      'TypeConstraintViolation',
      expect.stringContaining('connectorId'),
      { pdu: 'StartTransaction.req', issues: [{ property: 'connectorId', code: 'TypeConstraintViolation', message: 'expected number' }] },
    ]);
  });

  it('answers unparseable text with message id "-1"', () => {
    const message = ocpp16.decode('not json');
    expect(message.kind === 'rejected' && JSON.parse(message.reply ?? 'null')).toEqual([
      4,
      '-1',
      'FormationViolation',
      'Frame is not valid JSON',
      {},
    ]);
  });

  it('never answers a broken CALLRESULT or CALLERROR', () => {
    for (const text of ['[3,"r-1"]', '[3,"r-2",[]]', '[4,"r-3",1,"",{}]', '[3,"r-4",{"x":']) {
      const message = ocpp16.decode(text);
      expect(message.kind, text).toBe('rejected');
      expect(message.kind === 'rejected' && message.reply, text).toBeUndefined();
    }
  });

  it('passes CALLRESULT and CALLERROR through for matching with the pending call', () => {
    expect(ocpp16.decode('[3,"p-1",{"status":"Accepted"}]')).toEqual({
      kind: 'callResult',
      messageId: 'p-1',
      payload: { status: 'Accepted' },
    });
    expect(ocpp16.decode('[4,"p-2","NotSupported","no",{}]')).toEqual({
      kind: 'callError',
      messageId: 'p-2',
      errorCode: 'NotSupported',
      errorDescription: 'no',
      errorDetails: {},
    });
  });

  it('validates a CALLRESULT against the action of the pending call, without answering it', () => {
    expect(ocpp16.decodeCallResult('RemoteStartTransaction', { status: 'Accepted' })).toEqual({ status: 'Accepted' });
    const error = captureOcppError(() => ocpp16.decodeCallResult('RemoteStartTransaction', { status: 'Maybe' }));
    expect(error).toMatchObject({ code: 'PropertyConstraintViolation', answerable: false });
  });

  it('encodes a CSMS call with a fresh UUID message id', () => {
    const first = ocpp16.encodeCall('RemoteStartTransaction', { connectorId: 1, idTag: 'PAYTER-7F3A' });
    const second = ocpp16.encodeCall('Reset', { type: 'Soft' });
    expect(first.messageId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(first.messageId).toHaveLength(36);
    expect(second.messageId).not.toBe(first.messageId);
    expect(parseFrame(first.text)).toEqual({
      kind: 'call',
      messageId: first.messageId,
      action: 'RemoteStartTransaction',
      payload: { connectorId: 1, idTag: 'PAYTER-7F3A' },
    });
  });

  it('uses an injected message id generator', () => {
    const adapter = createOcpp16Adapter({ newMessageId: () => 'fixed-id' });
    expect(adapter.encodeCall('TriggerMessage', { requestedMessage: 'Heartbeat' })).toEqual({
      messageId: 'fixed-id',
      text: '[2,"fixed-id","TriggerMessage",{"requestedMessage":"Heartbeat"}]',
    });
  });

  it('refuses to send an invalid call or a call the charger does not take', () => {
    expect(captureOcppError(() => ocpp16.encodeCall('ChangeConfiguration', { key: 'k'.repeat(51), value: '1' })).code).toBe(
      'PropertyConstraintViolation',
    );
    expect(captureOcppError(() => (ocpp16.encodeCall as (action: string, payload: object) => unknown)('BootNotification', {})).code).toBe(
      'NotSupported',
    );
  });

  it('encodes a valid response, and turns an invalid one of ours into InternalError for that call', () => {
    expect(ocpp16.encodeCallResult('h-1', 'Heartbeat', { currentTime: '2024-05-01T10:00:00Z' })).toBe(
      '[3,"h-1",{"currentTime":"2024-05-01T10:00:00Z"}]',
    );
    const error = captureOcppError(() =>
      ocpp16.encodeCallResult('b-1', 'BootNotification', { status: 'Accepted', currentTime: 'now', interval: 300 }),
    );
    expect(error).toMatchObject({ code: 'InternalError', messageId: 'b-1', answerable: true });
    expect(JSON.parse(ocpp16.encodeCallError(error))).toEqual([4, 'b-1', 'InternalError', error.message, error.details]);
  });
});
