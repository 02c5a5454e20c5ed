import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { SessionExecutions } from '../sessions/ports';
import { getStringFromEnv } from '../shared/config';

let client: SFNClient | undefined;

/** The session's Step Functions execution: named after the session, so its ARN is known. */
export class StepFunctionsSessionExecutions implements SessionExecutions {
  constructor(
    private readonly sfn: SFNClient = (client ??= new SFNClient({})),
    private readonly stateMachineArn = getStringFromEnv('SESSION_STATE_MACHINE_ARN'),
  ) {}

  private arn(name: string): string {
    return `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  }

  async describe(name: string) {
    try {
      const execution = await this.sfn.send(new DescribeExecutionCommand({ executionArn: this.arn(name) }));
      const region = this.stateMachineArn.split(':')[3];
      return {
        name,
        arn: this.arn(name),
        status: execution.status ?? 'UNKNOWN',
        ...(execution.startDate && { startDate: execution.startDate.toISOString() }),
        ...(execution.stopDate && { stopDate: execution.stopDate.toISOString() }),
        // The console link only means something for executions in AWS.
        ...(!process.env.AWS_ENDPOINT_URL_SFN && {
          consoleUrl: `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${encodeURIComponent(this.arn(name))}`,
        }),
      };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async history(name: string) {
    const events = [];
    let nextToken: string | undefined;
    do {
      let page;
      try {
        page = await this.sfn.send(new GetExecutionHistoryCommand({ executionArn: this.arn(name), maxResults: 1000, nextToken }));
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
}

const isMissing = (error: unknown) => (error as { name?: string }).name === 'ExecutionDoesNotExist';
