import { describe, expect, it } from 'vitest';
import {
  OCPP_ERROR_CODES,
  OcppError,
  parseFrame,
  serializeCall,
  serializeCallError,
  serializeCallResult,
  type OcppErrorCode,
} from '../../lambdas/ocpp/frames';

const ID36 = 'c8d1e5a2-3f4b-4c6d-9e8f-0a1b2c3d4e5f';

describe('parseFrame on well-formed frames', () => {
  it.each([
    {
      name: 'CALL, the OCPP-J 4.2.1 example',
      text: '[2, "19223201", "BootNotification", {"chargePointVendor": "VendorX", "chargePointModel": "SingleSocketCharger"}]',
      frame: {
        kind: 'call',
        messageId: '19223201',
        action: 'BootNotification',
        payload: { chargePointVendor: 'VendorX', chargePointModel: 'SingleSocketCharger' },
      },
    },
    {
      name: 'CALL with an empty payload and a 36-char id',
      text: `[2,"${ID36}","Heartbeat",{}]`,
      frame: { kind: 'call', messageId: ID36, action: 'Heartbeat', payload: {} },
    },
    {
      name: 'CALL with an action this codec does not know (the adapter judges actions)',
      text: '[2,"a","SomethingNew",{"x":1}]',
      frame: { kind: 'call', messageId: 'a', action: 'SomethingNew', payload: { x: 1 } },
    },
    {
      name: 'CALLRESULT',
      text: '[3,"19223201",{"status":"Accepted","currentTime":"2013-02-01T20:53:32.486Z","interval":300}]',
      frame: {
        kind: 'callResult',
        messageId: '19223201',
        payload: { status: 'Accepted', currentTime: '2013-02-01T20:53:32.486Z', interval: 300 },
      },
    },
    {
      name: 'CALLRESULT with an empty payload, whitespace around the frame',
      text: ' \n [3 , "m-1" , { } ] \n',
      frame: { kind: 'callResult', messageId: 'm-1', payload: {} },
    },
    {
      name: 'CALLERROR',
      text: '[4,"162376037","NotSupported","SetDisplayMessage not implemented",{}]',
      frame: {
        kind: 'callError',
        messageId: '162376037',
        errorCode: 'NotSupported',
        errorDescription: 'SetDisplayMessage not implemented',
        errorDetails: {},
      },
    },
    {
      name: 'CALLERROR with an OCPP 2.0.1 code and details',
      text: '[4,"x","FormatViolation","",{"field":"idTag"}]',
      frame: { kind: 'callError', messageId: 'x', errorCode: 'FormatViolation', errorDescription: '', errorDetails: { field: 'idTag' } },
    },
  ])('$name', ({ text, frame }) => {
    expect(parseFrame(text)).toEqual(frame);
  });

  it('keeps unicode and escapes in the payload intact', () => {
    const parsed = parseFrame('[2,"\\u0041","DataTransfer",{"vendorId":"ü\\"€"}]');
    expect(parsed).toEqual({ kind: 'call', messageId: 'A', action: 'DataTransfer', payload: { vendorId: 'ü"€' } });
  });
});

type Malformed = { name: string; text: string; code: OcppErrorCode; messageId: string; answerable: boolean };
const malformed = (name: string, text: string, code: OcppErrorCode, messageId = '-1', answerable = true): Malformed => ({
  name,
  text,
  code,
  messageId,
  answerable,
});

