/**
 * The composition root of the payment side (Payter callbacks, reader commissioning, the session
 * workflow's steps and events, operators' session tools): readers and sessions wired to
 * DynamoDB, Step Functions, the OCPP link and the Payter client. Built once per container.
 */
import { systemClock } from '../shared/clock';
import { ReaderCommissioning } from '../readers/commissioning';
import { PayterCallbacks } from '../readers/payter-callbacks';
import { ReaderDisplay, START_SCREEN_RETRY_DELAYS_MS } from '../readers/reader-display';
import { StationReaders } from '../readers/station-readers';
import { SessionEvents } from '../sessions/session-events';
import { SessionSteps } from '../sessions/session-steps';
import { SessionOperations } from '../sessions/session-operations';
import { holdAgePolicyFromEnv } from '../sessions/open-holds';
import { SessionSweeper } from '../sessions/session-sweeper';
import { ChargerWatch } from '../sessions/charger-watch';
import { MyPayterRefundEvidence } from '../mypayter/transaction-sync';
import { DynamoMyPayterStore } from './mypayter-store';
import { getIntFromEnv, getIntListFromEnv, getStringFromEnv } from '../shared/config';
import { DynamoTransactionRepository } from './transaction-repository';
import { csmsApp } from './csms-app';
import { callbackUrls, payterClient, refundChannel } from './payter';
import { DynamoReaderRepository } from './reader-repository';
import { DynamoSessionRepository } from './session-repository';
import { StepFunctionsSessionWorkflow } from './step-functions-workflow';
import { DynamoSiteRepository } from './site-repository';
import { logger } from '../shared/lambda';
import { METRICS, countEvent } from '../shared/metrics';

export interface PayterApp {
  readonly callbacks: PayterCallbacks;
  readonly commissioning: ReaderCommissioning;
  readonly display: ReaderDisplay;
  readonly stationReaders: StationReaders;
  readonly sessionSteps: SessionSteps;
  readonly sessionEvents: SessionEvents;
  readonly sessionOperations: SessionOperations;
  readonly sessionSweeper: SessionSweeper;
  readonly chargerWatch: ChargerWatch;
  readonly readers: DynamoReaderRepository;
  readonly sites: DynamoSiteRepository;
}

let app: Promise<PayterApp> | undefined;

export function payterApp(): Promise<PayterApp> {
  app ??= build().catch((error: unknown) => {
    app = undefined;
    throw error;
  });
  return app;
}

async function build(): Promise<PayterApp> {
  const [payter, urls] = await Promise.all([payterClient(), callbackUrls()]);
  const readers = new DynamoReaderRepository();
  const sites = new DynamoSiteRepository();
  const csms = csmsApp();
  const display = new ReaderDisplay({
    payter,
    urls,
    readers,
    clock: systemClock,
    retryDelaysMs: getIntListFromEnv('READER_RETRY_DELAYS_MS', START_SCREEN_RETRY_DELAYS_MS),
    onOutOfService: (reader, reason) =>
      countEvent(METRICS.readersOutOfService, 'reader out of service', { serialNumber: reader.serialNumber, stationId: reader.stationId, reason }),
  });
  const sessions = new DynamoSessionRepository();
  const workflow = new StepFunctionsSessionWorkflow();
  const stopTransaction = async (stationId: string, transactionId: number) => {
    try {
      await csms.calls.send(stationId, 'RemoteStopTransaction', { transactionId });
    } catch (error) {
      // The session workflow's own stop path (maximum session time, charger lost) still ends it.
      logger.warn('remote stop not sent', { stationId, transactionId, error: String(error) });
    }
  };
  const callbacks = new PayterCallbacks({
    readers,
    sessions,
    sites,
    stations: csms.stations,
    display,
    urls,
    workflow,
    stopCharging: async (session) => {
      if (session.transactionId !== undefined) await stopTransaction(session.stationId, session.transactionId);
    },
    clock: systemClock,
  });
  const commissioning = new ReaderCommissioning({
    readers,
    stations: csms.stations,
    sites,
    display,
    payter,
    clock: systemClock,
  });
  const stationReaders = new StationReaders({ readers, sites, stations: csms.stations, display });
  const publicBaseUrl = getStringFromEnv('PUBLIC_BASE_URL').replace(/\/+$/, '');
  const transactions = new DynamoTransactionRepository();
  const sessionSteps = new SessionSteps({
    sessions,
    readers,
    sites,
    stations: csms.stations,
    transactions,
    payter,
    display,
    workflow,
    clock: systemClock,
    receiptUrl: (sessionId) => `${publicBaseUrl}/receipts/${sessionId}`,
    log: logger,
    alert: countEvent,
  });
  const sessionEvents = new SessionEvents({
    sessions,
    readers,
    sites,
    stations: csms.stations,
    display,
    workflow,
    stopTransaction,
    clock: systemClock,
  });
  // Built on first use: only the ops and sweeper Lambdas read executions.
  let operations: SessionOperations | undefined;
  let sweeper: SessionSweeper | undefined;
  let watch: ChargerWatch | undefined;
  return {
    callbacks,
    commissioning,
    display,
    stationReaders,
    sessionSteps,
    sessionEvents,
    get sessionOperations() {
      operations ??= new SessionOperations({
        sessions,
        workflow,
        payter,
        stopTransaction,
        clock: systemClock,
        refundChannel: refundChannel(),
        refundEvidence: new MyPayterRefundEvidence({ store: new DynamoMyPayterStore(), clock: systemClock }),
        holdPolicy: holdAgePolicyFromEnv(),
        charging: { sites, stations: csms.stations, transactions },
      });
      return operations;
    },
    get sessionSweeper() {
      sweeper ??= new SessionSweeper({
        sessions,
        workflow,
        steps: sessionSteps,
        clock: systemClock,
        log: logger,
      });
      return sweeper;
    },
    get chargerWatch() {
      watch ??= new ChargerWatch({
        sessions,
        sites,
        stations: csms.stations,
        workflow,
        clock: systemClock,
        heartbeatIntervalSeconds: getIntFromEnv('HEARTBEAT_INTERVAL_SECONDS', 300),
        log: logger,
      });
      return watch;
    },
    readers,
    sites,
  };
}
