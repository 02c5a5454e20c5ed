import { createHash } from 'node:crypto';
import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { MAX_KEPT_STATUSES, newTransaction, type IssuedIdTag, type KeptStatus, type MeterReading, type StartTransactionInput, type StopTransactionInput, type Transaction } from '../csms/model';
import type { TransactionRepository } from '../csms/ports';
import { dynamo, getItem, ifConditionHolds, pages, tableName } from './dynamo';

const txKey = (transactionId: number) => ({ pk: `TX#${transactionId}`, sk: 'TX' });
const startKey = (s: StartTransactionInput) => ({ pk: `START#${s.stationId}#${s.connectorId}#${s.timestamp}`, sk: 'START' });
const chargerTxKey = (stationId: string, chargerTransactionId: string) => ({ pk: `CHARGERTX#${stationId}#${chargerTransactionId}`, sk: 'CHARGERTX' });
const remoteStartKey = (stationId: string, remoteStartId: number) => ({ pk: `REMOTESTART#${stationId}#${remoteStartId}`, sk: 'REMOTESTART' });
const COUNTER = { pk: 'COUNTER', sk: 'TX' };
/** Readings per item by their JSON size, well under DynamoDB's 400 KB item limit. */
const MAX_READINGS_JSON = 256 * 1024;

function chunksOf(readings: readonly MeterReading[]): MeterReading[][] {
  const chunks: MeterReading[][] = [];
  let size = Number.POSITIVE_INFINITY;
  for (const reading of readings) {
    const length = JSON.stringify(reading).length;
    if (size + length > MAX_READINGS_JSON) {
      chunks.push([]);
      size = 0;
    }
    chunks[chunks.length - 1]!.push(reading);
    size += length;
  }
  return chunks;
}

const contentHash = (readings: readonly MeterReading[]) => createHash('sha256').update(JSON.stringify(readings)).digest('hex').slice(0, 16);

