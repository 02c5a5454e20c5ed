import { readFileSync } from 'node:fs';
import { App, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { CsmsFunction, type TableAccess } from '../../lib/constructs/csms-function';
import { FORWARDED_HANDSHAKE_HEADERS, OCPP_PATH_FUNCTION_FILE } from '../../lib/constructs/ocpp-gateway';
import { logicalIdOf } from '../../lib/constructs/nag';
import { CsmsStack } from '../../lib/csms-stack';
import { TABLES, type TableName } from '../../lib/tables';

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
  ])('routes %s to lambdas/%s.ts behind IAM authorization', (routeKey, entry) => {
    expect(entryBehindRoute(routeKey)).toBe(entry);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: routeKey, AuthorizationType: 'AWS_IAM' });
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
        Projection: { ProjectionType: 'ALL' },
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
  it.each<[string, Partial<Record<TableName, TableAccess>>]>([
    ['ocpp-authorizer', { stations: 'RO' }],
    ['ocpp-connect', { connections: 'RW', stations: 'RW' }],
    ['ocpp-message', { connections: 'RO', stations: 'RW', transactions: 'RW', pendingCalls: 'RW', sessions: 'RW' }],
    ['ocpp-disconnect', { connections: 'RW', stations: 'RW' }],
    ['station-command', { pendingCalls: 'RW', stations: 'RO', connections: 'RO' }],
    ['installer-api', { sites: 'RW', stations: 'RW', readers: 'RW' }],
    ['ops-api', { stations: 'RO', connections: 'RO', transactions: 'RO', pendingCalls: 'RW', sessions: 'RO' }],
  ])('%s reaches exactly its tables, and learns exactly their names', (entry, expected) => {
    expect(tableAccessOf(entry)).toEqual(expected);
    const tableVariables = Object.keys(environmentOf(entry)).filter((name) => name.endsWith('_TABLE'));
    expect(tableVariables.sort()).toEqual(
      (Object.keys(expected) as TableName[]).map((name) => TABLES[name].envVar).sort(),
    );
  });

  const connectionsOfItsOwnApi = () =>
    `arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${logicalIdOf(stack.ocppGateway.api)}>/prod/POST/@connections/*`;

  it.each(['ocpp-connect', 'ocpp-message', 'ocpp-disconnect', 'station-command', 'ops-api'])(
    '%s may post to connections of its own WebSocket API stage only',
    (entry) => {
      const statements = statementsWithAction(entry, 'execute-api:');
      expect(statements).toHaveLength(1);
      expect(asList(statements[0]!.Action)).toEqual(['execute-api:ManageConnections']);
      expect(asList(statements[0]!.Resource).map(flatten)).toEqual([connectionsOfItsOwnApi()]);
    },
  );

  it.each(['ocpp-authorizer', 'installer-api'])('%s cannot post to connections', (entry) => {
    expect(statementsWithAction(entry, 'execute-api:')).toEqual([]);
  });

  it('ocpp-message may complete workflow tasks on the session state machine only', () => {
    const statements = statementsWithAction('ocpp-message', 'states:');
    expect(statements).toHaveLength(1);
    expect(asList(statements[0]!.Action).sort()).toEqual([
      'states:SendTaskFailure',
      'states:SendTaskHeartbeat',
      'states:SendTaskSuccess',
    ]);
    expect(asList(statements[0]!.Resource).map(flatten)).toEqual([stateMachineArn()]);
  });

  it('station-command may fail or complete tasks on the session state machine only', () => {
    const statements = statementsWithAction('station-command', 'states:');
    expect(statements).toHaveLength(1);
    expect(asList(statements[0]!.Action).sort()).toEqual(['states:SendTaskFailure', 'states:SendTaskSuccess']);
    expect(asList(statements[0]!.Resource).map(flatten)).toEqual([stateMachineArn()]);
  });

  it('ops-api may inspect and stop executions of the session state machine only', () => {
    const statements = statementsWithAction('ops-api', 'states:');
    expect(statements).toHaveLength(1);
    expect(asList(statements[0]!.Action).sort()).toEqual([
      'states:DescribeExecution',
      'states:GetExecutionHistory',
      'states:ListExecutions',
      'states:StopExecution',
    ]);
    expect(asList(statements[0]!.Resource).map(flatten).sort()).toEqual(
      [
        stateMachineArn(),
        `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${stack.sessionWorkflow.stateMachineName}:*`,
      ].sort(),
    );
  });

  it.each(['ocpp-authorizer', 'ocpp-connect', 'ocpp-disconnect', 'installer-api'])(
    '%s has nothing to do with the workflow',
    (entry) => {
      expect(statementsWithAction(entry, 'states:')).toEqual([]);
      expect(environmentOf(entry)).not.toHaveProperty('SESSION_STATE_MACHINE_ARN');
    },
  );

  it('grants "*" to no function except for the X-Ray actions, which have no resource-level permissions', () => {
    const entries = stack.node.findAll().filter((c) => c instanceof CsmsFunction).map((c) => (c as CsmsFunction).entryName);
    expect(entries).toHaveLength(7);
    for (const entry of entries) {
      const starred = statementsOf(entry).filter((s) => asList(s.Resource).includes('*'));
      expect(starred.flatMap((s) => asList(s.Action)).sort(), entry).toEqual([
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ]);
    }
  });

  it('writes each function\'s logs to its own log group, without the AWS managed basic execution policy', () => {
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
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
  it.each(['ocpp-connect', 'ocpp-message', 'ocpp-disconnect', 'station-command', 'ops-api'])(
    '%s knows the connection management endpoint, the heartbeat interval and the CALL timeout',
    (entry) => {
      const environment = environmentOf(entry);
      expect(flatten(environment.WS_MANAGEMENT_ENDPOINT)).toBe(
        `https://<${logicalIdOf(stack.ocppGateway.api)}>.execute-api.<AWS::Region>.<AWS::URLSuffix>/prod`,
      );
      expect(environment.HEARTBEAT_INTERVAL_SECONDS).toBe('300');
      expect(environment.CSMS_CALL_TIMEOUT_SECONDS).toBe('30');
    },
  );

  it.each(['ocpp-message', 'station-command', 'ops-api'])('%s knows the session state machine', (entry) => {
    expect(flatten(environmentOf(entry).SESSION_STATE_MACHINE_ARN)).toBe(stateMachineArn());
  });

  it('all run Node.js 22 on ARM64 with active tracing and source maps', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(functions).toHaveLength(7);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        MemorySize: 512,
        Timeout: 10,
        Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps', LOG_LEVEL: 'INFO' } },
      });
    }
  });
});

