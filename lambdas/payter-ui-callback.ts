/** Payter's UI callback (a button pressed on one of our screens): `POST /payter/{token}/ui/{contextId}`. */
import { driverCallbackHandler } from './aws/driver-callback';
import { uiCallbackSchema } from './payter/cps-contract';

export const handler = driverCallbackHandler({
  schema: uiCallbackSchema,
  purpose: (press, { contextId }) => ({ kind: 'ui', serialNumber: press.serialNumber, contextId: contextId ?? '' }),
  act: (callbacks, token, press, { contextId }) => callbacks.uiButton(token, contextId ?? '', press),
  logged: (press, result) => ['reader button', { serialNumber: press.serialNumber, screenId: press.screenId, ...result }],
});
