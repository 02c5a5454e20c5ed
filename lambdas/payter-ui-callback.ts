/** Payter's UI callback (a button pressed on one of our screens): `POST /payter/{token}/ui/{contextId}`. */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { idempotentDelivery } from './aws/idempotency';
import { callbackUrls } from './aws/payter';
import { payterApp } from './aws/payter-app';
import { handleCallback, refusedCallback } from './http/payter-callback';
import { uiCallbackSchema } from './payter/cps-contract';
import { lambdaHandler, logger } from './shared/lambda';

const deliver = idempotentDelivery((event: APIGatewayProxyEventV2) =>
  handleCallback(event, uiCallbackSchema, async (press, { token, contextId }) => {
    const result = await (await payterApp()).callbacks.uiButton(token ?? '', contextId ?? '', press);
    logger.info('reader button', { serialNumber: press.serialNumber, screenId: press.screenId, ...result });
    return result;
  }),
);

export const handler = lambdaHandler(
  async (event: APIGatewayProxyEventV2, context: Context) =>
    (await refusedCallback(event, uiCallbackSchema, async (press, { token, contextId }) =>
      (await callbackUrls()).verify(token, { kind: 'ui', serialNumber: press.serialNumber, contextId: contextId ?? '' }),
    )) ?? deliver(event, context),
);
