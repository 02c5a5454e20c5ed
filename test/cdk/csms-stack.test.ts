import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { CsmsFunction, type TableAccess } from '../../lib/constructs/csms-function';
import { DEFAULT_PAYTER_API_URL } from '../../lib/constructs/payter';
import { DEFAULT_MYPAYTER_API_URL } from '../../lib/constructs/mypayter';
import { FUNCTION_NAMES, SETTING_VARIABLES, functionSpec, type Setting } from '../../lib/functions';
import { placeholdersOf } from '../../lib/constructs/session-workflow';
import { FORWARDED_HANDSHAKE_HEADERS, OCPP_PATH_FUNCTION_FILE } from '../../lib/constructs/ocpp-gateway';
import { logicalIdOf } from '../../lib/constructs/nag';
import { CsmsStack, DEFAULT_RECEIPT_SENDER } from '../../lib/csms-stack';
import { TABLES, type TableName } from '../../lib/tables';
import { PAYTER_FINALIZE_RETRY_DELAYS_SECONDS } from '../support/asl-retries';

// One synthesis for the whole file. Bundling is skipped (it is `cdk synth`'s job and
// test/cdk/csms-function.test.ts bundles a real entry); the template is the same either way.
let app: App;
let stack: CsmsStack;
let template: Template;
let resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;

beforeAll(() => {
  // The feature flags of cdk.json, as `cdk synth` sees them.
  const { context } = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  };
  app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  stack = new CsmsStack(app, 'TestCsms');
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources;
});

/** aws-s3-deployment's own copy function (the console's files), run at deploy time: CDK's, not one of lib/functions.ts. */
const isCdkDeploymentFunction = (logicalId: string) => logicalId.startsWith('CustomCDKBucketDeployment');

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

/** A CloudFormation value as one string, references written `<LogicalId>` (as cdk-nag prints them). */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(flatten).join(',');
  const object = value as Record<string, unknown>;
  if ('Ref' in object) return `<${String(object.Ref)}>`;
  if ('Fn::GetAtt' in object) return `<${(object['Fn::GetAtt'] as string[]).join('.')}>`;
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map(flatten).join(separator);
  }
  throw new Error(`cannot flatten ${JSON.stringify(value)}`);
}

