import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SiteRepository } from '../csms/ports';
import type { StoredSite } from '../sites/site-settings';
import { dynamo, getItem, tableName } from './dynamo';

export class DynamoSiteRepository implements SiteRepository<StoredSite> {
  constructor(
    private readonly db: DynamoDBDocumentClient = dynamo(),
    private readonly table = tableName('sites'),
  ) {}

  async get(siteId: string): Promise<StoredSite | undefined> {
    return (await getItem(this.db, this.table, { siteId })) as StoredSite | undefined;
  }

  async put(site: StoredSite): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: site }));
  }
}
