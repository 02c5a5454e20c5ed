import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ConnectorStatus, Station, StationBootInfo } from '../csms/model';
import { connectorStateOf16 } from '../ocpp/v16/connector-states';
import type { StationProvisioning, StationRepository } from '../csms/ports';
import { dynamo, getItem, ifConditionHolds, pages, tableName } from './dynamo';

const PROFILE = 'PROFILE';
const connectorKey = (connectorId: number) => `CONNECTOR#${String(connectorId).padStart(3, '0')}`;
const historyPrefix = (connectorId: number) => `STATUS#${String(connectorId).padStart(3, '0')}#`;
/** Arrival numbers in history keys are zero-padded, so they sort as numbers. */
const ARRIVAL_DIGITS = 12;
/** History keys in UTC, so they sort by time whatever offset the charger wrote. */
const utc = (timestamp: string) => {
  const ms = Date.parse(timestamp);
  return Number.isNaN(ms) ? timestamp : new Date(ms).toISOString();
};

/** Statuses stored before the domain's states carry only the charger's word, all of them OCPP 1.6's. */
const withState = (status: ConnectorStatus): ConnectorStatus => (status.state ? status : { ...status, state: connectorStateOf16(status.status) });

/** Status history entries read a page at a time, newest first: a session's are a handful. */
const HISTORY_PAGE = 16;
/** On a connector's current status: the transaction whose statuses are kept (csms/model.ts `Transaction.statuses`). */
const OPEN_TRANSACTION = 'openTransactionId';

