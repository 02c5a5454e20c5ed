/**
 * The station-call timer: moves on the call queues that nothing else moves on, i.e. a call the
 * charger never answered (a stop to send again, the next call's turn), a deadline passing while
 * a station is offline; and closes the connections refused at `$connect` that sent no frame
 * (`$connect` cannot close its own); and puts out of order the idle readers of stations that
 * went away and did not come back within the grace. On AWS an EventBridge rule runs it every
 * minute; within that minute it looks again (at most every 5 s, `STATION_CALL_TIMER_PASSES`
 * passes) only while a queue falls due or a refused connection waits, so an idle fleet pays for
 * one short pass a minute instead of a minute of waiting. A queue that falls due after it
 * returned waits for the next minute's run. Locally the runtime runs one pass a second.
 */
import { calls, reconnectGrace, stationConnections, stationEvents } from './aws/composition';
import { getIntFromEnv } from './shared/config';
import { lambdaHandler, logger } from './shared/lambda';

const PASS_INTERVAL_MS = 5_000;

export const handler = lambdaHandler(async (): Promise<{ stations: number; connectionsClosed: number; passes: number }> => {
  const lastPassBy = Date.now() + (getIntFromEnv('STATION_CALL_TIMER_PASSES', 1) - 1) * PASS_INTERVAL_MS;
  let stations = 0;
  let connectionsClosed = 0;
  let passes = 0;
  for (;;) {
    passes += 1;
    stations += await calls().runDue();
    connectionsClosed += await stationConnections().closeRefused();
    for (const stationId of await reconnectGrace().gonePastGrace()) await stationEvents().stationOffline(stationId);
    const next = await nextPassAt(lastPassBy);
    if (next === undefined) break;
    await new Promise((resolve) => setTimeout(resolve, next - Date.now()));
  }
  if (stations > 0) logger.info('station call queues moved on', { stations });
  return { stations, connectionsClosed, passes };
});

/** When to look again within this run, or undefined when nothing falls due before its last pass. */
async function nextPassAt(lastPassBy: number): Promise<number | undefined> {
  const soonest = Date.now() + PASS_INTERVAL_MS;
  if (soonest > lastPassBy) return undefined;
  if (await stationConnections().refusedWaiting()) return soonest;
  const due = await calls().nextDue(new Date(lastPassBy));
  return due === undefined ? undefined : Math.max(soonest, due.getTime());
}
