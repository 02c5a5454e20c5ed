import { fileURLToPath } from 'node:url';
import { ArnFormat, Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  CfnApi,
  DomainName,
  EndpointType,
  LogGroupLogDestination,
  SecurityPolicy,
  WebSocketApi,
  WebSocketStage,
  type ThrottleSettings,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  GeoRestriction,
  OriginProtocolPolicy,
  OriginRequestCookieBehavior,
  OriginRequestHeaderBehavior,
  OriginRequestPolicy,
  OriginRequestQueryStringBehavior,
  OriginSslPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ApiGatewayAccountLogging } from './api-gateway-account-logging';
import { CsmsFunction } from './csms-function';
import { acknowledge, logicalIdOf } from './nag';

/** API Gateway closes a WebSocket connection after 10 minutes without traffic. */
export const MAX_HEARTBEAT_INTERVAL_SECONDS = 540;

/** The handshake headers CloudFront must pass to the WebSocket API, and the carried credentials. */
export const FORWARDED_HANDSHAKE_HEADERS = [
  'Sec-WebSocket-Key',
  'Sec-WebSocket-Version',
  'Sec-WebSocket-Protocol',
  'Sec-WebSocket-Extensions',
  'X-Ocpp-Authorization',
] as const;

/** The source of the CloudFront viewer-request function (`handler(event)`), unit-tested on its own. */
export const OCPP_PATH_FUNCTION_FILE = fileURLToPath(new URL('./ocpp-path-function.js', import.meta.url));

export interface OcppGatewayProps {
  /** The functions behind the `$connect` authorizer and the three routes (lib/functions.ts). */
  readonly functions: { readonly authorizer: CsmsFunction; readonly connect: CsmsFunction; readonly message: CsmsFunction; readonly disconnect: CsmsFunction };
  /**
   * The interval BootNotification hands to chargers (`HEARTBEAT_INTERVAL_SECONDS`), 1 to 540:
   * API Gateway drops connections idle for 10 minutes.
   * @default 300
   */
  readonly heartbeatIntervalSeconds?: number;
  /**
   * How long the CSMS waits for a charger's answer to its CALL (`CSMS_CALL_TIMEOUT_SECONDS`).
   * @default 30
   */
  readonly csmsCallTimeoutSeconds?: number;
  /**
   * Stage throttling of the WebSocket API.
   * @default - 500 requests per second, bursts of 1000
   */
  readonly throttle?: ThrottleSettings;
  /**
   * ISO 3166-1 alpha-2 codes of the countries chargers may connect from through CloudFront.
   * @default - every country
   */
  readonly allowedCountries?: readonly string[];
  /**
   * Whether this stack sets the account-wide API Gateway CloudWatch Logs role that WebSocket
   * access logging needs. Turn off where the account setting is managed elsewhere.
   * @default true
   */
  readonly manageApiGatewayAccountLogging?: boolean;
  /**
   * The chargers' domain name (e.g. `ocpp.example.com`) and the ARN of its ACM certificate,
   * which CloudFront requires in us-east-1. The distribution then requires TLS 1.2 or later
   * (TLSv1.2_2021, as OCPP security profile 2 asks), which its default `*.cloudfront.net`
   * certificate cannot (TLS 1.0 minimum). Point the name (CNAME) at the distribution.
   * @default - the distribution's own `*.cloudfront.net` name
   */
  readonly customDomain?: CustomDomain;
  /**
   * A domain name of the WebSocket API itself (a regional API Gateway custom domain, its ACM
   * certificate in the stack's region), through which CloudFront and the functions' CALLs
   * (`@connections`) reach the API. Needed to turn off the execute-api endpoint. Point the
   * name (CNAME) at the `OcppOriginDnsTarget` output.
   * @default - CloudFront and the functions use the execute-api endpoint
   */
  readonly originDomain?: CustomDomain;
  /**
   * Admits chargers through CloudFront only: turns off the API's `{apiId}.execute-api`
   * endpoint (it needs `originDomain`), and the distribution adds a generated secret to every
   * origin request (`X-Ocpp-Edge`) that the `$connect` authorizer requires, so a charger
   * connecting to the origin domain directly, past the geo restriction, is refused.
   * @default false
   */
  readonly disableExecuteApiEndpoint?: boolean;
  /**
   * Retention of the stage access logs and the CloudFront access logs.
   * @default RetentionDays.ONE_MONTH (30 days for the CloudFront log bucket)
   */
  readonly accessLogRetention?: RetentionDays;
}

