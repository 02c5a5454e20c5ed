/**
 * Powertools idempotency on the Idempotency table: a callback delivered twice gets the first
 * delivery's answer and has one effect. The key is the request's path (which names the
 * reader's reading or session) and its body.
 */
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import { tableName } from './dynamo';

let persistenceStore: DynamoDBPersistenceLayer | undefined;

export function idempotentDelivery() {
  persistenceStore ??= new DynamoDBPersistenceLayer({ tableName: tableName('idempotency') });
  return makeHandlerIdempotent({
    persistenceStore,
    config: new IdempotencyConfig({
      eventKeyJmesPath: '[rawPath, body]',
      // Payter redelivers within minutes; a day covers any redelivery worth deduplicating.
      expiresAfterSeconds: 24 * 3600,
    }),
  });
}
