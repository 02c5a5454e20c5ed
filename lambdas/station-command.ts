/**
 * A session workflow task (`lambda:invoke.waitForTaskToken`): queues one CALL to a charger
 * (sent at once if the station is free) and leaves the task open; the charger's answer on
 * `$default` completes it, or the queue fails it with the reason as the error name (not sent
 * by its deadline, not answered in time). A call that cannot even be queued (an invalid
 * payload, an unknown station) fails the task at once.
 */
import * as z from 'zod';
import { calls, workflow } from './aws/composition';
import { sendByAction } from './csms/csms-calls';
import { lambdaHandler, logger } from './shared/lambda';

const commandSchema = z.object({
  taskToken: z.string().min(1),
  stationId: z.string().min(1),
  action: z.string().min(1),
  payload: z.record(z.string(), z.unknown()),
});

export const handler = lambdaHandler(async (event: unknown): Promise<{ callId?: string }> => {
  const command = commandSchema.parse(event);
  try {
    const queued = await sendByAction(calls(), command.stationId, command.action, command.payload, { taskToken: command.taskToken });
    logger.info('call queued for charger', { stationId: command.stationId, action: command.action, callId: queued.id });
    return { callId: queued.id };
  } catch (error) {
    const name = (error as Error).name === 'OcppError' ? 'InvalidCall' : (error as Error).name || 'Error';
    logger.warn('call could not be queued', { stationId: command.stationId, action: command.action, error: String(error) });
    await workflow().fail(command.taskToken, name, (error as Error).message);
    return {};
  }
});
