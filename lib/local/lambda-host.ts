/**
 * Runs the deployable Lambda handlers in this process, as the Lambda service would: each
 * invocation gets a fresh context, and a handler module is loaded only once the environment
 * the runtime prepared is in place.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { DEFAULT_TIMEOUT_SECONDS, FUNCTION_NAMES, functionSpec, type FunctionName } from '../functions';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

/** Each handler's module, loaded once the environment is in place (every function of lib/functions.ts). */
const loadHandler = (name: FunctionName): Promise<{ handler: unknown }> => import(`../../lambdas/${name}.ts`);

export function localFunctionArn(name: string, region = 'us-east-1', account = '000000000000'): string {
  return `arn:aws:lambda:${region}:${account}:function:${name}`;
}

export class LambdaHost {
  private readonly loaded = new Map<string, Handler>();

  async load(): Promise<void> {
    for (const name of FUNCTION_NAMES) this.loaded.set(name, (await loadHandler(name)).handler as Handler);
  }

  /** Invokes by function name or ARN, as Step Functions' `FunctionName` may give either. */
  async invoke(nameOrArn: string, event: unknown): Promise<unknown> {
    const name = nameOrArn.split(':').pop() ?? nameOrArn;
    const handler = this.loaded.get(name);
    if (!handler) throw Object.assign(new Error(`Function not found: ${nameOrArn}`), { name: 'ResourceNotFoundException' });
    return handler(event, lambdaContext(name as FunctionName));
  }

  handler(name: FunctionName): (event: unknown) => Promise<any> {
    return (event) => this.invoke(name, event);
  }
}

/** `getRemainingTimeInMillis` counts down from the function's timeout, as on AWS. */
function lambdaContext(functionName: FunctionName): Context {
  const spec = functionSpec(functionName);
  const deadline = Date.now() + (spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: localFunctionArn(functionName),
    memoryLimitInMB: String(spec.memorySize ?? 512),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
