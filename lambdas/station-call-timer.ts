/**
 * The station-call timer: moves on the call queues that nothing else moves on, i.e. a call the
 * charger never answered (a stop to send again, the next call's turn), a deadline passing while
 * a station is offline; and closes the connections refused at `$connect` that sent no frame
 * (`$connect` cannot close its own). On AWS an EventBridge rule runs it every minute and it
 * looks every 5 s within that minute (`STATION_CALL_TIMER_PASSES`); locally the runtime runs
 * one pass a second.
 */
import { calls, stationConnections } from './aws/composition';
import { getIntFromEnv } from './shared/config';
import { lambdaHandler, logger } from './shared/lambda';

const PASS_INTERVAL_MS = 5_000;

export const handler = lambdaHandler(async (): Promise<{ stations: number; connectionsClosed: number }> => {
  const passes = getIntFromEnv('STATION_CALL_TIMER_PASSES', 1);
  let stations = 0;
  let connectionsClosed = 0;
  for (let pass = 0; pass < passes; pass++) {
    if (pass > 0) await new Promise((resolve) => setTimeout(resolve, PASS_INTERVAL_MS));
    stations += await calls().runDue();
    connectionsClosed += await stationConnections().closeRefused();
  }
  if (stations > 0) logger.info('station call queues moved on', { stations });
  return { stations, connectionsClosed };
});
