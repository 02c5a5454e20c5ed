import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { CsmsFunction } from '../../lib/constructs/csms-function';
import { CsmsHttpApi } from '../../lib/constructs/http-api';
import { SessionWorkflow } from '../../lib/constructs/session-workflow';
import { logicalIdOf } from '../../lib/constructs/nag';
import { CsmsStack, type CsmsStackProps } from '../../lib/csms-stack';
import { FUNCTION_NAMES, functionSpec } from '../../lib/functions';

// These stacks are only inspected, never deployed: skipping the esbuild bundling keeps each
// synthesis at about a second (test/cdk/csms-stack.test.ts covers the bundles).
function appWithoutBundling(): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [] } });
}

function csmsStack(props: CsmsStackProps): CsmsStack {
  return new CsmsStack(appWithoutBundling(), 'SettingsCsms', props);
}

// The stack with every setting at its default, for the tests of the defaults. Its synthesis,
// the file's first, loads the modules aws-cdk-lib requires lazily: on a busy machine that
// takes longer than a test may, so it happens here, within the hook's longer timeout.
let defaults: CsmsStack;
beforeAll(() => {
  defaults = csmsStack({});
  Template.fromStack(defaults);
});

function nagViolations(stack: Stack): string[] {
  return new AwsSolutionsChecks().validateScope(stack).violations.map((v) => v.ruleName);
}

describe('the heartbeat interval', () => {
  it.each([541, 600, 0, -5, 2.5])('refuses %s seconds at synth time, saying why', (heartbeatIntervalSeconds) => {
    expect(() => csmsStack({ heartbeatIntervalSeconds })).toThrow(
      /heartbeatIntervalSeconds must be a whole number of seconds from 1 to 540, got .*idle for 10 minutes/,
    );
  });

  it('accepts 540 seconds and hands it to the functions that answer BootNotification', () => {
    const stack = csmsStack({ heartbeatIntervalSeconds: 540 });
    const variables = Template.fromStack(stack).findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { HEARTBEAT_INTERVAL_SECONDS: '540' } } },
    });
    expect(Object.keys(variables)).toContain(logicalIdOf(stack.ocppGateway.messageFunction));
  });
});

describe('the CSMS call timeout', () => {
  it('refuses 0 seconds at synth time', () => {
    expect(() => csmsStack({ csmsCallTimeoutSeconds: 0 })).toThrow(/csmsCallTimeoutSeconds must be a whole number/);
  });
});

describe('allowed countries', () => {
  it('restricts the distribution to them, which satisfies cdk-nag without an acknowledgement', () => {
    const stack = csmsStack({ allowedCountries: ['NL', 'BE'] });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: {
        Restrictions: { GeoRestriction: { RestrictionType: 'whitelist', Locations: ['NL', 'BE'] } },
      },
    });
    expect(nagViolations(stack)).toEqual([]);
  });

  it('are not restricted by default', () => {
    const template = Template.fromStack(defaults);
    const [distribution] = Object.values(template.findResources('AWS::CloudFront::Distribution'));
    expect(distribution!.Properties.DistributionConfig.Restrictions).toBeUndefined();
  });
});

describe('the API Gateway account logging role', () => {
  it('is set by the stack unless the account manages it elsewhere', () => {
    Template.fromStack(defaults).resourceCountIs('AWS::ApiGateway::Account', 1);
    Template.fromStack(csmsStack({ manageApiGatewayAccountLogging: false })).resourceCountIs('AWS::ApiGateway::Account', 0);
  });
});

describe('a public HTTP route (for Payter callbacks)', () => {
  it('takes one line, has no API Gateway authorization, and carries its reason to cdk-nag', () => {
    const stack = new Stack(appWithoutBundling(), 'PublicRoute');
    new CsmsHttpApi(stack, 'Http').addRoute(new CsmsFunction(stack, 'InstallerApi', { entry: 'installer-api' }), {
      path: '/callbacks/{proxy+}',
      methods: [HttpMethod.POST],
      publicBecause: 'Payter cannot sign requests; each callback URL carries a capability token the handler verifies.',
    });
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /callbacks/{proxy+}',
      AuthorizationType: 'NONE',
    });
    expect(nagViolations(stack)).toEqual([]);
  });
});

