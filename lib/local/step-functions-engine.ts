/**
 * Executions of the local Step Functions service. The ASL is interpreted by
 * aws-local-stepfunctions; this class adds what the service does around it and the library
 * lacks: execution records and history, callback task tokens, task and execution timeouts
 * on the time scale, and executions kept across a restart (step-functions-store.ts).
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
} from './step-functions-definition';
import { ExecutionStore, type ResumePoint, type StoredExecution } from './step-functions-store';

/**
 * Shortens the durations written in the ASL for local runs; the ASL itself is never edited.
 * Every duration becomes `min(seconds × 1000 × scale, max…Ms)` milliseconds.
 */
export interface LocalTimeScale {
  /** Wait states' Seconds. @default 1 */
  readonly waitScale?: number;
  /** @default no bound (besides Node's 24.8-day timer limit) */
  readonly maxWaitMs?: number;
  /** The pause before each retry, IntervalSeconds × BackoffRate^attempt. @default 1 */
  readonly retryScale?: number;
  /** @default no bound */
  readonly maxRetryMs?: number;
  /** Task TimeoutSeconds (and TimeoutSecondsPath), and the state machine's TimeoutSeconds. @default 1 */
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
  abortInterpreter: () => void;
  timeoutTimer?: NodeJS.Timeout;
  /** Epoch ms at which the execution times out (its scaled TimeoutSeconds), kept across restarts. */
  timeoutAt?: number;
  /** The token `$$.Task.Token` gave the callback task whose Parameters are being evaluated, until runTask takes it. */
  issuedToken?: string;
  /** The state the execution is in (or about to enter), with its input: what a restart resumes. */
  point?: ResumePoint;
  /** The callback task or wait of the current state, for the resume point. */
  currentTask?: { state: string; token?: string; submitted: boolean; deadlineAt?: number };
  currentWait?: { state: string; until: number };
  /** The current state's last attempt failed with this error: a retry (or its Catch) comes next. */
  lastFailure?: { state: string; error: string };
  /** The Catch that sent the current state on, until its StateExited says where to. */
  caughtNext?: string;
  /** After a restart: the point the execution goes on from, until that state is left. */
  resuming?: ResumePoint;
  /** After a restart inside a state's retries: its retriers in the resumed copy and the attempts made before. */
  resumedRetries?: { state: string; retriers: RetrierDefinition[]; attemptsBefore: number[] };
}

interface OpenTask {
  closed: boolean;
  succeed(output: JSONValue): void;
  fail(error: Error): void;
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

/**
 * A task past its TimeoutSeconds. Unlike AWS, the library lets `States.TaskFailed` match it
 * (only its own, unexported timeout class escapes that); the workflow names `States.Timeout`
 * or `States.ALL` only.
 */
class TaskTimeout extends TaskError {
  constructor(seconds: number) {
    super('States.Timeout', `The task ran longer than its TimeoutSeconds (${seconds} s)`);
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

/** What the interpreter reports as it runs (the library does not export the type). */
type LibraryEvent = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer Event> ? Event : never;

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{64}$/;
const EXECUTION_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;

let interpreterLoading: Promise<typeof StateMachine> | undefined;

function loadInterpreter(): Promise<typeof StateMachine> {
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
    return (await import('aws-local-stepfunctions')).StateMachine;
  })();
  return interpreterLoading;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const newToken = (): string => randomBytes(48).toString('base64url');

export interface StepFunctionsEngineOptions {
  region: string;
  accountId: string;
  stateMachines: ReadonlyArray<{ name: string; definition: string }>;
  invokeFunction: InvokeFunction;
  timeScale?: LocalTimeScale;
  /** Validate each ASL with the library's asl-validator (about 1 s per machine: it compiles its schemas per call). @default true */
  validate?: boolean;
  /**
   * Keep executions in this directory, so that they survive a restart: call
   * `resumeExecutions()` once the functions they invoke are ready. @default in memory
   */
  dataDir?: string;
}

export class StepFunctionsEngine {
  private readonly machines = new Map<string, Machine>();
  private readonly executions = new Map<string, Execution>();
  /** Newest last. */
  private readonly executionOrder: Execution[] = [];
  private readonly tasksByToken = new Map<string, OpenTask>();
  private readonly store: ExecutionStore | undefined;
  /** Running executions found on disk, until resumeExecutions() runs them on. */
  private toResume: Execution[] = [];

