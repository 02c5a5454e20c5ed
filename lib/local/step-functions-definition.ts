/**
 * Checks that an ASL definition uses only what the local server runs — the features of
 * statemachines/charging-session.asl.json: Lambda tasks (`lambda:invoke`, its
 * `.waitForTaskToken` callback form) with TimeoutSeconds or TimeoutSecondsPath, Retry and
 * Catch; Wait with Seconds; Choice, Pass, Succeed, Fail — and makes the copy that
 * aws-local-stepfunctions interprets.
 *
 * The copy differs in timeouts only: the server times tasks and executions itself, because
 * the library has no way to scale them and would restart them on every resumed run.
 */

export type JSONValue = null | boolean | number | string | JSONValue[] | { [key: string]: JSONValue };
type JSONObject = { [key: string]: JSONValue };

/** Largest delay Node's setTimeout honours; bigger values overflow to 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;
/** Where a task's TimeoutSecondsPath value travels in its evaluated Parameters. */
export const TIMEOUT_PARAMETER = '__localTimeoutSeconds';

/** Given to the library as every task's TimeoutSeconds so its 60 s default never fires: timeouts are ours. */
const LIBRARY_TASK_TIMEOUT_SECONDS = Math.floor(MAX_TIMER_MS / 1000);

const CALLBACK_BY_RESOURCE: Record<string, boolean> = {
  'arn:aws:states:::lambda:invoke': false,
  'arn:aws:states:::lambda:invoke.waitForTaskToken': true,
};
const STATE_TYPES = new Set(['Task', 'Wait', 'Choice', 'Pass', 'Succeed', 'Fail']);

export interface RetrierDefinition {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
}

export interface StateFacts {
  name: string;
  next?: string;
  retry?: RetrierDefinition[];
  task?: {
    /** `.waitForTaskToken`: the task ends with SendTaskSuccess/SendTaskFailure. */
    callback: boolean;
    timeoutSeconds?: number;
    /** TimeoutSecondsPath: its value travels in Parameters under TIMEOUT_PARAMETER so we can scale it. */
    timeoutFromPath?: boolean;
  };
  waitSeconds?: number;
}

export interface PreparedDefinition {
  /** The copy handed to the library. */
  interpreted: JSONObject;
  startAt: string;
  states: Map<string, StateFacts>;
  /** Top-level TimeoutSeconds, enforced by the server so it can be scaled. */
  timeoutSeconds?: number;
}

export function prepareDefinition(machineName: string, definition: JSONObject): PreparedDefinition {
  const interpreted = structuredClone(definition);
  const timeoutSeconds = numberField(interpreted, 'TimeoutSeconds');
  delete interpreted['TimeoutSeconds'];
  if (!isObject(interpreted['States'])) throw definitionError(machineName, 'it has no States');
  const states = new Map<string, StateFacts>();
  for (const [name, state] of Object.entries(interpreted['States'])) {
    if (!isObject(state)) throw definitionError(machineName, `state "${name}" is not an object`);
    const type = String(state['Type']);
    if (!STATE_TYPES.has(type)) throw definitionError(machineName, `state "${name}": ${type} states are not supported locally`);
    const facts: StateFacts = { name };
    if (typeof state['Next'] === 'string') facts.next = state['Next'];
    if (Array.isArray(state['Retry'])) facts.retry = state['Retry'] as unknown as RetrierDefinition[];
    // The retry pauses are ours (scaled); these two would be ignored.
    if (facts.retry?.some((retrier) => 'MaxDelaySeconds' in retrier || 'JitterStrategy' in retrier)) {
      throw definitionError(machineName, `state "${name}": MaxDelaySeconds and JitterStrategy are not supported locally`);
    }
    if (type === 'Task') facts.task = prepareTask(machineName, name, state);
    if (type === 'Wait') {
      facts.waitSeconds = numberField(state, 'Seconds');
      if (facts.waitSeconds === undefined) throw definitionError(machineName, `state "${name}": only a Wait with Seconds is supported locally`);
    }
    states.set(name, facts);
  }
  return { interpreted, startAt: String(interpreted['StartAt']), states, ...(timeoutSeconds !== undefined && { timeoutSeconds }) };
}

function prepareTask(machineName: string, name: string, state: JSONObject): StateFacts['task'] {
  const resource = String(state['Resource']);
  const callback = CALLBACK_BY_RESOURCE[resource];
  if (callback === undefined) {
    throw definitionError(machineName, `state "${name}": Task resource "${resource}" is not supported locally (lambda:invoke or lambda:invoke.waitForTaskToken)`);
  }
  const parameters = state['Parameters'];
  if (!isObject(parameters)) throw definitionError(machineName, `state "${name}": ${resource} needs Parameters.FunctionName`);
  if (state['HeartbeatSeconds'] !== undefined || state['HeartbeatSecondsPath'] !== undefined) {
    throw definitionError(machineName, `state "${name}": heartbeats are not supported locally`);
  }
  const timeoutSeconds = numberField(state, 'TimeoutSeconds');
  // TimeoutSecondsPath is read from the same effective input as Parameters: evaluated there,
  // under a reserved key the engine takes out again, it can be timed (and scaled) by us.
  const timeoutPath = state['TimeoutSecondsPath'];
  const timeoutFromPath = typeof timeoutPath === 'string';
  if (timeoutFromPath) parameters[`${TIMEOUT_PARAMETER}.$`] = timeoutPath;
  delete state['TimeoutSecondsPath'];
  state['TimeoutSeconds'] = LIBRARY_TASK_TIMEOUT_SECONDS;
  return { callback, ...(timeoutSeconds !== undefined && { timeoutSeconds }), ...(timeoutFromPath && { timeoutFromPath }) };
}

export function isObject(value: unknown): value is JSONObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numberField(state: JSONObject, field: string): number | undefined {
  const value = state[field];
  return typeof value === 'number' ? value : undefined;
}

function definitionError(machineName: string, message: string): Error {
  return new Error(`State machine "${machineName}": ${message}`);
}
