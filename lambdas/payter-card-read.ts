/** Payter's card-read callback: `POST /payter/{token}/card/{readingId}`. */
import { driverCallbackHandler } from './aws/driver-callback';
import { cardReadCallbackSchema } from './payter/cps-contract';

export const handler = driverCallbackHandler({
  schema: cardReadCallbackSchema,
  purpose: (card, { readingId }) => ({ kind: 'card', serialNumber: card.serialNumber, readingId: readingId ?? '' }),
  act: (callbacks, token, card, { readingId }) => callbacks.cardRead(token, readingId ?? '', card),
  logged: (card, result) => ['card read', { serialNumber: card.serialNumber, ifd: card.ifd, ...result }],
});