/** Logical ids referenced (Ref / Fn::GetAtt) anywhere in a value; pseudo parameters left out. */
function referencedIds(value: unknown): string[] {
  if (value === null || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap(referencedIds);
  const object = value as Record<string, unknown>;
  if (typeof object.Ref === 'string') return object.Ref.startsWith('AWS::') ? [] : [object.Ref];
  if (Array.isArray(object['Fn::GetAtt'])) return [String(object['Fn::GetAtt'][0])];
  return Object.values(object).flatMap(referencedIds);
}

function asList<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

function csmsFunction(entry: string): CsmsFunction {
  const found = stack.node.findAll().filter((c): c is CsmsFunction => c instanceof CsmsFunction && c.entryName === entry);
  expect(found, `one function built from lambdas/${entry}.ts`).toHaveLength(1);
  return found[0]!;
}

function entryOfFunctionLogicalId(logicalId: string): string {
  const fn = stack.node.findAll().find((c) => c instanceof CsmsFunction && logicalIdOf(c) === logicalId);
  if (fn === undefined) throw new Error(`${logicalId} is not a CsmsFunction`);
  return (fn as CsmsFunction).entryName;
}

/** Every Allow statement of the role's policies (attached and inline). */
function statementsOf(entry: string): Statement[] {
  const roleId = logicalIdOf(csmsFunction(entry).executionRole);
  const attached = Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && referencedIds(r.Properties?.Roles).includes(roleId))
    .flatMap((r) => (r.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
  const inline = ((resources[roleId]?.Properties?.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
    (p) => p.PolicyDocument.Statement,
  );
  return [...attached, ...inline].filter((s) => s.Effect === 'Allow');
}

function statementsWithAction(entry: string, prefix: string): Statement[] {
  return statementsOf(entry).filter((s) => asList(s.Action).some((a) => a.startsWith(prefix)));
}

/** The tables a function's role reaches, and whether it may write them. */
function tableAccessOf(entry: string): Partial<Record<TableName, TableAccess>> {
  const tableNameByLogicalId = new Map(
    (Object.keys(TABLES) as TableName[]).map((name) => [logicalIdOf(stack.tables.table(name)), name]),
  );
  const access: Partial<Record<TableName, TableAccess>> = {};
  for (const statement of statementsWithAction(entry, 'dynamodb:')) {
    const writes = asList(statement.Action).includes('dynamodb:PutItem');
    for (const id of referencedIds(statement.Resource)) {
      const table = tableNameByLogicalId.get(id);
      if (table === undefined) throw new Error(`${entry} has a DynamoDB grant on ${id}, which is no table of TABLES`);
      access[table] = writes || access[table] === 'RW' ? 'RW' : 'RO';
    }
  }
  return access;
}

function environmentOf(entry: string): Record<string, unknown> {
  const fnProps = resources[logicalIdOf(csmsFunction(entry))]?.Properties as {
    Environment: { Variables: Record<string, unknown> };
  };
  return fnProps.Environment.Variables;
}

/** The function a route's integration invokes. */
function entryBehindRoute(routeKey: string): string {
  const route = Object.values(resources).find((r) => r.Type === 'AWS::ApiGatewayV2::Route' && r.Properties?.RouteKey === routeKey);
  expect(route, `route ${routeKey}`).toBeDefined();
  const [integrationId] = referencedIds(route!.Properties!.Target);
  const integration = resources[integrationId!]!;
  expect(integration.Type).toBe('AWS::ApiGatewayV2::Integration');
  const functionIds = referencedIds(integration.Properties!.IntegrationUri).filter(
    (id) => resources[id]?.Type === 'AWS::Lambda::Function',
  );
  expect(functionIds).toHaveLength(1);
  return entryOfFunctionLogicalId(functionIds[0]!);
}

const stateMachineArn = () =>
  `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:stateMachine:${stack.sessionWorkflow.stateMachineName}`;

// What the stack must grant each function is its declaration in lib/functions.ts;
// test/cdk/function-environment.test.ts checks that declaration against what the code uses.
const ENTRIES: string[] = [...FUNCTION_NAMES];
const specOf = (entry: string) => functionSpec(entry as (typeof FUNCTION_NAMES)[number]);

/** The functions that send frames to chargers. */
const POSTERS = ENTRIES.filter((entry) => specOf(entry).stations !== undefined);

/** The functions that also close connections: an older one of a station, a refused or superseded one. */
const CLOSERS = ENTRIES.filter((entry) => specOf(entry).stations === 'close');

/** The functions that talk to Payter and build callback URLs. */
const PAYTER_CLIENTS = ENTRIES.filter((entry) => specOf(entry).secrets?.includes('payterCallbackSecret'));

const TASK_CALLBACKS = ['states:SendTaskFailure', 'states:SendTaskHeartbeat', 'states:SendTaskSuccess'];
/** What each function may do with the session state machine itself (ops-api and the sweeper also read executions: below). */
const WORKFLOW_ACTIONS: Record<string, string[]> = Object.fromEntries(
  ENTRIES.filter((entry) => !['ops-api', 'session-sweeper'].includes(entry)).flatMap((entry) =>
    specOf(entry).workflow ? [[entry, specOf(entry).workflow!.map((action) => `states:${action}`).sort()]] : [],
  ),
);

/** Every Allow statement of every IAM policy of the template, with the roles it is attached to. */
function allStatements(): { roles: string[]; statement: Statement }[] {
  return Object.values(resources).flatMap((r) => {
    if (r.Type === 'AWS::IAM::Policy') {
      const roles = referencedIds(r.Properties?.Roles);
      return (r.Properties?.PolicyDocument as { Statement: Statement[] }).Statement.map((statement) => ({ roles, statement }));
    }
    return [];
  });
}

/** A role's function entry, or the role's logical id when no CsmsFunction runs as it. */
function roleOwner(roleId: string): string {
  const fn = stack.node.findAll().find((c) => c instanceof CsmsFunction && logicalIdOf(c.executionRole) === roleId);
  return fn === undefined ? roleId : (fn as CsmsFunction).entryName;
}

const httpApiBase = () => `https://<${logicalIdOf(stack.httpApi.api)}>.execute-api.<AWS::Region>.<AWS::URLSuffix>/`;

describe('the OCPP WebSocket API', () => {
  it.each([
    ['$connect', 'ocpp-connect'],
    ['$default', 'ocpp-message'],
    ['$disconnect', 'ocpp-disconnect'],
  ])('routes %s to lambdas/%s.ts', (routeKey, entry) => {
    expect(entryBehindRoute(routeKey)).toBe(entry);
  });

  it('has no routes besides $connect, $default and $disconnect: OCPP frames carry no field to route on', () => {
    const wsApiId = logicalIdOf(stack.ocppGateway.api);
    const routeKeys = Object.values(resources)
      .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route' && referencedIds(r.Properties?.ApiId).includes(wsApiId))
      .map((r) => r.Properties?.RouteKey);
    expect(routeKeys.sort()).toEqual(['$connect', '$default', '$disconnect']);
  });

  it('admits $connect through the REQUEST authorizer lambdas/ocpp-authorizer.ts keyed on the stationId query parameter', () => {
    const authorizers = template.findResources('AWS::ApiGatewayV2::Authorizer');
    const [[authorizerId, authorizer]] = Object.entries(authorizers) as [[string, { Properties: Record<string, unknown> }]];
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'REQUEST',
      IdentitySource: ['route.request.querystring.stationId'],
    });
    const authorizerFunctionIds = referencedIds(authorizer.Properties.AuthorizerUri);
    expect(authorizerFunctionIds.map(entryOfFunctionLogicalId)).toEqual(['ocpp-authorizer']);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: '$connect',
      AuthorizationType: 'CUSTOM',
      AuthorizerId: { Ref: authorizerId },
    });
  });

  it('deploys the prod stage automatically, throttled, with access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ApiId: { Ref: logicalIdOf(stack.ocppGateway.api) },
      StageName: 'prod',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: Match.anyValue(), ThrottlingBurstLimit: Match.anyValue() },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('connectionId') },
    });
  });
});

