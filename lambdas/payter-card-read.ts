/** Payter's card-read callback: `POST /payter/{token}/card/{readingId}`. */
import { idempotentDelivery } from './aws/idempotency';
import { payterApp } from './aws/payter-app';
import { handleCallback } from './http/payter-callback';
import { cardReadCallbackSchema } from './payter/cps-contract';
import { lambdaHandler, logger } from './shared/lambda';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export const handler = lambdaHandler(
  idempotentDelivery((event: APIGatewayProxyEventV2) =>
    handleCallback(event, cardReadCallbackSchema, async (card, { token, readingId }) => {
      const result = await (await payterApp()).callbacks.cardRead(token ?? '', readingId ?? '', card);
      logger.info('card read', { serialNumber: card.serialNumber, ifd: card.ifd, ...result });
      return result;
    }),
  ),
);