/** A domain name and the ARN of the ACM certificate that covers it. */
export interface CustomDomain {
  readonly domainName: string;
  readonly certificateArn: string;
}

/**
 * The charger-facing OCPP 1.6J endpoint: an API Gateway WebSocket API (`$connect` behind a
 * REQUEST authorizer keyed on the `stationId` query parameter, every frame on `$default`,
 * since OCPP frames are JSON arrays with no field to route on) and a CloudFront distribution
 * that gives chargers the `wss://.../ocpp/{stationId}` URL they expect.
 */
export class OcppGateway extends Construct {
  readonly api: WebSocketApi;
  readonly stage: WebSocketStage;
  readonly distribution: Distribution;
  readonly authorizerFunction: CsmsFunction;
  readonly connectFunction: CsmsFunction;
  readonly messageFunction: CsmsFunction;
  readonly disconnectFunction: CsmsFunction;
  /** The URL chargers are configured with; `{stationId}` is theirs to fill in. */
  readonly ocppUrl: string;
  /** The WebSocket API's own URL (chargers that can add `?stationId=...`). */
  readonly apiUrl: string;
  /** The regional custom domain of the API, with `originDomain`. */
  readonly originDomainName?: DomainName;
  /** What CloudFront adds to its origin requests (`X-Ocpp-Edge`), with `disableExecuteApiEndpoint`. */
  readonly edgeSecret?: Secret;

  /** Where the functions post to connections (`WS_MANAGEMENT_ENDPOINT`). */
  private readonly managementEndpoint: string;

  /** `HEARTBEAT_INTERVAL_SECONDS`, handed to chargers at boot. */
  readonly heartbeatIntervalSeconds: number;
  /** `CSMS_CALL_TIMEOUT_SECONDS`: how long a CALL waits for the charger's answer. */
  readonly csmsCallTimeoutSeconds: number;

