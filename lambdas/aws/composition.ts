/**
 * The one composition root of the Lambdas: every domain service wired to DynamoDB, the API
 * Gateway `@connections` API, Step Functions and Payter, each built on first use and then kept
 * for the container's life. A service reads its configuration as it is built, so a function
 * needs exactly the variables of the services it uses (lib/functions.ts declares them;
 * test/cdk/function-environment.test.ts builds each function's services with its environment
 * alone). The services that need a secret from Secrets Manager (the Payter client, the
 * callback URLs) are async.
 *
 * Each service is its own export, a pure-annotated `lazy(...)`, and handlers import by name
 * (`import { chargingStations } from './aws/composition'`, then `chargingStations()`): esbuild
 * drops every service a function does not reach, and with it the SDK clients and domain code
 * only those need (test/bench/bundles.ts measures the bundles).
 */
import { ChargingStations } from '../csms/charging-stations';
import { CsmsCalls } from '../csms/csms-calls';
import type { ConnectionRepository, StationLink, StationRepository, TransactionRepository } from '../csms/ports';
import { OFFLINE_GRACE_MS, ReconnectGrace } from '../csms/reconnect-grace';
import { StationConnections } from '../csms/station-connections';
import { InstallerService } from '../installer/installer-service';
import { MyPayterReconciliation, MyPayterRefundEvidence, MyPayterSync, matchPolicyFromEnv } from '../mypayter/transaction-sync';
import { adapterFor, ocpp16, type SupportedAdapter } from '../ocpp/adapters';
import { ocpp16ChargerActions, type ChargerActions } from '../ocpp/v16/charger-actions';
import { ocpp201ChargerActions, type Ocpp201ChargerActions } from '../ocpp/v201/charger-actions';
import type { PayterClient } from '../payter/cps-client';
import type { CallbackUrls } from '../readers/callback-urls';
import { ReaderCommissioning } from '../readers/commissioning';
import { PayterCallbacks } from '../sessions/payter-callbacks';
import type { ReaderRepository } from '../readers/ports';
import { ReaderDisplay, START_SCREEN_RETRY_DELAYS_MS } from '../readers/reader-display';
import { StationReaders } from '../readers/station-readers';
import { TerminalStates } from '../sessions/terminal-states';
import { ChargerWatch } from '../sessions/charger-watch';
import { holdAgePolicyFromEnv } from '../sessions/open-holds';
import type { SessionRepository, UnsettledSessions } from '../sessions/ports';
import { ScheduledReconciliation } from '../reconciliation/scheduled-reconciliation';
import { chargerCost } from '../sessions/charger-cost';
import { SessionEvents } from '../sessions/session-events';
import { SessionOperations } from '../sessions/session-operations';
import { SessionSteps } from '../sessions/session-steps';
import { SessionSweeper } from '../sessions/session-sweeper';
import { ReceiptEmails } from '../sessions/receipt-email';
import type { SiteRepository } from '../csms/ports';
import type { StoredSite } from '../sites/site-settings';
import { systemClock } from '../shared/clock';
import type { SessionWorkflow } from '../shared/workflow';
import { getIntFromEnv, getIntListFromEnv, getStringFromEnv } from '../shared/config';
import { logger } from '../shared/lambda';
import { METRICS, Metrics, countEvent } from '../shared/metrics';
import { DynamoConnectionRepository } from './connection-repository';
import { dynamo, tableName } from './dynamo';
import { DynamoMyPayterStore } from './mypayter-store';
import { callbackUrls as makeCallbackUrls, myPayterClient, payterClient, refundChannel } from './payter';
import { DynamoCallQueueRepository } from './pending-call-repository';
import { commissionedSerials } from './reader-serials';
import { DynamoReaderRepository } from './reader-repository';
import { DynamoSessionRepository } from './session-repository';
import { DynamoSiteRepository } from './site-repository';
import { ApiGatewayStationLink } from './station-link';
import { DynamoStationRepository } from './station-repository';
import { DynamoTransactionRepository } from './transaction-repository';
import { SesReceiptMailer } from './ses-mailer';
import { StepFunctionsSessionWorkflow } from './step-functions-workflow';

/** 8 days: Payter's commit and cancel retries run 7. */
const DEFAULT_RECONCILIATION_WINDOW_HOURS = 192;

/**
 * A service built on first use and then kept; a build that fails (or rejects) is tried again
 * on the next use. Every call of it is annotated pure, so that an unused service is dropped.
 */
function lazy<T>(build: () => T): () => T {
  let built: { readonly value: T } | undefined;
  return () => {
    if (built) return built.value;
    const value = build();
    built = { value };
    if (value instanceof Promise) value.catch(() => (built = undefined));
    return value;
  };
}

