/**
 * Runs the deployable Lambda handlers in this process, as the Lambda service would: each
 * invocation gets a fresh context, and a handler module is loaded only once the environment
 * the runtime prepared is in place.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { DEFAULT_TIMEOUT_SECONDS, FUNCTION_NAMES, functionSpec, type FunctionName } from '../functions';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

/** One finished invocation, as the Lambda service would bill it: which function, how long. */
export interface Invocation {
  readonly name: FunctionName;
  readonly ms: number;
  readonly failed: boolean;
}

/** Each handler's module, loaded once the environment is in place (every function of lib/functions.ts). */
const loadHandler = (name: FunctionName): Promise<{ handler: unknown }> => import(`../../lambdas/${name}.ts`);

export function localFunctionArn(name: string, region = 'us-east-1', account = '000000000000'): string {
  return `arn:aws:lambda:${region}:${account}:function:${name}`;
}

export class LambdaHost {
  private readonly loaded = new Map<string, Handler>();
  private readonly observers = new Set<(invocation: Invocation) => void>();
  private running = 0;

  /** Calls `observer` after each invocation from now on (the bench's cost meter); returns its stop. */
  observe(observer: (invocation: Invocation) => void): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /** Invocations started and not yet finished. */
  get inFlight(): number {
    return this.running;
  }

  async load(): Promise<void> {
    for (const name of FUNCTION_NAMES) this.loaded.set(name, (await loadHandler(name)).handler as Handler);
  }

  /** Invokes by function name or ARN, as Step Functions' `FunctionName` may give either. */
  async invoke(nameOrArn: string, event: unknown): Promise<unknown> {
    const name = nameOrArn.split(':').pop() ?? nameOrArn;
    const handler = this.loaded.get(name);
    if (!handler) throw Object.assign(new Error(`Function not found: ${nameOrArn}`), { name: 'ResourceNotFoundException' });
    const started = performance.now();
    let failed = false;
    this.running += 1;
    try {
      return await handler(event, lambdaContext(name as FunctionName));
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      this.running -= 1;
      if (this.observers.size > 0) {
        const invocation = { name: name as FunctionName, ms: performance.now() - started, failed };
        for (const observer of this.observers) observer(invocation);
      }
    }
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
