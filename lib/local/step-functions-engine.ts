/**
 * Executions of the local Step Functions service. The ASL is interpreted by
 * aws-local-stepfunctions; this class adds what the service does around it: execution
 * records and history, callback task tokens, timeouts and heartbeats, and the time scale.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { RunOptions, StateMachine, StateMachineDefinition } from 'aws-local-stepfunctions';
import {
  type JSONValue,
  type PreparedDefinition,
  type RetrierDefinition,
  type StateFacts,
  MAX_TIMER_MS,
  TIMEOUT_PARAMETER,
  isObject,
  prepareDefinition,
  readReferencePath,
  withTaskToken,
} from './step-functions-definition';

/**
 * Shortens the durations written in the ASL for local runs; the ASL itself is never edited.
 * Every duration becomes `min(seconds × 1000 × scale, max…Ms)` milliseconds.
 */
export interface LocalTimeScale {
  /** Wait states (Seconds, Timestamp, SecondsPath, TimestampPath). @default 1 */
  readonly waitScale?: number;
  /** @default no bound (besides Node's 24.8-day timer limit) */
  readonly maxWaitMs?: number;
  /** The pause before each retry, IntervalSeconds × BackoffRate^attempt (MaxDelaySeconds and FULL jitter kept). @default 1 */
  readonly retryScale?: number;
  /** @default no bound */
  readonly maxRetryMs?: number;
  /** Task TimeoutSeconds and HeartbeatSeconds, and the state machine's TimeoutSeconds. @default 1 */
  readonly timeoutScale?: number;
  /** @default no bound */
  readonly maxTimeoutMs?: number;
}

export type InvokeFunction = (functionName: string, payload: unknown) => Promise<unknown>;

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
const EXECUTION_STATUSES: readonly string[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];

/** An error the service answers with: HTTP 400 and `{"__type": type, "message": ...}`. */
export class StepFunctionsServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: Date;
  type: string;
  [details: string]: unknown;
}

interface Machine {
  name: string;
  arn: string;
  prepared: PreparedDefinition;
  interpreter: StateMachine;
}

interface Execution {
  arn: string;
  name: string;
  machine: Machine;
  input: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  history: HistoryEvent[];
  /** Per state, the attempts made by each of its retriers since it was entered (drives the scaled backoff). */
  retryAttempts: Map<string, number[]>;
  openTasks: Set<OpenTask>;
  /** Aborted when the execution closes, to wake our own sleeps. */
  closed: AbortController;
  abortInterpreter: () => void;
  timeoutTimer?: NodeJS.Timeout;
}

interface OpenTask {
  closed: boolean;
  succeed(output: JSONValue): void;
  fail(error: Error): void;
  heartbeat(): void;
  /** The execution closed: end the task without a history event. */
  abandon(): void;
}

/** Fails a task the way a Lambda error does: Retry/Catch match `name`, Cause is the JSON error. */
class TaskError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

/** Like States.Runtime in AWS: neither Retry nor Catch (not even States.ALL) may handle it. */
class StatesRuntimeError extends Error {
  readonly isRetryable = false;
  readonly isCatchable = false;
  constructor(message: string) {
    super(message);
    this.name = 'States.Runtime';
  }
}

/** Unwinds the interpreter once its execution was stopped or timed out. */
class ExecutionClosedError extends StatesRuntimeError {
  constructor() {
    super('The execution is closed');
  }
}

interface Interpreter {
  StateMachine: typeof StateMachine;
  /** The library's own States.Timeout class: only its instances escape States.TaskFailed, as in AWS. */
  TimeoutError: new () => Error;
}

type LibraryEvent = {
  type: string;
  timestamp: number;
  input?: JSONValue;
  output?: JSONValue;
  Error?: string;
  Cause?: unknown;
  index?: number;
  state?: { name: string; type: string; input: JSONValue; output?: JSONValue };
  parentState?: { name: string };
  retry?: { retrier: RetrierDefinition; attempt: number };
};

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{64}$/;
const EXECUTION_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;

let interpreterLoading: Promise<Interpreter> | undefined;

