/**
 * The Lambdas of the CSMS, each declared once: what triggers it, what it may reach and how
 * it runs. The CDK stack builds and grants from it, the local runtime loads and routes from
 * it, and the tests check both the stack and the code against it. A new function is one entry
 * here plus its file `lambdas/<name>.ts` (it exports `handler`).
 *
 * The tables are exactly those whose variables the function's services read
 * (test/cdk/function-environment.test.ts builds each function's services with its environment
 * alone and compares).
 */
import type { TableName } from './tables';

export type HttpVerb = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'ANY';

/** How API Gateway, EventBridge or Step Functions invoke the function. */
export type Trigger =
  /** A route of the HTTP API; IAM-authorized unless `publicBecause` says why it need not be. */
  | { readonly http: { readonly path: string; readonly methods?: readonly HttpVerb[]; readonly publicBecause?: string } }
  /** A route of the chargers' WebSocket API, or its `$connect` authorizer. */
  | { readonly websocket: '$connect' | '$default' | '$disconnect' | 'authorizer' }
  /** An EventBridge schedule; `retry: false` when the next run makes good a failed one. */
  | { readonly schedule: { readonly everyMinutes: number; readonly retry?: false } }
  /** A task of the session workflow: the `${...}` placeholder of the ASL its ARN fills. */
  | { readonly workflowTask: string };

/** The Step Functions actions a function may take on the session workflow. */
export type WorkflowAction =
  | 'StartExecution'
  | 'SendTaskSuccess'
  | 'SendTaskFailure'
  | 'SendTaskHeartbeat'
  | 'DescribeExecution'
  | 'GetExecutionHistory';

/** Completing the workflow's callback tasks: a charger's answer or event may succeed or fail one. */
const TASK_CALLBACKS = ['SendTaskSuccess', 'SendTaskFailure', 'SendTaskHeartbeat'] as const satisfies readonly WorkflowAction[];

/**
 * The secrets a function reads (Secrets Manager on AWS, a plain variable locally); the Payter
 * client needs the CPS API key, the callback URLs the callback secret.
 */
export type SecretName = 'payterApiKey' | 'payterCallbackSecret' | 'myPayterCredentials';

export interface FunctionSpec {
  /** Shown in the console. */
  readonly description: string;
  readonly trigger: Trigger;
  readonly tables: Partial<Record<TableName, 'RO' | 'RW'>>;
  /** Frames to chargers over `@connections` (POST), and closing their connections (`close`: DELETE too). */
  readonly stations?: 'send' | 'close';
  readonly workflow?: readonly WorkflowAction[];
  readonly secrets?: readonly SecretName[];
  /** E-mails through Amazon SES: `ses:SendEmail` from the receipt sender's identity alone (with the `receiptSender` setting). */
  readonly email?: 'send';
  /**
   * Settings the function reads: the CPS URL with the API key, the public base URL with the
   * callback secret, the heartbeat interval handed to chargers, how long a CALL waits for its
   * answer, the refund channel, the MyPayter Data API.
   */
  readonly settings?: readonly Setting[];
  /** @default 512 */
  readonly memorySize?: number;
  /** @default DEFAULT_TIMEOUT_SECONDS */
  readonly timeoutSeconds?: number;
  /**
   * `false` where a charger or a driver waits on a cold start: stack traces stay unmapped
   * (the source map is still deployed) and the cold start does not read the map.
   * @default true
   */
  readonly sourceMapsAtRunTime?: false;
  /** Fixed variables of this function alone. */
  readonly environment?: Readonly<Record<string, string>>;
}

export const DEFAULT_TIMEOUT_SECONDS = 10;

export type Setting = 'payterApi' | 'publicBaseUrl' | 'heartbeatInterval' | 'callTimeout' | 'refundChannel' | 'myPayterApi' | 'receiptSender';

