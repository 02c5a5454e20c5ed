import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SiteRepository } from '../csms/ports';
import type { StoredSite } from '../sites/site-settings';
import { dynamo, tableName } from './dynamo';

export class DynamoSiteRepository implements SiteRepository<StoredSite> {
  constructor(
    private readonly db: DynamoDBDocumentClient = dynamo(),
    private readonly table = tableName('sites'),
  ) {}

  async get(siteId: string): Promise<StoredSite | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: { siteId }, ConsistentRead: true }));
    return Item as StoredSite | undefined;
  }

  async put(site: StoredSite): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: site }));
  }
}