describe('CloudFront in front of the WebSocket API', () => {
  it('forwards the WebSocket handshake headers and X-Ocpp-Authorization, never Authorization, and every query string', () => {
    const [policy] = Object.values(template.findResources('AWS::CloudFront::OriginRequestPolicy')) as {
      Properties: { OriginRequestPolicyConfig: { HeadersConfig: { Headers: string[] }; QueryStringsConfig: unknown } };
    }[];
    const config = policy!.Properties.OriginRequestPolicyConfig;
    expect(config.HeadersConfig.Headers).toEqual(
      expect.arrayContaining([
        'Sec-WebSocket-Key',
        'Sec-WebSocket-Version',
        'Sec-WebSocket-Protocol',
        'Sec-WebSocket-Extensions',
        'X-Ocpp-Authorization',
      ]),
    );
    expect(config.HeadersConfig.Headers.map((h) => h.toLowerCase())).not.toContain('authorization');
    expect(config.QueryStringsConfig).toEqual({ QueryStringBehavior: 'all' });
    expect(FORWARDED_HANDSHAKE_HEADERS).toEqual(config.HeadersConfig.Headers);
  });

  it('sends every request uncached over HTTPS to the prod stage of the WebSocket API', () => {
    const [distribution] = Object.values(template.findResources('AWS::CloudFront::Distribution')) as {
      Properties: { DistributionConfig: Record<string, any> };
    }[];
    const config = distribution!.Properties.DistributionConfig;
    const [origin] = config.Origins;
    expect(flatten(origin.DomainName)).toBe(
      `<${logicalIdOf(stack.ocppGateway.api)}>.execute-api.<AWS::Region>.<AWS::URLSuffix>`,
    );
    expect(origin.OriginPath).toBe('/prod');
    expect(origin.CustomOriginConfig).toEqual({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] });
    // The managed CachingDisabled policy.
    expect(config.DefaultCacheBehavior.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad');
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('https-only');
    expect(config.Logging).toBeDefined();
  });

  it('runs the path function (the file the unit test exercises) on every viewer request', () => {
    const functions = template.findResources('AWS::CloudFront::Function');
    const [[functionId, fn]] = Object.entries(functions) as [[string, { Properties: Record<string, any> }]];
    expect(fn.Properties.FunctionConfig.Runtime).toBe('cloudfront-js-2.0');
    expect(fn.Properties.FunctionCode).toBe(readFileSync(OCPP_PATH_FUNCTION_FILE, 'utf8'));
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: {
        DefaultCacheBehavior: {
          FunctionAssociations: [{ EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [functionId, 'FunctionARN'] } }],
        },
      },
    });
  });
});

describe('the HTTP API', () => {
  it.each([
    ['ANY /installer/{proxy+}', 'installer-api'],
    ['ANY /ops/{proxy+}', 'ops-api'],
  ])('routes %s to lambdas/%s.ts behind the console\'s Cognito JWT authorizer', (routeKey, entry) => {
    expect(entryBehindRoute(routeKey)).toBe(entry);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: routeKey, AuthorizationType: 'JWT' });
  });

  it.each([
    ['POST /payter/{token}/card/{readingId}', 'payter-card-read'],
    ['POST /payter/{token}/ui/{contextId}', 'payter-ui-callback'],
    ['POST /payter/{token}/state', 'payter-terminal-state'],
    ['GET /receipts/{sessionId}', 'receipt-page'],
    ['POST /receipts/{sessionId}/email', 'receipt-email'],
  ])('routes %s to lambdas/%s.ts without API Gateway authorization: the URL carries the capability', (routeKey, entry) => {
    expect(entryBehindRoute(routeKey)).toBe(entry);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: routeKey, AuthorizationType: 'NONE' });
  });

  it('has no other routes', () => {
    const httpApiId = logicalIdOf(stack.httpApi.api);
    const routeKeys = Object.values(resources)
      .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route' && referencedIds(r.Properties?.ApiId).includes(httpApiId))
      .map((r) => r.Properties?.RouteKey);
    expect(routeKeys.sort()).toEqual([
      'ANY /installer/{proxy+}',
      'ANY /ops/{proxy+}',
      'GET /receipts/{sessionId}',
      'POST /payter/{token}/card/{readingId}',
      'POST /payter/{token}/state',
      'POST /payter/{token}/ui/{contextId}',
      'POST /receipts/{sessionId}/email',
    ]);
  });

  it('writes access logs on its $default stage', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ApiId: { Ref: logicalIdOf(stack.httpApi.api) },
      StageName: '$default',
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
    });
  });
});

