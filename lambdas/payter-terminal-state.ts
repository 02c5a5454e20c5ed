/** Payter's account-wide terminal-state web hook: `POST /payter/{token}/state`. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { terminalStates } from './aws/composition';
import { handleCallback } from './http/payter-callback';
import { terminalStateCallbackSchema } from './payter/cps-contract';
import { lambdaHandler, logger } from './shared/lambda';

// Not deduplicated by body: a report carries no delivery id, and the same "online" report
// comes again after every reboot. One effect comes from recording the state atomically (only
// the delivery that flips offline to online re-sends the start screen); every delivery of a
// report gets the same answer, which acknowledges the fact and not what we did about it.
export const handler = lambdaHandler((event: APIGatewayProxyEventV2) =>
  handleCallback(event, terminalStateCallbackSchema, async (state, { token }) => {
    const result = await (await terminalStates()).changed(token ?? '', state);
    logger.info('terminal state', { serialNumber: state.serialNumber, online: state.online, ...result });
    return { recorded: { serialNumber: state.serialNumber, online: state.online } };
  }),
);
