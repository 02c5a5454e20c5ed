import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MyPayterTransaction } from '../mypayter/data-api-assumed';
import type { MyPayterStore, SyncCursor } from '../mypayter/transaction-sync';
import { dynamo, tableName } from './dynamo';

const CURSOR_KEY = { pk: 'CURSOR', sk: 'transactions' };
const DAY_MS = 86_400_000;

/** The MyPayter sync's cursor and transactions (lib/tables.ts `myPayter`). */
export class DynamoMyPayterStore implements MyPayterStore {
  constructor(
    private readonly db: DynamoDBDocumentClient = dynamo(),
    private readonly table = tableName('myPayter'),
  ) {}

  async cursor(): Promise<SyncCursor> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: CURSOR_KEY, ConsistentRead: true }));
    return Item ? { ...(Item.after && { after: Item.after }), ...(Item.syncedAt && { syncedAt: Item.syncedAt as string }) } : {};
  }

  async saveCursor(cursor: SyncCursor): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { ...CURSOR_KEY, ...cursor } }));
  }

  async put(transactions: readonly MyPayterTransaction[]): Promise<void> {
    // One at a time: dynalite has no transactions, and a page is a few hundred items at most.
    for (const transaction of transactions) {
      const at = new Date(transaction.transactionTime).toISOString();
      await this.db.send(
        new PutCommand({ TableName: this.table, Item: { pk: `TX#${at.slice(0, 10)}`, sk: `${at}#${transaction.transactionId}`, transaction } }),
      );
    }
  }

  async list(from: string, to: string): Promise<MyPayterTransaction[]> {
    const start = new Date(from);
    const end = new Date(to);
    const found: MyPayterTransaction[] = [];
    for (let day = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()); day <= end.getTime(); day += DAY_MS) {
      let exclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await this.db.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            ExpressionAttributeValues: { ':pk': `TX#${new Date(day).toISOString().slice(0, 10)}`, ':from': start.toISOString(), ':to': `${end.toISOString()}#\uffff` },
            ExclusiveStartKey: exclusiveStartKey,
          }),
        );
        found.push(...(page.Items ?? []).map((item) => item.transaction as MyPayterTransaction));
        exclusiveStartKey = page.LastEvaluatedKey;
      } while (exclusiveStartKey);
    }
    return found;
  }
}