export class DynamoTransactionRepository implements TransactionRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient = dynamo(),
    private readonly table = tableName('transactions'),
  ) {}

  async start(input: StartTransactionInput): Promise<{ transaction: Transaction; replayed: boolean }> {
    const guard = startKey(input);
    const earlier = await getItem(this.db, this.table, guard);
    if (earlier) return { transaction: await this.ensureTransaction(earlier.transactionId as number, input), replayed: true };

    const transactionId = await this.allocateId();
    const guarded = await ifConditionHolds(
      this.db.send(new PutCommand({ TableName: this.table, Item: { ...guard, transactionId }, ConditionExpression: 'attribute_not_exists(pk)' })),
    );
    if (!guarded) {
      // A concurrent replay of the same start won the guard: its id is the transaction's.
      const winner = await getItem(this.db, this.table, guard);
      return { transaction: await this.ensureTransaction(winner?.transactionId as number, input), replayed: true };
    }
    return { transaction: await this.ensureTransaction(transactionId, input), replayed: false };
  }

  async get(transactionId: number): Promise<Transaction | undefined> {
    return toTransaction(await getItem(this.db, this.table, txKey(transactionId)));
  }

  async stop(input: StopTransactionInput): Promise<Transaction | undefined> {
    const stopped = await ifConditionHolds(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: txKey(input.transactionId),
          UpdateExpression: `SET #status = :stopped, meterStop = :meterStop, stoppedAt = :at, stopReason = :reason${input.timestampsWithoutOffset ? ', timestampsWithoutOffset = :true' : ''}`,
          ConditionExpression: 'attribute_exists(pk) AND #status = :active',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':stopped': 'stopped',
            ':active': 'active',
            ':meterStop': input.meterStop,
            ':at': input.timestamp,
            ':reason': input.reason ?? 'Local',
            ...(input.timestampsWithoutOffset && { ':true': true }),
          },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    // Not active (already stopped, or unknown): the transaction as it is.
    return stopped ? toTransaction(stopped.Attributes) : this.get(input.transactionId);
  }

  async addMeterReadings(
    stationId: string,
    connectorId: number,
    transactionId: number | undefined,
    readings: readonly MeterReading[],
  ): Promise<void> {
    const pk = transactionId !== undefined ? `TX#${transactionId}` : `CONNECTOR#${stationId}#${connectorId}`;
    // A frame's readings go in one item (a frame has at most 128 KB, an item 400 KB; the
    // chunks only guard that): a frame of 1,400 readings is one write, not 1,400. Keyed by its
    // first reading's time and its content, so a replayed frame rewrites the same item.
    await Promise.all(
      chunksOf(readings).map((chunk) =>
        this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: { pk, sk: `METER#${chunk[0]!.timestamp}#${contentHash(chunk)}`, stationId, connectorId, readings: chunk },
          }),
        ),
      ),
    );
  }

  async listMeterReadings(transactionId: number): Promise<MeterReading[]> {
    const readings: MeterReading[] = [];
    const items = pages(this.db, {
      query: {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :meter)',
        ExpressionAttributeValues: { ':pk': `TX#${transactionId}`, ':meter': 'METER#' },
        ConsistentRead: true,
      },
    });
    for await (const page of items) {
      for (const item of page) {
        // Items written before frames were stored whole hold one reading each.
        const stored = (item.readings as MeterReading[] | undefined) ?? [item as unknown as MeterReading];
        for (const { timestamp, sampledValue } of stored) readings.push({ timestamp, sampledValue });
      }
    }
    return readings;
  }

  async recordLastMeter(transactionId: number, wh: number, at: string, stationId?: string): Promise<Transaction | undefined> {
    // A failed condition: a later reading is already recorded (or the transaction is not the station's).
    const recorded = await ifConditionHolds(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: txKey(transactionId),
          UpdateExpression: 'SET lastMeterWh = :wh, lastMeterAt = :at',
          ConditionExpression: `attribute_exists(pk) AND (attribute_not_exists(lastMeterAt) OR lastMeterAt <= :at)${stationId !== undefined ? ' AND stationId = :station' : ''}`,
          ExpressionAttributeValues: { ':wh': wh, ':at': at, ...(stationId !== undefined && { ':station': stationId }) },
          // The meter value's frame goes on with the transaction as it now is: no read before.
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return toTransaction(recorded?.Attributes);
  }

  async keepStatus(transactionId: number, status: KeptStatus): Promise<void> {
    // A failed condition: the transaction has stopped (its connector still names it) or kept
    // its fill; then the history is read instead (`keptStatuses`).
    await ifConditionHolds(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: txKey(transactionId),
          UpdateExpression: 'SET statuses = list_append(if_not_exists(statuses, :none), :status)',
          ConditionExpression: 'attribute_exists(pk) AND #status = :active AND (attribute_not_exists(statuses) OR size(statuses) < :max)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':none': [], ':status': [{ state: status.state, timestamp: status.timestamp }], ':active': 'active', ':max': MAX_KEPT_STATUSES },
        }),
      ),
    );
  }

  async issueIdTag(tag: IssuedIdTag): Promise<void> {
    const { remoteStartId, ...issued } = tag;
    await this.db.send(new PutCommand({ TableName: this.table, Item: { pk: `IDTAG#${tag.idTag}`, sk: 'IDTAG', ...issued } }));
    if (remoteStartId !== undefined) {
      await this.db.send(new PutCommand({ TableName: this.table, Item: { ...remoteStartKey(tag.stationId, remoteStartId), idTag: tag.idTag } }));
    }
  }

  async findRemoteStart(stationId: string, remoteStartId: number): Promise<string | undefined> {
    return (await getItem(this.db, this.table, remoteStartKey(stationId, remoteStartId)))?.idTag as string | undefined;
  }

  async findIssuedIdTag(idTag: string): Promise<IssuedIdTag | undefined> {
    const item = await getItem(this.db, this.table, { pk: `IDTAG#${idTag}`, sk: 'IDTAG' });
    return item ? { idTag: item.idTag as string, stationId: item.stationId as string, expiresAt: item.expiresAt as string } : undefined;
  }

  async linkChargerTransaction(stationId: string, chargerTransactionId: string, transactionId: number): Promise<number> {
    const key = chargerTxKey(stationId, chargerTransactionId);
    const linked = await ifConditionHolds(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key,
          UpdateExpression: 'SET transactionId = :id',
          ConditionExpression: 'attribute_not_exists(transactionId)',
          ExpressionAttributeValues: { ':id': transactionId },
        }),
      ),
    );
    if (!linked) return (await this.findChargerTransaction(stationId, chargerTransactionId)) ?? transactionId;
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: txKey(transactionId),
        UpdateExpression: 'SET chargerTransactionId = :id',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':id': chargerTransactionId },
      }),
    );
    return transactionId;
  }

  async firstChargerEvent(stationId: string, chargerTransactionId: string, seqNo: number): Promise<boolean> {
    const recorded = await ifConditionHolds(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: chargerTxKey(stationId, chargerTransactionId),
          UpdateExpression: 'ADD seqNos :seqNo',
          ConditionExpression: 'attribute_not_exists(seqNos) OR NOT contains(seqNos, :n)',
          ExpressionAttributeValues: { ':seqNo': new Set([seqNo]), ':n': seqNo },
        }),
      ),
    );
    return recorded !== undefined;
  }

  async findChargerTransaction(stationId: string, chargerTransactionId: string): Promise<number | undefined> {
    return (await getItem(this.db, this.table, chargerTxKey(stationId, chargerTransactionId)))?.transactionId as number | undefined;
  }

  private async allocateId(): Promise<number> {
    const { Attributes } = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: COUNTER,
        UpdateExpression: 'ADD lastId :one',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Attributes?.lastId as number;
  }

  /** Writes the transaction if a crash left only its replay guard behind; returns it either way. */
  private async ensureTransaction(transactionId: number, input: StartTransactionInput): Promise<Transaction> {
    const transaction = newTransaction(transactionId, input);
    const written = await ifConditionHolds(
      this.db.send(new PutCommand({ TableName: this.table, Item: { ...txKey(transactionId), ...transaction }, ConditionExpression: 'attribute_not_exists(pk)' })),
    );
    return written ? transaction : ((await this.get(transactionId)) ?? transaction);
  }
}

function toTransaction(item: Record<string, unknown> | undefined): Transaction | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, ...transaction } = item;
  return transaction as unknown as Transaction;
}
