/**
 * DynamoDB for local runs: dynalite in process (in memory, or on disk under DATA_DIR), with
 * the tables of lib/tables.ts created exactly as the stack creates them in AWS.
 */
import { CreateTableCommand, DynamoDBClient, ListTablesCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { INDEX_PROJECTION, TABLES, type TableSpec } from '../tables';

const require = createRequire(import.meta.url);

interface DynaliteServer extends Pick<Server, 'listeners' | 'removeAllListeners' | 'on'> {
  listen(port: number, host: string, callback: (error?: Error) => void): void;
  close(callback: () => void): void;
  address(): AddressInfo;
}

/**
 * A fault the local DynamoDB answers instead of doing the request, for fault tests of the
 * local runtime (a throttle or an internal error mid-session). Never used outside tests.
 */
export interface DynamoDbFault {
  /** The DynamoDB operation, e.g. 'UpdateItem', 'PutItem', 'GetItem'. */
  readonly operation: string;
  /** Only requests naming this table (its full name, e.g. process.env.SESSIONS_TABLE). @default any */
  readonly table?: string;
  /** @default 'throttle' (400 ProvisionedThroughputExceededException); 'slow' does the request `delayMs` late */
  readonly error?: 'throttle' | 'internal' | 'slow';
  /** For 'slow'. @default 1000 */
  readonly delayMs?: number;
  /** How many matching requests fail. The AWS SDK retries each call up to 3 times. @default 1 */
  readonly times?: number;
}

const faults: { fault: DynamoDbFault; left: number }[] = [];
/** Requests that met an injected fault, per operation. */
const failedRequests: { operation: string; table?: string }[] = [];

/** The next `times` matching requests to the local DynamoDB (of this process) fail. */
export function injectDynamoDbFault(fault: DynamoDbFault): void {
  faults.push({ fault, left: fault.times ?? 1 });
}

/** The requests answered with an injected fault so far (and clears pending faults with `reset`). */
export function injectedDynamoDbFaults(options: { reset?: boolean } = {}): { operation: string; table?: string }[] {
  const seen = [...failedRequests];
  if (options.reset) {
    faults.length = 0;
    failedRequests.length = 0;
  }
  return seen;
}

/** The requests seen by each open count (see `countDynamoDbRequests`). */
const counts = new Set<{ operation: string; table?: string }[]>();

/**
 * Counts the requests to the local DynamoDB (of this process) from now on, for tests that
 * assert how many writes something takes. Never used outside tests.
 */
export function countDynamoDbRequests(): { count(operation: string, table?: string): number; stop(): void } {
  const seen: { operation: string; table?: string }[] = [];
  counts.add(seen);
  return {
    count: (operation, table) => seen.filter((r) => r.operation === operation && (table === undefined || r.table === table)).length,
    stop: () => counts.delete(seen),
  };
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** Puts the fault check in front of dynalite's request handler (it reads headers, method, url, body). */
function withFaultInjection(server: DynaliteServer): void {
  const [first] = server.listeners('request') as RequestListener[];
  if (first === undefined) return;
  const dynaliteHandler: RequestListener = first;
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (faults.length === 0 && counts.size === 0) return dynaliteHandler(req, res);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const table = tableOf(body);
      for (const seen of counts) seen.push({ operation, ...(table !== undefined && { table }) });
      const match = faults.find(({ fault, left }) => left > 0 && fault.operation === operation && (fault.table === undefined || fault.table === table));
      if (match) {
        match.left -= 1;
        if (match.left === 0) faults.splice(faults.indexOf(match), 1);
        failedRequests.push({ operation, ...(table !== undefined && { table }) });
        if (match.fault.error === 'slow') {
          setTimeout(() => replay(body), match.fault.delayMs ?? 1000);
          return;
        }
        const throttle = (match.fault.error ?? 'throttle') === 'throttle';
        const answer = throttle
          ? { __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', message: 'injected throttle' }
          : { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'injected internal error' };
        res.writeHead(throttle ? 400 : 500, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify(answer));
        return;
      }
      replay(body);
    });
    function replay(body: Buffer): void {
      const copy = Object.assign(new PassThrough(), { headers: req.headers, method: req.method, url: req.url });
      dynaliteHandler(copy as unknown as IncomingMessage, res);
      copy.end(body);
    }
  });
}

function tableOf(body: Buffer): string | undefined {
  try {
    const { TableName } = JSON.parse(body.toString('utf8')) as { TableName?: unknown };
    return typeof TableName === 'string' ? TableName : undefined;
  } catch {
    return undefined;
  }
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
  withFaultInjection(server);
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
        Projection: { ProjectionType: INDEX_PROJECTION },
      })),
    }),
  };
}
