/**
 * Test support: the whole local system (one per test file, as the handlers keep their clients
 * per process), a provisioning client for the installer API, and chargers that are real
 * OCPP 1.6J or 2.0.1 peers (ocpp-rpc in strict mode, validating every payload against the official
 * JSON schemas in both directions).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, type DescribeExecutionCommandOutput, type HistoryEvent } from '@aws-sdk/client-sfn';
import { DEMO_SITE } from '../../lib/local/demo';
import { waitFor } from '../../lib/local/wait-for';
import type { PayterSimulator, ReaderOptions } from '../../lib/local/payter-simulator';
import { SimulatedCharger, ocppCharger, type Charger, type ChargerScript, type OcppVersion } from '../../lib/local/simulated-charger';
import { startLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '../../lib/local/runtime';

export type { Charger };

/** The installer's token (the installer API; 403 on the ops API) and the operator's (both). */
export const INSTALLER_TOKEN = 'test-installer-token';
export const OPS_TOKEN = 'test-ops-token';

export const demoSite = (siteId = 'site-main-st') => ({ ...DEMO_SITE, siteId });

export async function startTestSystem(options: LocalRuntimeOptions = {}): Promise<TestSystem> {
  const runtime = await startLocalRuntime({
    ocppPort: 0,
    httpPort: 0,
    installerToken: INSTALLER_TOKEN,
    opsToken: OPS_TOKEN,
    logLevel: 'CRITICAL',
    ...options,
  });
  return new TestSystem(runtime);
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** The local DynamoDB, for tests that look at (or tamper with) records directly. */
export const localDynamoDb = (): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: LOCAL_CREDENTIALS }));

export class TestSystem {
  readonly sfn: SFNClient;
  private readonly db = localDynamoDb();
  /** How many stations `stationWithReader` made per tag, so that each gets fresh ids. */
  private readonly stations = new Map<string, number>();

