/**
 * The bench's DynamoDB meter bills what AWS would: index writes included, sparse indexes only
 * when the item is in them, a failed condition still paid by the table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { meterDynamoDb, startLocalDynamoDb, type LocalDynamoDb } from '../../lib/local/dynamodb';
import { itemSize, writeUnits } from '../../lib/local/dynamodb-capacity';

describe('the DynamoDB capacity model', () => {
  it('sizes items as DynamoDB does: names plus values, numbers a byte per two digits', () => {
    expect(itemSize({ id: { S: 'abc' } })).toBe(5);
    expect(itemSize({ n: { N: '12345' } })).toBe(1 + 4);
    expect(itemSize({ m: { M: { a: { BOOL: true } } } })).toBe(1 + 3 + 1 + 1 + 1);
  });

  it('counts an index write only for the indexes the item is in, and two when its index key moves', () => {
    const table = { keys: ['id'], indexes: [{ name: 'byA', keys: ['a'], projection: 'ALL' as const }, { name: 'byB', keys: ['b'], projection: 'KEYS_ONLY' as const }] };
    expect(writeUnits(table, undefined, { id: { S: '1' }, a: { S: 'x' } })).toEqual({ readUnits: 0, writeUnits: 2, indexWriteUnits: 1 });
    expect(writeUnits(table, { id: { S: '1' }, a: { S: 'x' } }, { id: { S: '1' }, a: { S: 'y' } }).indexWriteUnits).toBe(2);
    // A change outside what a KEYS_ONLY index projects costs that index nothing.
    expect(writeUnits(table, { id: { S: '1' }, b: { S: 'k' } }, { id: { S: '1' }, b: { S: 'k' }, c: { S: 'new' } }).indexWriteUnits).toBe(0);
    expect(writeUnits(table, { id: { S: '1' }, a: { S: 'x' } }, undefined, { failed: true })).toEqual({ readUnits: 0, writeUnits: 1, indexWriteUnits: 0 });
  });
});

describe('meterDynamoDb at the local endpoint', () => {
  let db: LocalDynamoDb;
  let client: DynamoDBDocumentClient;

  beforeAll(async () => {
    db = await startLocalDynamoDb({ prefix: 'meter-test' });
    client = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: db.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
  });
  afterAll(async () => {
    client.destroy();
    await db.close();
  });

  it('meters each request by operation and table, with the writes of the sparse index the item enters and moves in', async () => {
    const calls = db.tableNames.pendingCalls;
    const meter = meterDynamoDb();
    try {
      // Not due: not in byDue.
      await client.send(new PutCommand({ TableName: calls, Item: { stationId: 'CP1', queue: [] } }));
      await client.send(new UpdateCommand({ TableName: calls, Key: { stationId: 'CP1' }, UpdateExpression: 'SET #due = :d, dueAt = :at', ExpressionAttributeNames: { '#due': 'due' }, ExpressionAttributeValues: { ':d': 'due', ':at': '2026-01-01T00:00:00Z' } }));
      await client.send(new UpdateCommand({ TableName: calls, Key: { stationId: 'CP1' }, UpdateExpression: 'SET dueAt = :at', ExpressionAttributeValues: { ':at': '2026-01-01T00:01:00Z' } }));
      await client.send(new GetCommand({ TableName: calls, Key: { stationId: 'CP1' } }));
      await client.send(new QueryCommand({ TableName: calls, IndexName: 'byDue', KeyConditionExpression: '#due = :d', ExpressionAttributeNames: { '#due': 'due' }, ExpressionAttributeValues: { ':d': 'due' } }));
      await expect(client.send(new PutCommand({ TableName: calls, Item: { stationId: 'CP1' }, ConditionExpression: 'attribute_not_exists(stationId)' }))).rejects.toThrow();
    } finally {
      meter.stop();
    }
    expect(meter.requests.map((r) => `${r.operation} ${r.table}`)).toEqual(['PutItem', 'UpdateItem', 'UpdateItem', 'GetItem', 'Query', 'PutItem'].map((op) => `${op} ${calls}`));
    const [put, entered, moved, get, query, refused] = meter.requests;
    expect(put).toMatchObject({ writeUnits: 1, indexWriteUnits: 0 });
    expect(entered).toMatchObject({ writeUnits: 2, indexWriteUnits: 1 });
    // A new sort key in the index: the old entry removed, the new one written.
    expect(moved).toMatchObject({ writeUnits: 3, indexWriteUnits: 2 });
    expect(get).toMatchObject({ readUnits: 0.5, writeUnits: 0 });
    expect(query).toMatchObject({ readUnits: 0.5 });
    expect(refused).toMatchObject({ writeUnits: 1, indexWriteUnits: 0 });
  });
});
