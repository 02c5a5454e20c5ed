/**
 * The one composition root of the Lambdas: every domain service wired to DynamoDB, the API
 * Gateway `@connections` API, Step Functions and Payter, each built on first use and then kept
 * for the container's life. A service reads its configuration as it is built, so a function
 * needs exactly the variables of the services it uses (lib/functions.ts declares them;
 * test/cdk/function-environment.test.ts builds each function's services with its environment
 * alone). Handlers reach services only as `app.<service>`; the services that need a secret
 * from Secrets Manager (the Payter client, the callback URLs) are async.
 */
import { ChargingStations } from '../csms/charging-stations';
import { CsmsCalls } from '../csms/csms-calls';
import type { ConnectionRepository, StationLink, StationRepository, TransactionRepository } from '../csms/ports';
import { OFFLINE_GRACE_MS, ReconnectGrace } from '../csms/reconnect-grace';
import { StationConnections } from '../csms/station-connections';
import { InstallerService } from '../installer/installer-service';
import { MyPayterReconciliation, MyPayterRefundEvidence, MyPayterSync, matchPolicyFromEnv } from '../mypayter/transaction-sync';
import { ocpp16 } from '../ocpp/adapters';
import { ocpp16ChargerActions, type ChargerActions } from '../ocpp/v16/charger-actions';
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
import { SessionEvents } from '../sessions/session-events';
import { SessionOperations } from '../sessions/session-operations';
import { SessionSteps } from '../sessions/session-steps';
import { SessionSweeper } from '../sessions/session-sweeper';
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
import { callbackUrls, myPayterClient, payterClient, refundChannel } from './payter';
import { DynamoCallQueueRepository } from './pending-call-repository';
import { commissionedSerials } from './reader-serials';
import { DynamoReaderRepository } from './reader-repository';
import { DynamoSessionRepository } from './session-repository';
import { DynamoSiteRepository } from './site-repository';
import { ApiGatewayStationLink } from './station-link';
import { DynamoStationRepository } from './station-repository';
import { DynamoTransactionRepository } from './transaction-repository';
import { StepFunctionsSessionWorkflow } from './step-functions-workflow';

/** 8 days: Payter's commit and cancel retries run 7. */
const DEFAULT_RECONCILIATION_WINDOW_HOURS = 192;

export class Composition {
  private readonly built = new Map<string, unknown>();

  /** Builds `key` once; a build that fails (or rejects) is tried again on the next use. */
  private once<T>(key: string, build: () => T): T {
    if (this.built.has(key)) return this.built.get(key) as T;
    const value = build();
    this.built.set(key, value);
    if (value instanceof Promise) value.catch(() => this.built.delete(key));
    return value;
  }

  // Stores and outside systems

  get stations(): StationRepository {
    return this.once('stations', () => new DynamoStationRepository());
  }

  get transactions(): TransactionRepository {
    return this.once('transactions', () => new DynamoTransactionRepository());
  }

  get connections(): ConnectionRepository {
    return this.once('connections', () => new DynamoConnectionRepository());
  }

  get sites(): SiteRepository<StoredSite> {
    return this.once('sites', () => new DynamoSiteRepository());
  }

  get readers(): ReaderRepository {
    return this.once('readers', () => new DynamoReaderRepository());
  }

  get sessions(): SessionRepository & UnsettledSessions {
    return this.once('sessions', () => new DynamoSessionRepository());
  }

  /** The `@connections` API: frames to chargers, closing their connections. */
  get link(): StationLink {
    return this.once('link', () => new ApiGatewayStationLink());
  }

  /** The session's Step Functions execution: started, read, and its callback tasks completed. */
  get workflow(): SessionWorkflow {
    return this.once('workflow', () => new StepFunctionsSessionWorkflow());
  }

  payter(): Promise<PayterClient> {
    return this.once('payter', () => payterClient());
  }

  callbackUrls(): Promise<CallbackUrls> {
    return this.once('callbackUrls', () => callbackUrls());
  }

  // The charger side

  get chargingStations(): ChargingStations {
    return this.once('chargingStations', () => {
      const events = this.stationEvents;
      return new ChargingStations({
        stations: this.stations,
        transactions: this.transactions,
        sites: this.sites,
        clock: systemClock,
        heartbeatIntervalSeconds: getIntFromEnv('HEARTBEAT_INTERVAL_SECONDS', 300),
        onConnectorStatus: (status) => events.connectorStatus(status),
        onTransactionEvent: (event) => events.transaction(event),
      });
    });
  }

  /** The OCPP 1.6 actions a charger may call; a 2.0.1 adapter would bring its own set. */
  get ocpp16Actions(): ChargerActions {
    return this.once('ocpp16Actions', () => ocpp16ChargerActions(this.chargingStations));
  }

