import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { Construct } from 'constructs';
import { CsmsFunction } from './constructs/csms-function';
import { CSMS_SIDE_TABLES, DataTables, PAYTER_SIDE_TABLES, type TableBindings } from './constructs/data-tables';
import { CsmsHttpApi } from './constructs/http-api';
import { OcppGateway } from './constructs/ocpp-gateway';
import { Payter } from './constructs/payter';
import { Observability } from './constructs/observability';
import { Reconciliation } from './constructs/reconciliation';
import { SessionWorkflow, type WorkflowLogLevel } from './constructs/session-workflow';
import type { CustomDomain } from './constructs/ocpp-gateway';
import { REFUND_CHANNELS } from '../lambdas/sessions/session-operations';

export interface CsmsStackProps extends StackProps {
  /**
   * The heartbeat interval BootNotification hands to chargers, 1 to 540 s.
   * @default 300
   */
  readonly heartbeatIntervalSeconds?: number;
  /**
   * How long the CSMS waits for a charger's answer to its CALL.
   * @default 30
   */
  readonly csmsCallTimeoutSeconds?: number;
  /**
   * ISO 3166-1 alpha-2 codes of the countries chargers may connect from.
   * @default - every country
   */
  readonly allowedCountries?: readonly string[];
  /**
   * Whether the stack sets the account-wide API Gateway CloudWatch Logs role.
   * @default true
   */
  readonly manageApiGatewayAccountLogging?: boolean;
  /**
   * The base URL of Payter's Cloud Payment Service, e.g. `https://cps-test.mypayter.com`.
   * @default 'https://cps.mypayter.com'
   */
  readonly payterApiUrl?: string;
  /**
   * How operators' refunds are made (`PAYTER_REFUNDS`): `cps`, Payter's refund call (assumed,
   * not in Payter's public API), or `acquirer`, recorded for the operator to make through the
   * acquirer and tracked by reconciliation.
   * @default 'cps'
   */
  readonly payterRefunds?: string;
  /**
   * The base URL of MyPayter's Data API, read by the scheduled reconciliation.
   * @default 'https://api.mypayter.com'
   */
  readonly myPayterApiUrl?: string;
  /**
   * Which events of the session workflow's executions go to CloudWatch Logs: `ERROR`, `ALL`
   * (every state's entry and exit, for troubleshooting), `FATAL` or `OFF`.
   * @default 'ERROR'
   */
  readonly workflowLogLevel?: WorkflowLogLevel;
  /**
   * Whether those log events carry the states' input and output (no card data: readers,
   * stations, id tags, amounts).
   * @default false
   */
  readonly workflowLogExecutionData?: boolean;
  /**
   * The chargers' domain name for the CloudFront distribution (e.g. `ocpp.example.com`), with
   * `ocppCertificateArn`, an ACM certificate for it in us-east-1. The distribution then
   * requires TLS 1.2 (TLSv1.2_2021; OCPP security profile 2).
   * @default - the distribution's *.cloudfront.net name (TLS 1.0 minimum)
   */
  readonly ocppDomainName?: string;
  readonly ocppCertificateArn?: string;
  /**
   * A domain name of the WebSocket API itself (e.g. `ocpp-origin.example.com`), with
   * `ocppOriginCertificateArn`, an ACM certificate for it in the stack's region: CloudFront
   * and the functions' CALLs reach the API through it. Needed by `disableExecuteApiEndpoint`.
   * @default - the execute-api endpoint
   */
  readonly ocppOriginDomainName?: string;
  readonly ocppOriginCertificateArn?: string;
  /**
   * Admits chargers through CloudFront only, so that none connects past its geo restriction:
   * the WebSocket API's execute-api endpoint is turned off (needs `ocppOriginDomainName`) and
   * the `$connect` authorizer requires the secret CloudFront adds to each handshake.
   * @default false
   */
  readonly disableExecuteApiEndpoint?: boolean;
  /**
   * Requests per second (steady) and burst that each public route of the HTTP API (Payter's
   * callbacks, e-receipts) takes before API Gateway answers 429, on its own: a flood of
   * forged callbacks cannot take the ops and installer API's share.
   * @default 20 and 40
   */
  readonly publicRouteRateLimit?: number;
  readonly publicRouteBurstLimit?: number;
}

