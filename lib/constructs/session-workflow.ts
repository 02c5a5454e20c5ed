import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ArnFormat, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { CsmsFunction } from './csms-function';
import { acknowledge, logicalIdOf } from './nag';
import type { WorkflowAction } from '../functions';

/** The actions whose resource is an execution, not the state machine. */
const ON_EXECUTIONS: ReadonlySet<WorkflowAction> = new Set(['DescribeExecution', 'GetExecutionHistory']);

const DEFAULT_DEFINITION_FILE = fileURLToPath(new URL('../../statemachines/charging-session.asl.json', import.meta.url));

export interface SessionWorkflowProps {
  /**
   * The state machine's name. It is set explicitly so that its ARN can be built from it:
   * the task functions need that ARN, and the state machine needs theirs.
   * @default `${stackName}-charging-session`
   */
  readonly stateMachineName?: string;
  /**
   * The ASL file (JSONPath, `${...}` placeholders).
   * @default statemachines/charging-session.asl.json
   */
  readonly definitionFile?: string;
  /**
   * The task functions by the placeholder that receives their ARN, e.g.
   * `{ SessionStepFunctionArn: sessionStep }`; the state machine may invoke each.
   */
  readonly taskFunctions: Readonly<Record<string, CsmsFunction>>;
  /**
   * Retention of the execution logs.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Which execution events go to CloudWatch Logs: `ERROR` (failures only), `ALL` (every
   * state's entry and exit, for troubleshooting), `FATAL` or `OFF`.
   * @default 'ERROR'
   */
  readonly logLevel?: WorkflowLogLevel;
  /**
   * Whether the logged events carry the states' input and output. The workflow's data holds
   * no card identifiers (SessionWorkflowInput in lambdas/shared/workflow.ts), but it names
   * sessions, stations and id tags: off unless an operator needs it for troubleshooting.
   * @default false
   */
  readonly logExecutionData?: boolean;
}

/** The Step Functions log levels a stack setting may choose. */
export const WORKFLOW_LOG_LEVELS = ['OFF', 'FATAL', 'ERROR', 'ALL'] as const;
export type WorkflowLogLevel = (typeof WORKFLOW_LOG_LEVELS)[number];

/**
 * The charging-session workflow: a Standard state machine (callback tasks, sessions longer
 * than Express allows) defined by the ASL file, logging its failures (more on request) and
 * traced with X-Ray, invoking the task functions it is given.
 */
export class SessionWorkflow extends Construct {
  readonly stateMachine: StateMachine;
  readonly stateMachineName: string;
  /** Built from the name, so binding it creates no dependency on the state machine. */
  readonly stateMachineArn: string;
  /** Every execution of the state machine. */
  readonly executionsArn: string;

  constructor(scope: Construct, id: string, props: SessionWorkflowProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.stateMachineName = props.stateMachineName ?? `${stack.stackName}-charging-session`;
    this.stateMachineArn = stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: this.stateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.executionsArn = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${this.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });

    const taskFunctions = props.taskFunctions;
    const definitionSubstitutions = Object.fromEntries(
      Object.entries(taskFunctions).map(([placeholder, fn]) => [placeholder, fn.functionArn]),
    );
    const definitionFile = props.definitionFile ?? DEFAULT_DEFINITION_FILE;
    const unfilled = placeholdersOf(readFileSync(definitionFile, 'utf8')).filter((p) => !(p in definitionSubstitutions));
    if (unfilled.length > 0) {
      // Step Functions would only refuse it at deploy time.
      throw new Error(`SessionWorkflow: ${definitionFile} uses \${${unfilled.join('}, ${')}}, which no task function fills in`);
    }

    const logLevel = props.logLevel ?? 'ERROR';
    if (!(WORKFLOW_LOG_LEVELS as readonly string[]).includes(logLevel)) {
      throw new Error(`SessionWorkflow: workflowLogLevel must be one of ${WORKFLOW_LOG_LEVELS.join(', ')}, got "${logLevel}"`);
    }
    const logGroup = new LogGroup(this, 'ExecutionLogs', {
      // The vended-logs prefix keeps the CloudWatch Logs resource policy small.
      logGroupName: `/aws/vendedlogs/states/${this.stateMachineName}`,
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: this.stateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromFile(definitionFile),
      definitionSubstitutions,
      logs: { destination: logGroup, level: LogLevel[logLevel], includeExecutionData: props.logExecutionData ?? false },
      tracingEnabled: true,
    });
    if (logLevel !== 'ALL') {
      acknowledge(this.stateMachine, {
        id: 'AwsSolutions-SF1',
        reason: `Logs ${logLevel} events by choice (stack setting workflowLogLevel): every state's data of every session in CloudWatch is more than operators need; the execution history (90 days) and the ops API show each step.`,
      });
    }

    for (const fn of Object.values(taskFunctions)) fn.grantInvoke(this.stateMachine);
    acknowledge(
      this.stateMachine.role,
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'Resource "*": the CloudWatch Logs delivery actions (logs:CreateLogDelivery, ...) and X-Ray actions that logging and tracing need support no resource-level permissions.',
        appliesTo: ['Resource::*'],
      },
      {
        id: 'AwsSolutions-IAM5',
        reason: "lambda:InvokeFunction on the versions and aliases of the workflow's own task functions.",
        appliesTo: Object.values(taskFunctions).map((fn) => `Resource::<${logicalIdOf(fn)}.Arn>:*`),
      },
    );
  }

  /**
   * Tells a function the state machine's ARN (`SESSION_STATE_MACHINE_ARN`) and lets it take
   * `actions` on this state machine only: start executions (one per session, named after it),
   * complete callback tasks, read executions and their histories.
   */
  grant(fn: CsmsFunction, actions: readonly WorkflowAction[]): void {
    fn.addEnvironment('SESSION_STATE_MACHINE_ARN', this.stateMachineArn);
    const onMachine = actions.filter((action) => !ON_EXECUTIONS.has(action));
    const onExecutions = actions.filter((action) => ON_EXECUTIONS.has(action));
    if (onMachine.length > 0) {
      fn.addToRolePolicy(new PolicyStatement({ actions: onMachine.map((action) => `states:${action}`), resources: [this.stateMachineArn] }));
    }
    if (onExecutions.length > 0) {
      fn.addToRolePolicy(new PolicyStatement({ actions: onExecutions.map((action) => `states:${action}`), resources: [this.executionsArn] }));
      this.acknowledgeExecutionsWildcard(fn);
    }
  }

  private acknowledgeExecutionsWildcard(fn: CsmsFunction): void {
    acknowledge(fn.executionRole, {
      id: 'AwsSolutions-IAM5',
      reason:
        'Executions are named after sessions created at run time; the wildcard covers the executions of this one state machine.',
      appliesTo: [
        `Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${this.stateMachineName}:*`,
      ],
    });
  }
}

/** The `${Name}` placeholders of an ASL text, each once. */
export function placeholdersOf(definition: string): string[] {
  return [...new Set([...definition.matchAll(/\$\{([^}]*)\}/g)].map((match) => match[1]!))];
}