  constructor(scope: Construct, id: string, props: OcppGatewayProps) {
    super(scope, id);
    this.heartbeatIntervalSeconds = validateSeconds(
      'heartbeatIntervalSeconds',
      props.heartbeatIntervalSeconds ?? 300,
      MAX_HEARTBEAT_INTERVAL_SECONDS,
      'API Gateway closes WebSocket connections idle for 10 minutes, so chargers must send a heartbeat within 540 s',
    );
    this.csmsCallTimeoutSeconds = validateSeconds(
      'csmsCallTimeoutSeconds',
      props.csmsCallTimeoutSeconds ?? 30,
      600,
      'a CALL outstanding longer than the 10-minute idle timeout outlives its connection',
    );
    const logRetention = props.accessLogRetention ?? RetentionDays.ONE_MONTH;
    this.authorizerFunction = props.functions.authorizer;
    this.connectFunction = props.functions.connect;
    this.messageFunction = props.functions.message;
    this.disconnectFunction = props.functions.disconnect;

    this.api = new WebSocketApi(this, 'Api', {
      apiName: `${Stack.of(this).stackName}-ocpp`,
      description: 'OCPP 1.6J charger connections',
      connectRouteOptions: {
        integration: new WebSocketLambdaIntegration('ConnectIntegration', this.connectFunction),
        authorizer: new WebSocketLambdaAuthorizer('StationAuthorizer', this.authorizerFunction, {
          identitySource: ['route.request.querystring.stationId'],
        }),
      },
      defaultRouteOptions: {
        integration: new WebSocketLambdaIntegration('MessageIntegration', this.messageFunction),
      },
      disconnectRouteOptions: {
        integration: new WebSocketLambdaIntegration('DisconnectIntegration', this.disconnectFunction),
      },
    });
    for (const routeKey of ['$default', '$disconnect']) {
      acknowledge(this.api.node.findChild(`${routeKey}-Route`), {
        id: 'AwsSolutions-APIG4',
        reason: `API Gateway allows an authorizer on $connect only; ${routeKey} runs on a connection that the $connect authorizer already admitted.`,
      });
    }

    if (props.disableExecuteApiEndpoint && props.originDomain === undefined) {
      throw new Error(
        'OcppGateway: disableExecuteApiEndpoint needs originDomain (ocppOriginDomainName and ocppOriginCertificateArn): without the execute-api endpoint, CloudFront and the functions reach the API only through a custom domain of its own.',
      );
    }
    if (props.originDomain) {
      this.originDomainName = new DomainName(this, 'OriginDomain', {
        domainName: props.originDomain.domainName,
        certificate: Certificate.fromCertificateArn(this, 'OriginCertificate', props.originDomain.certificateArn),
        endpointType: EndpointType.REGIONAL,
        securityPolicy: SecurityPolicy.TLS_1_2,
      });
    }
    if (props.disableExecuteApiEndpoint) {
      // WebSocketApi (CDK 2.276) does not expose the switch; the CloudFormation property does.
      (this.api.node.defaultChild as CfnApi).disableExecuteApiEndpoint = true;
      this.edgeSecret = new Secret(this, 'EdgeSecret', {
        description: 'CloudFront adds it to every OCPP handshake it forwards (X-Ocpp-Edge); the $connect authorizer refuses handshakes without it',
        generateSecretString: { passwordLength: 48, excludePunctuation: true },
      });
      acknowledge(this.edgeSecret, {
        id: 'AwsSolutions-SMG4',
        reason:
          'CloudFront takes the value at deploy time (a dynamic reference in the distribution), so a rotation is a new value and a stack update together, by hand; chargers keep their connections.',
      });
      this.authorizerFunction.addEnvironment('OCPP_EDGE_SECRET_ARN', this.edgeSecret.secretArn);
      this.edgeSecret.grantRead(this.authorizerFunction);
    }

    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: logRetention });
    this.stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: 'prod',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 500, burstLimit: 1000 },
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs) },
      // The stage at the root of its custom domain: wss://<origin>/, https://<origin>/@connections.
      ...(this.originDomainName && { domainMapping: { domainName: this.originDomainName } }),
    });
    this.apiUrl = props.originDomain ? `wss://${props.originDomain.domainName}/` : this.stage.url;
    this.managementEndpoint = props.originDomain ? `https://${props.originDomain.domainName}` : this.stage.callbackUrl;
    if (props.manageApiGatewayAccountLogging ?? true) {
      const accountLogging = new ApiGatewayAccountLogging(this, 'AccountLogging');
      this.stage.node.addDependency(accountLogging.account);
    }

    this.distribution = this.createDistribution(props, logRetention);
    this.ocppUrl = `wss://${props.customDomain?.domainName ?? this.distribution.distributionDomainName}/ocpp/{stationId}`;
  }

  /**
   * Lets a function send frames to chargers: sets `WS_MANAGEMENT_ENDPOINT` and allows
   * `execute-api:ManageConnections` on this API's own stage only: POST (postToConnection), and
   * with `close` DELETE (DeleteConnection) too.
   */
  bindStationConnections(fn: CsmsFunction, options: { close?: boolean } = {}): void {
    fn.addEnvironment('WS_MANAGEMENT_ENDPOINT', this.managementEndpoint);

    // Written out instead of api.grantManageConnections(), which allows every stage and method.
    const methods = options.close ? ['POST', 'DELETE'] : ['POST'];
    const resourceNames = methods.map((method) => `${this.stage.stageName}/${method}/@connections/*`);
    const resources = resourceNames.map((resourceName) =>
      Stack.of(this).formatArn({ service: 'execute-api', resource: this.api.apiId, resourceName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }),
    );
    fn.addToRolePolicy(new PolicyStatement({ actions: ['execute-api:ManageConnections'], resources }));
    acknowledge(fn.executionRole, {
      id: 'AwsSolutions-IAM5',
      reason: `Connection ids are created by API Gateway at run time; the wildcard is limited to ${methods.join(' and ')} on @connections of this API's own stage.`,
      appliesTo: resourceNames.map(
        (resourceName) => `Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${logicalIdOf(this.api)}>/${resourceName}`,
      ),
    });
  }

  private createDistribution(props: OcppGatewayProps, logRetention: RetentionDays): Distribution {
    const pathFunction = new CloudFrontFunction(this, 'PathFunction', {
      code: FunctionCode.fromFile({ filePath: OCPP_PATH_FUNCTION_FILE }),
      runtime: FunctionRuntime.JS_2_0,
      comment: 'Maps /ocpp/{stationId} to ?stationId= and carries Authorization as X-Ocpp-Authorization',
    });

    // CloudFront refuses Authorization in an origin request policy: the path function copies
    // it into X-Ocpp-Authorization, which is forwarded instead.
    const handshakePolicy = new OriginRequestPolicy(this, 'HandshakePolicy', {
      comment: 'OCPP WebSocket handshake: Sec-WebSocket-* headers, carried credentials, all query strings',
      headerBehavior: OriginRequestHeaderBehavior.allowList(...FORWARDED_HANDSHAKE_HEADERS),
      queryStringBehavior: OriginRequestQueryStringBehavior.all(),
      cookieBehavior: OriginRequestCookieBehavior.none(),
    });

    const logBucket = new Bucket(this, 'EdgeAccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // CloudFront standard logging delivers its files with object ACLs.
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(retentionInDays(logRetention)) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(logBucket, {
      id: 'AwsSolutions-S1',
      reason: 'This bucket is itself the access-log destination of the CloudFront distribution; logging it would need another log bucket, and so on.',
    });

    // Through the API's own custom domain (the stage at its root) when it has one.
    const origin = props.originDomain
      ? { domain: props.originDomain.domainName, path: undefined }
      : { domain: `${this.api.apiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`, path: `/${this.stage.stageName}` };
    const distribution = new Distribution(this, 'Edge', {
      comment: 'OCPP 1.6J endpoint: wss://<domain>/ocpp/{stationId}',
      ...(props.customDomain && {
        domainNames: [props.customDomain.domainName],
        certificate: Certificate.fromCertificateArn(this, 'EdgeCertificate', props.customDomain.certificateArn),
        minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
      }),
      defaultBehavior: {
        origin: new HttpOrigin(origin.domain, {
          originPath: origin.path,
          // Resolved by CloudFormation at deploy time; CloudFront overwrites a viewer's own copy.
          ...(this.edgeSecret && { customHeaders: { 'X-Ocpp-Edge': this.edgeSecret.secretValue.unsafeUnwrap() } }),
          protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
          originSslProtocols: [OriginSslPolicy.TLS_V1_2],
        }),
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_DISABLED,
        compress: false,
        originRequestPolicy: handshakePolicy,
        functionAssociations: [{ function: pathFunction, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      enableLogging: true,
      logBucket,
      logFilePrefix: 'ocpp-edge/',
      geoRestriction:
        props.allowedCountries === undefined ? undefined : GeoRestriction.allowlist(...props.allowedCountries),
    });

    const suppressions = [
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'Chargers are admitted by the $connect authorizer (station id and password) and the WebSocket stage is throttled; a WAF web ACL (us-east-1 only, billed per request) is left to the operator.',
      },
    ];
    if (props.customDomain === undefined) {
      suppressions.push({
        id: 'AwsSolutions-CFR4',
        reason:
          'The distribution uses the default *.cloudfront.net certificate, with which CloudFront does not allow setting the minimum viewer TLS version; give it a custom domain (ocppDomainName, ocppCertificateArn) and it requires TLSv1.2_2021.',
      });
    }
    if (props.allowedCountries === undefined) {
      suppressions.push({
        id: 'AwsSolutions-CFR1',
        reason: 'Chargers may be installed in any country; pass allowedCountries (context "allowedCountries") to restrict.',
      });
    }
    acknowledge(distribution, ...suppressions);
    return distribution;
  }
}

function validateSeconds(name: string, value: number, max: number, why: string): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new Error(`OcppGateway: ${name} must be a whole number of seconds from 1 to ${max}, got ${value} (${why}).`);
  }
  return value;
}

function retentionInDays(retention: RetentionDays): number {
  // RetentionDays.INFINITE is a sentinel (9999): such logs are kept ten years.
  return retention === RetentionDays.INFINITE ? 3650 : retention;
}
