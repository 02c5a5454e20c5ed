/**
 * Turns an ASL definition into the copy that aws-local-stepfunctions interprets, plus the
 * per-state facts the local server needs to emulate what the library does not do itself
 * (callback tokens, scaled timeouts and heartbeats, scaled dynamic waits).
 *
 * The ASL text is never edited; only the interpreter's in-memory copy is adapted.
 */

export type JSONValue = null | boolean | number | string | JSONValue[] | { [key: string]: JSONValue };
type JSONObject = { [key: string]: JSONValue };

/** Largest delay Node's setTimeout honours; bigger values overflow to 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;
/** Where a task's TimeoutSecondsPath value travels in its evaluated Parameters. */
export const TIMEOUT_PARAMETER = '__localTimeoutSeconds';

/** Given to the library as every task's TimeoutSeconds so its 60 s default never fires: timeouts are ours. */
const LIBRARY_TASK_TIMEOUT_SECONDS = Math.floor(MAX_TIMER_MS / 1000);

/** Stands in for `$$.Task.Token` in the interpreter's copy; each callback task swaps it for a fresh token. */
export const TASK_TOKEN_PLACEHOLDER = '__local-step-functions:task-token__';

export type TaskIntegration =
  | 'lambda-invoke' // arn:aws:states:::lambda:invoke -> { Payload, StatusCode, ... }
  | 'lambda-callback' // arn:aws:states:::lambda:invoke.waitForTaskToken
  | 'lambda-arn'; // plain function ARN as Resource -> the function's return value

export interface RetrierDefinition {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'NONE' | 'FULL';
}

export interface StateFacts {
  name: string;
  /** The type written in the ASL (a dynamic Wait runs as a Task in the interpreter). */
  type: string;
  retry?: RetrierDefinition[];
  task?: {
    integration: TaskIntegration;
    resource: string;
    timeoutSeconds?: number;
    heartbeatSeconds?: number;
    /** TimeoutSecondsPath: its value travels in Parameters under TIMEOUT_PARAMETER so we can scale it. */
    timeoutFromPath?: boolean;
  };
  /** Wait with Seconds/Timestamp: the library waits, we only supply a scaled override. */
  staticWait?: { seconds?: number; timestamp?: string };
  /** Wait with SecondsPath/TimestampPath: the interpreter runs it as a Task whose local handler waits, scaled. */
  dynamicWait?: { secondsPath?: string; timestampPath?: string };
}

export interface PreparedDefinition {
  /** The copy handed to the library. */
  interpreted: JSONObject;
  /** Every state, nested ones included (ASL state names are unique across the whole machine). */
  states: Map<string, StateFacts>;
  /** Top-level TimeoutSeconds, enforced by the server so it can be scaled. */
  timeoutSeconds?: number;
}

const LAMBDA_FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$/;

export function prepareDefinition(machineName: string, definition: JSONObject): PreparedDefinition {
  const interpreted = structuredClone(definition);
  const states = new Map<string, StateFacts>();
  prepareScope(machineName, interpreted, states);
  const timeoutSeconds = numberField(interpreted, 'TimeoutSeconds');
  delete interpreted['TimeoutSeconds'];
  return { interpreted, states, timeoutSeconds };
}

function prepareScope(machineName: string, scope: JSONObject, facts: Map<string, StateFacts>): void {
  // The library would silently treat JSONata expressions as literal strings.
  if (scope['QueryLanguage'] === 'JSONata') throw definitionError(machineName, 'JSONata is not supported locally; write the ASL with JSONPath');
  const states = scope['States'];
  if (!isObject(states)) throw definitionError(machineName, 'a scope has no States');
  for (const [name, state] of Object.entries(states)) {
    if (!isObject(state)) throw definitionError(machineName, `state "${name}" is not an object`);
    if (facts.has(name)) {
      // The library's overrides are keyed by state name, so a name must identify one state.
      throw definitionError(machineName, `state name "${name}" is used twice`);
    }
    if (state['QueryLanguage'] === 'JSONata') throw definitionError(machineName, `state "${name}": JSONata is not supported locally; use JSONPath`);
    const type = String(state['Type']);
    const stateFacts: StateFacts = { name, type };
    if (Array.isArray(state['Retry'])) stateFacts.retry = state['Retry'] as unknown as RetrierDefinition[];
    if (type === 'Task') stateFacts.task = prepareTask(machineName, name, state);
    if (type === 'Wait') Object.assign(stateFacts, prepareWait(name, state, states));
    if (type === 'Parallel' && Array.isArray(state['Branches'])) {
      for (const branch of state['Branches']) if (isObject(branch)) prepareScope(machineName, branch, facts);
    }
    if (type === 'Map') {
      const processor = state['ItemProcessor'] ?? state['Iterator'];
      if (isObject(processor)) prepareScope(machineName, processor, facts);
    }
    facts.set(name, stateFacts);
  }
}

