/**
 * The local Step Functions server on a data directory: a restart (the process gone without a
 * goodbye) finds every execution again, and the running ones go on where they were.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  SendTaskSuccessCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startLocalStepFunctions, type LocalStepFunctions } from '../../lib/local/step-functions';
import { waitFor } from '../../lib/local/wait-for';

/** Quote, then wait for a payment callback (like the charging-session workflow's wait for the stop), then a one-hour Wait. */
const MACHINE = {
  name: 'Payment',
  definition: JSON.stringify({
    StartAt: 'Quote',
    States: {
      Quote: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'quote', 'Payload.$': '$' }, ResultSelector: { 'amount.$': '$.Payload.amount' }, ResultPath: '$.quote', Next: 'AwaitPayment' },
      AwaitPayment: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: 'notify', Payload: { 'taskToken.$': '$$.Task.Token', 'amount.$': '$.quote.amount' } },
        TimeoutSeconds: 3600,
        ResultPath: '$.payment',
        Next: 'Cooldown',
      },
      Cooldown: { Type: 'Wait', Seconds: 3600, Next: 'Done' },
      Done: { Type: 'Succeed' },
    },
  }),
};

let dataDir: string;
let server: LocalStepFunctions | undefined;
let sfn: SFNClient;
let invocations: Array<{ functionName: string; payload: any }>;
/** notify: 'answer' submits at once; 'hang' never answers (a Lambda in flight at the crash). */
let notify: 'answer' | 'hang';

async function start(): Promise<void> {
  server = await startLocalStepFunctions({
    stateMachines: [MACHINE],
    invokeFunction: async (functionName, payload) => {
      invocations.push({ functionName, payload });
      if (functionName === 'quote') return { amount: 764 };
      if (notify === 'hang') return new Promise(() => undefined);
      return {};
    },
    // The hour of Cooldown -> 360 ms; the task's hour -> 36 s (never reached).
    timeScale: { waitScale: 0.0001, timeoutScale: 0.01 },
    validate: false,
    dataDir,
  });
  sfn = new SFNClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
}

async function restart(): Promise<void> {
  await server!.close();
  await start();
  server!.resumeExecutions();
}

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sfn-restart-'));
  invocations = [];
  notify = 'answer';
  await start();
});