describe('the MyPayter Data API URL', () => {
  it('is handed to the reconciliation job', () => {
    const stack = csmsStack({ myPayterApiUrl: 'https://api-test.mypayter.example' });
    const found = Template.fromStack(stack).findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { MYPAYTER_API_URL: 'https://api-test.mypayter.example' } } },
    });
    expect(Object.keys(found)).toEqual([logicalIdOf(stack.functions['reconciliation-job'])]);
  });

  it('refuses a URL that is not https: every call carries a token', () => {
    expect(() => csmsStack({ myPayterApiUrl: 'http://api.mypayter.com' })).toThrow(/MyPayter API URL must be an https:\/\/ URL/);
  });
});

describe('the Payter CPS URL', () => {
  it('is handed to every function that talks to Payter', () => {
    const stack = csmsStack({ payterApiUrl: 'https://cps-test.mypayter.com' });
    const variables = Template.fromStack(stack).findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { PAYTER_API_URL: 'https://cps-test.mypayter.com' } } },
    });
    const cardRead = stack.node
      .findAll()
      .find((c): c is CsmsFunction => c instanceof CsmsFunction && c.entryName === 'payter-card-read')!;
    expect(Object.keys(variables)).toContain(logicalIdOf(cardRead));
    expect(Object.keys(variables).sort()).toEqual(
      FUNCTION_NAMES.filter((name) => functionSpec(name).settings?.includes('payterApi'))
        .map((name) => logicalIdOf(stack.functions[name]))
        .sort(),
    );
    // The payment side's functions, the session sweeper and the reconciliation job.
    expect(Object.keys(variables)).toHaveLength(10);
  });

  it.each(['http://cps-test.mypayter.com', 'cps.mypayter.com', ''])('refuses "%s": every call carries the API key', (payterApiUrl) => {
    expect(() => csmsStack({ payterApiUrl })).toThrow(/CPS API URL must be an https:\/\/ URL/);
  });
});

describe('the refund channel', () => {
  it.each([
    [undefined, 'cps'],
    ['acquirer', 'acquirer'],
  ])('is handed to the ops API only (%s: %s)', (payterRefunds, expected) => {
    const stack = csmsStack(payterRefunds === undefined ? {} : { payterRefunds });
    const withIt = Template.fromStack(stack).findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { PAYTER_REFUNDS: expected } } },
    });
    const ops = stack.node.findAll().find((c): c is CsmsFunction => c instanceof CsmsFunction && c.entryName === 'ops-api')!;
    expect(Object.keys(withIt)).toEqual([logicalIdOf(ops)]);
  });

  it('refuses anything else', () => {
    expect(() => csmsStack({ payterRefunds: 'bank' })).toThrow(/payterRefunds must be one of cps, acquirer/);
  });
});

describe('the session workflow definition', () => {
  it('is refused at synth time when it uses a placeholder no task function fills in', () => {
    const asl = JSON.parse(readFileSync(new URL('../../statemachines/charging-session.asl.json', import.meta.url), 'utf8'));
    asl.States.AuthorizeHold.Parameters.FunctionName = '${AuthorizeHoldFunctionArn}';
    const definitionFile = join(mkdtempSync(join(tmpdir(), 'asl-')), 'session.asl.json');
    writeFileSync(definitionFile, JSON.stringify(asl));
    const stack = new Stack(appWithoutBundling(), 'Workflow');
    const sessionStep = new CsmsFunction(stack, 'SessionStep', { entry: 'session-step' });
    expect(
      () =>
        new SessionWorkflow(stack, 'SessionWorkflow', {
          definitionFile,
          taskFunctions: { SessionStepFunctionArn: sessionStep, StationCommandFunctionArn: sessionStep },
        }),
    ).toThrow(/uses \$\{AuthorizeHoldFunctionArn\}, which no task function fills in/);
  });
});

describe('the session workflow log', () => {
  function loggingOf(stack: CsmsStack): Record<string, unknown> {
    const [machine] = Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'));
    return machine!.Properties.LoggingConfiguration;
  }

  it('keeps failures only and no execution data by default, acknowledged to cdk-nag', () => {
    const stack = defaults;
    expect(loggingOf(stack)).toMatchObject({ Level: 'ERROR', IncludeExecutionData: false });
    expect(nagViolations(stack)).toEqual([]);
  });

  it('is raised to every event with its data by two settings, for troubleshooting', () => {
    const stack = csmsStack({ workflowLogLevel: 'ALL', workflowLogExecutionData: true });
    expect(loggingOf(stack)).toMatchObject({ Level: 'ALL', IncludeExecutionData: true });
    expect(nagViolations(stack)).toEqual([]);
  });

  it('refuses a level Step Functions does not have', () => {
    expect(() => csmsStack({ workflowLogLevel: 'DEBUG' as 'ALL' })).toThrow(/workflowLogLevel must be one of OFF, FATAL, ERROR, ALL, got "DEBUG"/);
  });
});

