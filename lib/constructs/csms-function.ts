import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ApplicationLogLevel, Architecture, LoggingFormat, Runtime, SystemLogLevel, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel as BundlingLogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { LAMBDA_ALIASES, LAMBDA_BUNDLING } from '../bundling';
import type { TableSpec } from '../tables';
import { acknowledge, logicalIdOf } from './nag';

/** How a function may use a table: read only, or read and write. */
export type TableAccess = 'RO' | 'RW';

const ACCESS_RANK: Record<TableAccess, number> = { RO: 1, RW: 2 };

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

const LAMBDAS_DIR = fileURLToPath(new URL('../../lambdas/', import.meta.url));

export interface CsmsFunctionProps {
  /** The entry point's file in `lambdas/`, without extension: `ocpp-message` builds `lambdas/ocpp-message.ts`. */
  readonly entry: string;
  /**
   * What the function does, shown in the console.
   * @default - none
   */
  readonly description?: string;
  /**
   * Memory in MB (CPU scales with it).
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * `POWERTOOLS_SERVICE_NAME`: the `service` key of every log line and metric.
   * @default - the entry name
   */
  readonly serviceName?: string;
  /**
   * `LOG_LEVEL` for the Powertools logger.
   * @default 'INFO'
   */
  readonly logLevel?: LogLevel;
  /**
   * How long the function's own log group keeps its logs.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Whether Node maps stack traces through the bundle's source map (`--enable-source-maps`),
   * which costs every cold start the reading of the map (test/bench/bundles.ts measures it).
   * The map is in the asset either way.
   * @default true
   */
  readonly sourceMapsAtRunTime?: boolean;
  /**
   * Further environment variables. Table names come from `bindTable`, never from here.
   * @default - none
   */
  readonly environment?: Record<string, string>;
}

/**
 * The one way to build a Lambda in this project: Node.js 22 on ARM64, ESM bundle with source
 * maps, its own log group, active X-Ray tracing and a role that holds only what is granted to
 * it (the log permissions are written here instead of the AWSLambdaBasicExecutionRole managed
 * policy, which may write to every log group of the account).
 *
 * The log group and role are created beside the function (ids `<id>Logs`, `<id>Role`) because
 * they must exist before the function itself.
 */
export class CsmsFunction extends NodejsFunction {
  /** The name of the entry in `lambdas/`. */
  readonly entryName: string;
  readonly executionRole: Role;
  /** Its own log group, for metric filters and alarms. */
  readonly logs: LogGroup;
  /** The access granted so far per table id, so that binding a table twice only ever widens it. */
  private readonly tableAccess = new Map<string, TableAccess>();

  constructor(scope: Construct, id: string, props: CsmsFunctionProps) {
    if (!/^[a-z0-9-]+$/.test(props.entry)) {
      throw new Error(`CsmsFunction ${id}: entry "${props.entry}" must be a file name in lambdas/ without extension`);
    }
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
    });
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the ${props.entry} Lambda`,
    });

    super(scope, id, {
      entry: `${LAMBDAS_DIR}${props.entry}.ts`,
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      logGroup,
      // Lambda's own START/END/REPORT lines are INFO: at WARN only its errors and timeouts are
      // written, which saves ~300 bytes of ingestion per invocation (a Heartbeat's whole log).
      // Powertools writes its JSON lines to stdout itself, so they, and the metric filters on
      // `$.message`, are the same in the JSON format; the application level is Powertools' own.
      loggingFormat: LoggingFormat.JSON,
      systemLogLevelV2: SystemLogLevel.WARN,
      applicationLogLevelV2: ApplicationLogLevel[props.logLevel ?? 'INFO'],
      role,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName ?? props.entry,
        LOG_LEVEL: props.logLevel ?? 'INFO',
        ...(props.sourceMapsAtRunTime !== false && { NODE_OPTIONS: '--enable-source-maps' }),
        ...props.environment,
      },
      bundling: {
        ...LAMBDA_BUNDLING,
        format: OutputFormat.ESM,
        mainFields: [...LAMBDA_BUNDLING.mainFields],
        logLevel: BundlingLogLevel.WARNING,
        esbuildArgs: { '--alias': Object.entries(LAMBDA_ALIASES).map(([module, path]) => `${module}=${path}`) },
      },
    });

    this.entryName = props.entry;
    this.executionRole = role;
    this.logs = logGroup;
    logGroup.grantWrite(role);

    acknowledge(this, {
      id: 'AwsSolutions-L1',
      reason:
        'Pinned to nodejs22.x on purpose: the toolchain (vitest 4, middy 6, the pinned AWS SDK) is tested on Node 20/22, not yet on 24.',
    });
    acknowledge(role, {
      id: 'AwsSolutions-IAM5',
      reason:
        'Active tracing adds xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions (test/cdk asserts that X-Ray is the only Resource "*").',
      appliesTo: ['Resource::*'],
    });
  }

  /**
   * Hands the function one table: sets the environment variable named by the spec to the
   * table's name and grants read or read-write access (indexes included) in the same call,
   * so the variable and the permission never drift apart. Binding a table again with the same or a narrower access changes nothing.
   */
  bindTable(table: ITable, spec: TableSpec, access: TableAccess): this {
    const previous = this.tableAccess.get(spec.id);
    if (previous !== undefined && ACCESS_RANK[previous] >= ACCESS_RANK[access]) return this;
    this.tableAccess.set(spec.id, access);
    this.addEnvironment(spec.envVar, table.tableName);
    if (access === 'RW') table.grantReadWriteData(this);
    else table.grantReadData(this);

    if (spec.globalIndexes !== undefined && spec.globalIndexes.length > 0) {
      acknowledge(this.executionRole, {
        id: 'AwsSolutions-IAM5',
        reason: `Queries on the ${spec.id} table's global secondary indexes (${spec.globalIndexes.map((i) => i.name).join(', ')}); the wildcard covers only that table's indexes.`,
        appliesTo: [`Resource::<${logicalIdOf(table)}.Arn>/index/*`],
      });
    }
    return this;
  }
}