describe('the tables', () => {
  it.each(Object.entries(TABLES))('%s is built from its spec', (name, spec) => {
    const table = resources[logicalIdOf(stack.tables.table(name as TableName))]!;
    expect(table.Type).toBe('AWS::DynamoDB::GlobalTable');
    const props = table.Properties as Record<string, any>;
    const keySchema = [
      { AttributeName: spec.partitionKey, KeyType: 'HASH' },
      ...('sortKey' in spec ? [{ AttributeName: spec.sortKey, KeyType: 'RANGE' }] : []),
    ];
    expect(props.KeySchema).toEqual(keySchema);
    expect(props.BillingMode).toBe('PAY_PER_REQUEST');
    expect(props.AttributeDefinitions.every((a: { AttributeType: string }) => a.AttributeType === 'S')).toBe(true);
    expect(props.Replicas).toEqual([
      expect.objectContaining({
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      }),
    ]);
    expect(props.TimeToLiveSpecification).toEqual(
      'timeToLiveAttribute' in spec ? { AttributeName: spec.timeToLiveAttribute, Enabled: true } : undefined,
    );
    const indexes = 'globalIndexes' in spec ? spec.globalIndexes : [];
    expect(props.GlobalSecondaryIndexes ?? []).toEqual(
      indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          ...('sortKey' in index ? [{ AttributeName: index.sortKey, KeyType: 'RANGE' }] : []),
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      })),
    );
  });

  it('are all retained when the stack goes', () => {
    const tables = template.findResources('AWS::DynamoDB::GlobalTable');
    expect(Object.keys(tables)).toHaveLength(Object.keys(TABLES).length);
    for (const table of Object.values(tables)) expect(table.DeletionPolicy).toBe('Retain');
  });
});