const malformedFrames: Malformed[] = [
  // Not JSON: the id is echoed when the broken text still starts like a frame.
  malformed('empty text', '', 'FormationViolation'),
  malformed('plain words', 'hello charger', 'FormationViolation'),
  malformed('truncated CALL', '[2,"abc-1","Heartbeat",{', 'FormationViolation', 'abc-1'),
  malformed('truncated after the id', '[2, "abc-2"', 'FormationViolation', 'abc-2'),
  malformed('trailing comma', '[2,"abc-3","Heartbeat",{},]', 'FormationViolation', 'abc-3'),
  malformed('single quotes', "[2,'abc','Heartbeat',{}]", 'FormationViolation'),
  malformed('two frames glued', '[2,"g1","Heartbeat",{}][2,"g2","Heartbeat",{}]', 'FormationViolation', 'g1'),
  malformed('truncated CALLRESULT is not answered', '[3,"r-1",{"status":', 'FormationViolation', 'r-1', false),
  malformed('truncated, id too long to echo', `[2,"${'x'.repeat(37)}",`, 'FormationViolation'),
  // Valid JSON, not an array.
  malformed('JSON object', '{"messageTypeId":2}', 'FormationViolation'),
  malformed('JSON string', '"[2,\\"a\\",\\"Heartbeat\\",{}]"', 'FormationViolation'),
  malformed('JSON number', '2', 'FormationViolation'),
  malformed('JSON null', 'null', 'FormationViolation'),
  // Message type id.
  malformed('empty array', '[]', 'ProtocolError'),
  malformed('type id 5 (CALLRESULTERROR exists only in OCPP 2.1)', '[5,"a",{}]', 'ProtocolError'),
  malformed('type id 0', '[0,"a","Heartbeat",{}]', 'ProtocolError'),
  malformed('type id 2.5', '[2.5,"a","Heartbeat",{}]', 'ProtocolError'),
  malformed('type id -2', '[-2,"a","Heartbeat",{}]', 'ProtocolError'),
  malformed('type id "2"', '["2","a","Heartbeat",{}]', 'FormationViolation'),
  malformed('type id null', '[null,"a","Heartbeat",{}]', 'FormationViolation'),
  // Message id.
  malformed('message id a number', '[2,19223201,"Heartbeat",{}]', 'FormationViolation'),
  malformed('message id null', '[2,null,"Heartbeat",{}]', 'FormationViolation'),
  malformed('message id missing', '[2]', 'FormationViolation'),
  malformed('message id of 37 chars', `[2,"${ID36}0","Heartbeat",{}]`, 'ProtocolError'),
  malformed('message id empty', '[2,"","Heartbeat",{}]', 'ProtocolError'),
  // An unreadable id matches no call: the charger is told with "-1", whatever the frame's type (OCPP-J 2.0.1).
  malformed('CALLRESULT message id a number', '[3,7,{}]', 'FormationViolation'),
  malformed('CALLRESULT message id of 37 chars', `[3,"${ID36}0",{}]`, 'ProtocolError'),
  malformed('CALLERROR message id null', '[4,null,"GenericError","x",{}]', 'FormationViolation'),
  malformed('CALLERROR message id empty', '[4,"","GenericError","x",{}]', 'ProtocolError'),
  // Element count.
  malformed('CALL without payload', '[2,"c-1","Heartbeat"]', 'ProtocolError', 'c-1'),
  malformed('CALL with an extra element', '[2,"c-2","Heartbeat",{},{}]', 'ProtocolError', 'c-2'),
  malformed('CALLRESULT without payload', '[3,"c-3"]', 'ProtocolError', 'c-3', false),
  malformed('CALLERROR without details', '[4,"c-4","GenericError","x"]', 'ProtocolError', 'c-4', false),
  // Action.
  malformed('action a number', '[2,"d-1",6,{}]', 'FormationViolation', 'd-1'),
  malformed('action null', '[2,"d-2",null,{}]', 'FormationViolation', 'd-2'),
  malformed('action an object', '[2,"d-3",{"action":"Heartbeat"},{}]', 'FormationViolation', 'd-3'),
  // Payload.
  malformed('payload an array', '[2,"e-1","Heartbeat",[]]', 'FormationViolation', 'e-1'),
  malformed('payload null', '[2,"e-2","Heartbeat",null]', 'FormationViolation', 'e-2'),
  malformed('payload a string', '[2,"e-3","Authorize","{\\"idTag\\":\\"A\\"}"]', 'FormationViolation', 'e-3'),
  malformed('payload a number', '[2,"e-4","Heartbeat",0]', 'FormationViolation', 'e-4'),
  malformed('CALLRESULT payload an array', '[3,"e-5",[]]', 'FormationViolation', 'e-5', false),
  // CALLERROR fields.
  malformed('CALLERROR code a number', '[4,"f-1",500,"x",{}]', 'FormationViolation', 'f-1', false),
  malformed('CALLERROR description null', '[4,"f-2","GenericError",null,{}]', 'FormationViolation', 'f-2', false),
  malformed('CALLERROR details an array', '[4,"f-3","GenericError","x",[]]', 'FormationViolation', 'f-3', false),
];

