/**
 * Runs the deployable Lambda handlers in this process, as the Lambda service would: each
 * invocation gets a fresh context, and a handler module is loaded only once the environment
 * the runtime prepared is in place.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

/** The Lambdas of the stack, by function name, with their entry modules under lambdas/. */
export const LOCAL_FUNCTIONS = {
  'ocpp-authorizer': () => import('../../lambdas/ocpp-authorizer'),
  'ocpp-connect': () => import('../../lambdas/ocpp-connect'),
  'ocpp-message': () => import('../../lambdas/ocpp-message'),
  'ocpp-disconnect': () => import('../../lambdas/ocpp-disconnect'),
  'installer-api': () => import('../../lambdas/installer-api'),
  'ops-api': () => import('../../lambdas/ops-api'),
  'station-command': () => import('../../lambdas/station-command'),
  'station-call-timer': () => import('../../lambdas/station-call-timer'),
  'session-step': () => import('../../lambdas/session-step'),
  'session-sweeper': () => import('../../lambdas/session-sweeper'),
  'receipt-page': () => import('../../lambdas/receipt-page'),
  'payter-card-read': () => import('../../lambdas/payter-card-read'),
  'payter-ui-callback': () => import('../../lambdas/payter-ui-callback'),
  'payter-terminal-state': () => import('../../lambdas/payter-terminal-state'),
  'reconciliation-job': () => import('../../lambdas/reconciliation-job'),
} as const;

export type LocalFunctionName = keyof typeof LOCAL_FUNCTIONS;

/** What `getRemainingTimeInMillis` counts down from: 30 s, or the stack's timeout where a handler reads it. */
const TIMEOUT_MS: Partial<Record<string, number>> = { 'session-sweeper': 300_000 };

export function localFunctionArn(name: string, region = 'us-east-1', account = '000000000000'): string {
  return `arn:aws:lambda:${region}:${account}:function:${name}`;
}

export class LambdaHost {
  private readonly loaded = new Map<string, Handler>();

  async load(): Promise<void> {
    for (const [name, load] of Object.entries(LOCAL_FUNCTIONS)) {
      this.loaded.set(name, (await load()).handler as unknown as Handler);
    }
  }

  /** Invokes by function name or ARN, as Step Functions' `FunctionName` may give either. */
  async invoke(nameOrArn: string, event: unknown): Promise<unknown> {
    const name = nameOrArn.split(':').pop() ?? nameOrArn;
    const handler = this.loaded.get(name);
    if (!handler) throw Object.assign(new Error(`Function not found: ${nameOrArn}`), { name: 'ResourceNotFoundException' });
    return handler(event, lambdaContext(name));
  }

  handler(name: LocalFunctionName): (event: unknown) => Promise<any> {
    return (event) => this.invoke(name, event);
  }
}

function lambdaContext(functionName: string): Context {
  const deadline = Date.now() + (TIMEOUT_MS[functionName] ?? 30_000);
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: localFunctionArn(functionName),
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