  constructor(readonly runtime: LocalRuntime) {
    this.sfn = new SFNClient({ endpoint: runtime.stepFunctionsEndpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  }

  /** The session's execution (named after it). */
  executionArn(sessionId: string): string {
    return `${this.runtime.stateMachineArn.replace(':stateMachine:', ':execution:')}:${sessionId}`;
  }

  /** Waits until the session's execution has ended, and describes it. */
  executionEnded(sessionId: string, timeoutMs = 20_000): Promise<DescribeExecutionCommandOutput> {
    return waitFor(async () => {
      const execution = await this.sfn.send(new DescribeExecutionCommand({ executionArn: this.executionArn(sessionId) }));
      return execution.status === 'RUNNING' ? undefined : execution;
    }, timeoutMs, `execution ${sessionId}`);
  }

  /** The session execution's history events. */
  async executionHistory(sessionId: string): Promise<HistoryEvent[]> {
    const { events } = await this.sfn.send(new GetExecutionHistoryCommand({ executionArn: this.executionArn(sessionId), maxResults: 1000 }));
    return events ?? [];
  }

  /** The states the session's execution entered, in order. */
  async statesVisited(sessionId: string): Promise<string[]> {
    return (await this.executionHistory(sessionId)).filter((e) => e.type?.endsWith('StateEntered')).map((e) => e.stateEnteredEventDetails?.name ?? '');
  }

  /** What a state handed on (its StateExited output), for the first visit of that state. */
  async stateOutput(sessionId: string, name: string): Promise<Record<string, any> | undefined> {
    const events = await this.executionHistory(sessionId);
    const entered = events.findIndex((e) => e.type?.endsWith('StateEntered') && e.stateEnteredEventDetails?.name === name);
    const exited = events.slice(entered + 1).find((e) => e.type?.endsWith('StateExited') && e.stateExitedEventDetails?.name === name);
    return exited?.stateExitedEventDetails?.output ? JSON.parse(exited.stateExitedEventDetails.output) : undefined;
  }

  /** Waits for the reader to serve a session (after a tap), and names it. */
  activeSession(serial: string, timeoutMs = 5_000): Promise<string> {
    return waitFor(
      async () => (await this.api('GET', `/installer/readers/${serial}`)).body.activeSessionId as string | undefined,
      timeoutMs,
      `a session on ${serial}`,
    );
  }

  /** The session's record as stored. */
  async sessionRecord(sessionId: string): Promise<Record<string, any>> {
    const { Item } = await this.db.send(new GetCommand({ TableName: process.env.SESSIONS_TABLE!, Key: { sessionId } }));
    return Item ?? {};
  }

  async api(method: string, path: string, body?: unknown, token = OPS_TOKEN): Promise<{ status: number; body: any }> {
    const response = await fetch(`${this.runtime.httpUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // keep the text
    }
    return { status: response.status, body: parsed };
  }

  async provisionStation(stationId: string, password: string, siteId = 'site-main-st', connectors = [1, 2]): Promise<void> {
    const site = await this.api('PUT', `/installer/sites/${siteId}`, demoSite(siteId));
    if (site.status !== 200) throw new Error(`site: ${JSON.stringify(site.body)}`);
    const station = await this.api('PUT', `/installer/stations/${stationId}`, { siteId, connectors, password });
    if (station.status !== 200) throw new Error(`station: ${JSON.stringify(station.body)}`);
  }

  /** The Payter simulator the local system runs in tests (no PAYTER_API_URL). */
  get payter(): PayterSimulator {
    if (!this.runtime.payter) throw new Error('the tests drive the built-in Payter simulator');
    return this.runtime.payter;
  }

  /** A reader added to the Payter simulator and commissioned to the station's connectors. */
  async commissionReader(serial: string, stationId: string, connectorIds = [1], terminal: ReaderOptions = { currency: 'USD' }): Promise<void> {
    this.payter.addReader(serial, terminal);
    const commissioned = await this.api('PUT', `/installer/readers/${serial}`, { stationId, connectorIds });
    if (commissioned.status !== 200) throw new Error(`reader ${serial}: ${JSON.stringify(commissioned.body)}`);
  }

  /**
   * Where a whole-session test starts: a fresh station `CP-<tag><n>` with one connector (on
   * `siteId` as that site stands, else on the demo site), its simulated charger online running
   * `script` on OCPP `ocpp` (default 1.6), and reader `READER-<tag><n>` commissioned to it.
   */
  async stationWithReader(
    tag: string,
    password: string,
    { script = {}, siteId = 'site-main-st', terminal, ocpp = '1.6' }: { script?: ChargerScript; siteId?: string; terminal?: ReaderOptions; ocpp?: OcppVersion } = {},
  ): Promise<{ stationId: string; serial: string; charger: SimulatedCharger }> {
    const n = (this.stations.get(tag) ?? 0) + 1;
    this.stations.set(tag, n);
    const stationId = `CP-${tag}${n}`;
    const serial = `READER-${tag}${n}`;
    await this.provisionStation(stationId, password, 'site-main-st', [1]);
    if (siteId !== 'site-main-st') {
      // Moved, not provisioned there: provisionStation would put the demo settings back on that site.
      const moved = await this.api('PUT', `/installer/stations/${stationId}`, { siteId, connectors: [1], password });
      if (moved.status !== 200) throw new Error(`station: ${JSON.stringify(moved.body)}`);
    }
    const charger = await new SimulatedCharger(this.runtime.ocppUrl, stationId, password, script, ocpp).connect();
    try {
      await this.commissionReader(serial, stationId, [1], terminal);
    } catch (error) {
      await charger.close();
      throw error;
    }
    return { stationId, serial, charger };
  }

  charger(stationId: string, password: string | null, protocols = ['ocpp1.6']): Charger {
    return ocppCharger(this.runtime.ocppUrl, stationId, password, protocols);
  }

  close(): Promise<void> {
    return this.runtime.close();
  }
}

export { waitFor };