describe('the session workflow', () => {
  it('is a Standard state machine from the ASL file, its station-command placeholder filled with lambdas/station-command.ts', () => {
    const [[, machine]] = Object.entries(template.findResources('AWS::StepFunctions::StateMachine')) as [
      [string, { Properties: Record<string, any> }],
    ];
    expect(machine.Properties.StateMachineType).toBe('STANDARD');
    expect(machine.Properties.StateMachineName).toBe('TestCsms-charging-session');
    const substituted = referencedIds(machine.Properties.DefinitionSubstitutions.StationCommandFunctionArn);
    expect(substituted.map(entryOfFunctionLogicalId)).toEqual(['station-command']);
    const asl = readFileSync(new URL('../../statemachines/charging-session.asl.json', import.meta.url), 'utf8');
    expect(asl).toContain('${StationCommandFunctionArn}');
  });

  it('logs every event with its data and is traced', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true, Destinations: Match.anyValue() },
      TracingConfiguration: { Enabled: true },
    });
  });

  it('may invoke the station-command function', () => {
    const stationCommandId = logicalIdOf(csmsFunction('station-command'));
    const machineRoleId = logicalIdOf(stack.sessionWorkflow.stateMachine.role);
    const invokes = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && referencedIds(r.Properties?.Roles).includes(machineRoleId))
      .flatMap((r) => (r.Properties?.PolicyDocument as { Statement: Statement[] }).Statement)
      .filter((s) => asList(s.Action).includes('lambda:InvokeFunction'));
    expect(invokes.flatMap((s) => referencedIds(s.Resource))).toContain(stationCommandId);
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
