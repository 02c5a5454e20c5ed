/**
 * Powertools idempotency on the Idempotency table: a callback delivered twice gets the first
 * delivery's answer and has one effect. The key is the request's path (which names the
 * reader's reading or session) and its body.
 *
 * Payter delivers at least once, sometimes many times at once. A duplicate that arrives while
 * the first delivery is still being handled waits briefly for the first one's answer and
 * gives it; if that takes too long it answers 409 with Retry-After, which Payter retries.
 * Never a 5xx: on AWS each would be a Lambda error feeding the operators' alarm.
 *
 * Built on `makeIdempotent`, not the middy middleware: the middleware's error hook deletes the
 * in-progress record on *any* error, its own "already in progress" included, so one early
 * duplicate let a later one run the handler again (a 404, then stored as the answer for all).
 */
import { IdempotencyAlreadyInProgressError, IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { HttpError, errorResult, type HttpResult } from '../http/api';
import { tableName } from './dynamo';

/** How long a duplicate waits for the first delivery's answer before answering 409. */
export const DUPLICATE_WAIT_MS = 3_000;
const RETRY_AFTER_SECONDS = 2;

type CallbackHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResult>;

let persistenceStore: DynamoDBPersistenceLayer | undefined;

export function idempotentDelivery(handler: CallbackHandler): CallbackHandler {
  persistenceStore ??= new DynamoDBPersistenceLayer({ tableName: tableName('idempotency') });
  const once = makeIdempotent(handler, {
    persistenceStore,
    config: new IdempotencyConfig({
      eventKeyJmesPath: '[rawPath, body]',
      // Payter redelivers within minutes; a day covers any redelivery worth deduplicating.
      expiresAfterSeconds: 24 * 3600,
    }),
  });
  return async (event, context) => {
    const deadline = Date.now() + DUPLICATE_WAIT_MS;
    for (let pause = 25; ; pause = Math.min(pause * 2, 400)) {
      try {
        return await once(event, context);
      } catch (error) {
        if (!(error instanceof IdempotencyAlreadyInProgressError)) throw error;
        if (Date.now() + pause > deadline) return stillInProgress();
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  };
}

function stillInProgress(): HttpResult {
  const answer = errorResult(new HttpError(409, 'InProgress', 'the first delivery of this callback is still being handled; retry later'));
  return { ...answer, headers: { ...answer.headers, 'retry-after': String(RETRY_AFTER_SECONDS) } };
}
