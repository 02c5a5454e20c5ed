import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CallOutcome, PendingCall } from '../csms/model';
import type { PendingCallRepository } from '../csms/ports';
import { dynamo, isConditionFailure, tableName } from './dynamo';

/** Answered calls linger this long for the requester to read, then DynamoDB TTL removes them. */
const RECORD_TTL_SECONDS = 24 * 3600;

export class DynamoPendingCallRepository implements PendingCallRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient = dynamo(),
    private readonly table = tableName('pendingCalls'),
  ) {}

  async reserve(call: PendingCall, now: string): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...call, ttl: ttlFrom(call.sentAt) },
          // The slot is free when empty, answered, or abandoned after its timeout.
          ConditionExpression: 'attribute_not_exists(stationId) OR #state = :answered OR expiresAt < :now',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':answered': 'answered', ':now': now },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async get(stationId: string): Promise<PendingCall | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: { stationId }, ConsistentRead: true }));
    return Item ? toPendingCall(Item) : undefined;
  }

  async answer(stationId: string, messageId: string, outcome: CallOutcome): Promise<PendingCall | undefined> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { stationId },
          UpdateExpression: 'SET #state = :answered, outcome = :outcome',
          ConditionExpression: 'messageId = :messageId AND #state = :sent',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':answered': 'answered', ':sent': 'sent', ':outcome': outcome, ':messageId': messageId },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? toPendingCall(Attributes) : undefined;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async release(stationId: string, messageId: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { stationId },
          ConditionExpression: 'messageId = :messageId',
          ExpressionAttributeValues: { ':messageId': messageId },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}

function ttlFrom(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000) + RECORD_TTL_SECONDS;
}

function toPendingCall(item: Record<string, unknown>): PendingCall {
  const { ttl: _ttl, ...call } = item;
  return call as unknown as PendingCall;
}