afterEach(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const describeExecution = (executionArn: string) => sfn.send(new DescribeExecutionCommand({ executionArn }));
const states = async (executionArn: string) =>
  ((await sfn.send(new GetExecutionHistoryCommand({ executionArn }))).events ?? []).filter((e) => e.type?.endsWith('StateEntered')).map((e) => e.stateEnteredEventDetails?.name);

describe('the local Step Functions server across a restart', () => {
  it('a callback task keeps its token: the callback after the restart completes it, nothing runs twice', async () => {
    const stateMachineArn = server!.stateMachineArn('Payment');
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: 'session-1', input: '{"sessionId":"s1"}' }));
    const submitted = await waitFor(async () => {
      const history = (await sfn.send(new GetExecutionHistoryCommand({ executionArn }))).events ?? [];
      return history.some((e) => e.type === 'TaskSubmitted') || undefined;
    }, 5_000, 'the task submitted');
    expect(submitted).toBe(true);
    const token = invocations.find((i) => i.functionName === 'notify')!.payload.taskToken as string;

    await restart();
    expect(await describeExecution(executionArn!)).toMatchObject({ status: 'RUNNING', input: '{"sessionId":"s1"}' });
    expect((await sfn.send(new ListExecutionsCommand({ stateMachineArn }))).executions?.map((e) => e.name)).toEqual(['session-1']);

    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"paid":true}' }));
    const done = await waitFor(async () => {
      const execution = await describeExecution(executionArn!);
      return execution.status === 'RUNNING' ? undefined : execution;
    }, 5_000, 'the execution done');
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toMatchObject({ quote: { amount: 764 }, payment: { paid: true } });
    expect(await states(executionArn!)).toEqual(['Quote', 'AwaitPayment', 'Cooldown', 'Done']);
    expect(invocations.map((i) => i.functionName)).toEqual(['quote', 'notify']);

    // Closed executions survive a restart too, with their outcome and history.
    await restart();
    expect(await describeExecution(executionArn!)).toMatchObject({ status: 'SUCCEEDED', output: done.output });
    expect(await states(executionArn!)).toEqual(['Quote', 'AwaitPayment', 'Cooldown', 'Done']);
  });

  it('a task whose Lambda was in flight runs again, with the same token', async () => {
    notify = 'hang';
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: server!.stateMachineArn('Payment'), name: 'session-2' }));
    await waitFor(() => invocations.some((i) => i.functionName === 'notify') || undefined, 5_000, 'notify invoked');
    await new Promise((resolve) => setTimeout(resolve, 20));
    notify = 'answer';
    await restart();
    await waitFor(() => invocations.filter((i) => i.functionName === 'notify').length === 2 || undefined, 5_000, 'notify again');
    const [first, second] = invocations.filter((i) => i.functionName === 'notify');
    expect(second!.payload.taskToken).toBe(first!.payload.taskToken);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: first!.payload.taskToken, output: '{}' }));
    await waitFor(async () => ((await describeExecution(executionArn!)).status === 'SUCCEEDED' ? true : undefined), 5_000, 'done');
  });

  it('a Wait keeps its deadline across the restart: one that ran out meanwhile ends at once', async () => {
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: server!.stateMachineArn('Payment'), name: 'session-3' }));
    await waitFor(async () => (((await sfn.send(new GetExecutionHistoryCommand({ executionArn }))).events ?? []).some((e) => e.type === 'TaskSubmitted') || undefined), 5_000, 'submitted');
    const token = invocations.find((i) => i.functionName === 'notify')!.payload.taskToken as string;
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }));
    await waitFor(async () => ((await states(executionArn!)).includes('Cooldown') || undefined), 5_000, 'cooling down');
    // Down for longer than the whole Cooldown (360 ms).
    await server!.close();
    await new Promise((resolve) => setTimeout(resolve, 450));
    await start();
    const resumedAt = Date.now();
    server!.resumeExecutions();
    await waitFor(async () => ((await describeExecution(executionArn!)).status === 'SUCCEEDED' ? true : undefined), 5_000, 'done', 10);
    // A Wait started over would take its 360 ms again.
    expect(Date.now() - resumedAt).toBeLessThan(300);
    expect(await states(executionArn!)).toEqual(['Quote', 'AwaitPayment', 'Cooldown', 'Done']);
  });
});

const CAPTURE = {
  name: 'Capture',
  definition: JSON.stringify({
    StartAt: 'Capture',
    States: {
      Capture: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: 'capture', 'Payload.$': '$' },
        Retry: [{ ErrorEquals: ['ReaderBusy'], IntervalSeconds: 60, MaxAttempts: 3, BackoffRate: 1 }],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'CaptureFailed' }],
        End: true,
      },
      CaptureFailed: { Type: 'Pass', Parameters: { 'failedWith.$': '$.error.Error' }, End: true },
    },
  }),
};

describe('retries across a restart', () => {
  let captures = 0;
  const startCapture = async () => {
    server = await startLocalStepFunctions({
      stateMachines: [CAPTURE],
      invokeFunction: async () => {
        captures += 1;
        throw Object.assign(new Error('busy'), { name: 'ReaderBusy' });
      },
      // 60 s between attempts -> 300 ms: time to restart inside a pause.
      timeScale: { retryScale: 0.005 },
      validate: false,
      dataDir,
    });
    sfn = new SFNClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
  };

  it('count the attempts made before it against MaxAttempts', async () => {
    await server!.close();
    await startCapture();
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: server!.stateMachineArn('Capture'), name: 'capture-1' }));
    await waitFor(() => captures === 2 || undefined, 5_000, 'the first retry');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await server!.close();
    await startCapture();
    server!.resumeExecutions();
    const done = await waitFor(async () => {
      const execution = await describeExecution(executionArn!);
      return execution.status === 'RUNNING' ? undefined : execution;
    }, 5_000, 'the execution done');
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual({ failedWith: 'ReaderBusy' });
    // 1 attempt and MaxAttempts 3 retries, a restart or not.
    expect(captures).toBe(4);
  });
});