export function loadInterpreter(): Promise<Interpreter> {
  interpreterLoading ??= (async () => {
    // aws-local-stepfunctions calls Promise.withResolvers (Node 22+) at run time.
    const promiseStatics = Promise as unknown as { withResolvers?: unknown };
    promiseStatics.withResolvers ??= function withResolvers<T>() {
      let resolve!: (value: T) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    };
    const { StateMachine } = await import('aws-local-stepfunctions');
    return { StateMachine, TimeoutError: await probeTimeoutErrorClass(StateMachine) };
  })();
  return interpreterLoading;
}

/** The library does not export StatesTimeoutError; a task with a 1 ms timeout makes it throw one. */
async function probeTimeoutErrorClass(StateMachineClass: typeof StateMachine): Promise<new () => Error> {
  const probe = new StateMachineClass(
    {
      StartAt: 'Probe',
      States: { Probe: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:probe', TimeoutSeconds: 0.001, End: true } },
    },
    { validationOptions: { noValidate: true } },
  );
  let release = (): void => undefined;
  const neverAnswers = new Promise<null>((resolve) => (release = () => resolve(null)));
  try {
    await probe.run(null, { overrides: { taskResourceLocalHandlers: { Probe: () => neverAnswers } } }).result;
  } catch (error) {
    const cause = (error as Error).cause;
    if (cause instanceof Error && cause.name === 'States.Timeout') return cause.constructor as new () => Error;
  } finally {
    release();
  }
  throw new Error('aws-local-stepfunctions did not raise States.Timeout; its internals changed');
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface StepFunctionsEngineOptions {
  region: string;
  accountId: string;
  stateMachines: ReadonlyArray<{ name: string; definition: string }>;
  invokeFunction: InvokeFunction;
  timeScale?: LocalTimeScale;
  /** Validate each ASL with the library's asl-validator (about 1 s per machine: it compiles its schemas per call). @default true */
  validate?: boolean;
}

export class StepFunctionsEngine {
  private readonly machines = new Map<string, Machine>();
  private readonly executions = new Map<string, Execution>();
  /** Newest last. */
  private readonly executionOrder: Execution[] = [];
  private readonly tasksByToken = new Map<string, OpenTask>();

  private constructor(
    private readonly options: StepFunctionsEngineOptions,
    private readonly interpreter: Interpreter,
  ) {
    for (const { name, definition } of options.stateMachines) {
      const parsed: unknown = JSON.parse(definition);
      if (!isObject(parsed)) throw new Error(`State machine "${name}": the definition is not a JSON object`);
      if (this.machines.has(this.stateMachineArn(name))) throw new Error(`State machine "${name}" is defined twice`);
      const prepared = prepareDefinition(name, parsed);
      // Validates the ASL as written (throws with the validator's messages); the adapted copy is no longer plain ASL.
      if (options.validate !== false) new interpreter.StateMachine(parsed as unknown as StateMachineDefinition);
      const machineInterpreter = new interpreter.StateMachine(prepared.interpreted as unknown as StateMachineDefinition, {
        validationOptions: { noValidate: true },
      });
      this.machines.set(this.stateMachineArn(name), { name, arn: this.stateMachineArn(name), prepared, interpreter: machineInterpreter });
    }
  }

  static async create(options: StepFunctionsEngineOptions): Promise<StepFunctionsEngine> {
    return new StepFunctionsEngine(options, await loadInterpreter());
  }

  stateMachineArn(name: string): string {
    return `arn:aws:states:${this.options.region}:${this.options.accountId}:stateMachine:${name}`;
  }

  startExecution(stateMachineArn: string, name: string | undefined, input: string | undefined): { executionArn: string; startDate: Date } {
    const machine = this.machines.get(stateMachineArn);
    if (!machine) throw new StepFunctionsServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    const executionName = name ?? randomUUID();
    if (!EXECUTION_NAME.test(executionName)) throw new StepFunctionsServiceError('InvalidName', `Invalid Name: '${executionName}'`);
    const inputText = input ?? '{}';
    let parsedInput: JSONValue;
    try {
      parsedInput = JSON.parse(inputText) as JSONValue;
    } catch (error) {
      throw new StepFunctionsServiceError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${(error as Error).message}'`);
    }
    const arn = `arn:aws:states:${this.options.region}:${this.options.accountId}:execution:${machine.name}:${executionName}`;
    const existing = this.executions.get(arn);
    if (existing) {
      // AWS treats a repeated start of a running execution with the same input as idempotent.
      if (existing.status === 'RUNNING' && existing.input === inputText) return { executionArn: arn, startDate: existing.startDate };
      throw new StepFunctionsServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    }
    const execution: Execution = {
      arn,
      name: executionName,
      machine,
      input: inputText,
      status: 'RUNNING',
      startDate: new Date(),
      history: [],
      retryAttempts: new Map(),
      openTasks: new Set(),
      closed: new AbortController(),
      abortInterpreter: () => undefined,
    };
    this.executions.set(arn, execution);
    this.executionOrder.push(execution);
    this.run(execution, parsedInput);
    return { executionArn: arn, startDate: execution.startDate };
  }

  describeExecution(executionArn: string): Record<string, unknown> {
    const execution = this.execution(executionArn);
    return {
      ...executionListItem(execution),
      input: execution.input,
      inputDetails: { included: true },
      output: execution.output,
      outputDetails: execution.output === undefined ? undefined : { included: true },
      error: execution.error,
      cause: execution.cause,
    };
  }

  listExecutions(stateMachineArn: string, statusFilter: string | undefined): Array<Record<string, unknown>> {
    if (!this.machines.has(stateMachineArn)) {
      throw new StepFunctionsServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    }
    if (statusFilter !== undefined && !EXECUTION_STATUSES.includes(statusFilter)) {
      throw new StepFunctionsServiceError('ValidationException', `1 validation error detected: Value '${statusFilter}' at 'statusFilter' failed to satisfy constraint`);
    }
    return this.executionOrder
      .filter((execution) => execution.machine.arn === stateMachineArn && (statusFilter === undefined || execution.status === statusFilter))
      .reverse()
      .map(executionListItem);
  }

  executionHistory(executionArn: string): readonly HistoryEvent[] {
    return this.execution(executionArn).history;
  }

  stopExecution(executionArn: string, error: string | undefined, cause: string | undefined): { stopDate: Date } {
    const execution = this.execution(executionArn);
    this.close(execution, 'ABORTED', error, cause);
    return { stopDate: execution.stopDate ?? new Date() };
  }

  sendTaskSuccess(taskToken: string, output: string): void {
    const task = this.openTask(taskToken);
    let parsed: JSONValue;
    try {
      parsed = JSON.parse(output) as JSONValue;
    } catch (error) {
      throw new StepFunctionsServiceError('InvalidOutput', `Invalid Output: '${(error as Error).message}'`);
    }
    task.succeed(parsed);
  }

  sendTaskFailure(taskToken: string, error: string | undefined, cause: string | undefined): void {
    // Without an error name only States.ALL / States.TaskFailed match, as in AWS.
    this.openTask(taskToken).fail(new TaskError(error ?? '', cause ?? ''));
  }

  sendTaskHeartbeat(taskToken: string): void {
    this.openTask(taskToken).heartbeat();
  }

  /** Stops every running execution (server shutdown), so no timer keeps the process alive. */
  shutdown(): void {
    for (const execution of this.executionOrder) this.close(execution, 'ABORTED', 'States.Aborted', 'The local Step Functions server shut down');
  }

  private execution(executionArn: string): Execution {
    const execution = this.executions.get(executionArn);
    if (!execution) throw new StepFunctionsServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return execution;
  }

  private openTask(taskToken: string): OpenTask {
    const task = this.tasksByToken.get(taskToken);
    if (!task) {
      throw TOKEN_PATTERN.test(taskToken)
        ? new StepFunctionsServiceError('TaskDoesNotExist', 'Task Does Not Exist')
        : new StepFunctionsServiceError('InvalidToken', `Invalid Token: 'Invalid token'`);
    }
    // AWS answers this way for a token whose task already ended (completed, timed out, execution stopped).
    if (task.closed) throw new StepFunctionsServiceError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
    return task;
  }

  private run(execution: Execution, input: JSONValue): void {
    const { prepared, interpreter } = execution.machine;
    const runOptions: RunOptions = {
      noThrowOnAbort: true,
      context: {
        Execution: { Id: execution.arn, Name: execution.name, RoleArn: this.roleArn(), RedriveCount: 0 },
        StateMachine: { Id: execution.machine.arn, Name: execution.machine.name },
      },
      overrides: this.overridesFor(execution) as RunOptions['overrides'],
    };
    const run = interpreter.run(input as Parameters<StateMachine['run']>[0], runOptions);
    execution.abortInterpreter = run.abort;
    const settled = run.result.then(
      () => undefined,
      (error: unknown) => error,
    );
    if (prepared.timeoutSeconds !== undefined) {
      const seconds = prepared.timeoutSeconds;
      execution.timeoutTimer = setTimeout(
        () => this.close(execution, 'TIMED_OUT', 'States.Timeout', `The execution ran longer than its TimeoutSeconds (${seconds} s)`),
        this.scaledTimeout(seconds),
      );
    }
    void (async () => {
      for await (const event of run.eventLogs) this.onInterpreterEvent(execution, event as LibraryEvent);
      return settled;
    })().then(
      // Only acts if the library ended without a terminal event.
      (failure) => this.close(execution, 'FAILED', 'States.Runtime', String(failure ?? 'The interpreter stopped without an outcome')),
      (error: unknown) => this.close(execution, 'FAILED', 'States.Runtime', String(error)),
    );
  }

  private overridesFor(execution: Execution): NonNullable<RunOptions['overrides']> {
    const taskResourceLocalHandlers: Record<string, (input: JSONValue) => Promise<JSONValue>> = {};
    // Getters, because the right duration depends on the clock and on the attempts made so far.
    const waitTimeOverrides: Record<string, number> = {};
    const retryIntervalOverrides: Record<string, number[]> = {};
    for (const facts of execution.machine.prepared.states.values()) {
      if (facts.task || facts.dynamicWait) {
        taskResourceLocalHandlers[facts.name] = async (input) => {
          this.assertRunning(execution);
          await nextTurn(); // lets the history record StateEntered first
          this.assertRunning(execution);
          return facts.task ? this.runTask(execution, facts, input) : this.runDynamicWait(execution, facts, input);
        };
      }
      const staticWait = facts.staticWait;
      if (staticWait) {
        Object.defineProperty(waitTimeOverrides, facts.name, {
          enumerable: true,
          get: () =>
            this.scaledWait(staticWait.seconds ?? (Date.parse(staticWait.timestamp ?? '') - Date.now()) / 1000),
        });
      }
      const retriers = facts.retry;
      if (retriers) {
        Object.defineProperty(retryIntervalOverrides, facts.name, {
          enumerable: true,
          get: () => retriers.map((retrier, index) => this.retryPauseMs(retrier, execution.retryAttempts.get(facts.name)?.[index] ?? 0)),
        });
      }
    }
    return { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides } as unknown as NonNullable<RunOptions['overrides']>;
  }

  private runTask(execution: Execution, facts: StateFacts, input: JSONValue): Promise<JSONValue> {
    const spec = facts.task!;
    const isCallback = spec.integration === 'lambda-callback';
    const token = isCallback ? randomBytes(48).toString('base64url') : undefined;
    let parameters = token ? withTaskToken(input, token) : input;
    let timeoutSeconds = spec.timeoutSeconds;
    if (spec.timeoutFromPath && isObject(parameters)) {
      const { [TIMEOUT_PARAMETER]: fromPath, ...rest } = parameters;
      if (typeof fromPath !== 'number' || !Number.isInteger(fromPath) || fromPath < 1) {
        throw new StatesRuntimeError(`State "${facts.name}": TimeoutSecondsPath must select a positive integer`);
      }
      timeoutSeconds = fromPath;
      parameters = rest;
    }
    let functionName: string;
    let payload: JSONValue;
    if (spec.integration === 'lambda-arn') {
      functionName = spec.resource;
      payload = parameters;
    } else {
      const fields = isObject(parameters) ? parameters : {};
      if (typeof fields['FunctionName'] !== 'string') throw new StatesRuntimeError(`State "${facts.name}": FunctionName is not a string`);
      functionName = fields['FunctionName'];
      payload = fields['Payload'] ?? {};
    }

    // History in the shape AWS writes: Task* events for integrations, LambdaFunction* for a function ARN.
    const isLambdaArn = spec.integration === 'lambda-arn';
    const taskResource = { resourceType: 'lambda', resource: isCallback ? 'invoke.waitForTaskToken' : 'invoke' };
    if (isLambdaArn) {
      this.record(execution, 'LambdaFunctionScheduled', {
        resource: spec.resource,
        input: JSON.stringify(payload),
        inputDetails: { truncated: false },
        timeoutInSeconds: timeoutSeconds,
      });
      this.record(execution, 'LambdaFunctionStarted');
    } else {
      this.record(execution, 'TaskScheduled', {
        ...taskResource,
        region: this.options.region,
        parameters: JSON.stringify(parameters),
        timeoutInSeconds: timeoutSeconds,
        heartbeatInSeconds: spec.heartbeatSeconds,
      });
      this.record(execution, 'TaskStarted', taskResource);
    }

    return new Promise<JSONValue>((resolve, reject) => {
      let timeoutTimer: NodeJS.Timeout | undefined;
      let heartbeatTimer: NodeJS.Timeout | undefined;
      const end = (): boolean => {
        if (task.closed) return false;
        task.closed = true;
        clearTimeout(timeoutTimer);
        clearTimeout(heartbeatTimer);
        execution.openTasks.delete(task);
        return true;
      };
      const complete = (recordOutcome: () => void, settle: () => void): void => {
        if (!end()) return;
        // A turn first, so events the interpreter queued earlier keep their place in the history.
        void nextTurn().then(() => {
          if (execution.status !== 'RUNNING') return reject(new ExecutionClosedError());
          recordOutcome();
          settle();
        });
      };
      const armHeartbeat = (): void => {
        if (spec.heartbeatSeconds === undefined || !isCallback) return;
        const seconds = spec.heartbeatSeconds;
        clearTimeout(heartbeatTimer);
        heartbeatTimer = setTimeout(
          () => task.fail(this.timeoutError(`No heartbeat for HeartbeatSeconds (${seconds} s)`)),
          this.scaledTimeout(seconds),
        );
      };
      const task: OpenTask = {
        closed: false,
        succeed: (output) =>
          complete(
            () => {
              const details = { output: JSON.stringify(output), outputDetails: { truncated: false } };
              if (isLambdaArn) this.record(execution, 'LambdaFunctionSucceeded', details);
              else this.record(execution, 'TaskSucceeded', { ...taskResource, ...details });
            },
            () => resolve(output),
          ),
        fail: (error) =>
          complete(
            () => {
              const timedOut = error instanceof this.interpreter.TimeoutError;
              const details = { error: error.name, cause: error.message };
              if (isLambdaArn) this.record(execution, timedOut ? 'LambdaFunctionTimedOut' : 'LambdaFunctionFailed', details);
              else this.record(execution, timedOut ? 'TaskTimedOut' : 'TaskFailed', { ...taskResource, ...details });
            },
            () => reject(error),
          ),
        heartbeat: armHeartbeat,
        abandon: () => {
          if (end()) reject(new ExecutionClosedError());
        },
      };
      execution.openTasks.add(task);
      if (token) this.tasksByToken.set(token, task);
      if (timeoutSeconds !== undefined) {
        const seconds = timeoutSeconds;
        timeoutTimer = setTimeout(
          () => task.fail(this.timeoutError(`The task ran longer than its TimeoutSeconds (${seconds} s)`)),
          this.scaledTimeout(seconds),
        );
      }
      armHeartbeat();

      this.invoke(functionName, payload).then(
        (result) => {
          const invokeResponse = { ExecutedVersion: '$LATEST', Payload: result, StatusCode: 200 };
          if (!isCallback) return task.succeed(isLambdaArn ? result : invokeResponse);
          // A callback task now waits for SendTaskSuccess/SendTaskFailure with its token.
          if (!task.closed && execution.status === 'RUNNING') {
            this.record(execution, 'TaskSubmitted', { ...taskResource, output: JSON.stringify(invokeResponse), outputDetails: { truncated: false } });
          }
        },
        (error: unknown) => task.fail(functionError(error)),
      );
    });
  }

  private async runDynamicWait(execution: Execution, facts: StateFacts, input: JSONValue): Promise<JSONValue> {
    const { secondsPath, timestampPath } = facts.dynamicWait!;
    const path = secondsPath ?? timestampPath ?? '$';
    let value: JSONValue | undefined;
    try {
      value = readReferencePath(path, input);
    } catch (error) {
      throw new StatesRuntimeError(`State "${facts.name}": ${(error as Error).message}`);
    }
    let seconds: number;
    if (secondsPath !== undefined) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
        throw new StatesRuntimeError(`State "${facts.name}": SecondsPath ${path} must select a non-negative integer, got ${JSON.stringify(value)}`);
      }
      seconds = value;
    } else {
      const at = typeof value === 'string' ? Date.parse(value) : Number.NaN;
      if (Number.isNaN(at)) throw new StatesRuntimeError(`State "${facts.name}": TimestampPath ${path} must select a timestamp, got ${JSON.stringify(value)}`);
      seconds = (at - Date.now()) / 1000;
    }
    await sleep(this.scaledWait(seconds), execution.closed.signal);
    this.assertRunning(execution);
    return input;
  }

  private onInterpreterEvent(execution: Execution, event: LibraryEvent): void {
    const at = new Date(event.timestamp);
    const state = event.state;
    const stateType = state ? (execution.machine.prepared.states.get(state.name)?.type ?? state.type) : '';
    const hasBranches = stateType === 'Map' || stateType === 'Parallel';
    switch (event.type) {
      case 'ExecutionStarted':
        this.record(execution, 'ExecutionStarted', { input: execution.input, inputDetails: { truncated: false }, roleArn: this.roleArn() }, at);
        return;
      case 'ExecutionSucceeded': {
        const output = JSON.stringify(event.output ?? null);
        this.record(execution, 'ExecutionSucceeded', { output, outputDetails: { truncated: false } }, at);
        this.finish(execution, 'SUCCEEDED', { output });
        return;
      }
      case 'ExecutionFailed': {
        const error = event.Error ?? '';
        const cause = typeof event.Cause === 'string' ? event.Cause : JSON.stringify(event.Cause ?? '');
        this.record(execution, 'ExecutionFailed', { error, cause }, at);
        this.finish(execution, 'FAILED', { error, cause });
        return;
      }
      case 'ExecutionAborted':
      case 'ExecutionTimeout': {
        // The interpreter is only aborted by close(), which has already set status, error and cause.
        const timedOut = execution.status === 'TIMED_OUT' || event.type === 'ExecutionTimeout';
        this.record(execution, timedOut ? 'ExecutionTimedOut' : 'ExecutionAborted', { error: execution.error, cause: execution.cause }, at);
        return;
      }
      case 'StateEntered':
        execution.retryAttempts.delete(state!.name);
        this.record(execution, `${stateType}StateEntered`, { name: state!.name, input: JSON.stringify(state!.input), inputDetails: { truncated: false } }, at);
        if (hasBranches) this.record(execution, `${stateType}StateStarted`, undefined, at);
        return;
      case 'StateExited':
        if (hasBranches) this.record(execution, `${stateType}StateSucceeded`, undefined, at);
        this.record(execution, `${stateType}StateExited`, { name: state!.name, output: JSON.stringify(state!.output ?? null), outputDetails: { truncated: false } }, at);
        return;
      case 'StateFailed':
        // Task failures are recorded by runTask, with the integration's details.
        if (hasBranches) this.record(execution, `${stateType}StateFailed`, undefined, at);
        return;
      case 'StateRetried': {
        const retriers = execution.machine.prepared.states.get(state!.name)?.retry ?? [];
        const index = event.retry ? retriers.indexOf(event.retry.retrier) : -1;
        if (index >= 0) {
          const attempts = execution.retryAttempts.get(state!.name) ?? [];
          attempts[index] = event.retry!.attempt;
          execution.retryAttempts.set(state!.name, attempts);
        }
        return;
      }
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        this.record(execution, event.type, { name: event.parentState?.name, index: event.index }, at);
        return;
      default:
        // StateCaught and Parallel branch events have no counterpart in the AWS history.
        return;
    }
  }

  /** Ends the execution from outside the interpreter (StopExecution, execution timeout, shutdown). */
  private close(execution: Execution, status: ExecutionStatus, error: string | undefined, cause: string | undefined): void {
    if (!this.finish(execution, status, { error, cause })) return;
    for (const task of execution.openTasks) task.abandon();
    execution.closed.abort();
    execution.abortInterpreter();
  }

  private finish(execution: Execution, status: ExecutionStatus, outcome: { output?: string; error?: string; cause?: string }): boolean {
    if (execution.status !== 'RUNNING') return false;
    Object.assign(execution, { status, stopDate: new Date() }, outcome);
    clearTimeout(execution.timeoutTimer);
    return true;
  }

  private record(execution: Execution, type: string, details?: Record<string, unknown>, timestamp = new Date()): void {
    const id = execution.history.length + 1;
    const event: HistoryEvent = { id, previousEventId: id - 1, timestamp, type };
    if (details) event[detailsKey(type)] = withoutUndefined(details);
    execution.history.push(event);
  }

  private assertRunning(execution: Execution): void {
    if (execution.status !== 'RUNNING') throw new ExecutionClosedError();
  }

  private async invoke(functionName: string, payload: JSONValue): Promise<JSONValue> {
    // Serialized both ways, as over the Lambda API: no shared objects between function and interpreter.
    const result = await this.options.invokeFunction(functionName, asJSON(payload));
    return asJSON(result);
  }

  private timeoutError(message: string): Error {
    const error = new this.interpreter.TimeoutError();
    error.message = message;
    return error;
  }

  private retryPauseMs(retrier: RetrierDefinition, attempt: number): number {
    let seconds = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** attempt;
    if (retrier.MaxDelaySeconds !== undefined) seconds = Math.min(seconds, retrier.MaxDelaySeconds);
    if (retrier.JitterStrategy === 'FULL') seconds *= Math.random();
    const scale = this.options.timeScale;
    return scaled(seconds, scale?.retryScale, scale?.maxRetryMs);
  }

  private scaledWait(seconds: number): number {
    return scaled(seconds, this.options.timeScale?.waitScale, this.options.timeScale?.maxWaitMs);
  }

  private scaledTimeout(seconds: number): number {
    return scaled(seconds, this.options.timeScale?.timeoutScale, this.options.timeScale?.maxTimeoutMs);
  }

  private roleArn(): string {
    return `arn:aws:iam::${this.options.accountId}:role/local-step-functions`;
  }
}