// Stores and outside systems

export const stations = /* @__PURE__ */ lazy((): StationRepository => new DynamoStationRepository());

export const transactions = /* @__PURE__ */ lazy((): TransactionRepository => new DynamoTransactionRepository());

export const connections = /* @__PURE__ */ lazy((): ConnectionRepository => new DynamoConnectionRepository());

export const sites = /* @__PURE__ */ lazy((): SiteRepository<StoredSite> => new DynamoSiteRepository());

export const readers = /* @__PURE__ */ lazy((): ReaderRepository => new DynamoReaderRepository());

export const sessions = /* @__PURE__ */ lazy((): SessionRepository & UnsettledSessions => new DynamoSessionRepository());

/** The `@connections` API: frames to chargers, closing their connections. */
export const link = /* @__PURE__ */ lazy((): StationLink => new ApiGatewayStationLink());

/** The session's Step Functions execution: started, read, and its callback tasks completed. */
export const workflow = /* @__PURE__ */ lazy((): SessionWorkflow => new StepFunctionsSessionWorkflow());

export const payter = /* @__PURE__ */ lazy((): Promise<PayterClient> => payterClient());

export const callbackUrls = /* @__PURE__ */ lazy((): Promise<CallbackUrls> => makeCallbackUrls());

// The charger side

/**
 * What a charger reported, told to the payment side (reader screens, session workflow
 * signals). Payter being slow or down must never fail the charger's OCPP call, so failures
 * are logged, not thrown. A function deployed without the payment side (no PAYTER_API_URL:
 * station-command, station-call-timer) leaves the readers to the session workflow, whose
 * Release puts them right.
 */
const tellPaymentSide = /* @__PURE__ */ lazy(() => {
  const paymentSide = 'PAYTER_API_URL' in process.env;
  return async (act: () => Promise<void>) => {
    if (!paymentSide) return;
    try {
      await act();
    } catch (error) {
      logger.error('payment side not told of a station event', { error: String(error) });
    }
  };
});

export const chargingStations = /* @__PURE__ */ lazy((): ChargingStations => {
  const tell = tellPaymentSide();
  return new ChargingStations({
    stations: stations(),
    transactions: transactions(),
    sites: sites(),
    clock: systemClock,
    heartbeatIntervalSeconds: getIntFromEnv('HEARTBEAT_INTERVAL_SECONDS', 300),
    onConnectorStatus: (status) => tell(async () => (await stationReaders()).connectorStatus(status)),
    onTransactionEvent: (event) => tell(async () => (await sessionEvents()).onTransaction(event)),
    // The cost on the charger's display is a courtesy: a failure to read it never fails the charger's call.
    sessionCost: async (transaction) => {
      try {
        return await chargerCost({ sessions: sessions(), sites: sites(), stations: stations() }, transaction);
      } catch (error) {
        logger.error('session cost for the charger not read', { transactionId: transaction.transactionId, error: String(error) });
        return undefined;
      }
    },
  });
});

/** The actions a charger may call, one set per OCPP version. */
export const ocpp16Actions = /* @__PURE__ */ lazy((): ChargerActions => ocpp16ChargerActions(chargingStations()));
export const ocpp201Actions = /* @__PURE__ */ lazy((): Ocpp201ChargerActions => ocpp201ChargerActions(chargingStations()));

/** A connection's OCPP version never changes: looked up once per connection and Lambda instance. */
const connectionEncoders = new Map<string, SupportedAdapter>();
async function encoderOfConnection(connectionId: string): Promise<SupportedAdapter> {
  const known = connectionEncoders.get(connectionId);
  if (known) return known;
  const connection = await connections().find(connectionId);
  if (!connection) return ocpp16;
  const adapter = adapterFor(connection.subprotocol) ?? ocpp16;
  if (connectionEncoders.size >= 10_000) connectionEncoders.clear();
  connectionEncoders.set(connectionId, adapter);
  return adapter;
}

export const calls = /* @__PURE__ */ lazy((): CsmsCalls => {
  const grace = reconnectGrace();
  return new CsmsCalls({
    stations: stations(),
    queues: new DynamoCallQueueRepository(),
    transactions: transactions(),
    link: link(),
    workflow: workflow(),
    encoder: ocpp16,
    encoderOf: encoderOfConnection,
    clock: systemClock,
    callTimeoutSeconds: getIntFromEnv('CSMS_CALL_TIMEOUT_SECONDS', 30),
    log: logger,
    onStationOffline: (stationId) => grace.wentAway(stationId),
  });
});