const PAYTER_CALLBACKS_ARE_PUBLIC =
  'Payter cannot sign or authenticate its callbacks; each callback URL carries an HMAC capability token for exactly that reader and reading (or the state web hook), which the handler checks in constant time before anything else.';

/** The payment-integrated CSMS on AWS: data, OCPP gateway, session workflow, HTTP APIs, Payter. */
export class CsmsStack extends Stack {
  readonly tables: DataTables;
  readonly ocppGateway: OcppGateway;
  readonly httpApi: CsmsHttpApi;
  readonly payter: Payter;
  readonly sessionWorkflow: SessionWorkflow;
  readonly observability: Observability;
  readonly reconciliation: Reconciliation;

  constructor(scope: Construct, id: string, props: CsmsStackProps = {}) {
    super(scope, id, props);

    this.tables = new DataTables(this, 'Data');

    this.ocppGateway = new OcppGateway(this, 'Ocpp', {
      tables: this.tables,
      heartbeatIntervalSeconds: props.heartbeatIntervalSeconds,
      csmsCallTimeoutSeconds: props.csmsCallTimeoutSeconds,
      allowedCountries: props.allowedCountries,
      manageApiGatewayAccountLogging: props.manageApiGatewayAccountLogging,
      customDomain: customDomain('ocppDomainName', props.ocppDomainName, 'ocppCertificateArn', props.ocppCertificateArn),
      originDomain: customDomain('ocppOriginDomainName', props.ocppOriginDomainName, 'ocppOriginCertificateArn', props.ocppOriginCertificateArn),
      disableExecuteApiEndpoint: props.disableExecuteApiEndpoint,
    });

    this.httpApi = new CsmsHttpApi(this, 'Http', {
      publicRouteThrottle: { rateLimit: props.publicRouteRateLimit ?? 20, burstLimit: props.publicRouteBurstLimit ?? 40 },
    });

    // The callback and e-receipt URLs start with the HTTP API's URL. Only the routes depend on
    // the functions, not the API itself, so the functions may reference it.
    this.payter = new Payter(this, 'Payter', { apiUrl: props.payterApiUrl, publicBaseUrl: this.httpApi.url });

    // The workflow's steps (lambda:invoke and .waitForTaskToken tasks); a finalize call waits
    // for Payter up to 10 s, on top of a cold start.
    const sessionStep = new CsmsFunction(this, 'SessionStep', {
      entry: 'session-step',
      description: 'Session workflow steps: hold, transaction waits, pricing, commit or cancel, receipt, release',
      timeout: Duration.seconds(60),
      memorySize: 512,
    });

    this.sessionWorkflow = new SessionWorkflow(this, 'SessionWorkflow', {
      tables: this.tables,
      stationConnections: this.ocppGateway,
      taskFunctions: { SessionStepFunctionArn: sessionStep },
      logLevel: props.workflowLogLevel,
      logExecutionData: props.workflowLogExecutionData,
    });

    this.bindPayterSide(sessionStep, {
      sessions: 'RW',
      readers: 'RW',
      sites: 'RO',
      // Station profile (online?) and connector status history for pricing.
      stations: 'RO',
      // Reads the transaction of a lost charger, revokes the session's id tag on release.
      transactions: 'RW',
    });
    // Completes its own waits when the charger was first; it never fails a task.
    this.sessionWorkflow.bindTaskCallbacks(sessionStep, ['SendTaskSuccess']);

    // Settles the sessions an execution left behind (failed, timed out, stopped, never started)
    // with the workflow's own steps: the same tables as session-step, and it reads executions.
    const sessionSweeper = new CsmsFunction(this, 'SessionSweeper', {
      entry: 'session-sweeper',
      description: 'Every 5 minutes: bills sessions whose charger is lost, commits or cancels the hold of sessions whose execution is not running, and frees their readers',
      timeout: Duration.minutes(5),
    });
    this.bindPayterSide(sessionSweeper, { sessions: 'RW', readers: 'RW', sites: 'RO', stations: 'RO', transactions: 'RW' });
    this.sessionWorkflow.bindDescribeExecution(sessionSweeper);
    // The charger watch ends a lost charger's stop wait (ChargerLost).
    this.sessionWorkflow.bindTaskCallbacks(sessionSweeper, ['SendTaskFailure']);
    new Rule(this, 'SessionSweepSchedule', {
      description: 'Runs the session sweeper',
      schedule: Schedule.rate(Duration.minutes(5)),
      targets: [new LambdaFunction(sessionSweeper)],
    });

    // Station events update the reader screens and signal the session workflow (withPayter in
    // lambdas/aws/csms-app.ts).
    const { messageFunction, disconnectFunction } = this.ocppGateway;
    // StartTransaction / StopTransaction and the answers to the workflow's CALLs complete its tasks.
    this.sessionWorkflow.bindTaskCallbacks(messageFunction);
    this.bindPayterSide(messageFunction, { readers: 'RW', sites: 'RO' });
    // A station gone offline puts its idle readers out of order; no session is read.
    this.bindPayterSide(disconnectFunction, { readers: 'RW', sites: 'RO' });

    // Payter's callbacks. Queueing RemoteStopTransaction (tap to stop, the stop button) moves
    // the station's call queue on (lambdas/csms/csms-calls.ts): it may send the next waiting
    // call (a RemoteStartTransaction issues its id tag: transactions RW), fail or complete
    // workflow tasks of calls that ended (task callbacks), and find the station's connection
    // gone (stations RW). Both the card read and the buttons are deduplicated (idempotency)
    // and move sessions and readers on.
    const driverCallbackTables: TableBindings = {
      readers: 'RW',
      sessions: 'RW',
      sites: 'RO',
      stations: 'RW',
      pendingCalls: 'RW',
      transactions: 'RW',
      idempotency: 'RW',
    };
    const cardRead = this.httpApi.addFunctionRoute('payter-card-read', {
      path: '/payter/{token}/card/{readingId}',
      methods: [HttpMethod.POST],
      publicBecause: PAYTER_CALLBACKS_ARE_PUBLIC,
      functionProps: { description: "Payter card-read callback: tap to start a session's workflow, or tap to stop" },
    });
    this.bindPayterSide(cardRead, driverCallbackTables);
    this.ocppGateway.bindStationConnections(cardRead);
    this.sessionWorkflow.bindStartExecution(cardRead);
    this.sessionWorkflow.bindTaskCallbacks(cardRead);

    const uiCallback = this.httpApi.addFunctionRoute('payter-ui-callback', {
      path: '/payter/{token}/ui/{contextId}',
      methods: [HttpMethod.POST],
      publicBecause: PAYTER_CALLBACKS_ARE_PUBLIC,
      functionProps: { description: 'Payter UI callback: the buttons of our reader screens (stop, cancel, done)' },
    });
    this.bindPayterSide(uiCallback, driverCallbackTables);
    this.ocppGateway.bindStationConnections(uiCallback);
    // The driver cancels before plugging in: fails the workflow's wait for the charger; and
    // the station's call queue, as above.
    this.sessionWorkflow.bindTaskCallbacks(uiCallback);

    const terminalState = this.httpApi.addFunctionRoute('payter-terminal-state', {
      path: '/payter/{token}/state',
      methods: [HttpMethod.POST],
      publicBecause: PAYTER_CALLBACKS_ARE_PUBLIC,
      functionProps: { description: 'Payter terminal-state web hook: re-sends our screens to a reader back online' },
    });
    this.bindPayterSide(terminalState, { readers: 'RW', sessions: 'RO', sites: 'RO' });

    // The e-receipt the reader's receipt screen links to (PUBLIC_BASE_URL/receipts/{sessionId}).
    const receiptPage = this.httpApi.addFunctionRoute('receipt-page', {
      path: '/receipts/{sessionId}',
      methods: [HttpMethod.GET],
      publicBecause:
        "Drivers open their e-receipt from the QR code on the reader, without credentials, like a card payment's receipt link; the session id in the URL is a random UUID (122 bits) and the page shows no card number beyond the mask.",
      functionProps: { description: "The driver's e-receipt page, linked from the reader's receipt screen" },
    });
    this.tables.bind(receiptPage, { sessions: 'RO', sites: 'RO' });

    const installerApi = this.httpApi.addFunctionRoute('installer-api', { path: '/installer/{proxy+}' });
    // Commissioning puts the reader in its start screen and stops it on decommissioning.
    this.bindPayterSide(installerApi, { sites: 'RW', stations: 'RW', readers: 'RW' });

    // A direct OCPP call waits its turn and the charger's answer up to 25 s (lambdas/ops-api.ts),
    // within the HTTP API's 30 s.
    const opsApi = this.httpApi.addFunctionRoute('ops-api', { path: '/ops/{proxy+}', functionProps: { timeout: Duration.seconds(29) } });
    // Sessions, refunds through Payter, reconciliation with Payter, and direct OCPP calls.
    this.bindPayterSide(opsApi, {
      ...CSMS_SIDE_TABLES,
      // Marks a station offline when a call finds its connection gone; connector status history.
      stations: 'RW',
      connections: 'RO',
      // An operator's RemoteStartTransaction issues its id tag.
      transactions: 'RW',
      pendingCalls: 'RW',
      // Refunds are recorded on the session; a remote stop moves it to stopping.
      sessions: 'RW',
      // GET /ops/reconciliation/mypayter reads the synced MyPayter transactions.
      myPayter: 'RO',
    });
    this.ocppGateway.bindStationConnections(opsApi);
    this.sessionWorkflow.bindOperations(opsApi);
    // Its calls move the station's call queue on (see the Payter callbacks).
    this.sessionWorkflow.bindTaskCallbacks(opsApi);

    // Moves on the call queues nothing else moves on: a call never answered (the next one's
    // turn, a stop to send again), a deadline passing while a station is offline; closes the
    // connections refused at $connect that sent no frame. Every minute, looking every 5 s within it.
    const stationCallTimer = new CsmsFunction(this, 'StationCallTimer', {
      entry: 'station-call-timer',
      description: 'Station call queues: next call after a timeout, stops sent again, calls failed past their deadline',
      timeout: Duration.seconds(75),
      environment: { STATION_CALL_TIMER_PASSES: '12' },
    });
    this.tables.bind(stationCallTimer, { ...CSMS_SIDE_TABLES, pendingCalls: 'RW', stations: 'RW', transactions: 'RW', connections: 'RW' });
    this.ocppGateway.bindStationConnections(stationCallTimer, { close: true });
    this.sessionWorkflow.bindTaskCallbacks(stationCallTimer);
    new Rule(this, 'StationCallTimerSchedule', {
      description: 'Runs the station-call timer every minute',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(stationCallTimer, { retryAttempts: 0 })],
    });
    opsApi.addEnvironment('PAYTER_REFUNDS', validateRefundChannel(props.payterRefunds ?? 'cps'));

