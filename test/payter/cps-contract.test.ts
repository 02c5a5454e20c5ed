/**
 * What CPS POSTs to us (docs/payter.md): the card read, a button press, a terminal's state.
 * A callback outside the contract is refused before it can start or stop a session.
 */
import { describe, expect, it } from 'vitest';
import {
  cardReadCallbackSchema,
  cpsAuthorizationHeader,
  screenSchema,
  terminalStateCallbackSchema,
  uiCallbackSchema,
} from '../../lambdas/payter/cps-contract';

const SERIAL = 'APOLLO-0001';
const cardRead = { serialNumber: SERIAL, ifd: 'CONTACTLESS', aid: 'A0000000041010', cardId: 'card-A', maskedPan: '5413********0011' };
const buttonPress = { serialNumber: SERIAL, screenId: 'charging', response: 'stop' };
const terminalState = { serialNumber: SERIAL, online: false, state: 'IDLE' };

describe('callbacks from CPS', () => {
  it.each<[string, { safeParse(v: unknown): { success: boolean } }, unknown]>([
    ['a card read', cardReadCallbackSchema, cardRead],
    ['a card read without a masked PAN', cardReadCallbackSchema, { ...cardRead, maskedPan: undefined }],
    ['a card read with an empty AID (a QR code has none)', cardReadCallbackSchema, { ...cardRead, ifd: 'QR_CODE', aid: '' }],
    ['a button press', uiCallbackSchema, buttonPress],
    ['a button press with an empty response', uiCallbackSchema, { ...buttonPress, response: '' }],
    ['a terminal going offline', terminalStateCallbackSchema, terminalState],
    ['a terminal of the longest serial', terminalStateCallbackSchema, { ...terminalState, serialNumber: 'S'.repeat(32) }],
    ['a screen', screenSchema, { id: 'plug-in', type: 'message', properties: { title: 'Plug in', 'buttons.stop.label': 'Stop' } }],
  ])('accepts %s', (_case, schema, body) => {
    expect(schema.safeParse(body).success).toBe(true);
  });

  it.each<[string, { safeParse(v: unknown): { success: boolean } }, unknown]>([
    ['a card read without a serial', cardReadCallbackSchema, { ...cardRead, serialNumber: '' }],
    ['a card read from a serial longer than ours', cardReadCallbackSchema, { ...cardRead, serialNumber: 'S'.repeat(33) }],
    ['a card read without an interface', cardReadCallbackSchema, { ...cardRead, ifd: '' }],
    ['a card read without an AID', cardReadCallbackSchema, { ...cardRead, aid: undefined }],
    ['a card read without a card id (tap to stop needs it)', cardReadCallbackSchema, { ...cardRead, cardId: '' }],
    ['a card read with a masked PAN that is no string', cardReadCallbackSchema, { ...cardRead, maskedPan: 5413 }],
    ['a button press without a serial', uiCallbackSchema, { ...buttonPress, serialNumber: '' }],
    ['a button press from a serial longer than ours', uiCallbackSchema, { ...buttonPress, serialNumber: 'S'.repeat(33) }],
    ['a button press without a screen id', uiCallbackSchema, { ...buttonPress, screenId: '' }],
    ['a button press without a response', uiCallbackSchema, { ...buttonPress, response: undefined }],
    ['a terminal state from a serial longer than ours', terminalStateCallbackSchema, { ...terminalState, serialNumber: 'S'.repeat(33) }],
    ['a terminal state without a state', terminalStateCallbackSchema, { ...terminalState, state: '' }],
    ['a screen without an id', screenSchema, { id: '', type: 'message', properties: {} }],
    ['a screen without a type', screenSchema, { id: 'x', type: '', properties: {} }],
    ['a screen with a property that is no string', screenSchema, { id: 'x', type: 'message', properties: { title: 1 } }],
  ])('refuses %s', (_case, schema, body) => {
    expect(schema.safeParse(body).success).toBe(false);
  });
});

describe('the API key header', () => {
  it('is CPS apikey="<key>"', () => {
    expect(cpsAuthorizationHeader('k-1')).toBe('CPS apikey="k-1"');
  });
});
