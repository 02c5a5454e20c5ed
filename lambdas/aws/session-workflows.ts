import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { SessionWorkflows } from '../sessions/ports';
import { getStringFromEnv } from '../shared/config';

let client: SFNClient | undefined;

/** Starts the charging-session workflow; the execution is named after the session id. */
export class StepFunctionsSessionWorkflows implements SessionWorkflows {
  constructor(
    private readonly sfn: SFNClient = (client ??= new SFNClient({})),
    private readonly stateMachineArn = getStringFromEnv('SESSION_STATE_MACHINE_ARN'),
  ) {}

  async start(executionName: string, input: unknown): Promise<{ executionArn: string }> {
    const { executionArn } = await this.sfn.send(
      new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name: executionName, input: JSON.stringify(input) }),
    );
    return { executionArn: executionArn ?? '' };
  }
}