function prepareTask(machineName: string, name: string, state: JSONObject): StateFacts['task'] {
  const resource = String(state['Resource']);
  const integration = integrationOf(resource);
  if (!integration) {
    throw definitionError(machineName, `state "${name}": Task resource "${resource}" is not supported locally (lambda:invoke, lambda:invoke.waitForTaskToken or a Lambda function ARN)`);
  }
  const parameters = state['Parameters'];
  if (integration !== 'lambda-arn' && !(isObject(parameters) && ('FunctionName' in parameters || 'FunctionName.$' in parameters))) {
    throw definitionError(machineName, `state "${name}": ${resource} needs Parameters.FunctionName`);
  }
  let tokenReferences = 0;
  try {
    if (isObject(parameters)) tokenReferences = replaceTaskTokenReferences(parameters);
  } catch (error) {
    throw definitionError(machineName, `state "${name}": ${(error as Error).message}`);
  }
  if (integration === 'lambda-callback' && tokenReferences === 0) {
    throw definitionError(machineName, `state "${name}": a .waitForTaskToken task must pass "$$.Task.Token" in its Parameters`);
  }
  if (tokenReferences > 0 && integration !== 'lambda-callback') {
    throw definitionError(machineName, `state "${name}": $$.Task.Token is only available to .waitForTaskToken tasks`);
  }
  if (state['HeartbeatSecondsPath'] !== undefined) {
    throw definitionError(machineName, `state "${name}": HeartbeatSecondsPath is not supported locally`);
  }
  const timeoutSeconds = numberField(state, 'TimeoutSeconds');
  const heartbeatSeconds = numberField(state, 'HeartbeatSeconds');
  delete state['TimeoutSeconds'];
  delete state['HeartbeatSeconds'];
  // TimeoutSecondsPath is read from the same effective input as Parameters: evaluated there,
  // under a reserved key the engine takes out again, it can be timed (and scaled) by us.
  const timeoutPath = state['TimeoutSecondsPath'];
  const timeoutFromPath = typeof timeoutPath === 'string' && isObject(parameters);
  if (timeoutFromPath) {
    (parameters as JSONObject)[`${TIMEOUT_PARAMETER}.$`] = timeoutPath;
    delete state['TimeoutSecondsPath'];
  }
  state['TimeoutSeconds'] = LIBRARY_TASK_TIMEOUT_SECONDS;
  return { integration, resource, timeoutSeconds, heartbeatSeconds, ...(timeoutFromPath && { timeoutFromPath }) };
}

function prepareWait(name: string, state: JSONObject, scopeStates: JSONObject): Partial<StateFacts> {
  const seconds = numberField(state, 'Seconds');
  const timestamp = typeof state['Timestamp'] === 'string' ? state['Timestamp'] : undefined;
  if (seconds !== undefined || timestamp !== undefined) return { staticWait: { seconds, timestamp } };
  const secondsPath = typeof state['SecondsPath'] === 'string' ? state['SecondsPath'] : undefined;
  const timestampPath = typeof state['TimestampPath'] === 'string' ? state['TimestampPath'] : undefined;
  // The library's wait override is one fixed number per state, so a wait read from the input
  // runs as a Task whose local handler reads the path and sleeps the scaled time.
  const asTask: JSONObject = { Type: 'Task', Resource: 'arn:aws:states:::local:wait', TimeoutSeconds: LIBRARY_TASK_TIMEOUT_SECONDS };
  for (const field of ['Comment', 'InputPath', 'OutputPath', 'Next', 'End']) {
    const value = state[field];
    if (value !== undefined) asTask[field] = value;
  }
  scopeStates[name] = asTask;
  return { dynamicWait: { secondsPath, timestampPath } };
}

function integrationOf(resource: string): TaskIntegration | undefined {
  if (resource === 'arn:aws:states:::lambda:invoke') return 'lambda-invoke';
  if (resource === 'arn:aws:states:::lambda:invoke.waitForTaskToken') return 'lambda-callback';
  if (LAMBDA_FUNCTION_ARN.test(resource)) return 'lambda-arn';
  return undefined;
}

/** Rewrites `"x.$": "$$.Task.Token"` into `"x": TASK_TOKEN_PLACEHOLDER`, in place; returns how many it found. */
function replaceTaskTokenReferences(template: JSONValue): number {
  if (Array.isArray(template)) return template.reduce<number>((sum, item) => sum + replaceTaskTokenReferences(item), 0);
  if (!isObject(template)) return 0;
  let count = 0;
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$') && value === '$$.Task.Token') {
      delete template[key];
      template[key.slice(0, -2)] = TASK_TOKEN_PLACEHOLDER;
      count++;
    } else if (typeof value === 'string' && value.includes('$$.Task.Token')) {
      throw new Error(`"${key}": $$.Task.Token is supported locally only as a whole value ("${key}": "$$.Task.Token")`);
    } else {
      count += replaceTaskTokenReferences(value);
    }
  }
  return count;
}

/** Returns a copy of `value` with every TASK_TOKEN_PLACEHOLDER replaced by `token`. */
export function withTaskToken(value: JSONValue, token: string): JSONValue {
  if (value === TASK_TOKEN_PLACEHOLDER) return token;
  if (Array.isArray(value)) return value.map((item) => withTaskToken(item, token));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withTaskToken(v, token)]));
  return value;
}

/**
 * Reads a JSONPath reference path (`$`, `$.a.b`, `$['a'][0]`) from `value`; `undefined` when
 * absent. Enough for SecondsPath/TimestampPath, which AWS restricts to reference paths.
 */
export function readReferencePath(path: string, value: JSONValue): JSONValue | undefined {
  if (!path.startsWith('$')) throw new Error(`"${path}" is not a reference path`);
  const segments = /\.([A-Za-z_][\w-]*)|\['([^']*)'\]|\[(\d+)\]/gy;
  segments.lastIndex = 1;
  let current: JSONValue | undefined = value;
  while (segments.lastIndex < path.length) {
    const start = segments.lastIndex;
    const match = segments.exec(path);
    if (!match || match.index !== start) throw new Error(`"${path}" is not a reference path`);
    const key = match[1] ?? match[2];
    if (key !== undefined) current = isObject(current) ? current[key] : undefined;
    else current = Array.isArray(current) ? current[Number(match[3])] : undefined;
    if (current === undefined) return undefined;
  }
  return current;
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