describe('parseFrame on malformed frames', () => {
  it.each(malformedFrames)('$name -> $code, message id "$messageId"', ({ text, code, messageId, answerable }) => {
    let caught: unknown;
    try {
      parseFrame(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(OcppError);
    const error = caught as OcppError;
    expect({ code: error.code, messageId: error.messageId, answerable: error.answerable }).toEqual({
      code,
      messageId,
      answerable,
    });
    expect(error.asCallError()).toEqual([4, messageId, code, error.message, {}]);
  });
});

describe('serializers', () => {
  it('round-trips every frame kind through parseFrame', () => {
    const payload = { idTag: 'DEADBEEF01', nested: { list: [1, 'two'] } };
    expect(parseFrame(serializeCall('m1', 'Authorize', payload))).toEqual({
      kind: 'call',
      messageId: 'm1',
      action: 'Authorize',
      payload,
    });
    expect(parseFrame(serializeCallResult('m2', payload))).toEqual({ kind: 'callResult', messageId: 'm2', payload });
    expect(parseFrame(serializeCallError('m3', 'NotImplemented', 'no', { action: 'X' }))).toEqual({
      kind: 'callError',
      messageId: 'm3',
      errorCode: 'NotImplemented',
      errorDescription: 'no',
      errorDetails: { action: 'X' },
    });
  });

  it('writes the exact OCPP-J wire format', () => {
    expect(serializeCall('19223201', 'Heartbeat', {})).toBe('[2,"19223201","Heartbeat",{}]');
    expect(serializeCallResult('19223201', { currentTime: '2024-05-01T10:00:00Z' })).toBe(
      '[3,"19223201",{"currentTime":"2024-05-01T10:00:00Z"}]',
    );
    expect(serializeCallError('-1', 'FormationViolation')).toBe('[4,"-1","FormationViolation","",{}]');
  });

  it.each(['', 'x'.repeat(37)])('refuses to send a CALL or CALLRESULT with message id %j', (messageId) => {
    expect(() => serializeCall(messageId, 'Heartbeat', {})).toThrow(RangeError);
    expect(() => serializeCallResult(messageId, {})).toThrow(RangeError);
  });
});

describe('OcppError', () => {
  it('answers with its code, description, details and the message id it was given', () => {
    const error = new OcppError('TypeConstraintViolation', 'connectorId: expected int', {
      details: { issues: [{ property: 'connectorId' }] },
    }).withMessageId('m-9');
    expect(error).toBeInstanceOf(Error);
    expect(error.asCallError()).toEqual([
      4,
      'm-9',
      'TypeConstraintViolation',
      'connectorId: expected int',
      { issues: [{ property: 'connectorId' }] },
    ]);
    expect(new OcppError('GenericError', 'x').messageId).toBe('-1');
  });

  it('knows the ten error codes of OCPP 1.6J, with the specification spelling', () => {
    expect(OCPP_ERROR_CODES).toHaveLength(10);
    expect(OCPP_ERROR_CODES).toContain('OccurenceConstraintViolation');
    expect(OCPP_ERROR_CODES).not.toContain('FormatViolation');
  });
});
