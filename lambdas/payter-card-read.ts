/** Payter's card-read callback: `POST /payter/{token}/card/{readingId}`. */
import { idempotentDelivery } from './aws/idempotency';
import { callbackUrls } from './aws/payter';
import { payterApp } from './aws/payter-app';
import { handleCallback, refusedCallback } from './http/payter-callback';
import { cardReadCallbackSchema } from './payter/cps-contract';
import { lambdaHandler, logger } from './shared/lambda';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

const deliver = idempotentDelivery((event: APIGatewayProxyEventV2) =>
  handleCallback(event, cardReadCallbackSchema, async (card, { token, readingId }) => {
    const result = await (await payterApp()).callbacks.cardRead(token ?? '', readingId ?? '', card);
    logger.info('card read', { serialNumber: card.serialNumber, ifd: card.ifd, ...result });
    return result;
  }),
);

export const handler = lambdaHandler(
  async (event: APIGatewayProxyEventV2, context: Context) =>
    (await refusedCallback(event, cardReadCallbackSchema, async (card, { token, readingId }) =>
      (await callbackUrls()).verify(token, { kind: 'card', serialNumber: card.serialNumber, readingId: readingId ?? '' }),
    )) ?? deliver(event, context),
);
