/**
 * `npm start`'s demonstration: a site, a charger and a Payter reader are set up through the
 * installer API exactly as an installer would, then one paid session runs end to end (the
 * simulated charger is a real OCPP 1.6J or 2.0.1 peer, the reader is the Payter simulator), and its timeline
 * is printed as it happens: workflow states, reader screens, OCPP calls, money.
 */
import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DEFAULT_OPS_TOKEN, type LocalRuntime } from './runtime';
import { SimulatedCharger, subprotocolOf, workedExample, type OcppVersion } from './simulated-charger';

/** docs/pricing.md's example site. */
export const DEMO_SITE = {
  name: 'Main St Garage',
  currency: 'USD',
  language: 'en',
  holdAmount: 5000,
  tariff: { sessionFee: 100, energyPerKwh: '35', timePerHour: '120', idlePerHour: '600', idleGraceMinutes: 10 },
  tax: { ratePercent: '8.875', inclusive: false },
  revenueShare: { platformPercent: '10', platformFixedPerSession: 50 },
};
/** Each version's demo has its own station and reader, so both can run on one system. */
const DEMO_STATIONS: Record<OcppVersion, { station: string; reader: string; words: { [step in 'name' | 'start' | 'meter']: string } }> = {
  '1.6': {
    station: 'DEMO-CP-1',
    reader: 'DEMO-APOLLO-1',
    words: { name: 'OCPP 1.6J', start: 'RemoteStartTransaction accepted, StartTransaction', meter: 'MeterValues' },
  },
  '2.0.1': {
    station: 'DEMO-CP-201',
    reader: 'DEMO-APOLLO-201',
    words: { name: 'OCPP 2.0.1', start: 'RequestStartTransaction accepted, TransactionEvent Started', meter: 'TransactionEvent Updated with the meter values' },
  },
};
const PASSWORD = 'demo-station-password';
const CARD = 'card-4111-demo';

export async function runDemo(runtime: LocalRuntime, installerToken: string, print: (line: string) => void = console.log, ocpp: OcppVersion = '1.6'): Promise<void> {
  const { station: stationId, reader: serial, words } = DEMO_STATIONS[ocpp];
  const payter = runtime.payter;
  if (!payter) throw new Error('the demo drives the built-in Payter simulator; unset PAYTER_API_URL');
  const started = Date.now();
  const say = (what: string) => print(`  +${((Date.now() - started) / 1000).toFixed(2).padStart(6)} s  ${what}`);
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${runtime.httpUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${installerToken}`, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const answer = (await response.json()) as Record<string, any>;
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
    return answer;
  };

  print(`\nDemo: one paid charging session (docs/pricing.md's worked example) on ${words.name}`);
  await api('PUT', '/installer/sites/demo-main-st', DEMO_SITE);
  say('installer: site demo-main-st saved ($0.35/kWh, $1.20/h, idle $6/h after 10 min, 8.875% tax, $50 hold)');
  // `protocols`: the subprotocols the station may speak; its charger offers just this one.
  await api('PUT', `/installer/stations/${stationId}`, { siteId: 'demo-main-st', connectors: [1], password: PASSWORD, protocols: [subprotocolOf(ocpp)] });
  say(`installer: station ${stationId} provisioned (protocols: ${subprotocolOf(ocpp)})`);

  // The charger's transaction: one hour, 12.345 kWh, 15 minutes of the car drawing nothing.
  const example = workedExample(Date.now() - 3_600_000);
  const charger = new SimulatedCharger(runtime.ocppUrl, stationId, PASSWORD, example.script, ocpp);
  await charger.connect();
  say(`charger ${stationId}: connected (${words.name}, Basic auth), BootNotification accepted, connector 1 Available`);

  payter.addReader(serial, { currency: 'USD' });
  await api('PUT', `/installer/readers/${serial}`, { stationId: stationId, connectorIds: [1] });
  say(`installer: Payter reader ${serial} commissioned; it shows: "${payter.reader(serial).reading?.uiMessageTitle}"`);

  const screensSeen = payter.screens(serial).length;
  let shownScreens = screensSeen;
  const followScreens = () => {
    for (const shown of payter.screens(serial).slice(shownScreens)) {
      say(`reader screen "${shown.screen.id}": ${shown.screen.properties.title} | ${shown.screen.properties.message}`);
    }
    shownScreens = payter.screens(serial).length;
  };

  say(`driver taps card ${CARD} on the reader`);
  await payter.tap(serial, { cardId: CARD, maskedPan: '4111********1111' });
  const reader = await api('GET', `/installer/readers/${serial}`);
  const sessionId = reader.activeSessionId as string;
  say(`session ${sessionId} started: its Step Functions execution has the same name`);

  const sfn = new SFNClient({ endpoint: runtime.stepFunctionsEndpoint });
  const executionArn = `${runtime.stateMachineArn.replace(':stateMachine:', ':execution:')}:${sessionId}`;
  let eventsSeen = 0;
  let status = 'RUNNING';
  const followWorkflow = async () => {
    const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
    for (const event of events.slice(eventsSeen)) {
      if (event.stateEnteredEventDetails?.name) say(`workflow: ${event.stateEnteredEventDetails.name}`);
      if (event.type === 'ExecutionSucceeded') status = 'SUCCEEDED';
      if (event.type === 'ExecutionFailed') status = 'FAILED';
    }
    eventsSeen = events.length;
    followScreens();
  };

  const until = async (done: () => boolean, what: string) => {
    const deadline = Date.now() + 60_000;
    while (!done()) {
      await followWorkflow();
      if (Date.now() > deadline) throw new Error(`demo: timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  await until(() => charger.transactionId !== undefined, 'the transaction');
  say(`charger: ${words.start} -> transaction ${charger.transactionId}`);
  await until(() => payter.reader(serial).state === 'READING' && payter.currentScreen(serial)?.id === 'charging', 'tap to stop');
  await example.pauseCar(charger);
  say('charger: the car paused 15 minutes (SuspendedEV), 5 of them billable after the grace period');
  await example.meterHour(charger);
  say(`charger: ${words.meter} of the hour, 12.345 kWh (the live screen shows them at once)`);
  await followWorkflow();
  say(`driver taps the same card again to stop`);
  await payter.tap(serial, { cardId: CARD });
  await until(() => status !== 'RUNNING', 'the end of the session');
  await followWorkflow();

  const [hold] = payter.sessions(serial);
  say(`Payter: hold of $${((hold?.authorizedAmount ?? 0) / 100).toFixed(2)} ${hold?.state} at $${((hold?.committedAmount ?? 0) / 100).toFixed(2)}`);
  print(`\nExecution ${status}: ${executionArn}`);
  print(`E-receipt: ${runtime.httpUrl}/receipts/${sessionId}`);
  print(`Its page in the console (sign in with OPS_TOKEN): ${runtime.httpUrl}/#/sessions/${sessionId}`);
  // The token itself is never printed (it is a credential): the shell fills in OPS_TOKEN, or the default.
  print(`The session for operators: curl -H "Authorization: Bearer \${OPS_TOKEN:-${DEFAULT_OPS_TOKEN}}" ${runtime.httpUrl}/ops/sessions/${sessionId}\n`);
  await charger.close();
}