describe('least privilege', () => {
  it('knows every function of the stack', () => {
    const entries = stack.node.findAll().filter((c) => c instanceof CsmsFunction).map((c) => (c as CsmsFunction).entryName);
    expect(entries.sort()).toEqual([...ENTRIES].sort());
  });

  it.each(ENTRIES.map((entry) => [entry, specOf(entry).tables] as const))(
    '%s reaches exactly its tables, and learns exactly their names',
    (entry, expected) => {
      expect(tableAccessOf(entry)).toEqual(expected);
      const environment = environmentOf(entry);
      const tableVariables = Object.keys(environment).filter((name) => name.endsWith('_TABLE'));
      expect(tableVariables.sort()).toEqual((Object.keys(expected) as TableName[]).map((name) => TABLES[name].envVar).sort());
      for (const name of Object.keys(expected) as TableName[]) {
        expect(environment[TABLES[name].envVar]).toEqual({ Ref: logicalIdOf(stack.tables.table(name)) });
      }
    },
  );

  const connectionsOfItsOwnApi = (method: string) =>
    `arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${logicalIdOf(stack.ocppGateway.api)}>/prod/${method}/@connections/*`;

  it.each(POSTERS)('%s may post to connections of its own WebSocket API stage only (and close them if it must)', (entry) => {
    const statements = statementsWithAction(entry, 'execute-api:');
    expect(statements).toHaveLength(1);
    expect(asList(statements[0]!.Action)).toEqual(['execute-api:ManageConnections']);
    const methods = CLOSERS.includes(entry) ? ['POST', 'DELETE'] : ['POST'];
    expect(asList(statements[0]!.Resource).map(flatten).sort()).toEqual(methods.map(connectionsOfItsOwnApi).sort());
  });

  it.each(ENTRIES.filter((entry) => !POSTERS.includes(entry)))('%s cannot post to connections', (entry) => {
    expect(statementsWithAction(entry, 'execute-api:')).toEqual([]);
  });

  it.each(Object.entries(WORKFLOW_ACTIONS))('%s may only %s, on the session state machine only', (entry, actions) => {
    const statements = statementsWithAction(entry, 'states:');
    expect(statements.flatMap((s) => asList(s.Action)).sort()).toEqual(actions);
    for (const statement of statements) expect(asList(statement.Resource).map(flatten)).toEqual([stateMachineArn()]);
  });

  it("ops-api may read the session state machine's executions and their histories only (nothing stops or lists them), and complete its tasks", () => {
    const [callbacks, ...statements] = statementsWithAction('ops-api', 'states:').sort((a, b) =>
      asList(a.Action).includes('states:SendTaskSuccess') ? -1 : asList(b.Action).includes('states:SendTaskSuccess') ? 1 : 0,
    );
    expect(asList(callbacks!.Action).sort()).toEqual(TASK_CALLBACKS);
    expect(asList(callbacks!.Resource).map(flatten)).toEqual([stateMachineArn()]);
    expect(statements).toHaveLength(1);
    expect(asList(statements[0]!.Action).sort()).toEqual(['states:DescribeExecution', 'states:GetExecutionHistory']);
    expect(asList(statements[0]!.Resource).map(flatten)).toEqual([
      `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${stack.sessionWorkflow.stateMachineName}:*`,
    ]);
  });

  it("session-sweeper may only read the status of the session state machine's executions and fail its tasks (a lost charger's stop wait)", () => {
    const statements = statementsWithAction('session-sweeper', 'states:');
    const byAction = Object.fromEntries(statements.flatMap((s) => asList(s.Action).map((a) => [a, asList(s.Resource).map(flatten)])));
    expect(Object.keys(byAction).sort()).toEqual(['states:DescribeExecution', 'states:SendTaskFailure']);
    expect(byAction['states:DescribeExecution']).toEqual([
      `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${stack.sessionWorkflow.stateMachineName}:*`,
    ]);
    expect(byAction['states:SendTaskFailure']).toEqual([stateMachineArn()]);
  });

  it('runs the session sweeper every 5 minutes', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule')) as { Properties: { ScheduleExpression: string; Targets: { Arn: unknown }[] } }[];
    const sweeps = rules.filter((r) => r.Properties.Targets.flatMap((t) => referencedIds(t.Arn)).map(entryOfFunctionLogicalId).includes('session-sweeper'));
    expect(sweeps).toHaveLength(1);
    expect(sweeps[0]!.Properties.ScheduleExpression).toBe('rate(5 minutes)');
    expect(sweeps[0]!.Properties.Targets).toHaveLength(1);
  });

  it.each(ENTRIES.filter((entry) => !(entry in WORKFLOW_ACTIONS) && !['ops-api', 'session-sweeper'].includes(entry)))(
    '%s may not start, signal or stop workflow executions',
    (entry) => {
      expect(statementsWithAction(entry, 'states:')).toEqual([]);
    },
  );

  it('lets only the card-read callback start executions, of the session state machine only', () => {
    const starting = allStatements().filter(({ statement }) =>
      asList(statement.Action).some((a) => a === 'states:StartExecution' || a === 'states:*' || a === '*'),
    );
    expect(starting.flatMap(({ roles }) => roles.map(roleOwner))).toEqual(['payter-card-read']);
    expect(starting.flatMap(({ statement }) => asList(statement.Resource).map(flatten))).toEqual([stateMachineArn()]);
  });

  it('lets only the functions that talk to Payter read the Payter secrets, and no one change them', () => {
    expect(template.findResources('AWS::SecretsManager::ResourcePolicy')).toEqual({});
    const secretStatements = allStatements().filter(({ statement }) =>
      asList(statement.Action).some((a) => a.startsWith('secretsmanager:') || a === '*'),
    );
    for (const { statement } of secretStatements) {
      expect(asList(statement.Action).sort()).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
    }
    const readersOf = [
      // The reconciliation job calls CPS but builds no callback URL.
      [stack.payter.apiKey, [...PAYTER_CLIENTS, 'reconciliation-job']],
      [stack.payter.callbackSecret, PAYTER_CLIENTS],
      [stack.myPayter.credentials, ['reconciliation-job']],
    ] as const;
    for (const [secret, expected] of readersOf) {
      const secretId = logicalIdOf(secret);
      const readers = secretStatements
        .filter(({ statement }) => asList(statement.Resource).some((r) => r === '*' || referencedIds(r).includes(secretId)))
        .flatMap(({ roles }) => roles.map(roleOwner));
      expect(readers.sort(), secretId).toEqual([...expected].sort());
    }
  });

  it('lets receipt-email alone send e-mail, with ses:SendEmail only, from the receipt sender (its address or domain identity) only', () => {
    for (const entry of ENTRIES.filter((e) => e !== 'receipt-email')) expect(statementsWithAction(entry, 'ses:'), entry).toEqual([]);
    const identity = (name: string) => `arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:identity/${name}`;
    expect(statementsWithAction('receipt-email', 'ses:').map((s) => ({ ...s, Resource: asList(s.Resource).map(flatten).sort() }))).toEqual([
      {
        Effect: 'Allow',
        Action: 'ses:SendEmail',
        Resource: [identity('example.com'), identity(DEFAULT_RECEIPT_SENDER)],
        Condition: { StringEquals: { 'ses:FromAddress': DEFAULT_RECEIPT_SENDER } },
      },
    ]);
  });

  it('grants "*" to no function except for the X-Ray actions, which have no resource-level permissions', () => {
    for (const entry of ENTRIES) {
      const starred = statementsOf(entry).filter((s) => asList(s.Resource).includes('*'));
      expect(starred.flatMap((s) => asList(s.Action)).sort(), entry).toEqual([
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ]);
    }
  });

  it('writes each function\'s logs to its own log group, without the AWS managed basic execution policy', () => {
    for (const [logicalId, role] of Object.entries(template.findResources('AWS::IAM::Role'))) {
      if (isCdkDeploymentFunction(logicalId)) continue;
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
    for (const entry of ['ocpp-message', 'ops-api']) {
      const fnProps = resources[logicalIdOf(csmsFunction(entry))]!.Properties as Record<string, any>;
      const [logGroupId] = referencedIds(fnProps.LoggingConfig.LogGroup);
      expect(resources[logGroupId!]!.Type).toBe('AWS::Logs::LogGroup');
      const logStatements = statementsWithAction(entry, 'logs:');
      expect(logStatements.flatMap((s) => referencedIds(s.Resource))).toEqual([logGroupId]);
    }
  });
});

