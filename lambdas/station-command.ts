/**
 * A session workflow task (`lambda:invoke.waitForTaskToken`): sends one CALL to a charger and
 * leaves the task open; the charger's answer on `$default` completes it. A call that cannot
 * even be sent fails the task at once with the reason as the error name.
 */
import { z } from 'zod';
import { csmsApp } from './aws/csms-app';
import { StepFunctionsSignals } from './aws/workflow-signals';
import { lambdaHandler, logger } from './shared/lambda';

const commandSchema = z.object({
  taskToken: z.string().min(1),
  stationId: z.string().min(1),
  action: z.string().min(1),
  payload: z.record(z.string(), z.unknown()),
});

let signals: StepFunctionsSignals | undefined;

export const handler = lambdaHandler(async (event: unknown): Promise<{ messageId?: string }> => {
  const command = commandSchema.parse(event);
  signals ??= new StepFunctionsSignals();
  try {
    const sent = await csmsApp().calls.send(command.stationId, command.action, command.payload, command.taskToken);
    logger.info('call sent to charger', { stationId: command.stationId, action: command.action, messageId: sent.messageId });
    return { messageId: sent.messageId };
  } catch (error) {
    const name = (error as Error).name === 'OcppError' ? 'InvalidCall' : (error as Error).name || 'Error';
    logger.warn('call could not be sent', { stationId: command.stationId, action: command.action, error: String(error) });
    await signals.fail(command.taskToken, name, (error as Error).message);
    return {};
  }
});
