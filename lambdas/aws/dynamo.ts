/**
 * The DynamoDB document client shared by every repository of a Lambda, and the idioms they all
 * use. The endpoint comes from the standard `AWS_ENDPOINT_URL_DYNAMODB` variable, which the
 * local runtime points at dynalite.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  ScanCommand,
  type NativeAttributeValue,
  type QueryCommandInput,
  type ScanCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { TABLES, type TableName } from '../../lib/tables';
import { getStringFromEnv } from '../shared/config';

/** An item as the document client gives it (attribute values untyped, as DynamoDB's are). */
type Item = Record<string, NativeAttributeValue>;

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

/** One item by its key, read strongly: a write just made is always seen. */
export async function getItem(db: DynamoDBDocumentClient, table: string, key: Item): Promise<Item | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }));
  return Item;
}

/** DynamoDB's limit of keys per BatchGetItem. */
const BATCH_GET_KEYS = 100;

/**
 * The items of these keys, read strongly, in the keys' order (missing ones left out): what an
 * index query found (indexes hold only keys, lib/tables.ts), read whole.
 */
export async function getItems(db: DynamoDBDocumentClient, table: string, keys: readonly Item[]): Promise<Item[]> {
  const found = new Map<string, Item>();
  const keyNames = keys[0] ? Object.keys(keys[0]) : [];
  const id = (item: Item) => JSON.stringify(keyNames.map((name) => item[name]));
  for (let i = 0; i < keys.length; i += BATCH_GET_KEYS) {
    let pending: Item[] | undefined = keys.slice(i, i + BATCH_GET_KEYS);
    while (pending?.length) {
      const answer = await db.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }));
      for (const item of answer.Responses?.[table] ?? []) found.set(id(item), item);
      // Throttled keys come back unprocessed: asked again.
      pending = answer.UnprocessedKeys?.[table]?.Keys as Item[] | undefined;
    }
  }
  return keys.map((key) => found.get(id(key))).filter((item): item is Item => item !== undefined);
}

/**
 * The result of a conditional write, or undefined when its condition did not hold (another
 * write came first, or the item is not there): the answer the caller acts on, not an error.
 */
export async function ifConditionHolds<T>(write: Promise<T>): Promise<T | undefined> {
  try {
    return await write;
  } catch (error) {
    if ((error as { name?: string })?.name === 'ConditionalCheckFailedException') return undefined;
    throw error;
  }
}

/**
 * The items of a Query or a Scan a page at a time (DynamoDB answers at most 1 MB a request);
 * a caller that has enough stops reading (`break`), and no further page is asked for.
 */
export async function* pages(
  db: DynamoDBDocumentClient,
  request: { query: QueryCommandInput } | { scan: ScanCommandInput },
): AsyncGenerator<Item[]> {
  let start: Item | undefined;
  do {
    const page =
      'query' in request
        ? await db.send(new QueryCommand({ ...request.query, ExclusiveStartKey: start }))
        : await db.send(new ScanCommand({ ...request.scan, ExclusiveStartKey: start }));
    yield page.Items ?? [];
    start = page.LastEvaluatedKey;
  } while (start);
}
