/**
 * `npm run serve` (and `npm start`): the whole CSMS on embedded engines on this machine.
 * Settings come from the environment variables of the README's "Settings" (docs/interfaces.md).
 * `--demo` runs one paid session on a simulated OCPP 1.6J charger, `--demo --ocpp 2.0.1` on a 2.0.1 one.
 */
import { runDemo } from '../lib/local/demo';
import { DEFAULT_INSTALLER_TOKEN, startLocalRuntime } from '../lib/local/runtime';
import { ocppVersionArgument } from '../lib/local/simulated-charger';

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new Error(`${name} must be a port number (0 picks a free one), got "${raw}"`);
  }
  return value;
}

function positive(name: string): number {
  const value = Number(process.env[name]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number of seconds, got "${process.env[name]}"`);
  return value;
}

const demo = process.argv.includes('--demo');
// Read before anything starts: a mistyped version stops here, not after the system is up.
const demoOcpp = ocppVersionArgument(process.argv.slice(2));

const runtime = await startLocalRuntime({
  // 127.0.0.1 unless told otherwise: the installer and ops APIs answer anyone who can reach them.
  ...(process.env.HOST && { host: process.env.HOST }),
  ocppPort: port('OCPP_WS_PORT', 9000),
  httpPort: port('HTTP_PORT', 9001),
  ...(process.env.DATA_DIR && { dataDir: process.env.DATA_DIR }),
  ...(process.env.HEARTBEAT_INTERVAL_SECONDS && { heartbeatIntervalSeconds: Number(process.env.HEARTBEAT_INTERVAL_SECONDS) }),
  logLevel: process.env.LOG_LEVEL ?? 'WARN',
  ...(process.env.PAYTER_API_URL && { payterApiUrl: process.env.PAYTER_API_URL }),
  ...(process.env.PAYTER_API_KEY && { payterApiKey: process.env.PAYTER_API_KEY }),
  ...(process.env.PAYTER_CALLBACK_SECRET && { payterCallbackSecret: process.env.PAYTER_CALLBACK_SECRET }),
  ...(process.env.PUBLIC_BASE_URL && { publicBaseUrl: process.env.PUBLIC_BASE_URL }),
  ...(process.env.MYPAYTER_API_URL && { myPayterApiUrl: process.env.MYPAYTER_API_URL }),
  ...(process.env.RECONCILIATION_INTERVAL_MINUTES && { reconciliationIntervalMs: Number(process.env.RECONCILIATION_INTERVAL_MINUTES) * 60_000 }),
  ...(process.env.SESSION_SWEEP_INTERVAL_SECONDS && { sessionSweepIntervalSeconds: positive('SESSION_SWEEP_INTERVAL_SECONDS') }),
  // Payter's retry schedule (minutes to days) and the receipt's time on screen, shortened for
  // a local run; timeouts (remote start, plug-in window, session limits) stay real.
  timeScale: { waitScale: 0.01, retryScale: 0.01 },
});

console.log(`OCPP endpoint: ${runtime.ocppUrl}/{stationId}`);
console.log(`HTTP endpoint: ${runtime.httpUrl}`);
// The tokens are credentials: the address is printed, never a token (the README names the local defaults).
console.log(`Console: ${runtime.httpUrl}/ (sign in with OPS_TOKEN as an operator, INSTALLER_TOKEN as an installer)`);
console.log(`Payter CPS: ${runtime.payter ? `built-in simulator at ${runtime.payter.url} (control: ${runtime.httpUrl}/simulator/payter/readers/{serial})` : process.env.PAYTER_API_URL}`);
const host = process.env.HOST ?? '127.0.0.1';
const unset = ['INSTALLER_TOKEN', 'OPS_TOKEN'].filter((name) => process.env[name] === undefined);
if (!['127.0.0.1', '::1', 'localhost'].includes(host) && unset.length > 0) {
  console.warn(`HOST=${host}: the installer and ops APIs answer other machines with the default tokens; set ${unset.join(', ')}.`);
}
console.log(`E-mailed receipts: ${runtime.outboxFile} (the local outbox; nothing is sent)`);
console.log(`Step Functions endpoint: ${runtime.stepFunctionsEndpoint} (state machine ${runtime.stateMachineArn})`);

if (demo) {
  try {
    await runDemo(runtime, process.env.INSTALLER_TOKEN ?? DEFAULT_INSTALLER_TOKEN, console.log, demoOcpp);
  } catch (error) {
    console.error(`The demo session failed: ${(error as Error).message}`);
    process.exitCode = 1;
  }
  console.log('Still serving; Ctrl+C to stop.');
}

const shutdown = async () => {
  await runtime.close();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
