import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamo, pages, tableName } from './dynamo';

/** The serial numbers of every commissioned reader (a projected scan: a few hundred items). */
export async function commissionedSerials(db: DynamoDBDocumentClient = dynamo(), table = tableName('readers')): Promise<string[]> {
  const serials: string[] = [];
  for await (const items of pages(db, { scan: { TableName: table, ProjectionExpression: 'serialNumber' } })) {
    serials.push(...items.map((item) => item.serialNumber as string));
  }
  return serials;
}
