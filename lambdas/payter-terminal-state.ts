/** Payter's account-wide terminal-state web hook: `POST /payter/{token}/state`. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { payterApp } from './aws/payter-app';
import { handleCallback } from './http/payter-callback';
import { terminalStateCallbackSchema } from './payter/cps-contract';
import { lambdaHandler, logger } from './shared/lambda';

// Not deduplicated: a state report is a fact to record, and the reaction (re-sending the
// start screen) happens only on an offline-to-online change.
export const handler = lambdaHandler((event: APIGatewayProxyEventV2) =>
  handleCallback(event, terminalStateCallbackSchema, async (state, { token }) => {
    const result = await (await payterApp()).callbacks.terminalState(token ?? '', state);
    logger.info('terminal state', { serialNumber: state.serialNumber, online: state.online, ...result });
    return result;
  }),
);
