import { DeleteCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { connectorKey, type CardReading, type Reader } from '../readers/model';
import type { ReaderRepository } from '../readers/ports';
import { dynamo, getItem, getItems, ifConditionHolds, pages, tableName } from './dynamo';

/** No session runs on the reader: none shown, none on any connector (`:none` is 0). */
const NO_SESSION = 'attribute_not_exists(activeSessionId) AND (attribute_not_exists(sessionsByConnector) OR size(sessionsByConnector) = :none)';

export class DynamoReaderRepository implements ReaderRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient = dynamo(),
    private readonly table = tableName('readers'),
  ) {}

  async get(serialNumber: string): Promise<Reader | undefined> {
    return (await getItem(this.db, this.table, { serialNumber })) as Reader | undefined;
  }

  async listBySite(siteId: string): Promise<Reader[]> {
    const keys: { serialNumber: string }[] = [];
    const atSite = pages(this.db, {
      query: { TableName: this.table, IndexName: 'bySite', KeyConditionExpression: 'siteId = :s', ExpressionAttributeValues: { ':s': siteId } },
    });
    for await (const items of atSite) keys.push(...items.map(({ serialNumber }) => ({ serialNumber: serialNumber as string })));
    // Read whole and strongly; one recommissioned since the index saw it is no longer the site's.
    const readers = (await getItems(this.db, this.table, keys)) as Reader[];
    return readers.filter((reader) => reader.siteId === siteId);
  }

  async list(): Promise<Reader[]> {
    const readers: Reader[] = [];
    for await (const items of pages(this.db, { scan: { TableName: this.table } })) readers.push(...(items as Reader[]));
    return readers;
  }

  async commission(reader: Reader): Promise<boolean> {
    const written = await ifConditionHolds(
      this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: reader,
          // Never over a session's binding: that session's Release would lose its reader.
          ConditionExpression: `attribute_not_exists(serialNumber) OR (stationId = :station AND ${NO_SESSION})`,
          ExpressionAttributeValues: { ':station': reader.stationId, ':none': 0 },
        }),
      ),
    );
    return written !== undefined;
  }

  async restore(reader: Reader): Promise<void> {
    await ifConditionHolds(
      this.db.send(new PutCommand({ TableName: this.table, Item: reader, ConditionExpression: NO_SESSION, ExpressionAttributeValues: { ':none': 0 } })),
    );
  }

  async delete(serialNumber: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: { serialNumber } }));
  }

  async openReading(serialNumber: string, reading: CardReading, screen: string): Promise<void> {
    await this.update(serialNumber, 'SET reading = :r, screen = :screen, updatedAt = :at', {
      ':r': reading,
      ':screen': screen,
      ':at': reading.startedAt,
    });
  }

  async claimReading(serialNumber: string, readingId: string): Promise<boolean> {
    return this.update(
      serialNumber,
      'SET reading.#state = :card',
      { ':card': 'card', ':open': 'open', ':id': readingId },
      'reading.id = :id AND reading.#state = :open',
      { '#state': 'state' },
    );
  }

  async attachSession(serialNumber: string, sessionId: string, connector: { stationId: string; connectorId: number }): Promise<boolean> {
    const claim = () =>
      this.update(
        serialNumber,
        'SET sessionsByConnector.#c = :s, activeSessionId = :s',
        { ':s': sessionId },
        'attribute_exists(sessionsByConnector) AND (attribute_not_exists(sessionsByConnector.#c) OR sessionsByConnector.#c = :s)',
        { '#c': connectorKey(connector) },
      );
    if (await claim()) return true;
    // A reader's first session makes its map (DynamoDB sets no path inside a missing map); never
    // beside a session stored before kiosks, which holds the whole reader.
    const made = await this.update(
      serialNumber,
      'SET sessionsByConnector = if_not_exists(sessionsByConnector, :empty)',
      { ':empty': {}, ':s': sessionId },
      'attribute_exists(sessionsByConnector) OR attribute_not_exists(activeSessionId) OR activeSessionId = :s',
    );
    return made && claim();
  }

  async detachSession(serialNumber: string, sessionId: string, connector: { stationId: string; connectorId: number }): Promise<void> {
    await this.update(serialNumber, 'REMOVE sessionsByConnector.#c', { ':s': sessionId }, 'sessionsByConnector.#c = :s', { '#c': connectorKey(connector) });
    await this.update(serialNumber, 'REMOVE activeSessionId', { ':s': sessionId }, 'activeSessionId = :s');
  }

  async recordOnline(serialNumber: string, online: boolean): Promise<boolean | undefined> {
    const updated = await ifConditionHolds(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { serialNumber },
          UpdateExpression: 'SET #online = :online',
          ConditionExpression: 'attribute_exists(serialNumber)',
          ExpressionAttributeNames: { '#online': 'online' },
          ExpressionAttributeValues: { ':online': online },
          ReturnValues: 'UPDATED_OLD',
        }),
      ),
    );
    return updated?.Attributes?.online as boolean | undefined;
  }

  async recordScreen(serialNumber: string, screen: string): Promise<void> {
    await this.update(serialNumber, 'SET screen = :screen', { ':screen': screen });
  }

  async markOutOfService(serialNumber: string, since: string, reason: string): Promise<void> {
    await this.update(serialNumber, 'SET outOfService = if_not_exists(outOfService, :o)', { ':o': { since, reason } });
  }

  async clearOutOfService(serialNumber: string): Promise<void> {
    await this.update(serialNumber, 'REMOVE outOfService', {});
  }

  async recordPayterCurrency(serialNumber: string, currency: string): Promise<void> {
    await this.update(serialNumber, 'SET payterCurrency = :c', { ':c': currency });
  }

  /** Updates an existing reader only; false when the reader or the condition is not there. */
  private async update(
    serialNumber: string,
    expression: string,
    values: Record<string, unknown>,
    condition?: string,
    names?: Record<string, string>,
  ): Promise<boolean> {
    const updated = await ifConditionHolds(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { serialNumber },
          UpdateExpression: expression,
          ConditionExpression: condition ? `attribute_exists(serialNumber) AND (${condition})` : 'attribute_exists(serialNumber)',
          ...(Object.keys(values).length > 0 && { ExpressionAttributeValues: values }),
          ...(names && { ExpressionAttributeNames: names }),
        }),
      ),
    );
    return updated !== undefined;
  }
}
