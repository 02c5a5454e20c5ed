import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { type LocalStepFunctions, startLocalStepFunctions } from '../../lib/local/step-functions';

/** A callback task like the charging-session workflow's RemoteStart. */
function remoteStartMachine(options: { timeoutSeconds: number; executionTimeoutSeconds?: number }): string {
  return JSON.stringify({
    ...(options.executionTimeoutSeconds ? { TimeoutSeconds: options.executionTimeoutSeconds } : {}),
    StartAt: 'RemoteStart',
    States: {
      RemoteStart: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: {
          FunctionName: 'station-command',
          Payload: { 'taskToken.$': '$$.Task.Token', 'stationId.$': '$.stationId', action: 'RemoteStartTransaction' },
        },
        TimeoutSeconds: options.timeoutSeconds,
        ResultPath: '$.remoteStart',
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'StartFailed' }],
        Next: 'Accepted?',
      },
      'Accepted?': {
        Type: 'Choice',
        Choices: [{ Variable: '$.remoteStart.status', StringEquals: 'Accepted', Next: 'Started' }],
        Default: 'Rejected',
      },
      Started: { Type: 'Succeed' },
      Rejected: { Type: 'Fail', Error: 'RemoteStartRejected', Cause: 'The charger rejected RemoteStartTransaction' },
      StartFailed: { Type: 'Pass', Parameters: { 'failedWith.$': '$.error.Error', 'cause.$': '$.error.Cause' }, End: true },
    },
  });
}

const plugInWindowMachine = {
  name: 'PlugInWindow',
  definition: JSON.stringify({
    StartAt: 'AwaitStart',
    States: {
      AwaitStart: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: 'station-command', Payload: { 'taskToken.$': '$$.Task.Token', 'stationId.$': '$.stationId' } },
        TimeoutSecondsPath: '$.timing.plugInWindowSeconds',
        Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'NoPlugIn' }],
        End: true,
      },
      NoPlugIn: { Type: 'Pass', Parameters: { 'timedOut.$': '$.error.Error' }, End: true },
    },
  }),
};

const machines = [
  plugInWindowMachine,
  {
    name: 'Checkout',
    definition: JSON.stringify({
      StartAt: 'Quote',
      States: {
        Quote: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'quote', 'Payload.$': '$' },
          ResultSelector: { 'amount.$': '$.Payload.amount', 'statusCode.$': '$.StatusCode' },
          ResultPath: '$.quote',
          Next: 'Charge',
        },
        Charge: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          InputPath: '$.quote',
          Parameters: { FunctionName: 'charge', 'Payload.$': '$' },
          ResultSelector: { 'captureId.$': '$.Payload.captureId' },
          ResultPath: '$.charge',
          Next: 'Receipt',
        },
        Receipt: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'receipt', Payload: { 'captureId.$': '$.charge.captureId', 'amount.$': '$.quote.amount' } },
          OutputPath: '$.Payload',
          End: true,
        },
      },
    }),
  },
  { name: 'RemoteStart', definition: remoteStartMachine({ timeoutSeconds: 7200 }) },
  { name: 'RemoteStartTimeout', definition: remoteStartMachine({ timeoutSeconds: 30 }) },
  { name: 'RemoteStartDeadline', definition: remoteStartMachine({ timeoutSeconds: 7200, executionTimeoutSeconds: 40 }) },
  { name: 'RemoteStartListed', definition: remoteStartMachine({ timeoutSeconds: 7200 }) },
  {
    name: 'CaptureWithRetry',
    definition: JSON.stringify({
      StartAt: 'Capture',
      States: {
        Capture: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'capture', 'Payload.$': '$' },
          OutputPath: '$.Payload',
          Retry: [{ ErrorEquals: ['ReaderBusy'], IntervalSeconds: 40, BackoffRate: 2, MaxAttempts: 2 }],
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'CaptureFailed' }],
          End: true,
        },
        CaptureFailed: { Type: 'Pass', Parameters: { 'failedWith.$': '$.error.Error' }, End: true },
      },
    }),
  },
  {
    name: 'Cooldown',
    definition: JSON.stringify({
      StartAt: 'OneHour',
      States: {
        OneHour: { Type: 'Wait', Seconds: 3600, Next: 'Done' },
        Done: { Type: 'Succeed' },
      },
    }),
  },
];

type LambdaFunction = (payload: any) => unknown;

