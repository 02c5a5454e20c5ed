/**
 * One logger for every Lambda and one way to wrap an entry point: middy with the Powertools
 * logger's Lambda context. Handlers stay thin: parse, call the domain, map the result.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'ev-csms' });

export function lambdaHandler<E, R>(handler: (event: E, context: Context) => Promise<R>) {
  return middy(handler).use(injectLambdaContext(logger, { resetKeys: true }));
}
