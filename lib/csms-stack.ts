import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { ConsoleAuth } from './constructs/console-auth';
import { ConsoleSite } from './constructs/console-site';
import { CsmsFunction } from './constructs/csms-function';
import { DataTables } from './constructs/data-tables';
import { CsmsHttpApi } from './constructs/http-api';
import { MyPayter } from './constructs/mypayter';
import { OcppGateway } from './constructs/ocpp-gateway';
import { Payter } from './constructs/payter';
import { Observability } from './constructs/observability';
import { SessionWorkflow, type WorkflowLogLevel } from './constructs/session-workflow';
import type { CustomDomain } from './constructs/ocpp-gateway';
import { DEFAULT_TIMEOUT_SECONDS, FUNCTION_NAMES, type FunctionName, functionSpec, SECRET_VARIABLES, type SecretName, type Setting, SETTING_VARIABLES, triggeredBy, type TriggerOf } from './functions';
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
   * The console's hosted sign-in domain prefix (`<prefix>.auth.<region>.amazoncognito.com`),
   * unique in the region across all AWS accounts.
   * @default the stack name, lower case
   */
  readonly consoleDomainPrefix?: string;
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
  /**
   * The address drivers' e-receipts are e-mailed from: an Amazon SES identity verified in the
   * stack's region (the address, or its domain). The e-mail function may send from it alone.
   * @default 'receipts@example.com' (not verified: set it before drivers e-mail receipts)
   */
  readonly receiptSender?: string;
}

export const DEFAULT_RECEIPT_SENDER = 'receipts@example.com';

