import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { CsmsFunction } from '../../lib/constructs/csms-function';
import { DataTables } from '../../lib/constructs/data-tables';
import { CsmsHttpApi } from '../../lib/constructs/http-api';
import { SessionWorkflow } from '../../lib/constructs/session-workflow';
import { logicalIdOf } from '../../lib/constructs/nag';
import { CsmsStack, type CsmsStackProps } from '../../lib/csms-stack';

// These stacks are only inspected, never deployed: skipping the esbuild bundling keeps each
// synthesis at about a second (test/cdk/csms-stack.test.ts covers the bundles).
function appWithoutBundling(): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [] } });
}

function csmsStack(props: CsmsStackProps): CsmsStack {
  return new CsmsStack(appWithoutBundling(), 'SettingsCsms', props);
}

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
    const template = Template.fromStack(csmsStack({}));
    const [distribution] = Object.values(template.findResources('AWS::CloudFront::Distribution'));
    expect(distribution!.Properties.DistributionConfig.Restrictions).toBeUndefined();
  });
});

describe('the API Gateway account logging role', () => {
  it('is set by the stack unless the account manages it elsewhere', () => {
    Template.fromStack(csmsStack({})).resourceCountIs('AWS::ApiGateway::Account', 1);
    Template.fromStack(csmsStack({ manageApiGatewayAccountLogging: false })).resourceCountIs('AWS::ApiGateway::Account', 0);
  });
});

describe('a public HTTP route (for Payter callbacks)', () => {
  it('takes one line, has no API Gateway authorization, and carries its reason to cdk-nag', () => {
    const stack = new Stack(appWithoutBundling(), 'PublicRoute');
    new CsmsHttpApi(stack, 'Http').addFunctionRoute('installer-api', {
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
    expect(Object.keys(found)).toEqual([logicalIdOf(stack.reconciliation.job)]);
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
    // The eight of the Payter side, the session sweeper and the reconciliation job.
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
    const tables = new DataTables(stack, 'Data');
    const sessionStep = new CsmsFunction(stack, 'SessionStep', { entry: 'session-step' });
    expect(
      () =>
        new SessionWorkflow(stack, 'SessionWorkflow', {
          tables,
          stationConnections: { bindStationConnections: () => undefined },
          definitionFile,
          taskFunctions: { SessionStepFunctionArn: sessionStep },
        }),
    ).toThrow(/uses \$\{AuthorizeHoldFunctionArn\}, which no task function fills in/);
  });
});
