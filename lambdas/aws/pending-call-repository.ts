/**
 * Each station's queue of CSMS calls as one item of the PendingCalls table, replaced whole
 * with a conditional write on its version (dynalite has no transactions, and one item keeps
 * the queue's order and its single call in flight consistent). A queue that needs looking at
 * carries `due` and `dueAt`, the keys of the sparse `byDue` index the station-call timer reads.
 */
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { emptyQueue, type CallQueue } from '../csms/call-queue';
import type { CallQueueRepository } from '../csms/ports';
import { dynamo, getItem, ifConditionHolds, pages, tableName } from './dynamo';

/** A station quiet this long loses its (empty) queue record to DynamoDB TTL. */
const RECORD_TTL_SECONDS = 2 * 24 * 3600;
const DUE = 'due';

export class DynamoCallQueueRepository implements CallQueueRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient = dynamo(),
    private readonly table = tableName('pendingCalls'),
  ) {}

  async load(stationId: string): Promise<{ queue: CallQueue; version: number }> {
    const item = await getItem(this.db, this.table, { stationId });
    // No record, or one of the single-call layout before the queue (no version): start afresh.
    if (!item || item.version === undefined) return { queue: emptyQueue(stationId), version: 0 };
    return {
      queue: {
        stationId,
        waiting: (item.waiting as CallQueue['waiting'] | undefined) ?? [],
        finished: (item.finished as CallQueue['finished'] | undefined) ?? [],
        ...(item.inFlight !== undefined && { inFlight: item.inFlight as CallQueue['inFlight'] }),
      },
      version: item.version as number,
    };
  }

  async save(queue: CallQueue, version: number, dueAt: string | undefined): Promise<boolean> {
    const saved = await ifConditionHolds(
      this.db.send(
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
      ),
    );
    return saved !== undefined;
  }

  async listDue(until: string): Promise<{ stationId: string; dueAt: string }[]> {
    const stations: { stationId: string; dueAt: string }[] = [];
    const due = pages(this.db, {
      query: {
        TableName: this.table,
        IndexName: 'byDue',
        KeyConditionExpression: '#due = :due AND dueAt <= :now',
        ExpressionAttributeNames: { '#due': 'due' },
        ExpressionAttributeValues: { ':due': DUE, ':now': until },
        ProjectionExpression: 'stationId, dueAt',
      },
    });
    for await (const items of due) stations.push(...items.map((item) => ({ stationId: item.stationId as string, dueAt: item.dueAt as string })));
    return stations;
  }
}