/** Opening, refusing and closing chargers' connections (one per station). */
export const stationConnections = /* @__PURE__ */ lazy(
  (): StationConnections => new StationConnections({ connections: connections(), stations: stations(), link: link(), clock: systemClock, log: logger }),
);

/** Stations whose connection went away, until they are back or gone past the grace. */
export const reconnectGrace = /* @__PURE__ */ lazy((): ReconnectGrace => {
  const graceMs = getIntFromEnv('STATION_OFFLINE_GRACE_SECONDS', OFFLINE_GRACE_MS / 1000) * 1000;
  return new ReconnectGrace({ connections: connections(), stations: stations(), clock: systemClock, log: logger, graceMs });
});

/**
 * The station events a handler finds itself, told to the payment side like those of
 * ChargingStations; apart from them, so that a function that only finds stations gone does
 * not bundle the session side.
 */
export const stationEvents = /* @__PURE__ */ lazy(() => {
  const tell = tellPaymentSide();
  return {
    /** A station gone past the reconnect grace: its idle readers stop taking cards. */
    stationOffline: (stationId: string) => tell(async () => (await stationReaders()).stationOffline(stationId)),
  };
});

export const installer = /* @__PURE__ */ lazy((): InstallerService => new InstallerService({ sites: sites(), stations: stations(), clock: systemClock }));

// The payment side

export const display = /* @__PURE__ */ lazy(async (): Promise<ReaderDisplay> => {
  const readerRepository = readers();
  const stationRepository = stations();
  const retryDelaysMs = getIntListFromEnv('READER_RETRY_DELAYS_MS', START_SCREEN_RETRY_DELAYS_MS);
  const [client, urls] = await Promise.all([payter(), callbackUrls()]);
  return new ReaderDisplay({
    payter: client,
    urls,
    readers: readerRepository,
    clock: systemClock,
    retryDelaysMs,
    connectorStates: (stationId) => stationRepository.getConnectorStatuses(stationId),
    onOutOfService: (reader, reason) =>
      countEvent(METRICS.readersOutOfService, 'reader out of service', { serialNumber: reader.serialNumber, stationId: reader.stationId, reason }),
  });
});

/** Asks the charger to stop; the session workflow's own stop path (maximum session time, charger lost) still ends it. */
function stopTransaction(): (stationId: string, transactionId: number) => Promise<void> {
  const csmsCalls = calls();
  return async (stationId, transactionId) => {
    try {
      await csmsCalls.send(stationId, 'RemoteStopTransaction', { transactionId });
    } catch (error) {
      logger.warn('remote stop not sent', { stationId, transactionId, error: String(error) });
    }
  };
}

export const callbacks = /* @__PURE__ */ lazy(async (): Promise<PayterCallbacks> => {
  const wired = { readers: readers(), sessions: sessions(), sites: sites(), stations: stations(), workflow: workflow() };
  const stop = stopTransaction();
  const [readerDisplay, urls] = await Promise.all([display(), callbackUrls()]);
  return new PayterCallbacks({
    ...wired,
    display: readerDisplay,
    urls,
    stopCharging: async (session) => {
      if (session.transactionId !== undefined) await stop(session.stationId, session.transactionId);
    },
    clock: systemClock,
    receiptUrl: receiptUrl(),
  });
});

/** The driver's e-receipt of a session, the address the reader's receipt screen shows as a QR code. */
const receiptUrl = /* @__PURE__ */ lazy((): ((sessionId: string) => string) => {
  const publicBaseUrl = getStringFromEnv('PUBLIC_BASE_URL').replace(/\/+$/, '');
  return (sessionId) => `${publicBaseUrl}/receipts/${sessionId}`;
});

/** The e-receipt page's e-mail form, sent through Amazon SES. */
export const receiptEmails = /* @__PURE__ */ lazy(
  (): ReceiptEmails => new ReceiptEmails({ sessions: sessions(), sites: sites(), mailer: new SesReceiptMailer(), clock: systemClock }),
);

/** Payter's terminal-state web hook. */
export const terminalStates = /* @__PURE__ */ lazy(async (): Promise<TerminalStates> => {
  const wired = { readers: readers(), sessions: sessions(), sites: sites() };
  const [readerDisplay, urls] = await Promise.all([display(), callbackUrls()]);
  return new TerminalStates({ ...wired, display: readerDisplay, urls });
});

export const commissioning = /* @__PURE__ */ lazy(async (): Promise<ReaderCommissioning> => {
  const wired = { readers: readers(), stations: stations(), sites: sites() };
  const [readerDisplay, client] = await Promise.all([display(), payter()]);
  return new ReaderCommissioning({ ...wired, display: readerDisplay, payter: client, clock: systemClock });
});