/** The variable through which a function reads each setting. */
export const SETTING_VARIABLES: Readonly<Record<Setting, string>> = {
  payterApi: 'PAYTER_API_URL',
  publicBaseUrl: 'PUBLIC_BASE_URL',
  heartbeatInterval: 'HEARTBEAT_INTERVAL_SECONDS',
  callTimeout: 'CSMS_CALL_TIMEOUT_SECONDS',
  refundChannel: 'PAYTER_REFUNDS',
  myPayterApi: 'MYPAYTER_API_URL',
  receiptSender: 'RECEIPT_EMAIL_FROM',
};

/** The variable naming each secret's ARN on AWS. */
export const SECRET_VARIABLES: Readonly<Record<SecretName, string>> = {
  payterApiKey: 'PAYTER_API_KEY_SECRET_ARN',
  payterCallbackSecret: 'PAYTER_CALLBACK_SECRET_ARN',
  myPayterCredentials: 'MYPAYTER_CREDENTIALS_SECRET_ARN',
};

const PAYTER_CALLBACKS_ARE_PUBLIC =
  'Payter cannot sign or authenticate its callbacks; each callback URL carries an HMAC capability token for exactly that reader and reading (or the state web hook), which the handler checks in constant time before anything else.';

/** The Payter client and the callback URLs it hands to readers. */
const PAYTER = { secrets: ['payterApiKey', 'payterCallbackSecret'], settings: ['payterApi', 'publicBaseUrl'] } as const;

/**
 * A driver's callback (a card read, a button press): deduplicated (idempotency); a stop queues
 * RemoteStopTransaction, which moves the station's call queue on (lambdas/csms/csms-calls.ts).
 */
const DRIVER_CALLBACK = {
  sourceMapsAtRunTime: false,
  tables: { readers: 'RW', sessions: 'RW', sites: 'RO', stations: 'RW', pendingCalls: 'RW', transactions: 'RW', idempotency: 'RW', connections: 'RW' },
  stations: 'send',
  workflow: TASK_CALLBACKS,
  ...PAYTER,
  settings: [...PAYTER.settings, 'callTimeout'],
} as const;

