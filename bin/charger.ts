/**
 * A simulated charger for `npm run serve`, so a newcomer can run a paid session without
 * hardware: `npx tsx bin/charger.ts <stationId> <password> [--ocpp 2.0.1]`. It is the demo's
 * charger (a real OCPP 1.6J peer, or 2.0.1 with `--ocpp 2.0.1`): it accepts every remote start and stop, and each transaction reports
 * docs/pricing.md's worked example (one hour, 12.345 kWh, 15 minutes of SuspendedEV). Like a
 * real charger it heartbeats at the interval BootNotification hands it (API Gateway, and the
 * local gateway, close a socket idle for 10 minutes) and reconnects when the socket closes.
 * `OCPP_URL` overrides the endpoint (default: ws://127.0.0.1:$OCPP_WS_PORT/ocpp, port 9000).
 */
import { SimulatedCharger, ocppVersionArgument, workedExample, type OcppVersion } from '../lib/local/simulated-charger';

const [stationId, password] = process.argv.slice(2);
let ocpp: OcppVersion = '1.6';
try {
  ocpp = ocppVersionArgument(process.argv.slice(4));
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
if (!stationId || !password || stationId.startsWith('--') || password.startsWith('--')) {
  console.error('usage: npx tsx bin/charger.ts <stationId> <password> [--ocpp 2.0.1]   (OCPP_URL or OCPP_WS_PORT name the endpoint)');
  process.exit(2);
}
const ocppUrl = process.env.OCPP_URL ?? `ws://127.0.0.1:${process.env.OCPP_WS_PORT || 9000}/ocpp`;
const say = (what: string) => console.log(`charger ${stationId}: ${what}`);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let example = workedExample(Date.now() - 3_600_000);
const charger = new SimulatedCharger(ocppUrl, stationId, password, example.script, ocpp);
await charger.connect();
say(`connected to ${ocppUrl}/${stationId} (OCPP ${ocpp}), BootNotification accepted, connector 1 Available`);

setInterval(() => void charger.client.call('Heartbeat', {}).catch(() => undefined), (charger.heartbeatIntervalSeconds ?? 300) * 1000);
charger.client.on('close', () => void reconnect());

let reconnecting = false;
async function reconnect(): Promise<void> {
  if (reconnecting) return;
  reconnecting = true;
  say('connection closed; reconnecting');
  for (;;) {
    await pause(1000);
    try {
      await charger.client.connect();
      await charger.reportConnector();
      say('reconnected');
      reconnecting = false;
      return;
    } catch (error) {
      say(`reconnect failed (${(error as Error).message}); trying again`);
    }
  }
}

for (;;) {
  while (charger.transactionId === undefined) await pause(200);
  say(`${ocpp === '1.6' ? 'RemoteStartTransaction' : 'RequestStartTransaction'} accepted, transaction ${charger.transactionId} started`);
  await example.pauseCar(charger);
  say('the car paused 15 minutes (SuspendedEV); tap the same card again to stop');
  while (!charger.stopped) await pause(200);
  say(`${ocpp === '1.6' ? 'RemoteStopTransaction accepted, StopTransaction' : 'RequestStopTransaction accepted, TransactionEvent Ended'} sent (12345 Wh, one hour)`);
  // The next remote start gets a fresh worked example.
  example = workedExample(Date.now() - 3_600_000);
  charger.nextTransaction();
  charger.setScript(example.script);
}