export const stationReaders = /* @__PURE__ */ lazy(async (): Promise<StationReaders> => {
  const wired = { readers: readers(), sites: sites(), stations: stations() };
  return new StationReaders({ ...wired, display: await display() });
});

export const sessionSteps = /* @__PURE__ */ lazy(async (): Promise<SessionSteps> => {
  const wired = { sessions: sessions(), readers: readers(), sites: sites(), stations: stations(), transactions: transactions(), workflow: workflow() };
  const [client, readerDisplay] = await Promise.all([payter(), display()]);
  return new SessionSteps({
    ...wired,
    payter: client,
    display: readerDisplay,
    clock: systemClock,
    receiptUrl: receiptUrl(),
    log: logger,
    alert: countEvent,
  });
});

export const sessionEvents = /* @__PURE__ */ lazy(async (): Promise<SessionEvents> => {
  const wired = { sessions: sessions(), sites: sites(), stations: stations(), workflow: workflow(), stopTransaction: stopTransaction() };
  return new SessionEvents({ ...wired, display: await display(), clock: systemClock });
});

const myPayterStore = /* @__PURE__ */ lazy((): DynamoMyPayterStore => new DynamoMyPayterStore());

/** Operators' session tools: detail with the execution, remote stop, refunds, reconciliation. */
export const sessionOperations = /* @__PURE__ */ lazy(async (): Promise<SessionOperations> => {
  const wired = { sessions: sessions(), workflow: workflow(), stopTransaction: stopTransaction() };
  const charging = { sites: sites(), stations: stations(), transactions: transactions() };
  const store = myPayterStore();
  const channel = refundChannel();
  const holdPolicy = holdAgePolicyFromEnv();
  return new SessionOperations({
    ...wired,
    payter: await payter(),
    clock: systemClock,
    refundChannel: channel,
    refundEvidence: new MyPayterRefundEvidence({ store, clock: systemClock }),
    holdPolicy,
    charging,
  });
});

/** What the ops API reads of MyPayter: the synced transactions against our sessions (no client, no secret). */
export const myPayterReconciliation = /* @__PURE__ */ lazy(
  (): MyPayterReconciliation => new MyPayterReconciliation({ sessions: sessions(), store: myPayterStore(), policy: matchPolicyFromEnv() }),
);

export const sessionSweeper = /* @__PURE__ */ lazy(async (): Promise<SessionSweeper> => {
  const wired = { sessions: sessions(), workflow: workflow() };
  return new SessionSweeper({ ...wired, steps: await sessionSteps(), clock: systemClock, log: logger });
});

export const chargerWatch = /* @__PURE__ */ lazy(
  (): ChargerWatch =>
    new ChargerWatch({
      sessions: sessions(),
      sites: sites(),
      stations: stations(),
      workflow: workflow(),
      clock: systemClock,
      heartbeatIntervalSeconds: getIntFromEnv('HEARTBEAT_INTERVAL_SECONDS', 300),
      log: logger,
    }),
);

/**
 * The scheduled reconciliation: our sessions and readers (read only), the Payter client, the
 * MyPayter Data API client and its store, and the metrics sink. It reads no execution and
 * stops no charge, so it builds neither.
 */
export const reconciliationJob = /* @__PURE__ */ lazy(async (): Promise<ScheduledReconciliation> => {
  const sessionRepository = sessions();
  const readersTable = tableName('readers');
  const windowHours = getIntFromEnv('RECONCILIATION_WINDOW_HOURS', DEFAULT_RECONCILIATION_WINDOW_HOURS);
  const store = process.env.MYPAYTER_API_URL ? myPayterStore() : undefined;
  const [client, myPayter] = await Promise.all([payter(), myPayterClient()]);
  const operations = new SessionOperations({
    sessions: sessionRepository,
    payter: client,
    clock: systemClock,
    ...(store && { refundEvidence: new MyPayterRefundEvidence({ store, clock: systemClock }) }),
    holdPolicy: holdAgePolicyFromEnv(),
    // It reads no execution.
    workflow: { describe: async () => undefined, history: async () => [] },
    stopTransaction: () => Promise.reject(new Error('the reconciliation job stops no charge')),
  });
  return new ScheduledReconciliation({
    operations,
    readerSerials: () => commissionedSerials(dynamo(), readersTable),
    ...(myPayter &&
      store && {
        myPayter: {
          sync: new MyPayterSync({ client: myPayter, store, clock: systemClock }),
          reconciliation: new MyPayterReconciliation({ sessions: sessionRepository, store, policy: matchPolicyFromEnv() }),
        },
      }),
    metrics: new Metrics(),
    clock: systemClock,
    windowHours,
    log: logger,
  });
});