export const FUNCTIONS = {
  'ocpp-authorizer': {
    description: 'OCPP $connect authorizer: station id and HTTP Basic password',
    trigger: { websocket: 'authorizer' },
    sourceMapsAtRunTime: false,
    tables: { stations: 'RO' },
  },
  'ocpp-connect': {
    description: 'OCPP $connect: subprotocol negotiation and the connection mapping',
    trigger: { websocket: '$connect' },
    sourceMapsAtRunTime: false,
    // Closes the station's older connection.
    tables: { connections: 'RW', stations: 'RW' },
    stations: 'close',
  },
  'ocpp-message': {
    description: 'OCPP $default: every frame a charger sends',
    trigger: { websocket: '$default' },
    sourceMapsAtRunTime: false,
    // Charger frames move stations, transactions and call queues; their events move reader
    // screens and sessions (lambdas/aws/composition.ts, station events).
    tables: { connections: 'RW', stations: 'RW', transactions: 'RW', pendingCalls: 'RW', sessions: 'RW', readers: 'RW', sites: 'RO' },
    stations: 'close',
    workflow: TASK_CALLBACKS,
    ...PAYTER,
    settings: [...PAYTER.settings, 'heartbeatInterval', 'callTimeout'],
  },
  'ocpp-disconnect': {
    description: 'OCPP $disconnect: removes the connection mapping if it is still this connection',
    trigger: { websocket: '$disconnect' },
    sourceMapsAtRunTime: false,
    // A station gone offline waits out the reconnect grace (the station-call timer looks after it).
    tables: { connections: 'RW', stations: 'RW' },
  },
  'station-command': {
    description: 'Workflow task: sends a CALL to a charger and parks the task token with it',
    trigger: { workflowTask: 'StationCommandFunctionArn' },
    sourceMapsAtRunTime: false,
    // Sending issues a RemoteStartTransaction's id tag and may find the connection gone; a
    // call that waited is sent only while its task still waits; a station found gone waits out the reconnect grace.
    tables: { pendingCalls: 'RW', stations: 'RW', transactions: 'RW', connections: 'RW' },
    stations: 'send',
    workflow: TASK_CALLBACKS,
    settings: ['callTimeout'],
  },
  'station-call-timer': {
    description: 'Station call queues: next call after a timeout, stops sent again, calls failed past their deadline',
    trigger: { schedule: { everyMinutes: 1, retry: false } },
    // Also closes the connections refused at $connect that sent no frame, and puts out of order
    // the idle readers of stations gone past the reconnect grace.
    tables: { pendingCalls: 'RW', stations: 'RW', transactions: 'RW', connections: 'RW', readers: 'RW', sites: 'RO' },
    stations: 'close',
    workflow: TASK_CALLBACKS,
    ...PAYTER,
    settings: [...PAYTER.settings, 'callTimeout'],
    // Every minute, looking every 5 s within it.
    timeoutSeconds: 75,
    environment: { STATION_CALL_TIMER_PASSES: '12' },
  },
  'session-step': {
    description: 'Session workflow steps: hold, transaction waits, pricing, commit or cancel, receipt, release',
    trigger: { workflowTask: 'SessionStepFunctionArn' },
    // Station profile and status history for pricing; a lost charger's transaction; the id tag revoked on release.
    tables: { sessions: 'RW', readers: 'RW', sites: 'RO', stations: 'RO', transactions: 'RW' },
    // Completes its own waits when the charger was first; it never fails a task.
    workflow: ['SendTaskSuccess'],
    ...PAYTER,
    // A finalize call waits for Payter up to 10 s, on top of a cold start.
    timeoutSeconds: 60,
  },
  'session-sweeper': {
    description:
      'Every 5 minutes: bills sessions whose charger is lost, commits or cancels the hold of sessions whose execution is not running, and frees their readers',
    trigger: { schedule: { everyMinutes: 5 } },
    tables: { sessions: 'RW', readers: 'RW', sites: 'RO', stations: 'RO', transactions: 'RW' },
    // Reads executions; the charger watch ends a lost charger's stop wait (ChargerLost).
    workflow: ['DescribeExecution', 'SendTaskFailure'],
    ...PAYTER,
    settings: [...PAYTER.settings, 'heartbeatInterval'],
    timeoutSeconds: 300,
  },
  'payter-card-read': {
    description: "Payter card-read callback: tap to start a session's workflow, or tap to stop",
    trigger: { http: { path: '/payter/{token}/card/{readingId}', methods: ['POST'], publicBecause: PAYTER_CALLBACKS_ARE_PUBLIC } },
    ...DRIVER_CALLBACK,
    workflow: ['StartExecution', ...TASK_CALLBACKS],
  },
  'payter-ui-callback': {
    description: 'Payter UI callback: the buttons of our reader screens (stop, cancel, done)',
    trigger: { http: { path: '/payter/{token}/ui/{contextId}', methods: ['POST'], publicBecause: PAYTER_CALLBACKS_ARE_PUBLIC } },
    // Cancel before plugging in fails the workflow's wait for the charger.
    ...DRIVER_CALLBACK,
  },
  'payter-terminal-state': {
    description: 'Payter terminal-state web hook: re-sends our screens to a reader back online',
    trigger: { http: { path: '/payter/{token}/state', methods: ['POST'], publicBecause: PAYTER_CALLBACKS_ARE_PUBLIC } },
    tables: { readers: 'RW', sessions: 'RO', sites: 'RO', stations: 'RO' },
    ...PAYTER,
  },
  'receipt-page': {
    description: "The driver's e-receipt page, linked from the reader's receipt screen",
    trigger: {
      http: {
        path: '/receipts/{sessionId}',
        methods: ['GET'],
        publicBecause:
          "Drivers open their e-receipt from the QR code on the reader, without credentials, like a card payment's receipt link; the session id in the URL is a random UUID (122 bits) and the page shows no card number beyond the mask.",
      },
    },
    tables: { sessions: 'RO', sites: 'RO' },
  },
  'receipt-email': {
    description: "The e-receipt page's e-mail form: the receipt sent once to the address given, which is kept nowhere",
    trigger: {
      http: {
        path: '/receipts/{sessionId}/email',
        methods: ['POST'],
        publicBecause:
          'Posted from the public e-receipt page by its reader; it sends only that session\'s receipt, at most 3 times a session, and the public-route throttle bounds the rate.',
      },
    },
    // Counts the e-mails of a receipt (never the addresses).
    tables: { sessions: 'RW', sites: 'RO' },
    email: 'send',
    settings: ['receiptSender'],
  },
  'installer-api': {
    description: 'The Installer Panel: sites, stations and the readers commissioned to them',
    trigger: { http: { path: '/installer/{proxy+}' } },
    // Commissioning puts the reader in its start screen and stops it on decommissioning.
    tables: { sites: 'RW', stations: 'RW', readers: 'RW' },
    ...PAYTER,
  },
  'ops-api': {
    description: 'Operators: sessions and their executions, refunds, remote stops, reconciliation, direct OCPP calls',
    trigger: { http: { path: '/ops/{proxy+}' } },
    // Refunds and remote stops move sessions; a direct call queues behind the station's others
    // (a RemoteStartTransaction issues its id tag); the synced MyPayter transactions are read.
    tables: { sessions: 'RW', stations: 'RW', transactions: 'RW', pendingCalls: 'RW', sites: 'RO', myPayter: 'RO', readers: 'RW', connections: 'RW' },
    stations: 'send',
    workflow: ['DescribeExecution', 'GetExecutionHistory', ...TASK_CALLBACKS],
    ...PAYTER,
    settings: [...PAYTER.settings, 'callTimeout', 'refundChannel'],
    // A direct OCPP call waits its turn and the charger's answer up to 25 s, within the HTTP API's 30 s.
    timeoutSeconds: 29,
  },
  'reconciliation-job': {
    description: 'Scheduled reconciliation: open Payter holds by age, differences with Payter and MyPayter, as metrics',
    trigger: { schedule: { everyMinutes: 15, retry: false } },
    // Reconciling settles refunds whose outcome Payter's data now shows.
    tables: { sessions: 'RW', readers: 'RO', myPayter: 'RW' },
    secrets: ['payterApiKey', 'myPayterCredentials'],
    settings: ['payterApi', 'myPayterApi'],
    // Up to 50 pages of MyPayter transactions and one Payter listing per reader.
    timeoutSeconds: 300,
  },
} as const satisfies Record<string, FunctionSpec>;

export type FunctionName = keyof typeof FUNCTIONS;

export const FUNCTION_NAMES = Object.keys(FUNCTIONS) as FunctionName[];

/** The declaration of one function, widened to the spec's type. */
export function functionSpec(name: FunctionName): FunctionSpec {
  return FUNCTIONS[name];
}

export type TriggerKind = 'http' | 'websocket' | 'schedule' | 'workflowTask';
/** What a trigger of kind `K` carries: a route, a WebSocket route name, a schedule, an ASL placeholder. */
export type TriggerOf<K extends TriggerKind> = Trigger extends infer T ? (T extends { readonly [P in K]: infer V } ? V : never) : never;

/** The functions triggered one way, each with that trigger: what the stack and the local runtime route from. */
export function triggeredBy<K extends TriggerKind>(kind: K): { readonly name: FunctionName; readonly trigger: TriggerOf<K> }[] {
  return FUNCTION_NAMES.flatMap((name) => {
    const { trigger } = functionSpec(name);
    return kind in trigger ? [{ name, trigger: (trigger as unknown as Record<K, TriggerOf<K>>)[kind] }] : [];
  });
}
