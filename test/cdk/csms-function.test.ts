import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CsmsFunction } from '../../lib/constructs/csms-function';
import { DataTables } from '../../lib/constructs/data-tables';
import { logicalIdOf } from '../../lib/constructs/nag';
import { TABLES } from '../../lib/tables';

// One synthesis with real esbuild bundling of one real entry point.
let app: App;
let stack: Stack;
let fn: CsmsFunction;
let tables: DataTables;
let template: Template;

beforeAll(() => {
  app = new App();
  stack = new Stack(app, 'FunctionUnderTest');
  tables = new DataTables(stack, 'Data');
  fn = new CsmsFunction(stack, 'Message', { entry: 'ocpp-message' });
  fn.bindTable(tables.table('sessions'), TABLES.sessions, 'RO');
  fn.bindTable(tables.table('stations'), TABLES.stations, 'RW');
  // Bound again, narrower: changes nothing.
  fn.bindTable(tables.table('stations'), TABLES.stations, 'RO');
  // Widened: the name stays, the access grows.
  fn.bindTable(tables.table('transactions'), TABLES.transactions, 'RO');
  fn.bindTable(tables.table('transactions'), TABLES.transactions, 'RW');
  template = Template.fromStack(stack);
});

function functionProperties(): Record<string, any> {
  return template.toJSON().Resources[logicalIdOf(fn)].Properties;
}

describe('CsmsFunction', () => {
  it('bundles its entry as an ES module that can still require CommonJS dependencies, with a source map', () => {
    const properties = functionProperties();
    expect(properties.Handler).toBe('index.handler');
    const assetDir = join(app.outdir, `asset.${String(properties.Code.S3Key).replace(/\.zip$/, '')}`);
    const bundle = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    expect(bundle.startsWith("import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);")).toBe(
      true,
    );
    expect(bundle).toMatch(/sourceMappingURL=index\.mjs\.map/);
    expect(existsSync(join(assetDir, 'index.mjs.map'))).toBe(true);
    // Files and lines only, not the sources' text (lib/bundling.ts).
    expect(JSON.parse(readFileSync(join(assetDir, 'index.mjs.map'), 'utf8')).sourcesContent).toBeUndefined();
    // The credential chain of a Lambda alone (lib/bundling.ts): no STS, SSO or profile clients.
    expect(bundle).not.toContain('AssumeRoleWithWebIdentity');
  });

  it('logs to its own log group, kept one month', () => {
    const [logGroupId] = Object.values(functionProperties().LoggingConfig.LogGroup) as string[];
    expect(template.toJSON().Resources[logGroupId!]).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
      Properties: { RetentionInDays: 30 },
    });
  });

  it("logs JSON with Lambda's own START/END/REPORT lines left out (system logs at WARN) and the application level of LOG_LEVEL", () => {
    expect(functionProperties().LoggingConfig).toMatchObject({ LogFormat: 'JSON', SystemLogLevel: 'WARN', ApplicationLogLevel: 'INFO' });
    expect(functionProperties().Environment.Variables.LOG_LEVEL).toBe('INFO');
  });

  it('bindTable names the table in the variable of its spec and grants exactly the access asked for', () => {
    const variables = functionProperties().Environment.Variables;
    expect(variables.SESSIONS_TABLE).toEqual({ Ref: logicalIdOf(tables.table('sessions')) });
    expect(variables.STATIONS_TABLE).toEqual({ Ref: logicalIdOf(tables.table('stations')) });
    expect(variables.TRANSACTIONS_TABLE).toEqual({ Ref: logicalIdOf(tables.table('transactions')) });
    expect(Object.keys(variables).filter((name) => name.endsWith('_TABLE')).sort()).toEqual([
      'SESSIONS_TABLE',
      'STATIONS_TABLE',
      'TRANSACTIONS_TABLE',
    ]);

    const sessionsArn = { 'Fn::GetAtt': [logicalIdOf(tables.table('sessions')), 'Arn'] };
    const stationsArn = { 'Fn::GetAtt': [logicalIdOf(tables.table('stations')), 'Arn'] };
    const statements = Object.values(
      template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: logicalIdOf(fn.executionRole) }] } }),
    )
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
      .filter((statement) => [statement.Action].flat().some((action) => action.startsWith('dynamodb:')));
    const on = (arn: unknown) => statements.filter((s) => JSON.stringify(s.Resource).includes(JSON.stringify(arn)));
    const transactionsArn = { 'Fn::GetAtt': [logicalIdOf(tables.table('transactions')), 'Arn'] };
    // No other table; transactions widened from read only to read and write.
    expect(on(sessionsArn).length + on(stationsArn).length + on(transactionsArn).length).toBe(statements.length);
    expect(on(transactionsArn).flatMap((s) => [s.Action].flat())).toContain('dynamodb:PutItem');
    // Read only, on the table and its indexes.
    const sessionsActions = on(sessionsArn).flatMap((s) => [s.Action].flat());
    for (const statement of on(sessionsArn)) {
      expect(statement.Resource).toEqual([sessionsArn, { 'Fn::Join': ['', [sessionsArn, '/index/*']] }]);
    }
    expect(sessionsActions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query']));
    expect(sessionsActions).not.toContain('dynamodb:PutItem');
    for (const statement of on(stationsArn)) expect(statement.Resource).toEqual(stationsArn);
    expect(on(stationsArn).flatMap((s) => [s.Action].flat())).toEqual(
      expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']),
    );
  });

  it('acknowledges the index wildcard only for tables it may actually query', () => {
    const acknowledged = fn.executionRole.node.metadata
      .flatMap((entry) => Object.keys(entry.data as Record<string, string>))
      .filter((rule) => rule.includes('/index/*'));
    expect(acknowledged.some((rule) => rule.includes(logicalIdOf(tables.table('sessions'))))).toBe(true);
    expect(acknowledged.some((rule) => rule.includes(logicalIdOf(tables.table('readers'))))).toBe(false);
  });

  it('refuses an entry that is not a bare file name in lambdas/', () => {
    expect(() => new CsmsFunction(stack, 'WithExtension', { entry: 'ocpp-message.ts' })).toThrow(/without extension/);
    expect(() => new CsmsFunction(stack, 'WithPath', { entry: '../bin/app' })).toThrow(/without extension/);
  });
});
