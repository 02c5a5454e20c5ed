/**
 * The embedded local runtime behind `npm start` and `npm run serve`: the production Lambda
 * handlers, unchanged, with the real AWS SDK clients pointed at real local engines
 * (dynalite, aws-local-stepfunctions, a `ws` API Gateway WebSocket emulation, an HTTP API
 * emulation). One runtime per process: the handlers read their configuration from the
 * process environment, as Lambda's do.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { GROUPS_OF_API, groupsOf } from '../../lambdas/http/access';
import { TABLES } from '../tables';
import { startLocalDynamoDb, type LocalDynamoDb } from './dynamodb';
import { startHttpGateway, type HttpAuthorization, type HttpGateway } from './http-gateway';
import { buildConsole, consoleCsp, consoleRoutes, type SignInConfig } from './console';
import { LambdaHost, localFunctionArn } from './lambda-host';
import { triggeredBy, type FunctionName } from '../functions';
import { startLocalStepFunctions, type LocalStepFunctions, type LocalTimeScale } from './step-functions';
import { startWebSocketGateway, type WebSocketGateway } from './websocket-gateway';
import { startPayterSimulator, type PayterSimulator } from './payter-simulator';
import { payterSimulatorRoutes } from './payter-simulator-routes';
import { startMyPayterSimulator, type MyPayterSimulator } from './mypayter-simulator';
import { startSesOutbox } from './ses-outbox';
import type { MyPayterCredentials } from '../../lambdas/mypayter/data-api-client';
import { CallbackUrls } from '../../lambdas/readers/callback-urls';
import { MAX_HEARTBEAT_INTERVAL_SECONDS } from '../../lambdas/csms/charging-stations';
import { OFFLINE_GRACE_MS } from '../../lambdas/csms/reconnect-grace';
import type { RefundChannel } from '../../lambdas/sessions/session-operations';

export const SESSION_STATE_MACHINE = 'charging-session';
/**
 * The local bearer tokens, one per role (not secrets: local only), as on AWS the groups:
 * the installer's (INSTALLER_TOKEN) reaches sites, stations and readers and gets 403 on the ops API.
 */
export const DEFAULT_INSTALLER_TOKEN = 'local-installer-token';
/** The operator's (OPS_TOKEN): the installer and the ops APIs, refunds included. */
export const DEFAULT_OPS_TOKEN = 'local-ops-token';

/** Who a local bearer token signs in: an installer reaches /installer, an operator everything. */
export type LocalRole = 'installer' | 'operator';
const ASL_FILE = fileURLToPath(new URL('../../statemachines/charging-session.asl.json', import.meta.url));

