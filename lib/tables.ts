/**
 * The DynamoDB tables of the CSMS, described once: the CDK stack creates them in AWS and the
 * local runtime creates the same keys in dynalite, so the repositories see one schema.
 * `envVar` is the variable through which a Lambda learns the table's name.
 */
export interface TableSpec {
  readonly id: string;
  readonly envVar: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
  readonly timeToLiveAttribute?: string;
  readonly globalIndexes?: readonly { name: string; partitionKey: string; sortKey?: string }[];
}

/**
 * Every global index holds only the keys: a query finds the items, which are then read by key
 * (strongly). An index projecting every attribute is written again on each change of any of
 * them, a session's running total every meter value included, and costs a write unit each time.
 */
export const INDEX_PROJECTION = 'KEYS_ONLY';

export const TABLES = {
  /** Sites: pricing, tax, hold, revenue share, language (docs/pricing.md "A site's settings"). */
  sites: { id: 'Sites', envVar: 'SITES_TABLE', partitionKey: 'siteId' },
  /**
   * Stations: `PROFILE` (site, connectors, password hash, boot data, connection state),
   * `CONNECTOR#n` (current status), `STATUS#n#<time>#<id>` (status history).
   */
  stations: { id: 'Stations', envVar: 'STATIONS_TABLE', partitionKey: 'stationId', sortKey: 'sk' },
  /** WebSocket connection id -> station id, written on $connect, removed on $disconnect. */
  connections: {
    id: 'Connections',
    envVar: 'CONNECTIONS_TABLE',
    partitionKey: 'connectionId',
    timeToLiveAttribute: 'expiresAt',
  },
  /**
   * OCPP transactions: `TX#<id>`/`TX` (the transaction), `TX#<id>`/`METER#...` (meter values),
   * `START#<station>#<connector>#<timestamp>`/`START` (replay guard), `COUNTER`/`TX` (id allocator).
   */
  transactions: { id: 'Transactions', envVar: 'TRANSACTIONS_TABLE', partitionKey: 'pk', sortKey: 'sk' },
  /**
   * Each station's queue of CSMS-to-charger CALLs, one item per station (one in flight, OCPP
   * 1.6 section 4.1.1; lambdas/csms/call-queue.ts). `byDue` is sparse: only queues that need
   * looking at by `dueAt` (a timeout, a deadline) are in it, for the station-call timer.
   */
  pendingCalls: {
    id: 'PendingCalls',
    envVar: 'PENDING_CALLS_TABLE',
    partitionKey: 'stationId',
    timeToLiveAttribute: 'ttl',
    globalIndexes: [{ name: 'byDue', partitionKey: 'due', sortKey: 'dueAt' }],
  },
  /**
   * Payter readers commissioned to stations: the station and connectors served, the current
   * card reading (its callback URL's capability token is an HMAC of it, never stored), the
   * active session, the last screen, and whether Payter keeps it out of service.
   */
  readers: {
    id: 'Readers',
    envVar: 'READERS_TABLE',
    partitionKey: 'serialNumber',
    globalIndexes: [
      // No longer read (a kiosk serves several stations): kept until a deploy may drop it, one index change per deploy.
      { name: 'byStation', partitionKey: 'stationId' },
      // The readers of a site: those serving a station are among them.
      { name: 'bySite', partitionKey: 'siteId' },
    ],
  },
  /** Charging-payment sessions, one per Step Functions execution (named after `sessionId`). */
  sessions: {
    id: 'Sessions',
    envVar: 'SESSIONS_TABLE',
    partitionKey: 'sessionId',
    globalIndexes: [
      { name: 'byStation', partitionKey: 'stationId', sortKey: 'createdAt' },
      { name: 'bySite', partitionKey: 'siteId', sortKey: 'createdAt' },
      // The charger reports the session's id tag in StartTransaction: how a transaction finds its session.
      { name: 'byIdTag', partitionKey: 'idTag' },
      // Sparse: only sessions with an open status or an authorized hold, for the session sweeper.
      { name: 'byUnsettled', partitionKey: 'unsettled', sortKey: 'createdAt' },
    ],
  },
  /** Powertools idempotency records for handlers that move state (attribute names are its defaults). */
  idempotency: {
    id: 'Idempotency',
    envVar: 'IDEMPOTENCY_TABLE',
    partitionKey: 'id',
    timeToLiveAttribute: 'expiration',
  },
  /**
   * MyPayter sync: `CURSOR`/`transactions` (where the incremental read resumes, when it last
   * caught up) and `TX#<day>`/`<transactionTime>#<transactionId>` (each transaction read from
   * the Data API, by the UTC day of its time).
   */
  myPayter: { id: 'MyPayterSync', envVar: 'MYPAYTER_TABLE', partitionKey: 'pk', sortKey: 'sk' },
} as const satisfies Record<string, TableSpec>;

export type TableName = keyof typeof TABLES;
