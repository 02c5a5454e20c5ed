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
import { keyOf, readUnits, tableShape, writeUnits, type Item, type TableShape, type Units } from './dynamodb-capacity';

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

/** One request as DynamoDB on-demand would bill it (see dynamodb-capacity.ts). */
export interface MeteredDynamoDbRequest extends Units {
  readonly operation: string;
  /** The table named by the request (the first one, for batches and transactions). */
  readonly table?: string;
}

const capacityMeters = new Set<MeteredDynamoDbRequest[]>();

/**
 * Meters the requests to the local DynamoDB (of this process) from now on: operation, table,
 * read and write units including index writes (the bench's cost model). Each write is
 * bracketed by reads of the item before and after it, so it is slower: never on a hot path.
 */
export function meterDynamoDb(): { requests: MeteredDynamoDbRequest[]; stop(): void } {
  const requests: MeteredDynamoDbRequest[] = [];
  capacityMeters.add(requests);
  return { requests, stop: () => capacityMeters.delete(requests) };
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** Puts the fault check in front of dynalite's request handler (it reads headers, method, url, body). */
function withFaultInjection(server: DynaliteServer, endpoint: () => string): void {
  const [first] = server.listeners('request') as RequestListener[];
  if (first === undefined) return;
  const dynaliteHandler: RequestListener = first;
  const meter = new CapacityMeter(endpoint);
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if ((faults.length === 0 && counts.size === 0 && capacityMeters.size === 0) || req.headers[METER_BYPASS] !== undefined) return dynaliteHandler(req, res);
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
      if (capacityMeters.size > 0) {
        meter.around(String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '', body, res, () => forward(body)).catch(() => forward(body));
        return;
      }
      forward(body);
    }
    function forward(body: Buffer): void {
      const copy = Object.assign(new PassThrough(), { headers: req.headers, method: req.method, url: req.url });
      dynaliteHandler(copy as unknown as IncomingMessage, res);
      copy.end(body);
    }
  });
}

/** Marks the meter's own reads, which are neither metered nor faulted. */
const METER_BYPASS = 'x-local-meter-bypass';

type Json = Record<string, any>;

/** A write's item, named by table and key. */
interface Target {
  readonly table: string;
  readonly key: Item;
  readonly transactional: boolean;
}

/**
 * Brackets each write with reads of the item before and after it (holding the answer until
 * the second read is done, so the caller's next request cannot slip in between), and prices
 * reads from the items answered.
 */
class CapacityMeter {
  private readonly shapes = new Map<string, Promise<TableShape>>();

  constructor(private readonly endpoint: () => string) {}

  async around(operation: string, body: Buffer, res: ServerResponse, forward: () => void): Promise<void> {
    const request = JSON.parse(body.toString('utf8')) as Json;
    const targets = await this.targets(operation, request);
    const before = await Promise.all(targets.map((t) => this.item(t)));
    const chunks: Buffer[] = [];
    const write = res.write.bind(res);
    const end = res.end.bind(res);
    res.write = ((chunk: any, ...rest: any[]) => {
      chunks.push(Buffer.from(chunk));
      return write(chunk, ...rest);
    }) as typeof res.write;
    res.end = ((chunk?: any, ...rest: any[]) => {
      if (chunk !== undefined && typeof chunk !== 'function') chunks.push(Buffer.from(chunk));
      const answer = Buffer.concat(chunks).toString('utf8');
      const units = this.units(operation, request, res.statusCode, answer, targets, before);
      const table = tableOf(body) ?? targets[0]?.table ?? firstTable(request);
      void units
        .then((u) => {
          const record: MeteredDynamoDbRequest = { operation, ...(table !== undefined && { table }), ...u };
          for (const requests of capacityMeters) requests.push(record);
        })
        .catch(() => undefined)
        .finally(() => end(chunk, ...rest));
      return res;
    }) as typeof res.end;
    forward();
  }