describe('the functions', () => {
  it.each(POSTERS)('%s knows the connection management endpoint', (entry) => {
    expect(flatten(environmentOf(entry).WS_MANAGEMENT_ENDPOINT)).toBe(
      `https://<${logicalIdOf(stack.ocppGateway.api)}>.execute-api.<AWS::Region>.<AWS::URLSuffix>/prod`,
    );
  });

  it.each(ENTRIES.filter((entry) => !POSTERS.includes(entry)))('%s knows nothing of the charger connections', (entry) => {
    expect(environmentOf(entry)).not.toHaveProperty('WS_MANAGEMENT_ENDPOINT');
  });

  it.each(ENTRIES)('%s is handed exactly the settings it reads, with the stack defaults', (entry) => {
    const environment = environmentOf(entry);
    const expected: Record<Setting, unknown> = {
      payterApi: DEFAULT_PAYTER_API_URL,
      publicBaseUrl: httpApiBase(),
      heartbeatInterval: '300',
      callTimeout: '30',
      refundChannel: 'cps',
      myPayterApi: DEFAULT_MYPAYTER_API_URL,
      receiptSender: DEFAULT_RECEIPT_SENDER,
    };
    const handed = Object.fromEntries(
      (Object.keys(SETTING_VARIABLES) as Setting[]).flatMap((setting) =>
        SETTING_VARIABLES[setting] in environment ? [[setting, flatten(environment[SETTING_VARIABLES[setting]])]] : [],
      ),
    );
    expect(handed).toEqual(Object.fromEntries((specOf(entry).settings ?? []).map((setting) => [setting, expected[setting]])));
  });

  const knowingTheWorkflow = ENTRIES.filter((entry) => specOf(entry).workflow !== undefined);
  const unawareOfTheWorkflow = ENTRIES.filter((entry) => !knowingTheWorkflow.includes(entry));
  it.each(knowingTheWorkflow)('%s knows the session state machine', (entry) => {
    expect(flatten(environmentOf(entry).SESSION_STATE_MACHINE_ARN)).toBe(stateMachineArn());
  });

  it.each(unawareOfTheWorkflow)('%s knows nothing of the workflow', (entry) => {
    expect(environmentOf(entry)).not.toHaveProperty('SESSION_STATE_MACHINE_ARN');
  });

  it.each(PAYTER_CLIENTS)('%s knows the CPS URL, the public base URL and where both Payter secrets are', (entry) => {
    const environment = environmentOf(entry);
    expect(environment.PAYTER_API_URL).toBe(DEFAULT_PAYTER_API_URL);
    expect(flatten(environment.PUBLIC_BASE_URL)).toBe(httpApiBase());
    expect(environment.PAYTER_API_KEY_SECRET_ARN).toEqual({ Ref: logicalIdOf(stack.payter.apiKey) });
    expect(environment.PAYTER_CALLBACK_SECRET_ARN).toEqual({ Ref: logicalIdOf(stack.payter.callbackSecret) });
  });

  it('reconciliation-job knows the CPS URL and where the API key and the MyPayter credentials are, nothing of callbacks', () => {
    const environment = environmentOf('reconciliation-job');
    expect(environment.PAYTER_API_URL).toBe(DEFAULT_PAYTER_API_URL);
    expect(environment.PAYTER_API_KEY_SECRET_ARN).toEqual({ Ref: logicalIdOf(stack.payter.apiKey) });
    expect(environment.MYPAYTER_API_URL).toBe(DEFAULT_MYPAYTER_API_URL);
    expect(environment.MYPAYTER_CREDENTIALS_SECRET_ARN).toEqual({ Ref: logicalIdOf(stack.myPayter.credentials) });
    expect(environment).not.toHaveProperty('PAYTER_CALLBACK_SECRET_ARN');
    expect(environment).not.toHaveProperty('PUBLIC_BASE_URL');
  });

  it.each(ENTRIES.filter((entry) => !PAYTER_CLIENTS.includes(entry) && entry !== 'reconciliation-job'))('%s knows nothing of Payter', (entry) => {
    expect(Object.keys(environmentOf(entry)).filter((name) => name.startsWith('PAYTER_') || name === 'PUBLIC_BASE_URL')).toEqual([]);
  });

  it('never hands a secret value to a function in its environment', () => {
    for (const entry of ENTRIES) {
      const names = Object.keys(environmentOf(entry));
      expect(names.filter((name) => /KEY$|SECRET$/.test(name)), entry).toEqual([]);
    }
  });

  it('all run Node.js 22 on ARM64 with active tracing and source maps (read at run time off the chargers\' and drivers\' reply paths); the workflow steps may take a minute', () => {
    const functions = Object.fromEntries(
      Object.entries(template.findResources('AWS::Lambda::Function')).filter(([logicalId]) => !isCdkDeploymentFunction(logicalId)),
    );
    expect(Object.keys(functions)).toHaveLength(ENTRIES.length);
    for (const [logicalId, fn] of Object.entries(functions)) {
      const entry = entryOfFunctionLogicalId(logicalId);
      expect(fn.Properties, entry).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        MemorySize: 512,
        // A finalize call waits for Payter up to 10 s, on top of a cold start.
        // The station-call timer looks every 5 s for a minute; an operator's OCPP call waits up to 25 s;
        // the reconciliation job may page through MyPayter and list every reader's holds; the sweeper settles many sessions.
        Timeout: { 'session-step': 60, 'station-call-timer': 75, 'ops-api': 29, 'reconciliation-job': 300, 'session-sweeper': 300 }[entry] ?? 10,
        Environment: { Variables: { LOG_LEVEL: 'INFO' } },
      });
      // A cold start that reads the map is slower (test/bench/bundles.ts); a charger or a driver waits on these.
      const onAReplyPath = ['ocpp-authorizer', 'ocpp-connect', 'ocpp-message', 'ocpp-disconnect', 'station-command', 'payter-card-read', 'payter-ui-callback'];
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS, entry).toBe(onAReplyPath.includes(entry) ? undefined : '--enable-source-maps');
    }
  });
});

