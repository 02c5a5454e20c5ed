/**
 * Completes the session workflow's callback tasks. A token that is already used, timed out or
 * belongs to a finished execution is not an error for the charger: the answer is simply late.
 */
import { SFNClient, SendTaskFailureCommand, SendTaskHeartbeatCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import type { CallWorkflow } from '../csms/ports';

let client: SFNClient | undefined;

const LATE = new Set(['TaskDoesNotExist', 'TaskTimedOut', 'InvalidToken']);

export class StepFunctionsSignals implements CallWorkflow {
  constructor(private readonly sfn: SFNClient = (client ??= new SFNClient({}))) {}

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
      if (LATE.has((error as { name?: string }).name ?? '')) return false;
      throw error;
    }
  }

  private async ignoringLate(send: () => Promise<unknown>): Promise<void> {
    try {
      await send();
    } catch (error) {
      if (!LATE.has((error as { name?: string }).name ?? '')) throw error;
    }
  }
}
