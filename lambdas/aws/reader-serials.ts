import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamo, tableName } from './dynamo';

/** The serial numbers of every commissioned reader (a projected scan: a few hundred items). */
export async function commissionedSerials(db: DynamoDBDocumentClient = dynamo(), table = tableName('readers')): Promise<string[]> {
  const serials: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new ScanCommand({ TableName: table, ProjectionExpression: 'serialNumber', ExclusiveStartKey: start }));
    serials.push(...(page.Items ?? []).map((item) => item.serialNumber as string));
    start = page.LastEvaluatedKey;
  } while (start);
  return serials;
}