describe('the Payter secrets', () => {
  it('are generated: the API key as a placeholder the operator replaces (kept if the stack lets go of it), the callback secret 48 characters without punctuation', () => {
    const apiKey = resources[logicalIdOf(stack.payter.apiKey)] as { Properties: any; DeletionPolicy?: string };
    expect(apiKey.Properties.GenerateSecretString).toBeDefined();
    expect(apiKey.Properties.SecretString).toBeUndefined();
    expect(apiKey.DeletionPolicy).toBe('Retain');
    const callbackSecret = resources[logicalIdOf(stack.payter.callbackSecret)] as { Properties: any };
    expect(callbackSecret.Properties.GenerateSecretString).toEqual({ PasswordLength: 48, ExcludePunctuation: true });
  });
});

describe('the scheduled reconciliation', () => {
  it('runs every 15 minutes on an EventBridge schedule, invoking the reconciliation job only, without retries', () => {
    const rules = template.findResources('AWS::Events::Rule');
    const rule = rules[logicalIdOf(stack.schedules['reconciliation-job']!)]!.Properties;
    // No other schedule invokes it.
    const invokers = Object.values(rules).filter((r) => r.Properties.Targets.some((t: { Arn: unknown }) => referencedIds(t.Arn).includes(logicalIdOf(csmsFunction('reconciliation-job')))));
    expect(invokers).toHaveLength(1);
    expect(rule.ScheduleExpression).toBe('rate(15 minutes)');
    expect(rule.State).toBe('ENABLED');
    expect(rule.Targets).toHaveLength(1);
    expect(referencedIds(rule.Targets[0].Arn)).toEqual([logicalIdOf(csmsFunction('reconciliation-job'))]);
    expect(rule.Targets[0].RetryPolicy).toEqual({ MaximumRetryAttempts: 0 });
    const ruleId = logicalIdOf(stack.schedules['reconciliation-job']!);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [logicalIdOf(csmsFunction('reconciliation-job')), 'Arn'] },
      SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
    });
  });

  it('keeps the MyPayter login in a generated placeholder secret {username, password, domain} the operator fills in, and says where', () => {
    const secret = resources[logicalIdOf(stack.myPayter.credentials)] as { Properties: any; DeletionPolicy?: string };
    expect(secret.Properties.GenerateSecretString).toMatchObject({ GenerateStringKey: 'password' });
    expect(Object.keys(JSON.parse(secret.Properties.GenerateSecretString.SecretStringTemplate as string)).sort()).toEqual(['domain', 'username']);
    expect(secret.DeletionPolicy).toBe('Retain');
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.MyPayterCredentialsSecretArn!.Value).toEqual({ Ref: logicalIdOf(stack.myPayter.credentials) });
  });
});

