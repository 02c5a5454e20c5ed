/**
 * The session workflow's steps (`lambda:invoke` and `.waitForTaskToken` tasks of
 * statemachines/charging-session.asl.json): `{step, sessionId, taskToken?}` in, the step's
 * result out. Errors keep their names so the workflow's Retry and Catch can tell them apart.
 */
import * as z from 'zod';
import { sessionSteps } from './aws/composition';
import { lambdaHandler, logger } from './shared/lambda';

const stepSchema = z.discriminatedUnion('step', [
  z.object({ step: z.enum(['awaitStart', 'charging', 'awaitStop']), sessionId: z.string().min(1), taskToken: z.string().min(1) }),
  z.object({
    step: z.enum(['authorize', 'noTransaction', 'maxDuration', 'chargerLost', 'price', 'commit', 'cancel', 'receipt', 'paymentNotFinalized', 'release']),
    sessionId: z.string().min(1),
  }),
]);

export const handler = lambdaHandler(async (event: unknown): Promise<unknown> => {
  const request = stepSchema.parse(event);
  logger.appendKeys({ sessionId: request.sessionId, step: request.step });
  const steps = await sessionSteps();
  switch (request.step) {
    case 'awaitStart':
    case 'charging':
    case 'awaitStop':
      return steps[request.step](request.sessionId, request.taskToken);
    default:
      return (await steps[request.step](request.sessionId)) ?? {};
  }
});
