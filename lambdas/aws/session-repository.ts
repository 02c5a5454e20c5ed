import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ChargingSession, SessionStatus } from '../sessions/model';
import type { SessionRepository } from '../sessions/ports';
import { dynamo, isConditionFailure, tableName } from './dynamo';

export class DynamoSessionRepository implements SessionRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient = dynamo(),
    private readonly table = tableName('sessions'),
  ) {}

  async create(session: ChargingSession): Promise<void> {
    await this.db.send(
      new PutCommand({ TableName: this.table, Item: session, ConditionExpression: 'attribute_not_exists(sessionId)' }),
    );
  }

  async get(sessionId: string): Promise<ChargingSession | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: { sessionId }, ConsistentRead: true }));
    return Item as ChargingSession | undefined;
  }

  async findByIdTag(idTag: string): Promise<ChargingSession | undefined> {
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'byIdTag',
        KeyConditionExpression: 'idTag = :t',
        ExpressionAttributeValues: { ':t': idTag },
      }),
    );
    const sessionId = Items?.[0]?.sessionId as string | undefined;
    // The index is eventually consistent: read the session itself strongly.
    return sessionId ? this.get(sessionId) : undefined;
  }

  async transition(
    sessionId: string,
    from: readonly SessionStatus[],
    to: SessionStatus,
    at: string,
    fields: Partial<ChargingSession> = {},
  ): Promise<ChargingSession | undefined> {
    const values: Record<string, unknown> = {};
    const allowed = from.map((status, i) => {
      values[`:from${i}`] = status;
      return `:from${i}`;
    });
    try {
      return await this.set(sessionId, { ...fields, status: to }, at, `#status IN (${allowed.join(', ')})`, values);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async update(sessionId: string, fields: Partial<ChargingSession>, at: string): Promise<ChargingSession> {
    return this.set(sessionId, fields, at, 'attribute_exists(sessionId)', {});
  }

  private async set(
    sessionId: string,
    fields: Partial<ChargingSession>,
    at: string,
    condition: string,
    conditionValues: Record<string, unknown>,
  ): Promise<ChargingSession> {
    // `#status` is named only where the condition or the update uses it (DynamoDB refuses unused names).
    const names: Record<string, string> = { '#updatedAt': 'updatedAt' };
    if (condition.includes('#status') || 'status' in fields) names['#status'] = 'status';
    const values: Record<string, unknown> = { ...conditionValues, ':at': at };
    const sets = ['#updatedAt = :at'];
    Object.entries(fields).forEach(([key, value], i) => {
      if (key === 'status') {
        values[':status'] = value;
        sets.push('#status = :status');
        return;
      }
      names[`#f${i}`] = key;
      values[`:f${i}`] = value;
      sets.push(`#f${i} = :f${i}`);
    });
    const { Attributes } = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { sessionId },
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Attributes as ChargingSession;
  }
}
