/**
 * DynamoDB for local runs: dynalite in process (in memory, or on disk under DATA_DIR), with
 * the tables of lib/tables.ts created exactly as the stack creates them in AWS.
 */
import { CreateTableCommand, DynamoDBClient, ListTablesCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { TABLES, type TableSpec } from '../tables';

const require = createRequire(import.meta.url);

interface DynaliteServer {
  listen(port: number, host: string, callback: (error?: Error) => void): void;
  close(callback: () => void): void;
  address(): AddressInfo;
}

export interface LocalDynamoDb {
  readonly endpoint: string;
  /** Table name per spec key, e.g. `tableNames.sites`. */
  readonly tableNames: Record<keyof typeof TABLES, string>;
  close(): Promise<void>;
}

export async function startLocalDynamoDb(options: { dataDir?: string; prefix?: string } = {}): Promise<LocalDynamoDb> {
  const dynalite = require('dynalite') as (opts: Record<string, unknown>) => DynaliteServer;
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.dataDir !== undefined && { path: options.dataDir }),
  });
  await new Promise<void>((resolve, reject) => server.listen(0, '127.0.0.1', (error) => (error ? reject(error) : resolve())));
  const endpoint = `http://127.0.0.1:${server.address().port}`;
  const prefix = options.prefix ?? 'csms-local';
  const tableNames = Object.fromEntries(
    Object.entries(TABLES).map(([key, spec]) => [key, `${prefix}-${spec.id}`]),
  ) as Record<keyof typeof TABLES, string>;

  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const existing = new Set((await client.send(new ListTablesCommand({}))).TableNames ?? []);
  for (const [key, spec] of Object.entries(TABLES) as [keyof typeof TABLES, TableSpec][]) {
    const name = tableNames[key];
    if (!existing.has(name)) await client.send(new CreateTableCommand(createTableInput(name, spec)));
  }
  client.destroy();

  return {
    endpoint,
    tableNames,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function createTableInput(name: string, spec: TableSpec): CreateTableCommandInput {
  const attributes = new Set<string>([spec.partitionKey, ...(spec.sortKey ? [spec.sortKey] : [])]);
  for (const index of spec.globalIndexes ?? []) {
    attributes.add(index.partitionKey);
    if (index.sortKey) attributes.add(index.sortKey);
  }
  const keySchema = (pk: string, sk?: string) => [
    { AttributeName: pk, KeyType: 'HASH' as const },
    ...(sk ? [{ AttributeName: sk, KeyType: 'RANGE' as const }] : []),
  ];
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes].map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
    KeySchema: keySchema(spec.partitionKey, spec.sortKey),
    ...(spec.globalIndexes?.length && {
      GlobalSecondaryIndexes: spec.globalIndexes.map((index) => ({
        IndexName: index.name,
        KeySchema: keySchema(index.partitionKey, index.sortKey),
        Projection: { ProjectionType: 'ALL' },
      })),
    }),
  };
}
