/**
 * The composition root of the OCPP-facing Lambdas: the domain services wired to DynamoDB,
 * the API Gateway `@connections` API and Step Functions. Built once per Lambda container.
 */
import { ChargingStations } from '../csms/charging-stations';
import { CsmsCalls } from '../csms/csms-calls';
import { type StationLink } from '../csms/ports';
import { systemClock } from '../shared/clock';
import { StationConnections } from '../csms/station-connections';
import { ocpp16 } from '../ocpp/protocol';
import { ocpp16ChargerActions, type ChargerActions } from '../ocpp/v16/charger-actions';
import type { PayterApp } from './payter-app';
import { getIntFromEnv } from '../shared/config';
import { logger } from '../shared/lambda';
import { DynamoConnectionRepository } from './connection-repository';
import { DynamoCallQueueRepository } from './pending-call-repository';
import { DynamoSiteRepository } from './site-repository';
import { DynamoStationRepository } from './station-repository';
import { ApiGatewayStationLink } from './station-link';
import { DynamoTransactionRepository } from './transaction-repository';
import { StepFunctionsSessionWorkflow } from './step-functions-workflow';

export interface CsmsApp {
  readonly stations: DynamoStationRepository;
  readonly connections: DynamoConnectionRepository;
  /** Opening, refusing and closing chargers' connections (one per station). */
  readonly stationConnections: StationConnections;
  /** The `@connections` API: frames to chargers, closing their connections. */
  readonly link: StationLink;
  readonly chargingStations: ChargingStations;
  readonly calls: CsmsCalls;
  /** The OCPP 1.6 actions a charger may call; a 2.0.1 adapter would bring its own set. */
  readonly ocpp16Actions: ChargerActions;
}

let app: CsmsApp | undefined;
let sites: DynamoSiteRepository | undefined;

/**
 * Tells the payment side what a charger reported (reader screens, session workflow signals).
 * Payter being slow or down must never fail the charger's OCPP call, so failures are logged,
 * not thrown. Loaded lazily: the Payter side is built only where a station event needs it.
 */
/** A station found gone (410 or $disconnect): its idle readers stop taking cards. */
export function stationOffline(stationId: string): Promise<void> {
  return withPayter(({ stationReaders }) => stationReaders.stationOffline(stationId));
}

export async function withPayter(act: (app: PayterApp) => Promise<void>): Promise<void> {
  // Functions deployed without the payment side (station-command) leave the readers to the
  // session workflow, whose Release puts them right.
  if (!process.env.PAYTER_API_URL) return;
  try {
    const { payterApp } = await import('./payter-app');
    await act(await payterApp());
  } catch (error) {
    logger.error('payment side not told of a station event', { error: String(error) });
  }
}

export function csmsApp(): CsmsApp {
  if (app) return app;
  const stations = new DynamoStationRepository();
  const transactions = new DynamoTransactionRepository();
  const chargingStations = new ChargingStations({
    stations,
    transactions,
    // Built on first use: only the functions that read charger frames are granted the sites table.
    sites: { get: (siteId) => (sites ??= new DynamoSiteRepository()).get(siteId) },
    clock: systemClock,
    heartbeatIntervalSeconds: getIntFromEnv('HEARTBEAT_INTERVAL_SECONDS', 300),
    onConnectorStatus: (status) => withPayter(({ stationReaders }) => stationReaders.connectorStatus(status)),
    onTransactionEvent: (event) => withPayter(({ sessionEvents }) => sessionEvents.onTransaction(event)),
  });
  const link = new ApiGatewayStationLink();
  const connections = new DynamoConnectionRepository();
  const calls = new CsmsCalls({
    stations,
    queues: new DynamoCallQueueRepository(),
    transactions,
    link,
    workflow: new StepFunctionsSessionWorkflow(),
    encoder: ocpp16,
    clock: systemClock,
    callTimeoutSeconds: getIntFromEnv('CSMS_CALL_TIMEOUT_SECONDS', 30),
    log: logger,
    onStationOffline: stationOffline,
  });
  app = {
    stations,
    connections,
    stationConnections: new StationConnections({ connections, stations, link, clock: systemClock, log: logger }),
    link,
    chargingStations,
    calls,
    ocpp16Actions: ocpp16ChargerActions(chargingStations),
  };
  return app;
}
