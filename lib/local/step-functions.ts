/**
 * Local stand-in for the AWS Step Functions service: an HTTP server speaking its JSON protocol
 * (awsJson1_0), so the unchanged `@aws-sdk/client-sfn` works against it through `endpoint`.
 * The ASL is interpreted by aws-local-stepfunctions (see step-functions-engine.ts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { listenOn, readRequestBody } from './http-server';
import {
  type InvokeFunction,
  type LocalTimeScale,
  StepFunctionsEngine,
  StepFunctionsServiceError,
} from './step-functions-engine';

export type { LocalTimeScale } from './step-functions-engine';

export interface LocalStateMachine {
  name: string;
  /** ASL JSON text, placeholders already substituted. */
  definition: string;
}

export interface LocalStepFunctionsOptions {
  /** 0 picks a free port. @default 0 */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** For ARNs. @default 'us-east-1' */
  region?: string;
  /** For ARNs. @default '000000000000' */
  accountId?: string;
  stateMachines: LocalStateMachine[];
  /**
   * Runs a Lambda function locally. `functionName` is Parameters.FunctionName (name or ARN) of
   * a `lambda:invoke` / `lambda:invoke.waitForTaskToken` task. Throwing fails the task with
   * the error's `name` as the error (like Lambda's errorType), so Retry/Catch see it.
   */
  invokeFunction: InvokeFunction;
  /** Shortens waits, retry pauses and timeouts for local runs. @default real time */
  timeScale?: LocalTimeScale;
  /**
   * Validate each definition with the library's asl-validator before serving it. Costs about
   * 1 s per state machine (the validator compiles its JSON schemas on every call).
   * @default true
   */
  validate?: boolean;
  /**
   * Keep the executions (history, state, pending task tokens, deadlines) in this directory, so
   * that a restart on the same directory finds them and goes on with the running ones once
   * `resumeExecutions()` is called. @default in memory
   */
  dataDir?: string;
}

export interface LocalStepFunctions {
  url: string;
  port: number;
  stateMachineArn(name: string): string;
  /** Goes on with the executions a previous run on the same `dataDir` left running; call once what they invoke is ready. */
  resumeExecutions(): void;
  close(): Promise<void>;
}

type Request = Record<string, unknown>;
type Operation = (engine: StepFunctionsEngine, request: Request) => unknown;

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;
/** Far above what the service takes (256 KiB of input or output plus the request around it). */
const MAX_REQUEST_BYTES = 1024 * 1024;

const operations: Record<string, Operation> = {
  StartExecution: (engine, request) =>
    engine.startExecution(requiredString(request, 'stateMachineArn'), optionalString(request, 'name'), optionalString(request, 'input')),
  DescribeExecution: (engine, request) => engine.describeExecution(requiredString(request, 'executionArn')),
  ListExecutions: (engine, request) => {
    const executions = engine.listExecutions(requiredString(request, 'stateMachineArn'), optionalString(request, 'statusFilter'));
    const page = paginate(executions, request);
    return { executions: page.items, nextToken: page.nextToken };
  },
  GetExecutionHistory: (engine, request) => {
    const history = engine.executionHistory(requiredString(request, 'executionArn'));
    const page = paginate(request['reverseOrder'] === true ? [...history].reverse() : history, request);
    return { events: page.items, nextToken: page.nextToken };
  },
  StopExecution: (engine, request) =>
    engine.stopExecution(requiredString(request, 'executionArn'), optionalString(request, 'error'), optionalString(request, 'cause')),
  SendTaskSuccess: (engine, request) => {
    engine.sendTaskSuccess(requiredString(request, 'taskToken'), requiredString(request, 'output'));
    return {};
  },
  SendTaskFailure: (engine, request) => {
    engine.sendTaskFailure(requiredString(request, 'taskToken'), optionalString(request, 'error'), optionalString(request, 'cause'));
    return {};
  },
  SendTaskHeartbeat: (engine, request) => {
    engine.sendTaskHeartbeat(requiredString(request, 'taskToken'));
    return {};
  },
};

