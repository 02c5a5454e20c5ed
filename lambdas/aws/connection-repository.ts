import { DeleteCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ConnectionRepository, StationConnection } from '../csms/ports';
import { dynamo, getItem, ifConditionHolds, tableName } from './dynamo';

/** API Gateway closes every WebSocket after 2 hours; the mapping expires a little later. */
const MAPPING_TTL_SECONDS = 3 * 3600;
/**
 * One item lists the connections to close (connection id -> since when), one attribute each,
 * so adding and removing one never contends; API Gateway's ids (`[A-Za-z0-9=]`) cannot be this key.
 */
const CLOSING = '#closing';
/** The same for the stations whose connection went away (station id -> since when). */
const AWAITING_RECONNECT = '#reconnects';

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
    const item = await getItem(this.db, this.table, { connectionId });
    if (!item) return undefined;
    const subprotocol = (item.subprotocol as string | undefined) ?? 'ocpp1.6';
    return { stationId: item.stationId as string, subprotocol, ...(item.fresh === true && { fresh: true }) };
  }

  async claimFirstFrame(connectionId: string): Promise<boolean> {
    const claimed = await ifConditionHolds(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { connectionId },
          UpdateExpression: 'REMOVE fresh',
          ConditionExpression: 'fresh = :true',
          ExpressionAttributeValues: { ':true': true },
        }),
      ),
    );
    return claimed !== undefined;
  }

  async delete(connectionId: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: { connectionId } }));
  }

  async scheduleClose(connectionId: string, at: string): Promise<void> {
    await this.updateList(CLOSING, connectionId, 'SET #id = :at', at);
  }

  async scheduledCloses(): Promise<{ connectionId: string; since: string }[]> {
    return (await this.list(CLOSING)).map(([connectionId, since]) => ({ connectionId, since }));
  }

  async unscheduleClose(connectionId: string): Promise<void> {
    await this.updateList(CLOSING, connectionId, 'REMOVE #id');
  }

  async awaitReconnect(stationId: string, since: string): Promise<void> {
    await this.updateList(AWAITING_RECONNECT, stationId, 'SET #id = :at', since);
  }

  async awaitingReconnect(): Promise<{ stationId: string; since: string }[]> {
    return (await this.list(AWAITING_RECONNECT)).map(([stationId, since]) => ({ stationId, since }));
  }

  async reconnectAwaited(stationId: string, since: string): Promise<void> {
    // A failed condition: it went away again meanwhile, and waits from then.
    await ifConditionHolds(this.updateList(AWAITING_RECONNECT, stationId, 'REMOVE #id', since, '#id = :at'));
  }

  /** The entries (id, since when) of a list item. */
  private async list(item: string): Promise<[string, string][]> {
    const { connectionId: _key, ...entries } = (await getItem(this.db, this.table, { connectionId: item })) ?? {};
    return Object.entries(entries).map(([id, since]) => [id, String(since)]);
  }

  /** Sets (`:at`) or removes an id's own attribute of a list item. */
  private async updateList(item: string, id: string, expression: string, at?: string, condition?: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { connectionId: item },
        UpdateExpression: expression,
        ...(condition !== undefined && { ConditionExpression: condition }),
        ExpressionAttributeNames: { '#id': id },
        ...(at !== undefined && { ExpressionAttributeValues: { ':at': at } }),
      }),
    );
  }
}
