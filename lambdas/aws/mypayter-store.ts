import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MyPayterTransaction } from '../mypayter/data-api-assumed';
import type { MyPayterStore, SyncCursor } from '../mypayter/transaction-sync';
import { dynamo, getItem, pages, tableName } from './dynamo';

const CURSOR_KEY = { pk: 'CURSOR', sk: 'transactions' };
const DAY_MS = 86_400_000;

/** The MyPayter sync's cursor and transactions (lib/tables.ts `myPayter`). */
export class DynamoMyPayterStore implements MyPayterStore {
  constructor(
    private readonly db: DynamoDBDocumentClient = dynamo(),
    private readonly table = tableName('myPayter'),
  ) {}

  async cursor(): Promise<SyncCursor> {
    const item = await getItem(this.db, this.table, CURSOR_KEY);
    const { after, syncedAt } = (item ?? {}) as SyncCursor;
    return { ...(after && { after }), ...(syncedAt && { syncedAt }) };
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
      const ofTheDay = pages(this.db, {
        query: {
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': `TX#${new Date(day).toISOString().slice(0, 10)}`, ':from': start.toISOString(), ':to': `${end.toISOString()}#\uffff` },
        },
      });
      for await (const items of ofTheDay) found.push(...items.map((item) => item.transaction as MyPayterTransaction));
    }
    return found;
  }
}
