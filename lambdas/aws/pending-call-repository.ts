/**
 * Each station's queue of CSMS calls as one item of the PendingCalls table, replaced whole
 * with a conditional write on its version (dynalite has no transactions, and one item keeps
 * the queue's order and its single call in flight consistent). A queue that needs looking at
 * carries `due` and `dueAt`, the keys of the sparse `byDue` index the station-call timer reads.
 */
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { emptyQueue, type CallQueue } from '../csms/call-queue';
import type { CallQueueRepository } from '../csms/ports';
import { dynamo, isConditionFailure, tableName } from './dynamo';

/** A station quiet this long loses its (empty) queue record to DynamoDB TTL. */
const RECORD_TTL_SECONDS = 2 * 24 * 3600;
const DUE = 'due';

export class DynamoCallQueueRepository implements CallQueueRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient = dynamo(),
    private readonly table = tableName('pendingCalls'),
  ) {}

  async load(stationId: string): Promise<{ queue: CallQueue; version: number }> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: { stationId }, ConsistentRead: true }));
    // No record, or one of the single-call layout before the queue (no version): start afresh.
    if (!Item || Item.version === undefined) return { queue: emptyQueue(stationId), version: 0 };
    return {
      queue: { stationId, waiting: Item.waiting ?? [], finished: Item.finished ?? [], ...(Item.inFlight && { inFlight: Item.inFlight }) },
      version: Item.version as number,
    };
  }

  async save(queue: CallQueue, version: number, dueAt: string | undefined): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...queue,
            version: version + 1,
            ...(dueAt !== undefined && { due: DUE, dueAt }),
            ttl: Math.floor(Date.now() / 1000) + RECORD_TTL_SECONDS,
          },
          ConditionExpression: version === 0 ? 'attribute_not_exists(#version)' : '#version = :version',
          ExpressionAttributeNames: { '#version': 'version' },
          ...(version !== 0 && { ExpressionAttributeValues: { ':version': version } }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async listDue(now: string): Promise<string[]> {
    const stations: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'byDue',
          KeyConditionExpression: '#due = :due AND dueAt <= :now',
          ExpressionAttributeNames: { '#due': 'due' },
          ExpressionAttributeValues: { ':due': DUE, ':now': now },
          ProjectionExpression: 'stationId',
          ExclusiveStartKey: start,
        }),
      );
      stations.push(...(page.Items ?? []).map((item) => item.stationId as string));
      start = page.LastEvaluatedKey;
    } while (start);
    return stations;
  }
}