/** The payment-integrated CSMS on AWS: data, OCPP gateway, session workflow, HTTP APIs, Payter. */
export class CsmsStack extends Stack {
  readonly tables: DataTables;
  /** Every Lambda of lib/functions.ts, by name. */
  readonly functions: Record<FunctionName, CsmsFunction>;
  /** The EventBridge rules of the scheduled functions. */
  readonly schedules: Partial<Record<FunctionName, Rule>>;
  readonly ocppGateway: OcppGateway;
  readonly httpApi: CsmsHttpApi;
  readonly consoleAuth: ConsoleAuth;
  readonly consoleSite: ConsoleSite;
  readonly payter: Payter;
  readonly myPayter: MyPayter;
  readonly sessionWorkflow: SessionWorkflow;
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: CsmsStackProps = {}) {
    super(scope, id, props);

    this.tables = new DataTables(this, 'Data');
    // Built before the APIs and the workflow, which route to them; granted after, since their
    // variables name the APIs and the state machine.
    this.functions = Object.fromEntries(
      FUNCTION_NAMES.map((name) => {
        const spec = functionSpec(name);
        const fn = new CsmsFunction(this, constructIdOf(name), {
          entry: name,
          description: spec.description,
          ...(spec.memorySize !== undefined && { memorySize: spec.memorySize }),
          timeout: Duration.seconds(spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS),
          ...(spec.environment && { environment: { ...spec.environment } }),
          ...(spec.sourceMapsAtRunTime === false && { sourceMapsAtRunTime: false }),
        });
        return [name, fn];
      }),
    ) as Record<FunctionName, CsmsFunction>;
    /** The functions of one kind of trigger, by what names them there (a WebSocket route, an ASL placeholder). */
    const byTrigger = <K extends 'websocket' | 'workflowTask'>(kind: K) =>
      Object.fromEntries(triggeredBy(kind).map(({ name, trigger }) => [trigger, this.functions[name]])) as Record<TriggerOf<K> & string, CsmsFunction>;

    const websocket = byTrigger('websocket');
    this.ocppGateway = new OcppGateway(this, 'Ocpp', {
      functions: { authorizer: websocket.authorizer, connect: websocket.$connect, message: websocket.$default, disconnect: websocket.$disconnect },
      heartbeatIntervalSeconds: props.heartbeatIntervalSeconds,
      csmsCallTimeoutSeconds: props.csmsCallTimeoutSeconds,
      allowedCountries: props.allowedCountries,
      manageApiGatewayAccountLogging: props.manageApiGatewayAccountLogging,
      customDomain: customDomain('ocppDomainName', props.ocppDomainName, 'ocppCertificateArn', props.ocppCertificateArn),
      originDomain: customDomain('ocppOriginDomainName', props.ocppOriginDomainName, 'ocppOriginCertificateArn', props.ocppOriginCertificateArn),
      disableExecuteApiEndpoint: props.disableExecuteApiEndpoint,
    });

    // The console is served from the distribution; its sign-in comes back there.
    const consoleOrigins = [this.ocppGateway.distribution.distributionDomainName, ...(props.ocppDomainName === undefined ? [] : [props.ocppDomainName])];
    this.consoleAuth = new ConsoleAuth(this, 'ConsoleAuth', {
      consoleUrls: consoleOrigins.map((host) => `https://${host}/`),
      ...(props.consoleDomainPrefix !== undefined && { domainPrefix: props.consoleDomainPrefix }),
    });
    this.httpApi = new CsmsHttpApi(this, 'Http', {
      authorizer: this.consoleAuth.authorizer,
      publicRouteThrottle: { rateLimit: props.publicRouteRateLimit ?? 20, burstLimit: props.publicRouteBurstLimit ?? 40 },
    });
    for (const { name, trigger: route } of triggeredBy('http')) {
      this.httpApi.addRoute(this.functions[name], {
        path: route.path,
        ...(route.methods && { methods: route.methods.map((verb) => HttpMethod[verb]) }),
        ...(route.publicBecause !== undefined && { publicBecause: route.publicBecause }),
      });
    }

    this.consoleSite = new ConsoleSite(this, 'Console', {
      distribution: this.ocppGateway.distribution,
      httpApiId: this.httpApi.api.apiId,
      apiPrefixes: [...new Set(triggeredBy('http').map(({ trigger: route }) => `/${route.path.split('/')[1]!}`))],
      signIn: { signIn: 'cognito', domain: this.consoleAuth.signInUrl, clientId: this.consoleAuth.consoleClient.userPoolClientId },
    });

    // The callback and e-receipt URLs start with the HTTP API's URL. Only the routes depend on
    // the functions, not the API itself, so the functions may reference it.
    this.payter = new Payter(this, 'Payter', { apiUrl: props.payterApiUrl, publicBaseUrl: this.httpApi.url });
    this.myPayter = new MyPayter(this, 'Reconciliation', { apiUrl: props.myPayterApiUrl });

    this.sessionWorkflow = new SessionWorkflow(this, 'SessionWorkflow', {
      taskFunctions: byTrigger('workflowTask'),
      logLevel: props.workflowLogLevel,
      logExecutionData: props.workflowLogExecutionData,
    });

    this.schedules = {};
    for (const { name, trigger: schedule } of triggeredBy('schedule')) {
      this.schedules[name] = new Rule(this, `${constructIdOf(name)}Schedule`, {
        description: `Runs the ${name} function`,
        schedule: Schedule.rate(Duration.minutes(schedule.everyMinutes)),
        // A missed run is made good by the next one.
        targets: [new LambdaFunction(this.functions[name], schedule.retry === false ? { retryAttempts: 0 } : {})],
      });
    }

    const settings: Record<Setting, string> = {
      payterApi: this.payter.apiUrl,
      publicBaseUrl: this.payter.publicBaseUrl,
      heartbeatInterval: String(this.ocppGateway.heartbeatIntervalSeconds),
      callTimeout: String(this.ocppGateway.csmsCallTimeoutSeconds),
      refundChannel: validateRefundChannel(props.payterRefunds ?? 'cps'),
      myPayterApi: this.myPayter.apiUrl,
      receiptSender: validateReceiptSender(props.receiptSender ?? DEFAULT_RECEIPT_SENDER),
    };
    const secrets: Record<SecretName, Secret> = {
      payterApiKey: this.payter.apiKey,
      payterCallbackSecret: this.payter.callbackSecret,
      myPayterCredentials: this.myPayter.credentials,
    };
    for (const name of FUNCTION_NAMES) {
      const spec = functionSpec(name);
      const fn = this.functions[name];
      this.tables.bind(fn, spec.tables);
      if (spec.stations) this.ocppGateway.bindStationConnections(fn, { close: spec.stations === 'close' });
      if (spec.workflow) this.sessionWorkflow.grant(fn, spec.workflow);
      if (spec.email) grantSendEmail(fn, settings.receiptSender);
      for (const setting of spec.settings ?? []) fn.addEnvironment(SETTING_VARIABLES[setting], settings[setting]);
      for (const secret of spec.secrets ?? []) {
        fn.addEnvironment(SECRET_VARIABLES[secret], secrets[secret].secretArn);
        secrets[secret].grantRead(fn);
      }
    }

    this.observability = new Observability(this, 'Observability', {
      stateMachine: this.sessionWorkflow.stateMachine,
      sessionStep: this.functions['session-step'],
      sessionSweeper: this.functions['session-sweeper'],
      functions: Object.values(this.functions),
    });
    // Open holds and differences with Payter and MyPayter, every 15 minutes, as metrics.
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
        'Installer (/installer) and ops (/ops) API, Cognito JWTs (ConsoleUserPoolId); Payter callbacks (/payter) authorized by the capability tokens in their URLs; public e-receipts (/receipts)',
      value: this.httpApi.url,
    });
    new CfnOutput(this, 'ConsoleUrl', {
      description: 'The console (Installer Panel and operators dashboard), on the OCPP distribution',
      value: `https://${props.ocppDomainName ?? this.ocppGateway.distribution.distributionDomainName}/`,
    });
    new CfnOutput(this, 'ConsoleUserPoolId', {
      description: "The console's Cognito user pool: add people to its installers or operators group",
      value: this.consoleAuth.userPool.userPoolId,
    });
    new CfnOutput(this, 'ConsoleClientId', {
      description: "The console's app client (authorization code with PKCE, no secret)",
      value: this.consoleAuth.consoleClient.userPoolClientId,
    });
    new CfnOutput(this, 'MachineClientId', {
      description: 'The scripts\' app client (client credentials; scopes csms/installer, csms/ops); its secret is in the Cognito console',
      value: this.consoleAuth.machineClient.userPoolClientId,
    });
    new CfnOutput(this, 'ConsoleSignInUrl', {
      description: 'The hosted sign-in domain; token endpoint <url>/oauth2/token',
      value: this.consoleAuth.signInUrl,
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
      value: this.myPayter.credentials.secretArn,
    });
    new CfnOutput(this, 'SessionStateMachineArn', {
      description: 'The charging-session workflow; executions are named after session ids',
      value: this.sessionWorkflow.stateMachine.stateMachineArn,
    });
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

/** The construct id of a function: `payter-card-read` is `PayterCardRead`. */
function constructIdOf(name: string): string {
  return name.replace(/(^|-)([a-z0-9])/g, (_, _dash: string, letter: string) => letter.toUpperCase());
}

/** An e-mail address SES can send from: `name@domain`, nothing CloudFormation or IAM would read otherwise. */
function validateReceiptSender(sender: string): string {
  if (!/^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/.test(sender)) {
    throw new Error(`receiptSender must be an e-mail address such as receipts@example.com, got "${sender}"`);
  }
  return sender;
}

/** `ses:SendEmail` on the sender's identity (the address, or its verified domain) and from that address only. */
function grantSendEmail(fn: CsmsFunction, sender: string): void {
  const identity = (name: string) => Stack.of(fn).formatArn({ service: 'ses', resource: 'identity', resourceName: name });
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: ['ses:SendEmail'],
      resources: [identity(sender), identity(sender.split('@')[1]!)],
      conditions: { StringEquals: { 'ses:FromAddress': sender } },
    }),
  );
}
