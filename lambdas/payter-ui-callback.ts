/** Payter's UI callback (a button pressed on one of our screens): `POST /payter/{token}/ui/{contextId}`. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { idempotentDelivery } from './aws/idempotency';
import { payterApp } from './aws/payter-app';
import { handleCallback } from './http/payter-callback';
import { uiCallbackSchema } from './payter/cps-contract';
import { lambdaHandler, logger } from './shared/lambda';

export const handler = lambdaHandler(
  idempotentDelivery((event: APIGatewayProxyEventV2) =>
    handleCallback(event, uiCallbackSchema, async (press, { token, contextId }) => {
      const result = await (await payterApp()).callbacks.uiButton(token ?? '', contextId ?? '', press);
      logger.info('reader button', { serialNumber: press.serialNumber, screenId: press.screenId, ...result });
      return result;
    }),
  ),
);