  get calls(): CsmsCalls {
    return this.once('calls', () => {
      const grace = this.reconnectGrace;
      return new CsmsCalls({
        stations: this.stations,
        queues: new DynamoCallQueueRepository(),
        transactions: this.transactions,
        link: this.link,
        workflow: this.workflow,
        encoder: ocpp16,
        clock: systemClock,
        callTimeoutSeconds: getIntFromEnv('CSMS_CALL_TIMEOUT_SECONDS', 30),
        log: logger,
        onStationOffline: (stationId) => grace.wentAway(stationId),
      });
    });
  }

  /** Opening, refusing and closing chargers' connections (one per station). */
  get stationConnections(): StationConnections {
    return this.once(
      'stationConnections',
      () => new StationConnections({ connections: this.connections, stations: this.stations, link: this.link, clock: systemClock, log: logger }),
    );
  }

  /** Stations whose connection went away, until they are back or gone past the grace. */
  get reconnectGrace(): ReconnectGrace {
    return this.once('reconnectGrace', () => {
      const graceMs = getIntFromEnv('STATION_OFFLINE_GRACE_SECONDS', OFFLINE_GRACE_MS / 1000) * 1000;
      return new ReconnectGrace({ connections: this.connections, stations: this.stations, clock: systemClock, log: logger, graceMs });
    });
  }

  /**
   * What a charger reported, told to the payment side (reader screens, session workflow
   * signals). Payter being slow or down must never fail the charger's OCPP call, so failures
   * are logged, not thrown. A function deployed without the payment side (no PAYTER_API_URL:
   * station-command, station-call-timer) leaves the readers to the session workflow, whose
   * Release puts them right.
   */
  get stationEvents() {
    return this.once('stationEvents', () => {
      const paymentSide = 'PAYTER_API_URL' in process.env;
      const tell = async (act: () => Promise<void>) => {
        if (!paymentSide) return;
        try {
          await act();
        } catch (error) {
          logger.error('payment side not told of a station event', { error: String(error) });
        }
      };
      return {
        connectorStatus: (status: Parameters<StationReaders['connectorStatus']>[0]) =>
          tell(async () => (await this.stationReaders()).connectorStatus(status)),
        transaction: (event: Parameters<SessionEvents['onTransaction']>[0]) => tell(async () => (await this.sessionEvents()).onTransaction(event)),
        /** A station gone past the reconnect grace: its idle readers stop taking cards. */
        stationOffline: (stationId: string) => tell(async () => (await this.stationReaders()).stationOffline(stationId)),
      };
    });
  }

  get installer(): InstallerService {
    return this.once('installer', () => new InstallerService({ sites: this.sites, stations: this.stations, clock: systemClock }));
  }

  // The payment side

  display(): Promise<ReaderDisplay> {
    return this.once('display', async () => {
      const { readers } = this;
      const retryDelaysMs = getIntListFromEnv('READER_RETRY_DELAYS_MS', START_SCREEN_RETRY_DELAYS_MS);
      const [payter, urls] = await Promise.all([this.payter(), this.callbackUrls()]);
      return new ReaderDisplay({
        payter,
        urls,
        readers,
        clock: systemClock,
        retryDelaysMs,
        onOutOfService: (reader, reason) =>
          countEvent(METRICS.readersOutOfService, 'reader out of service', { serialNumber: reader.serialNumber, stationId: reader.stationId, reason }),
      });
    });
  }

  /** Asks the charger to stop; the session workflow's own stop path (maximum session time, charger lost) still ends it. */
  private get stopTransaction(): (stationId: string, transactionId: number) => Promise<void> {
    const { calls } = this;
    return async (stationId, transactionId) => {
      try {
        await calls.send(stationId, 'RemoteStopTransaction', { transactionId });
      } catch (error) {
        logger.warn('remote stop not sent', { stationId, transactionId, error: String(error) });
      }
    };
  }

  callbacks(): Promise<PayterCallbacks> {
    return this.once('callbacks', async () => {
      const { readers, sessions, sites, stations, workflow, stopTransaction } = this;
      const [display, urls] = await Promise.all([this.display(), this.callbackUrls()]);
      return new PayterCallbacks({
        readers,
        sessions,
        sites,
        stations,
        display,
        urls,
        workflow,
        stopCharging: async (session) => {
          if (session.transactionId !== undefined) await stopTransaction(session.stationId, session.transactionId);
        },
        clock: systemClock,
      });
    });
  }

  /** Payter's terminal-state web hook. */
  terminalStates(): Promise<TerminalStates> {
    return this.once('terminalStates', async () => {
      const { readers, sessions, sites } = this;
      const [display, urls] = await Promise.all([this.display(), this.callbackUrls()]);
      return new TerminalStates({ readers, sessions, sites, display, urls });
    });
  }