  private async units(operation: string, request: Json, status: number, answer: string, targets: readonly Target[], before: readonly (Item | undefined)[]): Promise<Units> {
    const response = JSON.parse(answer || '{}') as Json;
    const failed = status !== 200;
    const error = String(response.__type ?? '');
    if (targets.length > 0) {
      if (failed && !/ConditionalCheckFailed|TransactionCanceled/.test(error)) return NONE;
      const after = failed ? before : await Promise.all(targets.map((t) => this.item(t)));
      const shapes = await Promise.all(targets.map((t) => this.shape(t.table)));
      return sum(targets.map((t, i) => writeUnits(shapes[i]!, before[i], after[i], { failed, transactional: t.transactional })));
    }
    if (failed) return NONE;
    const consistent = request.ConsistentRead === true;
    switch (operation) {
      case 'GetItem':
        return { readUnits: readUnits([response.Item], consistent), writeUnits: 0, indexWriteUnits: 0 };
      case 'Query':
      case 'Scan':
        return { readUnits: readUnits(response.Items ?? [], consistent), writeUnits: 0, indexWriteUnits: 0 };
      case 'TransactGetItems':
        return { readUnits: (response.Responses ?? []).reduce((n: number, r: Json) => n + readUnits([r.Item], true, true), 0), writeUnits: 0, indexWriteUnits: 0 };
      case 'BatchGetItem': {
        let units = 0;
        for (const [table, asked] of Object.entries(request.RequestItems ?? {}) as [string, Json][]) {
          const found = (response.Responses?.[table] ?? []) as Item[];
          const strong = asked.ConsistentRead === true;
          units += found.reduce((n, item) => n + readUnits([item], strong), 0) + Math.max(0, (asked.Keys?.length ?? 0) - found.length) * readUnits([], strong);
        }
        return { readUnits: units, writeUnits: 0, indexWriteUnits: 0 };
      }
      default:
        return NONE;
    }
  }

  /** The items a write touches. */
  private async targets(operation: string, request: Json): Promise<Target[]> {
    const one = async (table: string, keyOrItem: { Key?: Item; Item?: Item }, transactional: boolean): Promise<Target> => ({
      table,
      key: keyOrItem.Key ?? keyOf(await this.shape(table), keyOrItem.Item ?? {}),
      transactional,
    });
    switch (operation) {
      case 'PutItem':
      case 'UpdateItem':
      case 'DeleteItem':
        return [await one(request.TableName, request, false)];
      case 'BatchWriteItem':
        return Promise.all(
          (Object.entries(request.RequestItems ?? {}) as [string, Json[]][]).flatMap(([table, writes]) =>
            writes.map((w) => one(table, w.PutRequest ?? w.DeleteRequest ?? {}, false)),
          ),
        );
      case 'TransactWriteItems':
        return Promise.all(
          (request.TransactItems ?? []).map((t: Json) => {
            const part = t.Put ?? t.Update ?? t.Delete ?? t.ConditionCheck;
            return one(part.TableName, part, true);
          }),
        );
      default:
        return [];
    }
  }

  private async item(target: Target): Promise<Item | undefined> {
    return (await this.call('GetItem', { TableName: target.table, Key: target.key, ConsistentRead: true })).Item as Item | undefined;
  }

  private shape(table: string): Promise<TableShape> {
    let shape = this.shapes.get(table);
    if (!shape) {
      shape = this.call('DescribeTable', { TableName: table }).then((answer) => tableShape(answer.Table ?? {}));
      this.shapes.set(table, shape);
    }
    return shape;
  }

  private async call(operation: string, payload: Json): Promise<Json> {
    const response = await fetch(this.endpoint(), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDB_20120810.${operation}`,
        'x-amz-date': '20240101T000000Z',
        authorization: 'AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=local',
        [METER_BYPASS]: '1',
      },
      body: JSON.stringify(payload),
    });
    return (await response.json()) as Json;
  }
}

const NONE: Units = { readUnits: 0, writeUnits: 0, indexWriteUnits: 0 };

function sum(all: readonly Units[]): Units {
  return all.reduce((a, b) => ({ readUnits: a.readUnits + b.readUnits, writeUnits: a.writeUnits + b.writeUnits, indexWriteUnits: a.indexWriteUnits + b.indexWriteUnits }), NONE);
}

function firstTable(request: Json): string | undefined {
  const batch = Object.keys(request.RequestItems ?? {})[0];
  const transact = (request.TransactItems ?? [])[0];
  const part = transact && (Object.values(transact)[0] as Json | undefined);
  return batch ?? part?.TableName;
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
  let endpoint = '';
  withFaultInjection(server, () => endpoint);
  await new Promise<void>((resolve, reject) => server.listen(0, '127.0.0.1', (error) => (error ? reject(error) : resolve())));
  endpoint = `http://127.0.0.1:${server.address().port}`;
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