  private constructor(
    private readonly options: StepFunctionsEngineOptions,
    private readonly Interpreter: typeof StateMachine,
  ) {
    for (const { name, definition } of options.stateMachines) {
      const parsed: unknown = JSON.parse(definition);
      if (!isObject(parsed)) throw new Error(`State machine "${name}": the definition is not a JSON object`);
      if (this.machines.has(this.stateMachineArn(name))) throw new Error(`State machine "${name}" is defined twice`);
      const prepared = prepareDefinition(name, parsed);
      // Validates the ASL as written (throws with the validator's messages); the adapted copy is no longer plain ASL.
      if (options.validate !== false) new Interpreter(parsed as unknown as StateMachineDefinition);
      const arn = this.stateMachineArn(name);
      this.machines.set(arn, { name, arn, prepared, interpreter: this.interpreterOf(prepared.interpreted) });
    }
    if (options.dataDir !== undefined) {
      this.store = new ExecutionStore(options.dataDir);
      for (const stored of this.store.load()) this.restore(stored);
    }
  }

  /**
   * Runs on the executions that were running when the process stopped, each from the state it
   * was in, with that state's input: a callback task whose Lambda had answered waits for the
   * same token again, until the same deadline; a task that was in flight runs again (the
   * session workflow's steps are safe to run twice); waits and the execution's timeout keep
   * their deadlines. A restart during a retry pause retries at once; the retries made before
   * still count against MaxAttempts. `$$.Execution.StartTime` and `$$.Execution.Input`
   * are those of the resumed run.
   */
  resumeExecutions(): void {
    const executions = this.toResume;
    this.toResume = [];
    for (const execution of executions) {
      const point = execution.resuming!;
      if (!execution.machine.prepared.states.has(point.state)) {
        this.close(execution, 'FAILED', 'States.Runtime', `The execution cannot resume: its state machine has no state "${point.state}" any more`);
        continue;
      }
      this.run(execution, point.input, point);
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
      abortInterpreter: () => undefined,
      ...(machine.prepared.timeoutSeconds !== undefined && { timeoutAt: Date.now() + this.scaledTimeout(machine.prepared.timeoutSeconds) }),
    };
    this.executions.set(arn, execution);
    this.executionOrder.push(execution);
    this.persist(execution);
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

  /** No state of ours has HeartbeatSeconds: a heartbeat only checks its token. */
  sendTaskHeartbeat(taskToken: string): void {
    this.openTask(taskToken);
  }

  /**
   * Stops every running execution (server shutdown), so no timer keeps the process alive.
   * With a data directory, like a crash: nothing of this is written, and a restart resumes them.
   */
  shutdown(): void {
    this.store?.freeze();
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

  private run(execution: Execution, input: JSONValue, from?: ResumePoint): void {
    const interpreter = from ? this.interpreterFrom(execution, from) : execution.machine.interpreter;
    execution.resuming = from;
    const runOptions: RunOptions = {
      noThrowOnAbort: true,
      context: {
        Execution: { Id: execution.arn, Name: execution.name, RoleArn: this.roleArn(), RedriveCount: 0 },
        StateMachine: { Id: execution.machine.arn, Name: execution.machine.name },
        // Read while the interpreter evaluates a callback task's Parameters: a fresh token per
        // attempt, or after a restart the one the task had; runTask takes it.
        Task: {
          get Token(): string {
            return (execution.issuedToken ??= execution.resuming?.task?.token ?? newToken());
          },
        },
      },
      overrides: this.overridesFor(execution),
    };
    const run = interpreter.run(input as Parameters<StateMachine['run']>[0], runOptions);
    execution.abortInterpreter = run.abort;
    const settled = run.result.then(
      () => undefined,
      (error: unknown) => error,
    );
    const seconds = execution.machine.prepared.timeoutSeconds;
    if (seconds !== undefined && execution.timeoutAt !== undefined) {
      execution.timeoutTimer = setTimeout(
        () => this.close(execution, 'TIMED_OUT', 'States.Timeout', `The execution ran longer than its TimeoutSeconds (${seconds} s)`),
        Math.max(0, execution.timeoutAt - Date.now()),
      );
    }
    void (async () => {
      for await (const event of run.eventLogs) this.onInterpreterEvent(execution, event);
      return settled;
    })().then(
      // Only acts if the library ended without a terminal event.
      (failure) => this.close(execution, 'FAILED', 'States.Runtime', String(failure ?? 'The interpreter stopped without an outcome')),
      (error: unknown) => this.close(execution, 'FAILED', 'States.Runtime', String(error)),
    );
  }

  private overridesFor(execution: Execution): NonNullable<RunOptions['overrides']> {
    const taskResourceLocalHandlers: Record<string, (input: JSONValue) => Promise<JSONValue>> = {};
    // Getters, because the right duration depends on the clock, a restart and the attempts made so far.
    const waitTimeOverrides: Record<string, number> = {};
    const retryIntervalOverrides: Record<string, number[]> = {};
    for (const facts of execution.machine.prepared.states.values()) {
      if (facts.task) {
        taskResourceLocalHandlers[facts.name] = async (input) => {
          this.assertRunning(execution);
          await nextTurn(); // lets the history record StateEntered first
          this.assertRunning(execution);
          return this.runTask(execution, facts, input);
        };
      }
      const seconds = facts.waitSeconds;
      if (seconds !== undefined) {
        Object.defineProperty(waitTimeOverrides, facts.name, {
          enumerable: true,
          get: () => {
            const resumedUntil = this.takeResumed(execution, facts.name)?.waitUntil;
            const ms = resumedUntil !== undefined ? Math.max(0, resumedUntil - Date.now()) : this.scaledWait(seconds);
            execution.currentWait = { state: facts.name, until: Date.now() + ms };
            this.persist(execution);
            return ms;
          },
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

  /** A Lambda task, `input` its evaluated Parameters: invokes the function and, for a callback task, waits for its token. */
  private runTask(execution: Execution, facts: StateFacts, input: JSONValue): Promise<JSONValue> {
    const { callback, timeoutFromPath } = facts.task!;
    // After a restart the task keeps its token (a station or session may hold it) and deadline.
    const resumed = this.takeResumed(execution, facts.name)?.task;
    const token = callback ? (execution.issuedToken ?? resumed?.token ?? newToken()) : undefined;
    execution.issuedToken = undefined;
    const awaitsCallbackOnly = callback && resumed?.submitted === true;
    let parameters = isObject(input) ? input : {};
    let timeoutSeconds = facts.task!.timeoutSeconds;
    if (timeoutFromPath) {
      const { [TIMEOUT_PARAMETER]: fromPath, ...rest } = parameters;
      if (typeof fromPath !== 'number' || !Number.isInteger(fromPath) || fromPath < 1) {
        throw new StatesRuntimeError(`State "${facts.name}": TimeoutSecondsPath must select a positive integer`);
      }
      timeoutSeconds = fromPath;
      parameters = rest;
    }
    const functionName = parameters['FunctionName'];
    if (typeof functionName !== 'string') throw new StatesRuntimeError(`State "${facts.name}": FunctionName is not a string`);
    const payload = parameters['Payload'] ?? {};

    // History in the shape AWS writes for the lambda:invoke integrations.
    const taskResource = { resourceType: 'lambda', resource: callback ? 'invoke.waitForTaskToken' : 'invoke' };
    const deadlineAt = resumed?.deadlineAt ?? (timeoutSeconds !== undefined ? Date.now() + this.scaledTimeout(timeoutSeconds) : undefined);
    const track = (submitted: boolean): void => {
      execution.currentTask = { state: facts.name, ...(token && { token }), submitted, ...(deadlineAt !== undefined && { deadlineAt }) };
      this.persist(execution);
    };
    track(awaitsCallbackOnly);
    // Resumed while it only awaited its callback: its Scheduled/Started/Submitted events are in the history already.
    if (!awaitsCallbackOnly) {
      this.record(execution, 'TaskScheduled', {
        ...taskResource,
        region: this.options.region,
        parameters: JSON.stringify(parameters),
        timeoutInSeconds: timeoutSeconds,
      });
      this.record(execution, 'TaskStarted', taskResource);
    }

    return new Promise<JSONValue>((resolve, reject) => {
      let timeoutTimer: NodeJS.Timeout | undefined;
      const end = (): boolean => {
        if (task.closed) return false;
        task.closed = true;
        clearTimeout(timeoutTimer);
        execution.openTasks.delete(task);
        return true;
      };
      const complete = (type: string, details: Record<string, unknown>, settle: () => void): void => {
        if (!end()) return;
        // A turn first, so events the interpreter queued earlier keep their place in the history.
        void nextTurn().then(() => {
          if (execution.status !== 'RUNNING') return reject(new ExecutionClosedError());
          this.record(execution, type, { ...taskResource, ...details });
          settle();
        });
      };
      const task: OpenTask = {
        closed: false,
        succeed: (output) => complete('TaskSucceeded', { output: JSON.stringify(output), outputDetails: { truncated: false } }, () => resolve(output)),
        fail: (error) =>
          complete(error instanceof TaskTimeout ? 'TaskTimedOut' : 'TaskFailed', { error: error.name, cause: error.message }, () => reject(error)),
        abandon: () => {
          if (end()) reject(new ExecutionClosedError());
        },
      };
      execution.openTasks.add(task);
      if (token) this.tasksByToken.set(token, task);
      if (timeoutSeconds !== undefined && deadlineAt !== undefined) {
        const seconds = timeoutSeconds;
        timeoutTimer = setTimeout(() => task.fail(new TaskTimeout(seconds)), Math.max(0, deadlineAt - Date.now()));
      }
      if (awaitsCallbackOnly) return;

      this.invoke(functionName, payload).then(
        (result) => {
          const invokeResponse = { ExecutedVersion: '$LATEST', Payload: result, StatusCode: 200 };
          if (!callback) return task.succeed(invokeResponse);
          // A callback task now waits for SendTaskSuccess/SendTaskFailure with its token.
          if (!task.closed && execution.status === 'RUNNING') {
            this.record(execution, 'TaskSubmitted', { ...taskResource, output: JSON.stringify(invokeResponse), outputDetails: { truncated: false } });
            track(true);
          }
        },
        (error: unknown) => task.fail(functionError(error)),
      );
    });
  }

  private onInterpreterEvent(execution: Execution, event: LibraryEvent): void {
    const at = new Date(event.timestamp);
    switch (event.type) {
      case 'ExecutionStarted':
        // A resumed run starts again inside the interpreter, not in the history.
        if (execution.history.length > 0) return;
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
        // The interpreter is only aborted by close(), which has already set status, error and cause.
        this.record(execution, execution.status === 'TIMED_OUT' ? 'ExecutionTimedOut' : 'ExecutionAborted', { error: execution.error, cause: execution.cause }, at);
        return;
      case 'StateEntered': {
        const { name, type, input } = event.state;
        if (!(execution.resuming?.state === name && execution.resuming.entered)) {
          execution.retryAttempts.delete(name);
          this.record(execution, `${type}StateEntered`, { name, input: JSON.stringify(input), inputDetails: { truncated: false } }, at);
        }
        this.movedTo(execution, { state: name, input, entered: true });
        return;
      }
      case 'StateExited': {
        const { name, type, output = null } = event.state;
        this.record(execution, `${type}StateExited`, { name, output: JSON.stringify(output), outputDetails: { truncated: false } }, at);
        if (execution.resuming?.state === name) execution.resuming = undefined;
        if (execution.resumedRetries?.state === name) execution.resumedRetries = undefined;
        // The next state and its input, unless the next is decided by a Choice (run again on resume) or there is none.
        const next = type === 'Choice' ? undefined : (execution.caughtNext ?? execution.machine.prepared.states.get(name)?.next);
        execution.caughtNext = undefined;
        if (next !== undefined) this.movedTo(execution, { state: next, input: output, entered: false });
        return;
      }
      case 'StateCaught':
        execution.caughtNext = event.catch.catcher.Next;
        return;
      case 'StateFailed':
        // Task failures are recorded by runTask, with the integration's details.
        execution.lastFailure = { state: event.state.name, error: event.Error ?? '' };
        this.persist(execution);
        return;
      case 'StateRetried': {
        const { name } = event.state;
        execution.lastFailure = undefined;
        const resumed = execution.resumedRetries?.state === name ? execution.resumedRetries : undefined;
        const retriers = resumed?.retriers ?? execution.machine.prepared.states.get(name)?.retry ?? [];
        const index = retriers.indexOf(event.retry.retrier);
        if (index >= 0) {
          const attempts = execution.retryAttempts.get(name) ?? [];
          attempts[index] = (resumed?.attemptsBefore[index] ?? 0) + event.retry.attempt;
          execution.retryAttempts.set(name, attempts);
        }
        return;
      }
      default:
        return;
    }
  }

  /** Ends the execution from outside the interpreter (StopExecution, execution timeout, shutdown). */
  private close(execution: Execution, status: ExecutionStatus, error: string | undefined, cause: string | undefined): void {
    if (!this.finish(execution, status, { error, cause })) return;
    for (const task of execution.openTasks) task.abandon();
    execution.abortInterpreter();
  }

  private finish(execution: Execution, status: ExecutionStatus, outcome: { output?: string; error?: string; cause?: string }): boolean {
    if (execution.status !== 'RUNNING') return false;
    Object.assign(execution, { status, stopDate: new Date() }, outcome);
    clearTimeout(execution.timeoutTimer);
    this.persist(execution);
    return true;
  }

  private record(execution: Execution, type: string, details?: Record<string, unknown>, timestamp = new Date()): void {
    const id = execution.history.length + 1;
    const event: HistoryEvent = { id, previousEventId: id - 1, timestamp, type };
    if (details) event[detailsKey(type)] = withoutUndefined(details);
    execution.history.push(event);
    this.persist(execution);
  }

  /** The execution is in (or about to enter) another state. */
  private movedTo(execution: Execution, point: ResumePoint): void {
    if (execution.point?.state === point.state && execution.point.entered && point.entered) return;
    execution.point = point;
    // A task starts after its StateEntered; a Wait reads its duration before we see that event.
    if (point.entered) execution.currentTask = undefined;
    if (execution.currentWait?.state !== point.state) execution.currentWait = undefined;
    if (execution.lastFailure?.state !== point.state) execution.lastFailure = undefined;
    this.persist(execution);
  }

  /** The resume point for a state, once: only the first run of that state after a restart goes on from it. */
  private takeResumed(execution: Execution, stateName: string): ResumePoint | undefined {
    const resumed = execution.resuming;
    if (resumed?.state !== stateName) return undefined;
    execution.resuming = { state: resumed.state, input: resumed.input, entered: resumed.entered };
    return resumed;
  }

  /** The machine's interpreter starting at the resume point, its retries counting those made before the restart. */
  private interpreterFrom(execution: Execution, from: ResumePoint): StateMachine {
    const { prepared } = execution.machine;
    const stateName = from.state;
    const retriers = prepared.states.get(stateName)?.retry ?? [];
    // Attempts are those of the state's current visit only once it was entered.
    const attemptsBefore = [...((from.entered && execution.retryAttempts.get(stateName)) || [])];
    if (from.entered && from.failedWith !== undefined) {
      // Stopped in the pause after a failed attempt: the resumed run is the retry it waited for.
      const index = retriers.findIndex((retrier) => retrier.ErrorEquals.some((name) => name === from.failedWith || name === 'States.ALL'));
      if (index >= 0) attemptsBefore[index] = (attemptsBefore[index] ?? 0) + 1;
    }
    const states = prepared.interpreted['States'] as Record<string, Record<string, JSONValue>>;
    let state = states[stateName]!;
    if (attemptsBefore.some((attempts) => attempts > 0)) {
      // The retries made before the restart count against MaxAttempts, as in AWS.
      const resumedRetriers = retriers.map((retrier, i) => ({ ...retrier, MaxAttempts: Math.max(0, (retrier.MaxAttempts ?? 3) - (attemptsBefore[i] ?? 0)) }));
      execution.resumedRetries = { state: stateName, retriers: resumedRetriers, attemptsBefore };
      state = { ...state, Retry: resumedRetriers };
    }
    return this.interpreterOf({ ...prepared.interpreted, StartAt: stateName, States: { ...states, [stateName]: state } });
  }

  private interpreterOf(definition: Record<string, JSONValue>): StateMachine {
    return new this.Interpreter(definition as unknown as StateMachineDefinition, { validationOptions: { noValidate: true } });
  }

  private persist(execution: Execution): void {
    this.store?.save(execution.arn, () => stored(execution));
  }

  /** An execution read back from disk: closed ones as they ended, running ones to resume. */
  private restore(record: StoredExecution): void {
    const machine = this.machines.get(record.stateMachineArn);
    // Executions of a machine this runtime no longer serves stay on disk, unseen.
    if (!machine) return;
    const execution: Execution = {
      arn: record.arn,
      name: record.name,
      machine,
      input: record.input,
      status: record.status as ExecutionStatus,
      startDate: new Date(record.startDate),
      ...(record.stopDate !== undefined && { stopDate: new Date(record.stopDate) }),
      ...(record.output !== undefined && { output: record.output }),
      ...(record.error !== undefined && { error: record.error }),
      ...(record.cause !== undefined && { cause: record.cause }),
      history: record.history.map((event) => ({ ...event, timestamp: new Date(event.timestamp) })),
      retryAttempts: new Map(Object.entries(record.retryAttempts)),
      openTasks: new Set(),
      abortInterpreter: () => undefined,
      ...(record.timeoutAt !== undefined && { timeoutAt: record.timeoutAt }),
    };
    this.executions.set(execution.arn, execution);
    this.executionOrder.push(execution);
    if (execution.status !== 'RUNNING') return;
    // Started but its first state never recorded: it starts over.
    const from = record.resumePoint ?? { state: machine.prepared.startAt, input: JSON.parse(record.input) as JSONValue, entered: false };
    const { task, waitUntil } = from;
    Object.assign(execution, {
      resuming: from,
      point: { state: from.state, input: from.input, entered: from.entered },
      ...(task && { currentTask: { state: from.state, ...task } }),
      ...(waitUntil !== undefined && { currentWait: { state: from.state, until: waitUntil } }),
    });
    this.toResume.push(execution);
  }

  private assertRunning(execution: Execution): void {
    if (execution.status !== 'RUNNING') throw new ExecutionClosedError();
  }

  private async invoke(functionName: string, payload: JSONValue): Promise<JSONValue> {
    // Serialized both ways, as over the Lambda API: no shared objects between function and interpreter.
    const result = await this.options.invokeFunction(functionName, asJSON(payload));
    return asJSON(result);
  }

  private retryPauseMs(retrier: RetrierDefinition, attempt: number): number {
    const seconds = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** attempt;
    return scaled(seconds, this.options.timeScale?.retryScale, this.options.timeScale?.maxRetryMs);
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

/** What the store keeps of an execution. */
function stored(execution: Execution): StoredExecution {
  const { point, currentTask: task, currentWait: wait } = execution;
  const resumePoint = point && {
    ...point,
    ...(task?.state === point.state && { task: { submitted: task.submitted, ...(task.token && { token: task.token }), ...(task.deadlineAt !== undefined && { deadlineAt: task.deadlineAt }) } }),
    ...(wait?.state === point.state && { waitUntil: wait.until }),
    ...(execution.lastFailure?.state === point.state && { failedWith: execution.lastFailure.error }),
  };
  return {
    version: 1,
    arn: execution.arn,
    name: execution.name,
    stateMachineArn: execution.machine.arn,
    input: execution.input,
    status: execution.status,
    startDate: execution.startDate.toISOString(),
    ...(execution.stopDate && { stopDate: execution.stopDate.toISOString() }),
    ...(execution.output !== undefined && { output: execution.output }),
    ...(execution.error !== undefined && { error: execution.error }),
    ...(execution.cause !== undefined && { cause: execution.cause }),
    ...(execution.timeoutAt !== undefined && { timeoutAt: execution.timeoutAt }),
    retryAttempts: Object.fromEntries(execution.retryAttempts),
    ...(resumePoint && { resumePoint }),
    history: execution.history.map((event) => ({ ...event, timestamp: event.timestamp.toISOString() })),
  };
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