export interface LocalRuntimeOptions {
  /**
   * The address the OCPP and HTTP endpoints listen on (`HOST`): '0.0.0.0' (or '::') for real
   * chargers on a LAN. @default '127.0.0.1', this machine only
   */
  readonly host?: string;
  /** @default 9000; 0 picks a free port */
  readonly ocppPort?: number;
  /** @default 9001; 0 picks a free port */
  readonly httpPort?: number;
  /**
   * Keep the DynamoDB data, the Step Functions executions (resumed on the next start) and the
   * callback secret on disk here. @default in memory
   */
  readonly dataDir?: string;
  /** The installer's bearer token: the installer API; refused (403) on the ops API. @default INSTALLER_TOKEN, or DEFAULT_INSTALLER_TOKEN */
  readonly installerToken?: string;
  /** The operator's bearer token: both APIs. @default OPS_TOKEN, or DEFAULT_OPS_TOKEN */
  readonly opsToken?: string;
  /**
   * How the console signs people in: the bearer tokens typed in (the default), or a hosted
   * sign-in with the authorization code and PKCE, as Cognito does on AWS (the browser tests
   * point it at a stand-in identity provider that issues these tokens).
   */
  readonly consoleSignIn?: SignInConfig;
  /** @default 300 */
  readonly heartbeatIntervalSeconds?: number;
  /** How long a station that went away has to come back before its readers go out of order. @default 60 */
  readonly stationOfflineGraceSeconds?: number;
  /** @default 30 */
  readonly csmsCallTimeoutSeconds?: number;
  /**
   * Admits only handshakes carrying this value in `X-Ocpp-Edge`, as AWS admits only those
   * through CloudFront with `disableExecuteApiEndpoint` (OCPP_EDGE_SECRET). @default every handshake
   */
  readonly ocppEdgeSecret?: string;
  /** How often the station-call timer runs (every minute on AWS). @default 1000 */
  readonly stationCallTimerMs?: number;
  /** Shortens the workflow's waits, retries and timeouts; the ASL itself is never edited. */
  readonly timeScale?: LocalTimeScale;
  /** Powertools log level of the handlers. @default 'INFO' */
  readonly logLevel?: string;
  /** A real Payter CPS (e.g. https://cps-test.mypayter.com). @default the built-in simulator */
  readonly payterApiUrl?: string;
  /** @default 'local-dev-key' */
  readonly payterApiKey?: string;
  /** Signs the callback URLs handed to Payter. @default generated once per `dataDir` (random per start without one) */
  readonly payterCallbackSecret?: string;
  /** Base of the callback URLs handed to Payter. @default the local HTTP endpoint */
  readonly publicBaseUrl?: string;
  /** How long the Payter client waits for CPS. @default 10000 */
  readonly payterTimeoutMs?: number;
  /** Pauses before re-trying a start screen Payter refused. @default [250, 1000, 3000] */
  readonly readerRetryDelaysMs?: readonly number[];
  /** How refunds are made (`PAYTER_REFUNDS`): Payter's refund call, or left to the acquirer. @default 'cps' */
  readonly payterRefunds?: RefundChannel;
  /**
   * A real MyPayter Data API (e.g. https://api.mypayter.com). @default the built-in MyPayter
   * simulator when the Payter simulator runs, otherwise none (no MyPayter sync)
   */
  readonly myPayterApiUrl?: string;
  /** @default MYPAYTER_USERNAME / _PASSWORD / _DOMAIN, or local ones for the simulator */
  readonly myPayterCredentials?: MyPayterCredentials;
  /** How often the reconciliation job runs (as its EventBridge schedule does on AWS); 0: only on `reconcile()`. @default 15 minutes */
  readonly reconciliationIntervalMs?: number;
  /**
   * How often the session sweeper runs (it also runs once at start-up), as the stack's
   * EventBridge schedule does in AWS. @default 300
   */
  readonly sessionSweepIntervalSeconds?: number;
  /**
   * Where e-mailed receipts land (lib/local/ses-outbox.ts), one JSON message a line.
   * @default `outbox.jsonl` in `dataDir`, else in a fresh temporary directory
   */
  readonly outboxFile?: string;
}

export interface LocalRuntime {
  readonly ocppUrl: string;
  readonly httpUrl: string;
  readonly stateMachineArn: string;
  readonly stepFunctionsEndpoint: string;
  readonly dynamoDbEndpoint: string;
  /** The built-in Payter CPS simulator, unless a real CPS was configured. */
  readonly payter?: PayterSimulator;
  /** The built-in MyPayter Data API simulator, unless a real one was configured (or no CPS simulator runs). */
  readonly myPayter?: MyPayterSimulator;
  /** The file e-mailed receipts are appended to, instead of being sent. */
  readonly outboxFile: string;
  /** The Lambda handlers as they run here (the bench observes their invocations). */
  readonly lambdas: LambdaHost;
  /** Runs the reconciliation job now (the `reconciliation-job` Lambda); its summary. */
  reconcile(): Promise<unknown>;
  close(): Promise<void>;
}

