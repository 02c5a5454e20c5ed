import { Lazy, Stack } from 'aws-cdk-lib';
import {
  CfnRoute,
  CfnStage,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpStage,
  LogGroupLogDestination,
  type HttpRoute,
  type IHttpRouteAuthorizer,
  type ThrottleSettings,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { CsmsFunction } from './csms-function';
import { acknowledge } from './nag';

export interface CsmsHttpApiProps {
  /**
   * Throttling of the default stage.
   * @default - 100 requests per second, bursts of 200
   */
  readonly throttle?: ThrottleSettings;
  /**
   * Throttling of each public route on its own (route settings of the stage), so that a flood
   * of unauthenticated requests (forged Payter callbacks, receipt look-ups) is refused at the
   * edge with 429s before it invokes functions, and the installer and ops routes keep their
   * share of the stage and of the account's Lambda concurrency. A WAF web ACL cannot be
   * attached to an HTTP API (only to REST APIs, CloudFront and load balancers).
   * @default - 20 requests per second, bursts of 40, per public route
   */
  readonly publicRouteThrottle?: ThrottleSettings;
  /**
   * Retention of the stage access logs.
   * @default RetentionDays.ONE_MONTH
   */
  readonly accessLogRetention?: RetentionDays;
  /**
   * The authorizer of every route that is not public (the console's Cognito JWT authorizer).
   * @default - IAM (SigV4) authorization
   */
  readonly authorizer?: IHttpRouteAuthorizer;
}

export interface FunctionRouteOptions {
  /** The route's path, e.g. `/installer/{proxy+}`. */
  readonly path: string;
  /**
   * @default [HttpMethod.ANY]
   */
  readonly methods?: HttpMethod[];
  /**
   * Leaves the route without API Gateway authorization, for callers that cannot sign
   * requests (Payter's callbacks, whose URLs carry capability tokens the handler checks).
   * The text says why that is safe; it becomes the reason of the cdk-nag suppression.
   * A public route is throttled on its own (`publicRouteThrottle`).
   * @default - the API's authorizer
   */
  readonly publicBecause?: string;
}

/**
 * The HTTP API for people and partners: the installer API, the ops API and Payter's
 * callbacks. Routes are authorized (IAM unless `authorizer` says otherwise) unless a route says why it is public; the default
 * stage writes access logs.
 */
export class CsmsHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  /** The base URL, ending in `/`. */
  readonly url: string;
  /** The throttle of each public route. */
  readonly publicRouteThrottle: ThrottleSettings;

  /** The stage's RouteSettings by route key, as CloudFormation spells them (a JSON property CDK passes as is). */
  private readonly authorizer: IHttpRouteAuthorizer;
  private readonly routeSettings: Record<string, { ThrottlingRateLimit?: number; ThrottlingBurstLimit?: number }> = {};

  constructor(scope: Construct, id: string, props: CsmsHttpApiProps = {}) {
    super(scope, id);
    this.publicRouteThrottle = validateThrottle('publicRouteThrottle', props.publicRouteThrottle ?? { rateLimit: 20, burstLimit: 40 });
    this.authorizer = props.authorizer ?? new HttpIamAuthorizer();
    this.api = new HttpApi(this, 'Api', {
      apiName: `${Stack.of(this).stackName}-http`,
      description: 'Installer, ops and Payter callback APIs',
      // A route added without an authorizer is still authorized.
      defaultAuthorizer: this.authorizer,
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? RetentionDays.ONE_MONTH,
    });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 100, burstLimit: 200 },
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs) },
    });
    this.url = this.stage.url;
    // The L2 stage sets only the default route settings; per-route ones go on the L1 stage.
    (this.stage.node.defaultChild as CfnStage).routeSettings = Lazy.any({
      produce: () => (Object.keys(this.routeSettings).length === 0 ? undefined : this.routeSettings),
    });
  }

  /** Routes `options.path` to a function. */
  addRoute(fn: CsmsFunction, options: FunctionRouteOptions): HttpRoute[] {
    const routes = this.api.addRoutes({
      path: options.path,
      methods: options.methods ?? [HttpMethod.ANY],
      integration: new HttpLambdaIntegration(`${constructIdOf(fn.entryName)}Integration`, fn),
      authorizer: options.publicBecause === undefined ? this.authorizer : new HttpNoneAuthorizer(),
    });
    if (options.publicBecause !== undefined) {
      for (const route of routes) {
        acknowledge(route, { id: 'AwsSolutions-APIG4', reason: options.publicBecause });
        this.routeSettings[(route.node.defaultChild as CfnRoute).routeKey] = {
          ThrottlingRateLimit: this.publicRouteThrottle.rateLimit,
          ThrottlingBurstLimit: this.publicRouteThrottle.burstLimit,
        };
        // API Gateway refuses settings for a route that does not exist yet.
        this.stage.node.addDependency(route);
      }
    }
    return routes;
  }
}

function constructIdOf(entry: string): string {
  return entry.replace(/(^|-)([a-z0-9])/g, (_, _dash: string, letter: string) => letter.toUpperCase());
}

function validateThrottle(name: string, throttle: ThrottleSettings): ThrottleSettings {
  const { rateLimit, burstLimit } = throttle;
  if (rateLimit === undefined || !(rateLimit > 0) || burstLimit === undefined || !Number.isInteger(burstLimit) || burstLimit < 1) {
    throw new Error(`CsmsHttpApi: ${name} needs a rateLimit above 0 requests per second and a whole burstLimit of at least 1, got ${JSON.stringify(throttle)}`);
  }
  return throttle;
}
