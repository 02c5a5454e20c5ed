import { PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { OPEN_SESSION_STATUSES, type ChargingSession, type RefundState, type SessionRefund, type SessionStatus } from '../sessions/model';
import type { RefundSettlement, SessionQuery, SessionRepository, UnsettledSessions } from '../sessions/ports';
import { dynamo, getItem, getItems, ifConditionHolds, pages, tableName } from './dynamo';

/**
 * The sparse `byUnsettled` index (lib/tables.ts): `unsettled` is set while a session has an
 * open status or an authorized hold, and removed once neither holds, so the sweeper queries
 * the few sessions that may need it instead of scanning them all.
 */
const UNSETTLED = 'unsettled';
const UNSETTLED_VALUE = 'yes';
const OPEN_STATUS_VALUES = Object.fromEntries(OPEN_SESSION_STATUSES.map((status, i) => [`:open${i}`, status]));
const IS_UNSETTLED = `#status IN (${Object.keys(OPEN_STATUS_VALUES).join(', ')}) OR paymentState = :authorized`;

function indexedAsUnsettled(session: Pick<ChargingSession, 'status' | 'paymentState'>): boolean {
  return OPEN_SESSION_STATUSES.includes(session.status) || session.paymentState === 'authorized';
}

/** Id tag -> session, as this Lambda instance has found them (bounded). */
const sessionOfIdTag = new Map<string, string>();
const MAX_REMEMBERED_ID_TAGS = 10_000;

function remember(idTag: string, sessionId: string): void {
  if (sessionOfIdTag.size >= MAX_REMEMBERED_ID_TAGS) sessionOfIdTag.clear();
  sessionOfIdTag.set(idTag, sessionId);
}

export class DynamoSessionRepository implements SessionRepository, UnsettledSessions {
  constructor(
    private readonly db: DynamoDBDocumentClient = dynamo(),
    private readonly table = tableName('sessions'),
  ) {}

  async create(session: ChargingSession): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...session, ...(indexedAsUnsettled(session) && { [UNSETTLED]: UNSETTLED_VALUE }) },
        ConditionExpression: 'attribute_not_exists(sessionId)',
      }),
    );
  }

  async get(sessionId: string): Promise<ChargingSession | undefined> {
    return (await getItem(this.db, this.table, { sessionId })) as ChargingSession | undefined;
  }

  async findByIdTag(idTag: string): Promise<ChargingSession | undefined> {
    // An id tag is issued for one session and never changes hands: every meter value of a
    // session asks this, and after the first its session is read by key.
    const known = sessionOfIdTag.get(idTag);
    if (known) return this.get(known);
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'byIdTag',
        KeyConditionExpression: 'idTag = :t',
        ExpressionAttributeValues: { ':t': idTag },
      }),
    );
    const sessionId = Items?.[0]?.sessionId as string | undefined;
    if (sessionId) remember(idTag, sessionId);
    // The index is eventually consistent: read the session itself strongly.
    return sessionId ? this.get(sessionId) : undefined;
  }

  async transition(
    sessionId: string,
    from: readonly SessionStatus[],
    to: SessionStatus,
    at: string,
    fields: Partial<ChargingSession> = {},
  ): Promise<ChargingSession | undefined> {
    const values: Record<string, unknown> = {};
    const allowed = from.map((status, i) => {
      values[`:from${i}`] = status;
      return `:from${i}`;
    });
    return ifConditionHolds(this.set(sessionId, { ...fields, status: to }, at, `#status IN (${allowed.join(', ')})`, values));
  }

  async update(sessionId: string, fields: Partial<ChargingSession>, at: string): Promise<ChargingSession> {
    return this.set(sessionId, fields, at, 'attribute_exists(sessionId)', {});
  }

  async list(query: SessionQuery): Promise<ChargingSession[]> {
    const limit = Math.min(query.limit ?? 100, 1000);
    const range = {
      from: query.from ?? '0000',
      to: query.to ?? '9999',
    };
    const byIndex = query.stationId
      ? { IndexName: 'byStation', key: 'stationId', value: query.stationId }
      : query.siteId
        ? { IndexName: 'bySite', key: 'siteId', value: query.siteId }
        : undefined;
    const found = pages(
      this.db,
      byIndex
        ? {
            query: {
              TableName: this.table,
              IndexName: byIndex.IndexName,
              KeyConditionExpression: '#k = :v AND createdAt BETWEEN :from AND :to',
              ExpressionAttributeNames: { '#k': byIndex.key },
              ExpressionAttributeValues: { ':v': byIndex.value, ':from': range.from, ':to': range.to },
              ScanIndexForward: false,
            },
          }
        : // Operators without a site or station filter: a bounded scan (ops traffic, not drivers').
          {
            scan: {
              TableName: this.table,
              FilterExpression: 'createdAt BETWEEN :from AND :to',
              ExpressionAttributeValues: { ':from': range.from, ':to': range.to },
            },
          },
    );
    let items: ChargingSession[] = [];
    for await (const page of found) {
      items.push(...(page as ChargingSession[]));
      if (items.length >= (byIndex ? limit : 10_000)) break;
    }
    if (byIndex) items = await this.whole(items);
    const filtered = byIndex && query.siteId && query.stationId ? items.filter((s) => s.siteId === query.siteId) : items;
    return filtered.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, limit);
  }

  async listUnsettled(limit = 1000): Promise<ChargingSession[]> {
    const unsettled = pages(this.db, {
      query: {
        TableName: this.table,
        IndexName: 'byUnsettled',
        KeyConditionExpression: '#u = :yes',
        ExpressionAttributeNames: { '#u': UNSETTLED },
        ExpressionAttributeValues: { ':yes': UNSETTLED_VALUE },
        ScanIndexForward: true,
        Limit: limit,
      },
    });
    const items: ChargingSession[] = [];
    for await (const page of unsettled) {
      items.push(...(page as ChargingSession[]));
      if (items.length >= limit) break;
    }
    return this.whole(items.slice(0, limit));
  }

  /** The sessions an index query found (its keys only), read whole. */
  private async whole(found: readonly Pick<ChargingSession, 'sessionId'>[]): Promise<ChargingSession[]> {
    return (await getItems(this.db, this.table, found.map(({ sessionId }) => ({ sessionId })))) as ChargingSession[];
  }

  async reserveRefund(sessionId: string, refundedBefore: number, refund: SessionRefund, at: string): Promise<number | undefined> {
    const reserved = await ifConditionHolds(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { sessionId },
          UpdateExpression: 'SET refundedAmount = :after, refunds = list_append(if_not_exists(refunds, :none), :refund), updatedAt = :at',
          ConditionExpression: refundedBefore === 0 ? 'attribute_not_exists(refundedAmount) OR refundedAmount = :before' : 'refundedAmount = :before',
          ExpressionAttributeValues: {
            ':after': refundedBefore + refund.amount,
            ':before': refundedBefore,
            ':none': [],
            ':refund': [refund],
            ':at': at,
          },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    if (!reserved) return undefined;
    return ((reserved.Attributes?.refunds as unknown[] | undefined)?.length ?? 1) - 1;
  }

  async settleRefund(sessionId: string, index: number, from: RefundState, outcome: RefundSettlement, at: string): Promise<boolean> {
    const item = `refunds[${Number(index)}]`;
    const sets = [`${item}.#state = :to`, 'updatedAt = :at'];
    if (outcome.state !== 'unknown') sets.push(`${item}.settledAt = :at`);
    const values: Record<string, unknown> = { ':to': outcome.state, ':from': from, ':at': at };
    if (outcome.state === 'done' && outcome.payterRefundId !== undefined) {
      sets.push(`${item}.payterRefundId = :id`);
      values[':id'] = outcome.payterRefundId;
    }
    if (outcome.detail !== undefined) {
      sets.push(`${item}.detail = :detail`);
      values[':detail'] = outcome.detail;
    }
    if (outcome.state === 'failed') {
      sets.push('refundedAmount = refundedAmount - :amount');
      values[':amount'] = outcome.amount;
    }
    const settled = await ifConditionHolds(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { sessionId },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: `${item}.#state = :from`,
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: values,
        }),
      ),
    );
    return settled !== undefined;
  }

  private async set(
    sessionId: string,
    fields: Partial<ChargingSession>,
    at: string,
    condition: string,
    conditionValues: Record<string, unknown>,
  ): Promise<ChargingSession> {
    // `#status` is named only where the condition or the update uses it (DynamoDB refuses unused names).
    const names: Record<string, string> = { '#updatedAt': 'updatedAt' };
    if (condition.includes('#status') || 'status' in fields) names['#status'] = 'status';
    const values: Record<string, unknown> = { ...conditionValues, ':at': at };
    const sets = ['#updatedAt = :at'];
    Object.entries(fields).forEach(([key, value], i) => {
      if (key === 'status') {
        values[':status'] = value;
        sets.push('#status = :status');
        return;
      }
      names[`#f${i}`] = key;
      values[`:f${i}`] = value;
      sets.push(`#f${i} = :f${i}`);
    });
    const { Attributes } = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { sessionId },
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    const session = Attributes as ChargingSession & { [UNSETTLED]?: string };
    if ('status' in fields || 'paymentState' in fields) await this.syncUnsettled(session);
    return session;
  }

  /**
   * Sets or removes the index attribute after a change of status or payment. Conditional on
   * the item as it is then, so a concurrent change can never leave it wrong.
   */
  private async syncUnsettled(session: ChargingSession & { [UNSETTLED]?: string }): Promise<void> {
    const unsettled = indexedAsUnsettled(session);
    if (unsettled === (session[UNSETTLED] !== undefined)) return;
    // A failed condition: the item changed meanwhile, and that change synced it.
    await ifConditionHolds(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { sessionId: session.sessionId },
          UpdateExpression: unsettled ? 'SET #u = :yes' : 'REMOVE #u',
          ConditionExpression: unsettled ? IS_UNSETTLED : `NOT (${IS_UNSETTLED})`,
          ExpressionAttributeNames: { '#u': UNSETTLED, '#status': 'status' },
          ExpressionAttributeValues: { ...OPEN_STATUS_VALUES, ':authorized': 'authorized', ...(unsettled && { ':yes': UNSETTLED_VALUE }) },
        }),
      ),
    );
  }
}