function scaled(seconds: number, scale = 1, maxMs = MAX_TIMER_MS): number {
  return Math.round(Math.max(0, Math.min(seconds * 1000 * scale, maxMs, MAX_TIMER_MS)));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The error a Lambda invocation reports: errorType is the error's name, Cause the JSON error body. */
function functionError(error: unknown): TaskError {
  const errorType = error instanceof Error ? error.name : 'Error';
  const errorMessage = error instanceof Error ? error.message : String(error);
  const trace = error instanceof Error && error.stack ? error.stack.split('\n') : [];
  return new TaskError(errorType, JSON.stringify({ errorType, errorMessage, trace }));
}

function asJSON(value: unknown): JSONValue {
  const text = JSON.stringify(value);
  return text === undefined ? null : (JSON.parse(text) as JSONValue);
}

function detailsKey(type: string): string {
  if (type.endsWith('StateEntered')) return 'stateEnteredEventDetails';
  if (type.endsWith('StateExited')) return 'stateExitedEventDetails';
  return `${type[0]!.toLowerCase()}${type.slice(1)}EventDetails`;
}

function withoutUndefined(details: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined));
}

/** The fields ListExecutions gives per execution, which DescribeExecution starts with too. */
function executionListItem(execution: Execution): Record<string, unknown> {
  return {
    executionArn: execution.arn,
    stateMachineArn: execution.machine.arn,
    name: execution.name,
    status: execution.status,
    startDate: execution.startDate,
    stopDate: execution.stopDate,
  };
}