export async function startLocalStepFunctions(options: LocalStepFunctionsOptions): Promise<LocalStepFunctions> {
  const engine = await StepFunctionsEngine.create({
    region: options.region ?? 'us-east-1',
    accountId: options.accountId ?? '000000000000',
    stateMachines: options.stateMachines,
    invokeFunction: options.invokeFunction,
    timeScale: options.timeScale,
    validate: options.validate,
    ...(options.dataDir !== undefined && { dataDir: options.dataDir }),
  });
  const server = createServer((request, response) => void serve(engine, request, response));
  const { port, publicHost } = await listenOn(server, options.port ?? 0, options.host ?? '127.0.0.1');
  return {
    url: `http://${publicHost}:${port}`,
    port,
    stateMachineArn: (name) => engine.stateMachineArn(name),
    resumeExecutions: () => engine.resumeExecutions(),
    close: async () => {
      engine.shutdown();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

async function serve(engine: StepFunctionsEngine, request: IncomingMessage, response: ServerResponse): Promise<void> {
  try {
    if (request.method !== 'POST') {
      return answer(response, 404, { __type: 'UnknownOperationException', message: 'Only POST / is served' });
    }
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.startsWith('AWSStepFunctions.') ? operations[target.slice('AWSStepFunctions.'.length)] : undefined;
    const body = await readRequestBody(request, MAX_REQUEST_BYTES);
    if (body === 'too-large') throw new StepFunctionsServiceError('ValidationException', `The request is larger than ${MAX_REQUEST_BYTES} bytes`);
    if (!operation) throw new StepFunctionsServiceError('UnknownOperationException', `Unknown operation: '${target}'`);
    let parsed: unknown;
    try {
      parsed = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch {
      throw new StepFunctionsServiceError('SerializationException', 'The request body is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new StepFunctionsServiceError('SerializationException', 'The request body must be a JSON object');
    }
    answer(response, 200, operation(engine, parsed as Request));
  } catch (error) {
    if (error instanceof StepFunctionsServiceError) answer(response, 400, { __type: error.type, message: error.message });
    else answer(response, 500, { __type: 'InternalFailure', message: (error as Error).message });
  }
}

function answer(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(toWire(body));
  response.writeHead(status, {
    'Content-Type': 'application/x-amz-json-1.0',
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
  });
  response.end(text);
}

/** The JSON protocol sends timestamps as epoch seconds. */
function toWire(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toWire);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, toWire(v)]));
  }
  return value;
}

function paginate<T>(items: readonly T[], request: Request): { items: unknown; nextToken?: string } {
  const maxResults = typeof request['maxResults'] === 'number' && request['maxResults'] > 0 ? Math.min(request['maxResults'], MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE;
  const offset = request['nextToken'] === undefined ? 0 : decodePageToken(request['nextToken']);
  const end = offset + maxResults;
  return { items: items.slice(offset, end), nextToken: end < items.length ? Buffer.from(`page:${end}`).toString('base64') : undefined };
}

function decodePageToken(token: unknown): number {
  const match = typeof token === 'string' ? /^page:(\d+)$/.exec(Buffer.from(token, 'base64').toString('utf8')) : null;
  if (!match) throw new StepFunctionsServiceError('InvalidToken', 'Invalid Token: the nextToken was not issued by this server');
  return Number(match[1]);
}

function requiredString(request: Request, field: string): string {
  const value = request[field];
  if (typeof value !== 'string' || value.length === 0) {
    throw new StepFunctionsServiceError('ValidationException', `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must not be null`);
  }
  return value;
}

function optionalString(request: Request, field: string): string | undefined {
  const value = request[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new StepFunctionsServiceError('ValidationException', `1 validation error detected: Value at '${field}' must be a string`);
  return value;
}