const EDGE_CERTIFICATE = 'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';
const ORIGIN_CERTIFICATE = 'arn:aws:acm:eu-west-1:123456789012:certificate/66666666-7777-8888-9999-000000000000';

function distributionConfigOf(stack: CsmsStack): Record<string, any> {
  const [distribution] = Object.values(Template.fromStack(stack).findResources('AWS::CloudFront::Distribution'));
  return distribution!.Properties.DistributionConfig;
}

const outputsOf = (stack: CsmsStack) => Template.fromStack(stack).toJSON().Outputs as Record<string, { Value: unknown }>;

describe("the chargers' custom domain", () => {
  it('puts the domain and its certificate on the distribution and requires TLS 1.2 of chargers (OCPP security profile 2), which satisfies cdk-nag', () => {
    const stack = csmsStack({ ocppDomainName: 'ocpp.example.com', ocppCertificateArn: EDGE_CERTIFICATE });
    const config = distributionConfigOf(stack);
    expect(config.Aliases).toEqual(['ocpp.example.com']);
    expect(config.ViewerCertificate).toEqual({ AcmCertificateArn: EDGE_CERTIFICATE, MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' });
    expect(outputsOf(stack).OcppEndpointUrl!.Value).toBe('wss://ocpp.example.com/ocpp/{stationId}');
    expect(outputsOf(stack).OcppDnsTarget!.Value).toEqual({ 'Fn::GetAtt': [logicalIdOf(stack.ocppGateway.distribution), 'DomainName'] });
    expect(nagViolations(stack)).toEqual([]);
    const acknowledged = stack.ocppGateway.distribution.node.metadata.flatMap((m) => Object.keys((m.data ?? {}) as object));
    expect(acknowledged.filter((rule) => rule.includes('CFR4'))).toEqual([]);
  });

  it('is not there by default: the *.cloudfront.net certificate (TLS 1.0 minimum)', () => {
    expect(distributionConfigOf(defaults).ViewerCertificate).toBeUndefined();
  });

  it('needs both the name and the certificate', () => {
    expect(() => csmsStack({ ocppDomainName: 'ocpp.example.com' })).toThrow(/ocppDomainName and ocppCertificateArn go together/);
    expect(() => csmsStack({ ocppCertificateArn: EDGE_CERTIFICATE })).toThrow(/ocppDomainName and ocppCertificateArn go together/);
  });

  it('refuses a certificate outside us-east-1, which CloudFront cannot use', () => {
    expect(() => csmsStack({ ocppDomainName: 'ocpp.example.com', ocppCertificateArn: ORIGIN_CERTIFICATE })).toThrow(/us-east-1/);
  });
});

describe('the execute-api endpoint of the WebSocket API', () => {
  const settings: CsmsStackProps = {
    disableExecuteApiEndpoint: true,
    ocppOriginDomainName: 'ocpp-origin.example.com',
    ocppOriginCertificateArn: ORIGIN_CERTIFICATE,
  };

  it('is turned off on request: CloudFront and the CALLs go through the API\'s own custom domain (TLS 1.2), and only CloudFront\'s handshakes are admitted', () => {
    const stack = csmsStack(settings);
    const template = Template.fromStack(stack);
    const wsApi = template.toJSON().Resources[logicalIdOf(stack.ocppGateway.api)];
    expect(wsApi.Properties).toMatchObject({ ProtocolType: 'WEBSOCKET', DisableExecuteApiEndpoint: true });
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'ocpp-origin.example.com',
      DomainNameConfigurations: [{ CertificateArn: ORIGIN_CERTIFICATE, EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' }],
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', {
      ApiId: { Ref: logicalIdOf(stack.ocppGateway.api) },
      Stage: 'prod',
    });
    const [origin] = distributionConfigOf(stack).Origins;
    expect(origin.DomainName).toBe('ocpp-origin.example.com');
    expect(origin.OriginPath).toBeUndefined();
    // CloudFront signs each handshake with a generated secret (resolved at deploy, never in the
    // template) that only the $connect authorizer may read and requires.
    const secretId = logicalIdOf(stack.ocppGateway.edgeSecret!);
    expect(origin.OriginCustomHeaders).toEqual([
      { HeaderName: 'X-Ocpp-Edge', HeaderValue: { 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:::}}']] } },
    ]);
    const authorizer = template.toJSON().Resources[logicalIdOf(stack.ocppGateway.authorizerFunction)];
    expect(authorizer.Properties.Environment.Variables.OCPP_EDGE_SECRET_ARN).toEqual({ Ref: secretId });
    const readers = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
      JSON.stringify(policy.Properties.PolicyDocument).includes(`"Ref":"${secretId}"`),
    );
    expect(readers.map((policy) => policy.Properties.Roles)).toEqual([[{ Ref: logicalIdOf(stack.ocppGateway.authorizerFunction.executionRole) }]]);
    const message = template.toJSON().Resources[logicalIdOf(stack.ocppGateway.messageFunction)];
    expect(message.Properties.Environment.Variables.WS_MANAGEMENT_ENDPOINT).toBe('https://ocpp-origin.example.com');
    expect(outputsOf(stack).WebSocketApiUrl!.Value).toBe('wss://ocpp-origin.example.com/');
    expect(outputsOf(stack).OcppOriginDnsTarget!.Value).toEqual({
      'Fn::GetAtt': [logicalIdOf(stack.ocppGateway.originDomainName!), 'RegionalDomainName'],
    });
    expect(nagViolations(stack)).toEqual([]);
  });

  it('stays on by default, and chargers are admitted without an edge secret', () => {
    const stack = defaults;
    const wsApi = Template.fromStack(stack).toJSON().Resources[logicalIdOf(stack.ocppGateway.api)];
    expect(wsApi.Properties.DisableExecuteApiEndpoint).toBeUndefined();
    Template.fromStack(stack).resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
    expect(distributionConfigOf(stack).Origins[0].OriginCustomHeaders).toBeUndefined();
    expect(stack.ocppGateway.edgeSecret).toBeUndefined();
  });

  it('cannot be turned off without a custom domain of the API: CloudFront would have no way in', () => {
    expect(() => csmsStack({ disableExecuteApiEndpoint: true })).toThrow(/disableExecuteApiEndpoint needs originDomain/);
  });
});

describe('the public HTTP routes', () => {
  const PUBLIC_ROUTES = [
    'GET /receipts/{sessionId}',
    'POST /payter/{token}/card/{readingId}',
    'POST /payter/{token}/state',
    'POST /payter/{token}/ui/{contextId}',
    'POST /receipts/{sessionId}/email',
  ];

  function httpStageOf(stack: CsmsStack): { Properties: Record<string, any>; DependsOn?: string[] } {
    return Template.fromStack(stack).toJSON().Resources[logicalIdOf(stack.httpApi.stage)];
  }

  it('are throttled each on its own (20 per second, bursts of 40), so a flood of forged callbacks leaves the ops and installer API alone', () => {
    const stack = defaults;
    const stage = httpStageOf(stack);
    expect(Object.keys(stage.Properties.RouteSettings).sort()).toEqual(PUBLIC_ROUTES);
    for (const key of PUBLIC_ROUTES) {
      expect(stage.Properties.RouteSettings[key]).toEqual({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 });
    }
    // The IAM routes keep the stage's own limits.
    expect(stage.Properties.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 });
    // The settings name routes that must exist first.
    const routes = Template.fromStack(stack).findResources('AWS::ApiGatewayV2::Route', {
      Properties: { ApiId: { Ref: logicalIdOf(stack.httpApi.api) }, AuthorizationType: 'NONE' },
    });
    expect(Object.keys(routes)).toHaveLength(PUBLIC_ROUTES.length);
    expect(stage.DependsOn).toEqual(expect.arrayContaining(Object.keys(routes)));
  });

  it('take their limits from the settings', () => {
    const stage = httpStageOf(csmsStack({ publicRouteRateLimit: 5, publicRouteBurstLimit: 10 }));
    expect(stage.Properties.RouteSettings['POST /payter/{token}/card/{readingId}']).toEqual({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 });
  });

  it.each([
    [0, 10],
    [5, 0],
    [5, 2.5],
  ])('refuses a rate of %s and a burst of %s', (publicRouteRateLimit, publicRouteBurstLimit) => {
    expect(() => csmsStack({ publicRouteRateLimit, publicRouteBurstLimit })).toThrow(/publicRouteThrottle needs a rateLimit above 0/);
  });
});