export async function startLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const heartbeat = options.heartbeatIntervalSeconds ?? 300;
  // As `cdk synth` refuses it: API Gateway drops a socket idle for 10 minutes.
  if (!Number.isInteger(heartbeat) || heartbeat < 1 || heartbeat > MAX_HEARTBEAT_INTERVAL_SECONDS) {
    throw new Error(`the heartbeat interval must be a whole number of seconds from 1 to ${MAX_HEARTBEAT_INTERVAL_SECONDS}, got ${heartbeat}`);
  }
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closeOne of closers.reverse()) await closeOne().catch(() => undefined);
  };
  // Node 20 runs here while the Lambdas target nodejs22.x: the SDK's upgrade notice is noise.
  setEnvironment({ AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  try {
    const dynamo: LocalDynamoDb = await startLocalDynamoDb(options.dataDir !== undefined ? { dataDir: options.dataDir } : {});
    closers.push(() => dynamo.close());
    setEnvironment({
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      POWERTOOLS_SERVICE_NAME: 'ev-csms-local',
      POWERTOOLS_LOG_LEVEL: options.logLevel ?? 'INFO',
      HEARTBEAT_INTERVAL_SECONDS: String(heartbeat),
      CSMS_CALL_TIMEOUT_SECONDS: String(options.csmsCallTimeoutSeconds ?? 30),
      STATION_OFFLINE_GRACE_SECONDS: String(options.stationOfflineGraceSeconds ?? OFFLINE_GRACE_MS / 1000),
      ...(options.ocppEdgeSecret !== undefined && { OCPP_EDGE_SECRET: options.ocppEdgeSecret }),
      ...Object.fromEntries(Object.entries(TABLES).map(([key, spec]) => [spec.envVar, dynamo.tableNames[key as keyof typeof TABLES]])),
    });

    const lambdas = new LambdaHost();
    const stepFunctions: LocalStepFunctions = await startLocalStepFunctions({
      stateMachines: [{ name: SESSION_STATE_MACHINE, definition: sessionWorkflowDefinition() }],
      invokeFunction: (name, payload) => lambdas.invoke(name, payload),
      ...(options.timeScale && { timeScale: options.timeScale }),
      ...(options.dataDir !== undefined && { dataDir: join(options.dataDir, 'step-functions') }),
    });
    closers.push(() => stepFunctions.close());
    const stateMachineArn = stepFunctions.stateMachineArn(SESSION_STATE_MACHINE);
    setEnvironment({ AWS_ENDPOINT_URL_SFN: stepFunctions.url, SESSION_STATE_MACHINE_ARN: stateMachineArn });

    const gateway: WebSocketGateway = await startWebSocketGateway({
      port: options.ocppPort ?? 9000,
      ...(options.host !== undefined && { host: options.host }),
      authorizer: lambdas.handler(websocketFunction('authorizer')),
      connect: lambdas.handler(websocketFunction('$connect')),
      message: lambdas.handler(websocketFunction('$default')),
      disconnect: lambdas.handler(websocketFunction('$disconnect')),
      // What the CloudFront function does in AWS: the station id travels in the path.
      pathToQuery: stationIdFromPath,
    });
    closers.push(() => gateway.close());
    setEnvironment({ WS_MANAGEMENT_ENDPOINT: gateway.managementEndpoint });

    const payterApiKey = options.payterApiKey ?? 'local-dev-key';
    let payter: PayterSimulator | undefined;
    if (!options.payterApiUrl) {
      payter = await startPayterSimulator({ apiKey: payterApiKey });
      closers.push(() => payter!.close());
    }
    const callbackSecret = options.payterCallbackSecret ?? (options.dataDir !== undefined ? persistedSecret(options.dataDir) : randomSecret());
    setEnvironment({
      PAYTER_API_URL: options.payterApiUrl ?? payter!.url,
      PAYTER_API_KEY: payterApiKey,
      PAYTER_CALLBACK_SECRET: callbackSecret,
      PAYTER_TIMEOUT_MS: String(options.payterTimeoutMs ?? 10_000),
      ...(options.readerRetryDelaysMs && { READER_RETRY_DELAYS_MS: options.readerRetryDelaysMs.join(',') }),
      PAYTER_REFUNDS: options.payterRefunds ?? process.env.PAYTER_REFUNDS ?? 'cps',
    });

    // MyPayter's Data API: its simulator reads the CPS simulator's sessions.
    const myPayterCredentials = options.myPayterCredentials ?? {
      username: process.env.MYPAYTER_USERNAME ?? 'local-mypayter-user',
      password: process.env.MYPAYTER_PASSWORD ?? 'local-mypayter-password',
      domain: process.env.MYPAYTER_DOMAIN ?? 'local',
    };
    let myPayter: MyPayterSimulator | undefined;
    if (!options.myPayterApiUrl && payter) {
      myPayter = await startMyPayterSimulator({ cps: payter, credentials: myPayterCredentials });
      closers.push(() => myPayter!.close());
    }
    const myPayterApiUrl = options.myPayterApiUrl ?? myPayter?.url;
    if (myPayterApiUrl) {
      setEnvironment({
        MYPAYTER_API_URL: myPayterApiUrl,
        MYPAYTER_USERNAME: myPayterCredentials.username,
        MYPAYTER_PASSWORD: myPayterCredentials.password,
        MYPAYTER_DOMAIN: myPayterCredentials.domain,
      });
    } else delete process.env.MYPAYTER_API_URL;

    // Amazon SES: the receipt e-mails go to a file.
    const outbox = await startSesOutbox({
      file:
        options.outboxFile ??
        (options.dataDir !== undefined ? join(options.dataDir, 'outbox.jsonl') : join(mkdtempSync(join(tmpdir(), 'ev-csms-outbox-')), 'outbox.jsonl')),
    });
    closers.push(() => outbox.close());
    setEnvironment({ AWS_ENDPOINT_URL_SESV2: outbox.url, RECEIPT_EMAIL_FROM: process.env.RECEIPT_EMAIL_FROM ?? 'receipts@localhost.localdomain' });

    await lambdas.load();
    const reconcile = () => lambdas.invoke('reconciliation-job', SCHEDULED_EVENT);

    const tokens = new Map<string, LocalRole>([
      [options.installerToken ?? process.env.INSTALLER_TOKEN ?? DEFAULT_INSTALLER_TOKEN, 'installer'],
      [options.opsToken ?? process.env.OPS_TOKEN ?? DEFAULT_OPS_TOKEN, 'operator'],
    ]);
    const bearer = bearerCheck(tokens);
    const consoleAssets = await buildConsole(options.consoleSignIn);
    const http: HttpGateway = await startHttpGateway({
      port: options.httpPort ?? 9001,
      ...(options.host !== undefined && { host: options.host }),
      routes: [
        // The HTTP API's routes (lib/functions.ts); Payter's callbacks and the e-receipts are
        // public, as in AWS, the rest stand behind the local bearer check.
        ...triggeredBy('http').flatMap(({ name, trigger: route }) =>
          (route.methods ?? ['ANY']).map((method) => ({
            method,
            path: route.path,
            handler: lambdas.handler(name),
            ...(route.publicBecause === undefined && { authorize: bearer }),
          })),
        ),
        ...(payter ? payterSimulatorRoutes(payter) : []),
        // Local only: the scheduled reconciliation job, now (on AWS it runs on its schedule).
        {
          method: 'POST',
          path: '/local/reconciliation/run',
          handler: async () => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(await reconcile()) }),
          // No handler of ours checks its groups: the gateway applies the ops API's rule itself.
          authorize: (event) => {
            const verdict = bearer(event);
            if (typeof verdict !== 'object' || !('jwt' in verdict)) return verdict;
            const groups = groupsOf(verdict.jwt.claims);
            return GROUPS_OF_API.ops.some((group) => groups.has(group)) ? verdict : 'forbidden';
          },
        },
        // The console's page and files, public like a sign-in page: the data stays behind the APIs.
        ...consoleRoutes(consoleAssets, consoleCsp(options.consoleSignIn)),
      ],
    });
    closers.push(() => http.close());
    const publicBaseUrl = options.publicBaseUrl ?? http.url;
    setEnvironment({ PUBLIC_BASE_URL: publicBaseUrl });
    payter?.setStateWebhook(new CallbackUrls(publicBaseUrl, callbackSecret).state());

    // Everything the executions invoke is up: sessions in progress before a restart go on.
    stepFunctions.resumeExecutions();
    // The EventBridge schedules (lib/functions.ts); locally each may run more often.
    const everyMs: Partial<Record<FunctionName, number>> = {
      'station-call-timer': options.stationCallTimerMs ?? 1000,
      'session-sweeper': (options.sessionSweepIntervalSeconds ?? 300) * 1000,
      'reconciliation-job': options.reconciliationIntervalMs ?? 15 * 60_000,
    };
    for (const { name, trigger: schedule } of triggeredBy('schedule')) {
      const ms = everyMs[name] ?? schedule.everyMinutes * 60_000;
      // The sweeper also runs once at start-up: sessions left by a stop are settled at once.
      if (ms > 0) closers.push(every(ms, () => lambdas.invoke(name, SCHEDULED_EVENT), { now: name === 'session-sweeper' }));
    }

    return {
      ocppUrl: `${gateway.url}/ocpp`,
      httpUrl: http.url,
      stateMachineArn,
      stepFunctionsEndpoint: stepFunctions.url,
      dynamoDbEndpoint: dynamo.endpoint,
      outboxFile: outbox.file,
      ...(payter && { payter }),
      ...(myPayter && { myPayter }),
      lambdas,
      reconcile,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The callback secret of a data directory: generated once, readable by this user only. */
function persistedSecret(dataDir: string): string {
  const file = join(dataDir, 'payter-callback-secret');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomSecret();
  // 'wx': never overwrite a secret another start wrote meanwhile.
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return secret;
}

function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The workflow definition with the placeholders CDK fills in AWS, filled with local function ARNs. */
export function sessionWorkflowDefinition(): string {
  const tasks = new Map(triggeredBy('workflowTask').map(({ name, trigger: placeholder }) => [placeholder, name]));
  return readFileSync(ASL_FILE, 'utf8').replace(/\$\{(\w+)\}/g, (placeholder, name: string) => {
    const fn = tasks.get(name);
    if (!fn) throw new Error(`the session workflow uses ${placeholder}, which no function of lib/functions.ts fills in`);
    return localFunctionArn(fn);
  });
}

/** The function behind a WebSocket route (or the `$connect` authorizer). */
function websocketFunction(route: '$connect' | '$default' | '$disconnect' | 'authorizer'): FunctionName {
  const name = triggeredBy('websocket').find(({ trigger }) => trigger === route)?.name;
  if (!name) throw new Error(`no function of lib/functions.ts serves the WebSocket ${route}`);
  return name;
}

/** What EventBridge hands a scheduled function. */
const SCHEDULED_EVENT = { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };

/** A path without a readable station id (none, or a malformed %-escape) carries none: refused at the authorizer. */
export function stationIdFromPath(path: string): Record<string, string> {
  const match = /^\/ocpp\/([^/?]+)\/?$/.exec(path);
  try {
    return match?.[1] ? { stationId: decodeURIComponent(match[1]) } : {};
  } catch {
    return {};
  }
}

/**
 * The local stand-in for the JWT authorizer of the installer and ops routes, which on AWS checks
 * who signed the token, not its groups: an unknown token is 401; a known one's role reaches the
 * handler as the claims a Cognito JWT of its group carries (as API Gateway flattens them), and
 * the handlers' group check (lambdas/http/access.ts) answers 403, here as on AWS.
 */
function bearerCheck(tokens: ReadonlyMap<string, LocalRole>): (event: APIGatewayProxyEventV2) => HttpAuthorization {
  const known = [...tokens].map(([token, role]) => ({ expected: Buffer.from(`Bearer ${token}`), role }));
  return (event) => {
    const given = Buffer.from(event.headers.authorization ?? '');
    // Every token compared, in constant time each: which one matched leaks nothing.
    let role: LocalRole | undefined;
    for (const { expected, role: candidate } of known) {
      if (given.length === expected.length && timingSafeEqual(given, expected)) role ??= candidate;
    }
    if (!role) return false;
    return { isAuthorized: true, jwt: { claims: { 'cognito:groups': role === 'operator' ? '[operators]' : '[installers]' }, scopes: [] } };
  };
}

/**
 * Runs a scheduled function like an EventBridge rule would, never two runs at once (`now`:
 * also at once); returns its stop, which waits for a run in progress. A failed run is the
 * Lambda's error, logged by it.
 */
function every(ms: number, run: () => Promise<unknown>, options: { now?: boolean } = {}): () => Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;
  const tick = () => {
    running = run()
      .catch(() => undefined)
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(tick, ms);
      });
  };
  if (options.now) tick();
  else timer = setTimeout(tick, ms);
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}

function setEnvironment(values: Record<string, string>): void {
  Object.assign(process.env, values);
}
