/**
 * The one shape of Payter's driver callbacks (a card read, a button press): a forged or
 * garbled delivery is refused before anything is stored, a genuine one has one effect however
 * often Payter delivers it (the first delivery's answer for every repeat), and each is logged
 * without card data.
 */
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type * as z from 'zod';
import { handleCallback, refusedCallback } from '../http/payter-callback';
import type { CallbackPurpose } from '../readers/callback-urls';
import type { PayterCallbacks } from '../sessions/payter-callbacks';
import { lambdaHandler, logger } from '../shared/lambda';
import { idempotentDelivery } from './idempotency';
import { callbackUrls, callbacks } from './composition';

export interface DriverCallback<S extends z.ZodType, R> {
  readonly schema: S;
  /** What the callback URL's capability token must have been made for. */
  readonly purpose: (body: z.output<S>, path: Record<string, string>) => CallbackPurpose;
  readonly act: (callbacks: PayterCallbacks, token: string, body: z.output<S>, path: Record<string, string>) => Promise<R>;
  /** The log line of a handled delivery (no card data). */
  readonly logged: (body: z.output<S>, result: R) => [message: string, details: Record<string, unknown>];
}

export function driverCallbackHandler<S extends z.ZodType, R>(callback: DriverCallback<S, R>) {
  const deliver = idempotentDelivery((event: APIGatewayProxyEventV2) =>
    handleCallback(event, callback.schema, async (body, path) => {
      const result = await callback.act(await callbacks(), path.token ?? '', body, path);
      logger.info(...callback.logged(body, result));
      return result;
    }),
  );
  return lambdaHandler(
    async (event: APIGatewayProxyEventV2, context: Context) =>
      (await refusedCallback(event, callback.schema, async (body, path) => (await callbackUrls()).verify(path.token, callback.purpose(body, path)))) ??
      deliver(event, context),
  );
}
