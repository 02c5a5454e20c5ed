/**
 * The session workflow on Step Functions. The execution is named after the session, so its ARN
 * follows from the state machine's. Task tokens need no state machine: functions that only
 * complete tasks (station-command) are not told its ARN, so it is read when first needed.
 */
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { SessionWorkflow, SessionWorkflowInput, WorkflowEvent, WorkflowExecution } from '../shared/workflow';
import { getStringFromEnv } from '../shared/config';

let client: SFNClient | undefined;

/** A task token that is already used, timed out or of a finished execution: its answer is late. */
const LATE = new Set(['TaskDoesNotExist', 'TaskTimedOut', 'InvalidToken']);

export class StepFunctionsSessionWorkflow implements SessionWorkflow {
  constructor(
    private readonly sfn: SFNClient = (client ??= new SFNClient({})),
    private readonly stateMachine?: string,
  ) {}

  private get stateMachineArn(): string {
    return this.stateMachine ?? getStringFromEnv('SESSION_STATE_MACHINE_ARN');
  }

  private arn(sessionId: string): string {
    return `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${sessionId}`;
  }

  async start(input: SessionWorkflowInput): Promise<void> {
    await this.sfn.send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name: input.sessionId, input: JSON.stringify(input) }));
  }

  async describe(sessionId: string): Promise<WorkflowExecution | undefined> {
    try {
      const execution = await this.sfn.send(new DescribeExecutionCommand({ executionArn: this.arn(sessionId) }));
      const region = this.stateMachineArn.split(':')[3];
      return {
        name: sessionId,
        arn: this.arn(sessionId),
        status: execution.status ?? 'UNKNOWN',
        ...(execution.startDate && { startDate: execution.startDate.toISOString() }),
        ...(execution.stopDate && { stopDate: execution.stopDate.toISOString() }),
        // The console link only means something for executions in AWS.
        ...(!process.env.AWS_ENDPOINT_URL_SFN && {
          consoleUrl: `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${encodeURIComponent(this.arn(sessionId))}`,
        }),
      };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async history(sessionId: string): Promise<WorkflowEvent[] | undefined> {
    const events: WorkflowEvent[] = [];
    let nextToken: string | undefined;
    do {
      let page;
      try {
        page = await this.sfn.send(new GetExecutionHistoryCommand({ executionArn: this.arn(sessionId), maxResults: 1000, nextToken }));
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
      for (const e of page.events ?? []) {
        const failure = e.taskFailedEventDetails ?? e.executionFailedEventDetails ?? e.lambdaFunctionFailedEventDetails;
        events.push({
          timestamp: e.timestamp?.toISOString() ?? '',
          type: e.type ?? '',
          ...(e.stateEnteredEventDetails?.name && { state: e.stateEnteredEventDetails.name }),
          ...(failure?.error && { error: failure.error }),
          ...(failure?.cause && { cause: failure.cause.slice(0, 500) }),
        });
      }
      nextToken = page.nextToken;
    } while (nextToken);
    return events;
  }

  async succeed(taskToken: string, output: unknown): Promise<void> {
    await this.ignoringLate(() => this.sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output ?? {}) })));
  }

  async fail(taskToken: string, error: string, cause: string): Promise<void> {
    await this.ignoringLate(() =>
      this.sfn.send(new SendTaskFailureCommand({ taskToken, error: error.slice(0, 256), cause: cause.slice(0, 32768) })),
    );
  }

  /** A heartbeat is how Step Functions tells whether a task token is still open. */
  async isWaiting(taskToken: string): Promise<boolean> {
    try {
      await this.sfn.send(new SendTaskHeartbeatCommand({ taskToken }));
      return true;
    } catch (error) {
      if (isLate(error)) return false;
      throw error;
    }
  }

  private async ignoringLate(send: () => Promise<unknown>): Promise<void> {
    try {
      await send();
    } catch (error) {
      if (!isLate(error)) throw error;
    }
  }
}

const nameOf = (error: unknown) => (error as { name?: string }).name ?? '';
const isLate = (error: unknown) => LATE.has(nameOf(error));
const isMissing = (error: unknown) => nameOf(error) === 'ExecutionDoesNotExist';
