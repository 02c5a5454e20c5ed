import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ConnectionRepository, StationConnection } from '../csms/ports';
import { dynamo, isConditionFailure, tableName } from './dynamo';

/** API Gateway closes every WebSocket after 2 hours; the mapping expires a little later. */
const MAPPING_TTL_SECONDS = 3 * 3600;
/**
 * One item lists the connections to close (connection id -> since when), one attribute each,
 * so adding and removing one never contends; API Gateway's ids (`[A-Za-z0-9=]`) cannot be this key.
 */
const CLOSING = '#closing';

export class DynamoConnectionRepository implements ConnectionRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient = dynamo(),
    private readonly table = tableName('connections'),
  ) {}

  async put(connectionId: string, connection: StationConnection, connectedAt: string): Promise<void> {
    const expiresAt = Math.floor(Date.parse(connectedAt) / 1000) + MAPPING_TTL_SECONDS;
    await this.db.send(
      new PutCommand({ TableName: this.table, Item: { connectionId, ...connection, fresh: true, connectedAt, expiresAt } }),
    );
  }

  async find(connectionId: string): Promise<StationConnection | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: { connectionId }, ConsistentRead: true }));
    if (!Item) return undefined;
    const subprotocol = (Item.subprotocol as string | undefined) ?? 'ocpp1.6';
    return { stationId: Item.stationId as string, subprotocol, ...(Item.fresh === true && { fresh: true }) };
  }

  async claimFirstFrame(connectionId: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { connectionId },
          UpdateExpression: 'REMOVE fresh',
          ConditionExpression: 'fresh = :true',
          ExpressionAttributeValues: { ':true': true },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async delete(connectionId: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: { connectionId } }));
  }

  async scheduleClose(connectionId: string, at: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { connectionId: CLOSING },
        UpdateExpression: 'SET #id = :at',
        ExpressionAttributeNames: { '#id': connectionId },
        ExpressionAttributeValues: { ':at': at },
      }),
    );
  }

  async scheduledCloses(): Promise<{ connectionId: string; since: string }[]> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: { connectionId: CLOSING }, ConsistentRead: true }));
    const { connectionId: _key, ...closing } = Item ?? {};
    return Object.entries(closing).map(([connectionId, since]) => ({ connectionId, since: String(since) }));
  }

  async unscheduleClose(connectionId: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { connectionId: CLOSING },
        UpdateExpression: 'REMOVE #id',
        ExpressionAttributeNames: { '#id': connectionId },
      }),
    );
  }
}
