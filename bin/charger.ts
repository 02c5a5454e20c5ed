/**
 * A simulated charger for `npm run serve`, so a newcomer can run a paid session without
 * hardware: `npx tsx bin/charger.ts <stationId> <password>`. It is the demo's charger (a real
 * OCPP 1.6J peer): it accepts every remote start and stop, and each transaction reports
 * docs/pricing.md's worked example (one hour, 12.345 kWh, 15 minutes of SuspendedEV). Like a
 * real charger it heartbeats at the interval BootNotification hands it (API Gateway, and the
 * local gateway, close a socket idle for 10 minutes) and reconnects when the socket closes.
 * `OCPP_URL` overrides the endpoint (default: ws://127.0.0.1:$OCPP_WS_PORT/ocpp, port 9000).
 */
import { SimulatedCharger, workedExample } from '../lib/local/simulated-charger';

const [stationId, password] = process.argv.slice(2);
if (!stationId || !password) {
  console.error('usage: npx tsx bin/charger.ts <stationId> <password>   (OCPP_URL or OCPP_WS_PORT name the endpoint)');
  process.exit(2);
}
const ocppUrl = process.env.OCPP_URL ?? `ws://127.0.0.1:${process.env.OCPP_WS_PORT || 9000}/ocpp`;
const say = (what: string) => console.log(`charger ${stationId}: ${what}`);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let example = workedExample(Date.now() - 3_600_000);
const charger = new SimulatedCharger(ocppUrl, stationId, password, example.script);
await charger.connect();
say(`connected to ${ocppUrl}/${stationId}, BootNotification accepted, connector 1 Available`);

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
      await charger.status(1, charger.transactionId !== undefined && !charger.stopped ? 'Charging' : 'Available');
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
  say(`RemoteStartTransaction accepted, transaction ${charger.transactionId} started`);
  await example.pauseCar(charger);
  say('the car paused 15 minutes (SuspendedEV); tap the same card again to stop');
  while (!charger.stopped) await pause(200);
  say('RemoteStopTransaction accepted, StopTransaction sent (12345 Wh, one hour)');
  // The next remote start gets a fresh worked example.
  example = workedExample(Date.now() - 3_600_000);
  charger.nextTransaction();
  charger.setScript(example.script);
}
