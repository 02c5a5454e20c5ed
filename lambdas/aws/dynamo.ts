/**
 * The DynamoDB document client shared by every repository of a Lambda. The endpoint comes from
 * the standard `AWS_ENDPOINT_URL_DYNAMODB` variable, which the local runtime points at dynalite.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TABLES, type TableName } from '../../lib/tables';
import { getStringFromEnv } from '../shared/config';

let documentClient: DynamoDBDocumentClient | undefined;

export function dynamo(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documentClient;
}

export function tableName(table: TableName): string {
  return getStringFromEnv(TABLES[table].envVar);
}

export function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string })?.name === 'ConditionalCheckFailedException';
}