  commissioning(): Promise<ReaderCommissioning> {
    return this.once('commissioning', async () => {
      const { readers, stations, sites } = this;
      const [display, payter] = await Promise.all([this.display(), this.payter()]);
      return new ReaderCommissioning({ readers, stations, sites, display, payter, clock: systemClock });
    });
  }

  stationReaders(): Promise<StationReaders> {
    return this.once('stationReaders', async () => {
      const { readers, sites, stations } = this;
      return new StationReaders({ readers, sites, stations, display: await this.display() });
    });
  }

  sessionSteps(): Promise<SessionSteps> {
    return this.once('sessionSteps', async () => {
      const { sessions, readers, sites, stations, transactions, workflow } = this;
      const publicBaseUrl = getStringFromEnv('PUBLIC_BASE_URL').replace(/\/+$/, '');
      const [payter, display] = await Promise.all([this.payter(), this.display()]);
      return new SessionSteps({
        sessions,
        readers,
        sites,
        stations,
        transactions,
        payter,
        display,
        workflow,
        clock: systemClock,
        receiptUrl: (sessionId) => `${publicBaseUrl}/receipts/${sessionId}`,
        log: logger,
        alert: countEvent,
      });
    });
  }

  sessionEvents(): Promise<SessionEvents> {
    return this.once('sessionEvents', async () => {
      const { sessions, readers, sites, stations, workflow, stopTransaction } = this;
      return new SessionEvents({ sessions, readers, sites, stations, display: await this.display(), workflow, stopTransaction, clock: systemClock });
    });
  }

  private get myPayterStore(): DynamoMyPayterStore {
    return this.once('myPayterStore', () => new DynamoMyPayterStore());
  }

  /** Operators' session tools: detail with the execution, remote stop, refunds, reconciliation. */
  sessionOperations(): Promise<SessionOperations> {
    return this.once('sessionOperations', async () => {
      const { sessions, workflow, stopTransaction, sites, stations, transactions, myPayterStore } = this;
      const channel = refundChannel();
      const holdPolicy = holdAgePolicyFromEnv();
      return new SessionOperations({
        sessions,
        workflow,
        payter: await this.payter(),
        stopTransaction,
        clock: systemClock,
        refundChannel: channel,
        refundEvidence: new MyPayterRefundEvidence({ store: myPayterStore, clock: systemClock }),
        holdPolicy,
        charging: { sites, stations, transactions },
      });
    });
  }

  /** What the ops API reads of MyPayter: the synced transactions against our sessions (no client, no secret). */
  get myPayterReconciliation(): MyPayterReconciliation {
    return this.once('myPayterReconciliation', () => new MyPayterReconciliation({ sessions: this.sessions, store: this.myPayterStore, policy: matchPolicyFromEnv() }));
  }

  sessionSweeper(): Promise<SessionSweeper> {
    return this.once('sessionSweeper', async () => {
      const { sessions, workflow } = this;
      return new SessionSweeper({ sessions, workflow, steps: await this.sessionSteps(), clock: systemClock, log: logger });
    });
  }

  get chargerWatch(): ChargerWatch {
    return this.once(
      'chargerWatch',
      () =>
        new ChargerWatch({
          sessions: this.sessions,
          sites: this.sites,
          stations: this.stations,
          workflow: this.workflow,
          clock: systemClock,
          heartbeatIntervalSeconds: getIntFromEnv('HEARTBEAT_INTERVAL_SECONDS', 300),
          log: logger,
        }),
    );
  }

  /**
   * The scheduled reconciliation: our sessions and readers (read only), the Payter client, the
   * MyPayter Data API client and its store, and the metrics sink. It reads no execution and
   * stops no charge, so it builds neither.
   */
  reconciliationJob(): Promise<ScheduledReconciliation> {
    return this.once('reconciliationJob', async () => {
      const { sessions } = this;
      const readersTable = tableName('readers');
      const windowHours = getIntFromEnv('RECONCILIATION_WINDOW_HOURS', DEFAULT_RECONCILIATION_WINDOW_HOURS);
      const store = process.env.MYPAYTER_API_URL ? this.myPayterStore : undefined;
      const [payter, myPayter] = await Promise.all([this.payter(), myPayterClient()]);
      const operations = new SessionOperations({
        sessions,
        payter,
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
              reconciliation: new MyPayterReconciliation({ sessions, store, policy: matchPolicyFromEnv() }),
            },
          }),
        metrics: new Metrics(),
        clock: systemClock,
        windowHours,
        log: logger,
      });
    });
  }
}

/** The container's services. */
export const app = new Composition();