describe('the session workflow', () => {
  function machine(): Record<string, any> {
    const [[, found]] = Object.entries(template.findResources('AWS::StepFunctions::StateMachine')) as [
      [string, { Properties: Record<string, any> }],
    ];
    return found.Properties;
  }

  /** The definition as Step Functions receives it: the asset the template points at. */
  function shippedDefinition(): string {
    const { Key } = machine().DefinitionS3Location as { Key: string };
    return readFileSync(join(app.outdir, `asset.${Key}`), 'utf8');
  }

  it('is a Standard state machine from the ASL file, each placeholder filled with its task function', () => {
    expect(machine().StateMachineType).toBe('STANDARD');
    expect(machine().StateMachineName).toBe('TestCsms-charging-session');
    const substitutions = machine().DefinitionSubstitutions as Record<string, unknown>;
    expect(
      Object.fromEntries(Object.entries(substitutions).map(([name, value]) => [name, referencedIds(value).map(entryOfFunctionLogicalId)])),
    ).toEqual({ StationCommandFunctionArn: ['station-command'], SessionStepFunctionArn: ['session-step'] });
    // No ${...} reaches Step Functions unfilled (it would refuse the definition at deploy time).
    const asl = readFileSync(new URL('../../statemachines/charging-session.asl.json', import.meta.url), 'utf8');
    expect(shippedDefinition()).toBe(asl);
    expect(placeholdersOf(shippedDefinition()).sort()).toEqual(Object.keys(substitutions).sort());
  });

  it("outlasts Payter's whole commit and cancel retry schedule, within the year a Standard execution may run", () => {
    const { TimeoutSeconds } = JSON.parse(shippedDefinition()) as { TimeoutSeconds: number };
    const schedule = PAYTER_FINALIZE_RETRY_DELAYS_SECONDS.reduce((sum, delay) => sum + delay, 0);
    expect(TimeoutSeconds).toBe(10 * 24 * 3600);
    expect(TimeoutSeconds).toBeGreaterThan(schedule);
    expect(TimeoutSeconds).toBeLessThanOrEqual(365 * 24 * 3600);
  });

  it('logs only failures, without the executions\' data, by default, and is traced', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: { Level: 'ERROR', IncludeExecutionData: false, Destinations: Match.anyValue() },
      TracingConfiguration: { Enabled: true },
    });
  });

  it('may invoke its two task functions and no other', () => {
    const machineRoleId = logicalIdOf(stack.sessionWorkflow.stateMachine.role);
    const invokes = allStatements()
      .filter(({ roles }) => roles.includes(machineRoleId))
      .map(({ statement }) => statement)
      .filter((s) => asList(s.Action).some((a) => a.startsWith('lambda:')));
    const invoked = invokes
      .flatMap((s) => referencedIds(s.Resource))
      .filter((id) => resources[id]?.Type === 'AWS::Lambda::Function')
      .map(entryOfFunctionLogicalId);
    expect([...new Set(invoked)].sort()).toEqual(['session-step', 'station-command']);
    expect(invokes.flatMap((s) => asList(s.Action)).every((a) => a === 'lambda:InvokeFunction')).toBe(true);
  });
});

describe('the stack', () => {
  it('tells the operator where everything is', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(flatten(outputs.OcppEndpointUrl!.Value)).toBe(
      `wss://<${logicalIdOf(stack.ocppGateway.distribution)}.DomainName>/ocpp/{stationId}`,
    );
    expect(flatten(outputs.WebSocketApiUrl!.Value)).toMatch(/^wss:\/\/<OcppApi\w+>\.execute-api\..*\/prod$/);
    expect(flatten(outputs.HttpApiUrl!.Value)).toMatch(/^https:\/\/<HttpApi\w+>\.execute-api\./);
    expect(outputs.SessionStateMachineArn!.Value).toEqual({ Ref: logicalIdOf(stack.sessionWorkflow.stateMachine) });
  });

  it("tells the operator where Payter's web hook goes and where the Payter secrets are", () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown; Description: string }>;
    expect(flatten(outputs.PayterStateWebhookUrl!.Value)).toBe(`${httpApiBase()}payter/{token}/state`);
    expect(outputs.PayterStateWebhookUrl!.Description).toMatch(/HMAC-SHA256 of the string "state"/);
    expect(outputs.PayterApiKeySecretArn!.Value).toEqual({ Ref: logicalIdOf(stack.payter.apiKey) });
    expect(outputs.PayterCallbackSecretArn!.Value).toEqual({ Ref: logicalIdOf(stack.payter.callbackSecret) });
  });

  it('has no circular references between its resources (CloudFormation would refuse them at deploy time)', () => {
    const dependencies = new Map(
      Object.entries(resources).map(([id, r]) => {
        const dependsOn = (r as { DependsOn?: string | string[] }).DependsOn ?? [];
        const ids = [...referencedIds(r.Properties ?? {}), ...asList(dependsOn)].filter((d) => d in resources);
        return [id, ids];
      }),
    );
    const done = new Set<string>();
    const visiting = new Set<string>();
    const cycleFrom = (id: string, path: string[]): string[] | undefined => {
      if (done.has(id)) return undefined;
      if (visiting.has(id)) return [...path, id];
      visiting.add(id);
      for (const next of dependencies.get(id) ?? []) {
        const cycle = cycleFrom(next, [...path, id]);
        if (cycle) return cycle;
      }
      visiting.delete(id);
      done.add(id);
      return undefined;
    };
    for (const id of dependencies.keys()) expect(cycleFrom(id, [])).toBeUndefined();
  });

  it('has no CDK errors', () => {
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
  });

  it('passes the cdk-nag AwsSolutions checks, errors and warnings alike', () => {
    // cdk-nag 3 is a policy-validation plugin, not an aspect: it reports violations instead of annotations.
    const report = new AwsSolutionsChecks(app).validateScope(stack);
    const violations = report.violations.map(
      (v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(violations).toEqual([]);
  });

  it('gives a reason for every rule it acknowledges', () => {
    const acknowledgements = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata)
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>));
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const [rule, reason] of acknowledgements) {
      expect(rule).toMatch(/^Annotation::AwsSolutions-/);
      expect(reason.length, rule).toBeGreaterThanOrEqual(40);
    }
  });
});