describe('local Step Functions server', () => {
  let server: LocalStepFunctions;
  let sfn: SFNClient;
  let functions: Record<string, LambdaFunction>;
  const invocations: Array<{ functionName: string; payload: any; at: number }> = [];

  beforeAll(async () => {
    server = await startLocalStepFunctions({
      region: 'us-east-1',
      accountId: '123456789012',
      stateMachines: machines,
      invokeFunction: async (functionName, payload) => {
        invocations.push({ functionName, payload, at: Date.now() });
        const fn = functions[functionName.split(':').pop()!];
        if (!fn) throw new Error(`no local function ${functionName}`);
        return fn(payload);
      },
      // 1 h of Wait -> 36 ms; 40 s retry interval -> 40 ms; TimeoutSeconds 30 -> 30 ms.
      timeScale: { waitScale: 0.00001, retryScale: 0.001, timeoutScale: 0.001 },
      // Validation costs ~1 s per machine; the definitions test below covers it.
      validate: false,
    });
    sfn = new SFNClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  });

  afterAll(async () => {
    sfn?.destroy();
    await server?.close();
  });

  beforeEach(() => {
    functions = { 'station-command': () => ({ sent: true }) };
  });

  const start = async (machine: string, input: unknown, name?: string): Promise<string> =>
    (await sfn.send(new StartExecutionCommand({ stateMachineArn: server.stateMachineArn(machine), input: JSON.stringify(input), name }))).executionArn!;

  async function settled(executionArn: string): Promise<DescribeExecutionCommandOutput> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (execution.status !== 'RUNNING') return execution;
      if (Date.now() > deadline) throw new Error(`${executionArn} still RUNNING`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** The token the station-command function received for this station. */
  async function tokenSentTo(stationId: string): Promise<string> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const call = invocations.find((i) => i.functionName === 'station-command' && i.payload.stationId === stationId);
      if (call) return call.payload.taskToken;
      if (Date.now() > deadline) throw new Error(`station-command never called for ${stationId}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async function historyTypes(executionArn: string, reverseOrder = false): Promise<string[]> {
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder }));
    return events!.map((event) => event.type!);
  }

  const rejection = (promise: Promise<unknown>): Promise<{ name: string; status?: number }> =>
    promise.then(
      () => {
        throw new Error('expected the call to fail');
      },
      (error: { name: string; $metadata?: { httpStatusCode?: number } }) => ({ name: error.name, status: error.$metadata?.httpStatusCode }),
    );

  it('runs lambda:invoke tasks in order and reports the output', async () => {
    functions['quote'] = (payload) => ({ amount: payload.kWh * 35 });
    functions['charge'] = (payload) => ({ captureId: `cap-${payload.amount}` });
    functions['receipt'] = (payload) => ({ line: `${payload.amount} cents`, captureId: payload.captureId });

    const executionArn = await start('Checkout', { kWh: 12 }, 'checkout-1');
    const execution = await settled(executionArn);

    expect(executionArn).toBe('arn:aws:states:us-east-1:123456789012:execution:Checkout:checkout-1');
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toEqual({ line: '420 cents', captureId: 'cap-420' });
    expect(execution.stateMachineArn).toBe('arn:aws:states:us-east-1:123456789012:stateMachine:Checkout');
    expect(execution.stopDate!.getTime()).toBeGreaterThanOrEqual(execution.startDate!.getTime());
    // The function gets the Payload (for Charge, of the InputPath $.quote).
    expect(invocations.find((i) => i.functionName === 'quote')!.payload).toEqual({ kWh: 12 });
    expect(invocations.find((i) => i.functionName === 'charge')!.payload).toEqual({ amount: 420, statusCode: 200 });
  });

  it('holds a callback task until SendTaskSuccess and passes its output on', async () => {
    const executionArn = await start('RemoteStart', { stationId: 'CP-success' });
    const taskToken = await tokenSentTo('CP-success');
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');

    await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ status: 'Accepted', transactionId: 7 }) }));
    const execution = await settled(executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toEqual({ stationId: 'CP-success', remoteStart: { status: 'Accepted', transactionId: 7 } });
    // The task is over: its token is no longer accepted.
    expect(await rejection(sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{}' })))).toEqual({ name: 'TaskTimedOut', status: 400 });

    expect(await historyTypes(executionArn)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('writes the execution history in the AWS shape, also in reverse order', async () => {
    const executionArn = await start('RemoteStart', { stationId: 'CP-history' });
    const taskToken = await tokenSentTo('CP-history');
    await sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{"status":"Rejected"}' }));
    expect((await settled(executionArn)).status).toBe('FAILED');

    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(events!.map((e) => [e.id, e.previousEventId])).toEqual(events!.map((_, i) => [i + 1, i]));
    expect(JSON.parse(events![0]!.executionStartedEventDetails!.input!)).toEqual({ stationId: 'CP-history' });
    const scheduled = events!.find((e) => e.type === 'TaskScheduled')!.taskScheduledEventDetails!;
    expect(scheduled).toMatchObject({ resourceType: 'lambda', resource: 'invoke.waitForTaskToken', timeoutInSeconds: 7200 });
    expect(JSON.parse(scheduled.parameters!).Payload.taskToken).toBe(taskToken);
    expect(JSON.parse(events!.find((e) => e.type === 'TaskSucceeded')!.taskSucceededEventDetails!.output!)).toEqual({ status: 'Rejected' });
    expect(events!.find((e) => e.type === 'ChoiceStateEntered')!.stateEnteredEventDetails!.name).toBe('Accepted?');
    expect(events!.at(-2)!.type).toBe('FailStateEntered');
    expect(events!.at(-1)).toMatchObject({
      type: 'ExecutionFailed',
      executionFailedEventDetails: { error: 'RemoteStartRejected', cause: 'The charger rejected RemoteStartTransaction' },
    });
    expect(events![0]!.timestamp).toBeInstanceOf(Date);

    expect(await historyTypes(executionArn, true)).toEqual(events!.map((e) => e.type).reverse());
  });

  it('routes SendTaskFailure to the Catch with its error name and cause', async () => {
    const executionArn = await start('RemoteStart', { stationId: 'CP-failure' });
    const taskToken = await tokenSentTo('CP-failure');
    await sfn.send(new SendTaskFailureCommand({ taskToken, error: 'StationOffline', cause: 'no websocket for CP-failure' }));

    const execution = await settled(executionArn);
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toEqual({ failedWith: 'StationOffline', cause: 'no websocket for CP-failure' });
    expect(await historyTypes(executionArn)).toContain('TaskFailed');
  });

  it('fails a callback task with the error name its function threw', async () => {
    functions['station-command'] = () => {
      class StationNotConnected extends Error {
        override name = 'StationNotConnected';
      }
      throw new StationNotConnected('CP-throws is not connected');
    };
    const executionArn = await start('RemoteStart', { stationId: 'CP-throws' });
    const execution = await settled(executionArn);
    expect(JSON.parse(execution.output!).failedWith).toBe('StationNotConnected');
    expect(JSON.parse(JSON.parse(execution.output!).cause)).toMatchObject({ errorType: 'StationNotConnected', errorMessage: 'CP-throws is not connected' });
  });

  it('times a silent callback task out with States.Timeout after the scaled TimeoutSeconds', async () => {
    const startedAt = Date.now();
    const executionArn = await start('RemoteStartTimeout', { stationId: 'CP-silent' });
    const taskToken = await tokenSentTo('CP-silent');
    const execution = await settled(executionArn);

    expect(JSON.parse(execution.output!).failedWith).toBe('States.Timeout');
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(30);
    expect(await historyTypes(executionArn)).toContain('TaskTimedOut');
    expect(await rejection(sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{}' })))).toMatchObject({ name: 'TaskTimedOut' });
  });

  it('reads a task timeout from TimeoutSecondsPath, scaled, and keeps it out of the payload', async () => {
    const executionArn = await start('PlugInWindow', { stationId: 'CP-window', timing: { plugInWindowSeconds: 120 } });
    await tokenSentTo('CP-window');
    const call = invocations.find((i) => i.payload.stationId === 'CP-window')!;
    expect(Object.keys(call.payload).sort()).toEqual(['stationId', 'taskToken']);
    const execution = await settled(executionArn);
    expect(JSON.parse(execution.output!)).toEqual({ timedOut: 'States.Timeout' });
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(events!.find((e) => e.type === 'TaskScheduled')?.taskScheduledEventDetails?.timeoutInSeconds).toBe(120);
  });

  it('times the whole execution out after the scaled state machine TimeoutSeconds', async () => {
    const executionArn = await start('RemoteStartDeadline', { stationId: 'CP-deadline' });
    const taskToken = await tokenSentTo('CP-deadline');
    const execution = await settled(executionArn);

    expect(execution).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 1 }));
    expect(events!.map((e) => e.type)).toEqual(['ExecutionTimedOut']);
    expect(await rejection(sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{}' })))).toMatchObject({ name: 'TaskTimedOut' });
    const timedOut = (await sfn.send(new ListExecutionsCommand({ stateMachineArn: server.stateMachineArn('RemoteStartDeadline'), statusFilter: 'TIMED_OUT' }))).executions!;
    expect(timedOut.map((e) => e.executionArn)).toEqual([executionArn]);
  });

  it('retries a failing task with backoff on the scaled intervals, then succeeds', async () => {
    let calls = 0;
    functions['capture'] = () => {
      if (++calls <= 2) throw Object.assign(new Error('reader busy'), { name: 'ReaderBusy' });
      return { captured: 500 };
    };
    const executionArn = await start('CaptureWithRetry', { sessionId: 's-1' });
    const execution = await settled(executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toEqual({ captured: 500 });
    const at = invocations.filter((i) => i.payload.sessionId === 's-1').map((i) => i.at);
    expect(at).toHaveLength(3);
    // IntervalSeconds 40, BackoffRate 2, scaled by 0.001: 40 ms then 80 ms.
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(39);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(79);
    expect(await historyTypes(executionArn)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      ...['TaskScheduled', 'TaskStarted', 'TaskFailed'],
      ...['TaskScheduled', 'TaskStarted', 'TaskFailed'],
      ...['TaskScheduled', 'TaskStarted', 'TaskSucceeded'],
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('catches a task whose retries are exhausted under the error name the function threw', async () => {
    functions['capture'] = () => {
      throw Object.assign(new Error('reader busy'), { name: 'ReaderBusy' });
    };
    const executionArn = await start('CaptureWithRetry', { sessionId: 's-2' });
    const execution = await settled(executionArn);

    expect(JSON.parse(execution.output!)).toEqual({ failedWith: 'ReaderBusy' });
    expect(invocations.filter((i) => i.payload.sessionId === 's-2')).toHaveLength(3);
  });

  it('finishes a one-hour Wait quickly thanks to the scale', async () => {
    const startedAt = Date.now();
    const executionArn = await start('Cooldown', { retryAfterSeconds: 7200 });
    const execution = await settled(executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toEqual({ retryAfterSeconds: 7200 });
    // 3600 s scaled by 0.00001 = 36 ms.
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(35);
    expect(Date.now() - startedAt).toBeLessThan(3000);
    expect(await historyTypes(executionArn)).toEqual([
      'ExecutionStarted',
      'WaitStateEntered',
      'WaitStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('lists executions of one state machine, newest first, filtered by status', async () => {
    const stateMachineArn = server.stateMachineArn('RemoteStartListed');
    await start('RemoteStart', { stationId: 'CP-list-elsewhere' }, 'list-elsewhere');
    const first = await start('RemoteStartListed', { stationId: 'CP-list-1' }, 'list-1');
    const second = await start('RemoteStartListed', { stationId: 'CP-list-2' }, 'list-2');
    await sfn.send(new SendTaskSuccessCommand({ taskToken: await tokenSentTo('CP-list-1'), output: '{"status":"Accepted"}' }));
    await settled(first);

    const all = (await sfn.send(new ListExecutionsCommand({ stateMachineArn }))).executions!;
    expect(all.map((e) => e.name)).toEqual(['list-2', 'list-1']);
    const running = (await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING' }))).executions!;
    expect(running.map((e) => e.executionArn)).toEqual([second]);
    const succeeded = (await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'SUCCEEDED' }))).executions!;
    expect(succeeded).toEqual([expect.objectContaining({ executionArn: first, status: 'SUCCEEDED', stateMachineArn })]);
    const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 1 }));
    expect(page.executions!.map((e) => e.name)).toEqual(['list-2']);
    const nextPage = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 1, nextToken: page.nextToken }));
    expect(nextPage.executions!.map((e) => e.name)).toEqual(['list-1']);

    await sfn.send(new StopExecutionCommand({ executionArn: second }));
  });

  it('stops an execution: ABORTED, and the pending callback token is refused', async () => {
    const executionArn = await start('RemoteStart', { stationId: 'CP-stop' });
    const taskToken = await tokenSentTo('CP-stop');

    const { stopDate } = await sfn.send(new StopExecutionCommand({ executionArn, error: 'OperatorStop', cause: 'cancelled from ops' }));
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));

    expect(stopDate).toBeInstanceOf(Date);
    expect(execution).toMatchObject({ status: 'ABORTED', error: 'OperatorStop', cause: 'cancelled from ops' });
    expect(await rejection(sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{"status":"Accepted"}' })))).toEqual({ name: 'TaskTimedOut', status: 400 });
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true }));
    expect(events![0]).toMatchObject({ type: 'ExecutionAborted', executionAbortedEventDetails: { error: 'OperatorStop', cause: 'cancelled from ops' } });
    expect(events!.map((e) => e.type)).not.toContain('TaskSucceeded');
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('ABORTED');
  });

  it('treats a repeated start of a running execution as idempotent, and refuses a reused name otherwise', async () => {
    const input = { stationId: 'CP-dup' };
    const executionArn = await start('RemoteStart', input, 'session-dup');
    expect(await start('RemoteStart', input, 'session-dup')).toBe(executionArn);
    expect(await rejection(start('RemoteStart', { stationId: 'CP-other' }, 'session-dup'))).toEqual({ name: 'ExecutionAlreadyExists', status: 400 });

    await sfn.send(new SendTaskSuccessCommand({ taskToken: await tokenSentTo('CP-dup'), output: '{"status":"Accepted"}' }));
    await settled(executionArn);
    expect(await rejection(start('RemoteStart', input, 'session-dup'))).toMatchObject({ name: 'ExecutionAlreadyExists' });
    expect(invocations.filter((i) => i.payload.stationId === 'CP-dup')).toHaveLength(1);
  });

  it('answers unknown operations, executions, machines and tokens with the service errors', async () => {
    expect(await rejection(sfn.send(new CreateStateMachineCommand({ name: 'x', definition: '{}', roleArn: 'arn:aws:iam::123456789012:role/x' })))).toEqual({
      name: 'UnknownOperationException',
      status: 400,
    });
    const unknownExecution = 'arn:aws:states:us-east-1:123456789012:execution:Checkout:nope';
    expect(await rejection(sfn.send(new DescribeExecutionCommand({ executionArn: unknownExecution })))).toMatchObject({ name: 'ExecutionDoesNotExist' });
    expect(await rejection(sfn.send(new GetExecutionHistoryCommand({ executionArn: unknownExecution })))).toMatchObject({ name: 'ExecutionDoesNotExist' });
    expect(await rejection(start('NoSuchMachine', {}))).toMatchObject({ name: 'StateMachineDoesNotExist' });
    expect(await rejection(sfn.send(new SendTaskSuccessCommand({ taskToken: 'not a token', output: '{}' })))).toMatchObject({ name: 'InvalidToken' });
    expect(await rejection(sfn.send(new SendTaskHeartbeatCommand({ taskToken: 'A'.repeat(64) })))).toMatchObject({ name: 'TaskDoesNotExist' });
    expect(await rejection(sfn.send(new StartExecutionCommand({ stateMachineArn: server.stateMachineArn('Checkout'), input: '{oops' })))).toMatchObject({
      name: 'InvalidExecutionInput',
    });
  });
});

describe('local Step Functions definitions', () => {
  const noFunctions = async (): Promise<never> => {
    throw new Error('unused');
  };

  it('refuses a Task resource it cannot run locally, at start', async () => {
    const definition = JSON.stringify({
      StartAt: 'Put',
      States: { Put: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:putItem', Parameters: { TableName: 't', Item: {} }, End: true } },
    });
    await expect(startLocalStepFunctions({ stateMachines: [{ name: 'Ddb', definition }], invokeFunction: noFunctions })).rejects.toThrow(/dynamodb:putItem/);
  });

  it('refuses what the charging-session workflow does not use, rather than run it wrongly', async () => {
    const wait = JSON.stringify({ StartAt: 'Later', States: { Later: { Type: 'Wait', SecondsPath: '$.delay', End: true } } });
    await expect(startLocalStepFunctions({ stateMachines: [{ name: 'Later', definition: wait }], invokeFunction: noFunctions, validate: false })).rejects.toThrow(
      /only a Wait with Seconds/,
    );
    const map = JSON.stringify({ StartAt: 'Each', States: { Each: { Type: 'Map', ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, End: true } } });
    await expect(startLocalStepFunctions({ stateMachines: [{ name: 'Each', definition: map }], invokeFunction: noFunctions, validate: false })).rejects.toThrow(
      /Map states are not supported locally/,
    );
  });

  it('validates the ASL by default', async () => {
    const definition = JSON.stringify({ StartAt: 'Go', States: { Go: { Type: 'Pass', Next: 'Nowhere' } } });
    await expect(startLocalStepFunctions({ stateMachines: [{ name: 'Broken', definition }], invokeFunction: noFunctions })).rejects.toThrow(
      /definition is invalid[\s\S]*Nowhere/,
    );
  });
});
