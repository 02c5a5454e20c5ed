/** The OCPP 2.0.1 adapter's own answers: our responses held to the schemas, the charger's answers unanswered. */
import { describe, expect, it } from 'vitest';
import { OcppError } from '../../lambdas/ocpp/frames';
import { adapterFor, createOcpp201Adapter, ocpp201 } from '../../lambdas/ocpp/adapters';

describe('the OCPP 2.0.1 adapter', () => {
  it('is the one spoken on ocpp2.0.1', () => {
    expect(adapterFor('ocpp2.0.1')).toBe(ocpp201);
    expect(ocpp201.subprotocol).toBe('ocpp2.0.1');
  });

  it('answers a valid CALL with a CALLRESULT and refuses to send a response the schema breaks', () => {
    expect(JSON.parse(ocpp201.encodeCallResult('m1', 'Heartbeat', { currentTime: '2026-12-01T10:00:00Z' }))).toEqual([3, 'm1', { currentTime: '2026-12-01T10:00:00Z' }]);
    let thrown: unknown;
    try {
      ocpp201.encodeCallResult('m2', 'Heartbeat', { currentTime: 'now' } as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(OcppError);
    expect(thrown).toMatchObject({ code: 'InternalError', messageId: 'm2', answerable: true });
  });

  it('reads a CALL, a CALLRESULT and a CALLERROR in 2.0.1 terms', () => {
    expect(ocpp201.decode('[2,"c1","Heartbeat",{}]')).toEqual({ kind: 'call', messageId: 'c1', action: 'Heartbeat', payload: {} });
    expect(ocpp201.decode('[3,"r1",{"status":"Accepted"}]')).toEqual({ kind: 'callResult', messageId: 'r1', payload: { status: 'Accepted' } });
    expect(ocpp201.decode('[4,"e1","FormatViolation","bad",{}]')).toMatchObject({ kind: 'callError', errorCode: 'FormatViolation' });
    // A broken CALLRESULT is logged, never answered: OCPP only answers a CALL.
    expect(ocpp201.decode('[3,"r2",5]')).toMatchObject({ kind: 'rejected', reply: undefined, error: { code: 'FormatViolation' } });
  });

  it('sends no CSMS call it has no schema for yet, and fails the charger answer to one', () => {
    const adapter = createOcpp201Adapter({ newMessageId: () => 'fixed' });
    expect(() => adapter.encodeCall('ReserveNow' as never, { id: 1 } as never)).toThrow(expect.objectContaining({ code: 'NotSupported' }));
    expect(() => adapter.decodeCallResult('ReserveNow' as never, { status: 'Accepted' })).toThrow(expect.objectContaining({ code: 'NotSupported', answerable: false }));
    // 1.6's own calls are no 2.0.1 calls at all.
    expect(() => adapter.encodeCall('GetConfiguration' as never, {} as never)).toThrow(expect.objectContaining({ code: 'NotImplemented' }));
  });

  it('sends the station commands both versions have from 1.6\'s payload or 2.0.1\'s own, and answers as the charger gave them', () => {
    const adapter = createOcpp201Adapter({ newMessageId: () => 'fixed' });
    const sent = (action: string, payload: object) => JSON.parse(adapter.encodeCall(action as never, payload as never).text).slice(2);
    expect(sent('Reset', { type: 'Soft' })).toEqual(['Reset', { type: 'OnIdle' }]);
    expect(sent('Reset', { type: 'Hard' })).toEqual(['Reset', { type: 'Immediate' }]);
    expect(sent('Reset', { type: 'Immediate', evseId: 2 })).toEqual(['Reset', { type: 'Immediate', evseId: 2 }]);
    expect(sent('ChangeAvailability', { connectorId: 2, type: 'Inoperative' })).toEqual(['ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 2 } }]);
    // Connector 0 is the whole station: no EVSE.
    expect(sent('ChangeAvailability', { connectorId: 0, type: 'Operative' })).toEqual(['ChangeAvailability', { operationalStatus: 'Operative' }]);
    expect(sent('UnlockConnector', { connectorId: 2 })).toEqual(['UnlockConnector', { evseId: 2, connectorId: 1 }]);
    expect(sent('TriggerMessage', { requestedMessage: 'StatusNotification', connectorId: 2 })).toEqual(['TriggerMessage', { requestedMessage: 'StatusNotification', evse: { id: 2 } }]);
    expect(sent('TriggerMessage', { requestedMessage: 'DiagnosticsStatusNotification' })).toEqual(['TriggerMessage', { requestedMessage: 'LogStatusNotification' }]);
    expect(sent('TriggerMessage', { requestedMessage: 'Heartbeat' })).toEqual(['TriggerMessage', { requestedMessage: 'Heartbeat' }]);
    // Our transaction by its number, by the charger's own id when csms-calls.ts found one.
    expect(sent('GetTransactionStatus', { transactionId: 5, chargerTransactionId: 'tx-5' })).toEqual(['GetTransactionStatus', { transactionId: 'tx-5' }]);
    expect(sent('GetTransactionStatus', { transactionId: 5 })).toEqual(['GetTransactionStatus', { transactionId: '5' }]);
    expect(sent('GetTransactionStatus', { transactionId: 'tx-5' })).toEqual(['GetTransactionStatus', { transactionId: 'tx-5' }]);
    // What is neither form is refused in 2.0.1's words, before anything is sent.
    expect(() => adapter.encodeCall('Reset' as never, { type: 'Gentle' } as never)).toThrow(expect.objectContaining({ code: 'PropertyConstraintViolation' }));
    expect(adapter.decodeCallResult('Reset' as never, { status: 'Scheduled', statusInfo: { reasonCode: 'Busy' } })).toEqual({ status: 'Scheduled', statusInfo: { reasonCode: 'Busy' } });
    expect(adapter.decodeCallResult('UnlockConnector' as never, { status: 'OngoingAuthorizedTransaction' })).toEqual({ status: 'OngoingAuthorizedTransaction' });
  });

  it('sends the domain\'s remote start and stop as their 2.0.1 calls and reads the answers back in the domain\'s words', () => {
    const adapter = createOcpp201Adapter({ newMessageId: () => 'fixed' });
    const start = JSON.parse(adapter.encodeCall('RemoteStartTransaction' as never, { connectorId: 2, idTag: 'PTABC' } as never).text);
    expect(start).toEqual([2, 'fixed', 'RequestStartTransaction', { idToken: { idToken: 'PTABC', type: 'Central' }, remoteStartId: expect.any(Number), evseId: 2 }]);
    // The same id tag gives the same remoteStartId: a re-sent start is matched as the first.
    expect(JSON.parse(adapter.encodeCall('RemoteStartTransaction' as never, { connectorId: 2, idTag: 'PTABC' } as never).text)[3].remoteStartId).toBe(start[3].remoteStartId);
    expect(JSON.parse(adapter.encodeCall('RemoteStopTransaction' as never, { transactionId: 17 } as never).text)).toEqual([2, 'fixed', 'RequestStopTransaction', { transactionId: '17' }]);
    expect(adapter.decodeCallResult('RemoteStartTransaction' as never, { status: 'Rejected', statusInfo: { reasonCode: 'Busy' }, transactionId: 't' })).toEqual({ status: 'Rejected' });
    expect(adapter.decodeCallResult('RemoteStopTransaction' as never, { status: 'Accepted' })).toEqual({ status: 'Accepted' });
    // An answer that breaks RequestStartTransactionResponse fails the call, unanswered.
    expect(() => adapter.decodeCallResult('RemoteStartTransaction' as never, { status: 'Maybe' })).toThrow(expect.objectContaining({ answerable: false }));
    // A domain call built wrong is refused before anything is sent.
    expect(() => adapter.encodeCall('RemoteStartTransaction' as never, { connectorId: 1 } as never)).toThrow(OcppError);
  });
});