export class DynamoStationRepository implements StationRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient = dynamo(),
    private readonly table = tableName('stations'),
  ) {}

  async get(stationId: string): Promise<Station | undefined> {
    const item = await getItem(this.db, this.table, { stationId, sk: PROFILE });
    if (!item) return undefined;
    const { sk: _sk, ...station } = item;
    return { online: false, ...station } as Station;
  }

  async list(): Promise<Station[]> {
    const stations: Station[] = [];
    const profiles = pages(this.db, {
      scan: { TableName: this.table, FilterExpression: 'sk = :profile', ExpressionAttributeValues: { ':profile': PROFILE } },
    });
    for await (const items of profiles) {
      for (const { sk: _sk, ...station } of items) stations.push({ online: false, ...station } as Station);
    }
    return stations;
  }

  async provision(station: StationProvisioning, now: string): Promise<Station | undefined> {
    const newPassword = station.passwordHash !== undefined;
    const written = await ifConditionHolds(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { stationId: station.stationId, sk: PROFILE },
          UpdateExpression: `SET siteId = :siteId, connectors = :connectors, ${newPassword ? 'passwordHash = :hash, ' : ''}#strict = :strict, protocols = :protocols, ${station.display === undefined ? '' : 'displaySetting = :display, '}updatedAt = :now, createdAt = if_not_exists(createdAt, :now), #online = if_not_exists(#online, :false)${station.display === undefined ? ' REMOVE displaySetting' : ''}`,
          // Keeping the password: only a station that has one.
          ...(!newPassword && { ConditionExpression: 'attribute_exists(passwordHash)' }),
          ExpressionAttributeNames: { '#online': 'online', '#strict': 'strict' },
          ExpressionAttributeValues: {
            ':siteId': station.siteId,
            ':connectors': [...station.connectors],
            ...(newPassword && { ':hash': station.passwordHash }),
            ':strict': station.strict,
            ':protocols': [...station.protocols],
            ...(station.display !== undefined && { ':display': station.display }),
            ':now': now,
            ':false': false,
          },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    if (!written) return undefined;
    const { sk: _sk, ...saved } = written.Attributes ?? {};
    return saved as Station;
  }

  async recordBoot(stationId: string, boot: StationBootInfo): Promise<void> {
    await this.updateProfile(stationId, 'SET #boot = :boot, lastSeenAt = :at', { ':boot': boot, ':at': boot.bootedAt }, { '#boot': 'boot' });
  }

  async recordSeen(stationId: string, at: string): Promise<void> {
    await this.updateProfile(stationId, 'SET lastSeenAt = :at', { ':at': at });
  }

  async recordFirmwareStatus(stationId: string, status: string, at: string): Promise<void> {
    await this.updateProfile(stationId, 'SET firmwareStatus = :s, lastSeenAt = :at', { ':s': status, ':at': at });
  }

  async recordDiagnosticsStatus(stationId: string, status: string, at: string): Promise<void> {
    await this.updateProfile(stationId, 'SET diagnosticsStatus = :s, lastSeenAt = :at', { ':s': status, ':at': at });
  }

  async recordDisplay(stationId: string, display: boolean, at: string): Promise<void> {
    await this.updateProfile(stationId, 'SET #display = :d, lastSeenAt = :at', { ':d': display, ':at': at }, { '#display': 'display' });
  }

  async markConnected(stationId: string, connectionId: string, at: string): Promise<string | undefined> {
    const old = await this.updateProfile(
      stationId,
      'SET connectionId = :c, #online = :true, lastSeenAt = :at',
      { ':c': connectionId, ':true': true, ':at': at },
      { '#online': 'online' },
    );
    return old?.connectionId as string | undefined;
  }

  async markDisconnected(stationId: string, connectionId: string, at: string): Promise<boolean> {
    const marked = await ifConditionHolds(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { stationId, sk: PROFILE },
          UpdateExpression: 'SET #online = :false, disconnectedAt = :at REMOVE connectionId',
          ConditionExpression: 'connectionId = :c',
          ExpressionAttributeNames: { '#online': 'online' },
          ExpressionAttributeValues: { ':false': false, ':at': at, ':c': connectionId },
        }),
      ),
    );
    return marked !== undefined;
  }

  async putConnectorStatus(status: ConnectorStatus): Promise<number | undefined> {
    // The current status and one history entry: two single-item writes (dynalite has no
    // transactions). The first also counts the connector's notifications, so the history entry
    // is keyed by its time and then its arrival: two statuses of the same second keep the
    // order the charger sent them in (a key ending in the status name sorted them by name). A
    // replay repeats the status it follows, which changes no interval.
    const { stationId, ...fields } = status;
    const set = Object.entries(fields).filter(([, value]) => value !== undefined);
    const remove = (['info', 'vendorErrorCode'] as const).filter((name) => status[name] === undefined);
    const { Attributes } = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { stationId, sk: connectorKey(status.connectorId) },
        UpdateExpression: `SET ${set.map(([name]) => `#${name} = :${name}`).join(', ')} ADD arrival :one${remove.length ? ` REMOVE ${remove.map((name) => `#${name}`).join(', ')}` : ''}`,
        ExpressionAttributeNames: Object.fromEntries([...set.map(([name]) => name), ...remove].map((name) => [`#${name}`, name])),
        ExpressionAttributeValues: { ...Object.fromEntries(set.map(([name, value]) => [`:${name}`, value])), ':one': 1 },
        // ALL_NEW: the connector's open transaction comes back with the count, at no extra call.
        ReturnValues: 'ALL_NEW',
      }),
    );
    const arrival = Attributes?.arrival as number;
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...status, arrival, sk: `${historyPrefix(status.connectorId)}${utc(status.timestamp)}#${String(arrival).padStart(ARRIVAL_DIGITS, '0')}` },
      }),
    );
    return Attributes?.[OPEN_TRANSACTION] as number | undefined;
  }

  async openConnectorTransaction(stationId: string, connectorId: number, transactionId: number): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { stationId, sk: connectorKey(connectorId) },
        UpdateExpression: 'SET #t = :t',
        ExpressionAttributeNames: { '#t': OPEN_TRANSACTION },
        ExpressionAttributeValues: { ':t': transactionId },
      }),
    );
  }

  async getConnectorStatuses(stationId: string): Promise<ConnectorStatus[]> {
    return this.querySk(stationId, 'begins_with(sk, :from)', { ':from': 'CONNECTOR#' });
  }

  async listStatusHistory(stationId: string, connectorId: number, since?: string): Promise<ConnectorStatus[]> {
    const prefix = historyPrefix(connectorId);
    if (since === undefined) return this.querySk(stationId, 'begins_with(sk, :from)', { ':from': prefix });
    const from = `${prefix}${utc(since)}`;
    // Everything from `since` on and the status in force then (the newest before it): one
    // query, newest first, that stops at that one (every meter value of a session asks this).
    const newestFirst: ConnectorStatus[] = [];
    const found = pages(this.db, {
      query: {
        TableName: this.table,
        KeyConditionExpression: 'stationId = :s AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':s': stationId, ':from': prefix, ':to': `${prefix}\uffff` },
        ConsistentRead: true,
        ScanIndexForward: false,
        // Pages of a few: the older history (months of it) is never read.
        Limit: HISTORY_PAGE,
      },
    });
    scan: for await (const page of found) {
      for (const { sk, ...item } of page) {
        newestFirst.push(withState(item as ConnectorStatus));
        if ((sk as string) < from) break scan;
      }
    }
    return newestFirst.reverse();
  }

  /** The station's items whose sort key matches, oldest first; or the `newest` few, newest first. */
  private async querySk(
    stationId: string,
    skCondition: string,
    values: Record<string, string>,
    newest?: number,
  ): Promise<ConnectorStatus[]> {
    const items: ConnectorStatus[] = [];
    const found = pages(this.db, {
      query: {
        TableName: this.table,
        KeyConditionExpression: `stationId = :s AND ${skCondition}`,
        ExpressionAttributeValues: { ':s': stationId, ...values },
        ConsistentRead: true,
        ...(newest !== undefined && { ScanIndexForward: false, Limit: newest }),
      },
    });
    for await (const page of found) {
      for (const { sk: _sk, [OPEN_TRANSACTION]: _open, ...item } of page) {
        // A connector whose transaction began before it reported any status has no status yet.
        if (item.status !== undefined) items.push(withState(item as ConnectorStatus));
      }
      if (newest !== undefined) break;
    }
    return items;
  }

  /** Updates an existing profile only: messages of an unprovisioned station never create one. */
  private async updateProfile(
    stationId: string,
    expression: string,
    values: Record<string, unknown>,
    names?: Record<string, string>,
  ): Promise<Record<string, unknown> | undefined> {
    const updated = await ifConditionHolds(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { stationId, sk: PROFILE },
          UpdateExpression: expression,
          ConditionExpression: 'attribute_exists(stationId)',
          ExpressionAttributeValues: values,
          ...(names && { ExpressionAttributeNames: names }),
          // The values the update replaced: markConnected learns the connection it took over from.
          ReturnValues: 'UPDATED_OLD',
        }),
      ),
    );
    return updated?.Attributes;
  }
}