    // Open holds and differences with Payter and MyPayter, every 15 minutes, as metrics.
    this.reconciliation = new Reconciliation(this, 'Reconciliation', {
      tables: this.tables,
      payter: this.payter,
      myPayterApiUrl: props.myPayterApiUrl,
    });

    this.observability = new Observability(this, 'Observability', {
      stateMachine: this.sessionWorkflow.stateMachine,
      sessionStep,
      sessionSweeper,
      functions: this.node.findAll().filter((c): c is CsmsFunction => c instanceof CsmsFunction),
    });
    this.observability.watchReconciliation();
    new CfnOutput(this, 'OperatorAlarmTopicArn', {
      description: 'Subscribe operators here: open Payter holds, failed sessions, Lambda errors',
      value: this.observability.alarmTopic.topicArn,
    });

    new CfnOutput(this, 'WebSocketApiUrl', {
      description: props.disableExecuteApiEndpoint
        ? "The WebSocket API itself, at its origin domain; it admits CloudFront's handshakes only"
        : 'The WebSocket API itself (chargers that can add ?stationId=...)',
      value: this.ocppGateway.apiUrl,
    });
    new CfnOutput(this, 'OcppEndpointUrl', {
      description: 'The OCPP 1.6J URL chargers are configured with',
      value: this.ocppGateway.ocppUrl,
    });
    if (props.ocppDomainName !== undefined) {
      new CfnOutput(this, 'OcppDnsTarget', {
        description: `Point ${props.ocppDomainName} here (CNAME, or a Route 53 alias to the distribution)`,
        value: this.ocppGateway.distribution.distributionDomainName,
      });
    }
    if (this.ocppGateway.originDomainName !== undefined) {
      new CfnOutput(this, 'OcppOriginDnsTarget', {
        description: `Point ${props.ocppOriginDomainName} here (CNAME): the WebSocket API's regional custom domain`,
        value: this.ocppGateway.originDomainName.regionalDomainName,
      });
    }
    new CfnOutput(this, 'HttpApiUrl', {
      description:
        'Installer (/installer) and ops (/ops) API, IAM-authorized; Payter callbacks (/payter) authorized by the capability tokens in their URLs; public e-receipts (/receipts)',
      value: this.httpApi.url,
    });
    new CfnOutput(this, 'PayterStateWebhookUrl', {
      description:
        "Register in Payter as the account-wide terminal-state web hook, {token} filled in: the base64url HMAC-SHA256 of the string \"state\" keyed with the PayterCallbackSecret value (CallbackUrls.state() in lambdas/readers/callback-urls.ts). Register it again whenever that secret changes.",
      value: `${this.httpApi.url}payter/{token}/state`,
    });
    new CfnOutput(this, 'PayterApiKeySecretArn', {
      description: "Store the Payter CPS API key here after deploy (aws secretsmanager put-secret-value); until then every Payter call is refused",
      value: this.payter.apiKey.secretArn,
    });
    new CfnOutput(this, 'PayterCallbackSecretArn', {
      description: 'Signs the capability tokens of the Payter callback URLs; generated, rotate by hand (in-flight callback URLs stop working)',
      value: this.payter.callbackSecret.secretArn,
    });
    new CfnOutput(this, 'MyPayterCredentialsSecretArn', {
      description: 'Store the MyPayter Data API login here after deploy, as JSON {"username", "password", "domain"}; until then the MyPayter sync fails (and alarms)',
      value: this.reconciliation.myPayterCredentials.secretArn,
    });
    new CfnOutput(this, 'SessionStateMachineArn', {
      description: 'The charging-session workflow; executions are named after session ids',
      value: this.sessionWorkflow.stateMachine.stateMachineArn,
    });
  }

  /**
   * Hands a function what the Payter side (lambdas/aws/payter-app.ts) needs to start, and
   * access to just the tables it uses: that composition root builds every repository of both
   * sides, the station link, the workflow client, the Payter client and the callback URLs up
   * front, so the function gets all their variables (names only where it uses nothing) and
   * reads the Payter secrets. Station CALLs and workflow actions are granted separately.
   */
  private bindPayterSide(fn: CsmsFunction, tables: TableBindings): void {
    this.tables.bind(fn, { ...PAYTER_SIDE_TABLES, ...tables });
    this.ocppGateway.configureStationConnections(fn);
    this.sessionWorkflow.configureStateMachineArn(fn);
    this.payter.bindClient(fn);
  }
}

/** A domain name and its certificate, given together or not at all. */
function customDomain(nameSetting: string, domainName: string | undefined, certificateSetting: string, certificateArn: string | undefined): CustomDomain | undefined {
  if (domainName === undefined && certificateArn === undefined) return undefined;
  if (!domainName || !certificateArn) throw new Error(`${nameSetting} and ${certificateSetting} go together: set both or neither`);
  return { domainName, certificateArn };
}

function validateRefundChannel(value: string): string {
  if (!(REFUND_CHANNELS as readonly string[]).includes(value)) {
    throw new Error(`payterRefunds must be one of ${REFUND_CHANNELS.join(', ')}, got "${value}"`);
  }
  return value;
}
