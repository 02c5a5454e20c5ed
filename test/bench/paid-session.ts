/**
 * One paid session as a driver lives it, on a fresh station, charger and reader: docs/pricing.md's
 * worked example, as test/integration/charging-session.test.ts drives it. The clock runs from
 * the first tap until the reader is free for the next driver and the workflow has ended.
 */
import { GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient, type HistoryEvent } from '@aws-sdk/client-sfn';
import { SimulatedCharger, workedExample } from '../../lib/local/simulated-charger';
import type { TestSystem } from '../support/local-system';
import { until } from './stats';

const PASSWORD = 'bench-session-secret-0001';
const CARD = { cardId: 'card-bench', maskedPan: '4111********1111' };
/** Generous: a session takes well under a second here; a stuck one must still end the bench. */
const STEP_TIMEOUT_MS = 15_000;

export interface PaidSessionSample {
  /** First tap -> hold committed, reader back in its start screen, execution ended. */
  readonly wallMs: number;
  /** First tap -> the charger's transaction started and the reader armed for the stop tap. */
  readonly startMs: number;
  /** Stop tap -> the end. */
  readonly stopMs: number;
  /** The states the execution entered, in order: each one a billed state transition in AWS. */
  readonly states: readonly string[];
}


export class PaidSessions {
  private readonly sfn: SFNClient;
  private readonly known = new Set<string>();
  private count = 0;

  constructor(private readonly system: TestSystem) {
    this.sfn = new SFNClient({
      endpoint: system.runtime.stepFunctionsEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  }

  async run(): Promise<PaidSessionSample> {
    const payter = this.system.runtime.payter;
    if (!payter) throw new Error('the session bench drives the built-in Payter simulator');
    this.count += 1;
    const stationId = `BENCH-SESSION-CP-${this.count}`;
    const serial = `BENCH-READER-${this.count}`;

    // Set-up, not measured: an installer's work, done once per site in real life.
    await this.system.provisionStation(stationId, PASSWORD, 'site-main-st', [1]);
    const example = workedExample(Date.now() - 3_600_000);
    const charger = await new SimulatedCharger(this.system.runtime.ocppUrl, stationId, PASSWORD, example.script).connect();
    payter.addReader(serial, { currency: 'USD' });
    const commissioned = await this.system.api('PUT', `/installer/readers/${serial}`, { stationId, connectorIds: [1] });
    if (commissioned.status !== 200) throw new Error(`reader: ${JSON.stringify(commissioned.body)}`);

    try {
      const tapped = performance.now();
      if ((await payter.tap(serial, CARD)) !== 200) throw new Error('the card tap was not accepted');
      await until(() => charger.transactionId, STEP_TIMEOUT_MS, 'the transaction');
      // The car pauses 15 minutes, as in the worked example: idle time is part of the price.
      await example.pauseCar(charger);
      await until(() => (payter.reader(serial).state === 'READING' && payter.currentScreen(serial)?.id === 'charging') || undefined, STEP_TIMEOUT_MS, 'tap to stop armed');
      const stopTapped = performance.now();

      if ((await payter.tap(serial, CARD)) !== 200) throw new Error('the stop tap was not accepted');
      // Cheap in-memory signs first; only then ask the workflow engine whether it has ended.
      await until(() => (payter.sessions(serial)[0]?.state === 'COMMITTED' && payter.reader(serial).state === 'READING') || undefined, STEP_TIMEOUT_MS, 'commit and a free reader');
      const execution = await until(() => this.endedExecution(), STEP_TIMEOUT_MS, 'the end of the execution');
      const ended = performance.now();

      await this.expectWorkedExampleOutcome(serial, execution.status);
      return {
        wallMs: ended - tapped,
        startMs: stopTapped - tapped,
        stopMs: ended - stopTapped,
        states: await this.statesEntered(execution.arn),
      };
    } finally {
      await charger.close();
      // Its $disconnect (station offline, reader out of order) would otherwise run inside the
      // next measure, or after the system is closed.
      await until(async () => ((await this.system.api('GET', `/installer/stations/${stationId}`)).body.online === false || undefined), STEP_TIMEOUT_MS, `${stationId} offline`);
    }
  }

  /** The execution this run started (named after its session id), once it is no longer running. */
  private endedExecution(): Promise<{ arn: string; status: string } | undefined> {
    return endedExecution(this.sfn, this.system.runtime.stateMachineArn, this.known);
  }

  /** A session that took a wrong path would time the wrong thing. */
  private async expectWorkedExampleOutcome(serial: string, status: string): Promise<void> {
    const payter = this.system.runtime.payter!;
    const holds = payter.sessions(serial);
    const reader = (await this.system.api('GET', `/installer/readers/${serial}`)).body;
    if (status !== 'SUCCEEDED' || holds.length !== 1 || holds[0]!.committedAmount !== 764 || reader.activeSessionId !== undefined) {
      throw new Error(`session on ${serial} did not end as the worked example: ${JSON.stringify({ status, holds, reader })}`);
    }
  }

  private statesEntered(executionArn: string): Promise<string[]> {
    return statesEntered(this.sfn, executionArn);
  }

  close(): void {
    this.sfn.destroy();
  }
}

/** The one execution not in `known`, once it has ended (then added to `known`). */
export async function endedExecution(sfn: SFNClient, stateMachineArn: string, known: Set<string>): Promise<{ arn: string; status: string } | undefined> {
  const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 1000 }));
  const fresh = executions.filter((e) => !known.has(e.executionArn!));
  if (fresh.length !== 1) throw new Error(`expected one new execution, found ${fresh.length}`);
  const [execution] = fresh;
  if (execution!.status === 'RUNNING') return undefined;
  known.add(execution!.executionArn!);
  return { arn: execution!.executionArn!, status: execution!.status! };
}

/** The states an execution entered, in order: each one a billed state transition in AWS. */
export async function statesEntered(sfn: SFNClient, executionArn: string): Promise<string[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  // A worked-example history is about 50 events; ten pages of 1000 is far past any path.
  for (let page = 0; page === 0 || (nextToken && page < 10); page++) {
    const answer = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }));
    events.push(...(answer.events ?? []));
    nextToken = answer.nextToken;
  }
  return events.filter((e) => e.type?.endsWith('StateEntered')).map((e) => e.stateEnteredEventDetails?.name ?? '?');
}
