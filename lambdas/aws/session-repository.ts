import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ChargingSession, SessionStatus } from '../readers/model';
import type { SessionRepository } from '../readers/ports';
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

  async transition(
    sessionId: string,
    from: readonly SessionStatus[],
    to: SessionStatus,
    at: string,
    fields: Partial<ChargingSession> = {},
  ): Promise<boolean> {
    const names: Record<string, string> = { '#status': 'status', '#updatedAt': 'updatedAt' };
    const values: Record<string, unknown> = { ':to': to, ':at': at };
    const sets = ['#status = :to', '#updatedAt = :at'];
    Object.entries(fields).forEach(([key, value], i) => {
      names[`#f${i}`] = key;
      values[`:f${i}`] = value;
      sets.push(`#f${i} = :f${i}`);
    });
    const allowed = from.map((status, i) => {
      values[`:from${i}`] = status;
      return `:from${i}`;
    });
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { sessionId },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: `#status IN (${allowed.join(', ')})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
