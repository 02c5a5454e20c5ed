/**
 * Faults on the local engines, one at a time, each ending with the hold committed at exactly
 * docs/pricing.md's price of what the charger reported, or cancelled when it never started:
 * Payter answers lost after their effect (authorize, commit, cancel, refund), a charger that
 * drops its connection between RemoteStartTransaction and its answer, and a Lambda that
 * throws once because DynamoDB throttled or failed a request (injected at the local
 * DynamoDB endpoint, the Lambda code unchanged).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { injectDynamoDbFault, injectedDynamoDbFaults } from '../../lib/local/dynamodb';
import type { PayterSimulator } from '../../lib/local/payter-simulator';
import { OPS_TOKEN, waitFor, type TestSystem } from '../support/local-system';
import {
  FAILS,
  LOST_ANSWER,
  charging,
  ended,
  sleep,
  startPropertySystem,
  type ChargerReport,
} from './support';
import { ONE_HOUR, scenarios } from './scenarios';

let system: TestSystem;
let payter: PayterSimulator;

beforeAll(async () => {
  system = await startPropertySystem();
  payter = system.runtime.payter!;
});

afterEach(() => {
  injectedDynamoDbFaults({ reset: true });
});

afterAll(async () => {
  await system?.close();
});

const { given, tap, tapToStop, expectSettled } = scenarios('FAULT', () => system);

describe('Payter answers lost after their effect', () => {
  it('authorize: the hold Payter made is cancelled, the charger never starts', async () => {
    const pair = await given(ONE_HOUR());
    payter.script(pair.serial, 'authorize', LOST_ANSWER);
    try {
      const sessionId = await tap(pair, 'card-fault-1');
      await expectSettled(pair, sessionId, 'card-fault-1', undefined);
      expect(payter.sessions(pair.serial)).toEqual([expect.objectContaining({ state: 'CANCELLED' })]);
      expect(pair.charger.remoteStarts).toEqual([]);
    } finally {
      await pair.charger.close();
    }
  });

  it('commit: committed once, at the price, and our record says so', async () => {
    const report = ONE_HOUR();
    const pair = await given(report);
    payter.script(pair.serial, 'commit', LOST_ANSWER);
    try {
      const sessionId = await tap(pair, 'card-fault-2');
      expect(await charging(system, sessionId)).toBe(true);
      await tapToStop(pair, 'card-fault-2');
      await expectSettled(pair, sessionId, 'card-fault-2', report);
      expect(payter.sessions(pair.serial)).toEqual([expect.objectContaining({ state: 'COMMITTED', committedAmount: 703 })]);
    } finally {
      await pair.charger.close();
    }
  });

  it('cancel: the charger rejects the start, the hold ends cancelled and our record says so', async () => {
    const pair = await given(ONE_HOUR(), { remoteStart: 'Rejected' });
    payter.script(pair.serial, 'cancel', LOST_ANSWER);
    try {
      const sessionId = await tap(pair, 'card-fault-3');
      await expectSettled(pair, sessionId, 'card-fault-3', undefined);
      expect(payter.sessions(pair.serial)).toEqual([expect.objectContaining({ state: 'CANCELLED' })]);
      expect(await system.sessionRecord(sessionId)).toMatchObject({ paymentState: 'cancelled', endReason: 'noTransaction' });
    } finally {
      await pair.charger.close();
    }
  });

  it('refund: Payter refunded; the refund is never recorded as failed, and a retry with the same key refunds nothing more', async () => {
    const report = ONE_HOUR();
    const pair = await given(report);
    try {
      const sessionId = await tap(pair, 'card-fault-4');
      expect(await charging(system, sessionId)).toBe(true);
      await tapToStop(pair, 'card-fault-4');
      await expectSettled(pair, sessionId, 'card-fault-4', report);
      payter.script(pair.serial, 'refund', LOST_ANSWER);
      const refund = () =>
        fetch(`${system.runtime.httpUrl}/ops/sessions/${sessionId}/refunds`, {
          method: 'POST',
          headers: { authorization: `Bearer ${OPS_TOKEN}`, 'content-type': 'application/json', 'idempotency-key': 'refund-fault-4' },
          body: JSON.stringify({ amount: 300, reason: 'charger fault' }),
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, any> }));
      // Whatever the API answers while the outcome is unknown, the records must come out right.
      await refund();
      const refunded = () => payter.sessions(pair.serial)[0]!.refunds.map((r) => r.amount);
      expect(refunded()).toEqual([300]);
      const states = (await system.api('GET', `/ops/sessions/${sessionId}`)).body.refunds.map((r: { state: string }) => r.state);
      expect.soft(states, 'a refund Payter made is not failed').not.toContain('failed');
      await refund();
      await sleep(200);
      expect(refunded()).toEqual([300]);
      const detail = (await system.api('GET', `/ops/sessions/${sessionId}`)).body;
      expect(detail.refundedAmount).toBe(300);
    } finally {
      await pair.charger.close();
    }
  });
});

describe('a charger that drops the connection between RemoteStartTransaction and its answer', () => {
  it('and comes back with the transaction started: it is billed at the price, or refused and told to stop; the hold never stays open', async () => {
    const report = ONE_HOUR();
    const pair = await given(report);
    const { charger } = pair;
    // This charger takes the start, loses its connection before answering, and starts anyway.
    charger.client.handle('RemoteStartTransaction', ({ params }) => {
      charger.remoteStarts.push(params);
      void (async () => {
        await charger.client.close({ force: true });
        await sleep(300);
        await charger.client.connect();
        await charger.startTransaction(params.connectorId ?? 1, params.idTag);
      })().catch(() => undefined);
      return new Promise(() => undefined);
    });
    try {
      const sessionId = await tap(pair, 'card-fault-5');
      await charger.waitForTransaction();
      if (await charging(system, sessionId)) {
        // The session took the transaction: the driver stops it and pays its price.
        await tapToStop(pair, 'card-fault-5');
        await expectSettled(pair, sessionId, 'card-fault-5', report);
      } else {
        // The session gave up on the charger: nobody may charge for free on it.
        await expectSettled(pair, sessionId, 'card-fault-5', undefined);
        await sleep(500);
        const chargesForFree = charger.idTagStatus === 'Accepted' && charger.remoteStops.length === 0 && !charger.stopped;
        expect(chargesForFree, 'its transaction was accepted and never stopped: the charger charges for free').toBe(false);
      }
    } finally {
      await charger.close();
    }
  });

  it('and comes back without starting: the hold is cancelled', async () => {
    const pair = await given(ONE_HOUR());
    const { charger } = pair;
    charger.client.handle('RemoteStartTransaction', ({ params }) => {
      charger.remoteStarts.push(params);
      void (async () => {
        await charger.client.close({ force: true });
        await sleep(300);
        await charger.client.connect();
        await charger.status(1, 'Available');
      })().catch(() => undefined);
      return new Promise(() => undefined);
    });
    try {
      const sessionId = await tap(pair, 'card-fault-6');
      await expectSettled(pair, sessionId, 'card-fault-6', undefined);
      expect(charger.remoteStarts).toHaveLength(1);
      expect(payter.sessions(pair.serial)).toEqual([expect.objectContaining({ state: 'CANCELLED' })]);
    } finally {
      await charger.close();
    }
  });
});

describe('a charger that starts after its session gave up', () => {
  it('the driver plugs in after the plug-in window closed: the hold is cancelled and the charger is told to stop', async () => {
    const pair = await given(ONE_HOUR(), { plugIn: false });
    const { charger } = pair;
    try {
      const sessionId = await tap(pair, 'card-fault-11');
      await expectSettled(pair, sessionId, 'card-fault-11', undefined);
      expect(await system.sessionRecord(sessionId)).toMatchObject({ status: 'cancelled', endReason: 'noTransaction' });
      // The car is plugged in at last: the charger starts the transaction it was asked for.
      const { idTag, connectorId } = charger.remoteStarts[0] as { idTag: string; connectorId?: number };
      await charger.startTransaction(connectorId ?? 1, idTag);
      await waitFor(() => charger.idTagStatus !== 'Accepted' || charger.remoteStops.length > 0 || undefined, 5_000, 'the late transaction refused or stopped').catch(() => undefined);
      const chargesForFree = charger.idTagStatus === 'Accepted' && charger.remoteStops.length === 0;
      expect(chargesForFree, 'its transaction was accepted and never stopped: the charger charges for free').toBe(false);
      // Nobody is charged for it.
      expect(payter.sessions(pair.serial)).toEqual([expect.objectContaining({ state: 'CANCELLED' })]);
    } finally {
      await charger.close();
    }
  });
});

describe('a remote start sent after its session gave up', () => {
  it('a DynamoDB write so slow that the workflow times out the remote start: the late transaction is stopped, the hold cancelled', async () => {
    const pair = await given(ONE_HOUR());
    const { charger } = pair;
    try {
      // The CSMS's claim of the call slot takes longer than the RemoteStart state's timeout (12 s here).
      injectDynamoDbFault({ operation: 'PutItem', table: process.env.PENDING_CALLS_TABLE!, error: 'slow', delayMs: 13_000 });
      const sessionId = await tap(pair, 'card-fault-12');
      await expectSettled(pair, sessionId, 'card-fault-12', undefined);
      // The Lambda still sends the remote start when its write returns; the charger starts.
      await charger.waitForTransaction().catch(() => undefined);
      await waitFor(() => charger.remoteStops.length > 0 || charger.idTagStatus !== 'Accepted' || undefined, 5_000, 'the late transaction refused or stopped').catch(() => undefined);
      const chargesForFree = charger.transactionId !== undefined && charger.idTagStatus === 'Accepted' && charger.remoteStops.length === 0;
      expect(chargesForFree, 'its transaction was accepted and never stopped: the charger charges for free').toBe(false);
      expect(payter.sessions(pair.serial)).toEqual([expect.objectContaining({ state: 'CANCELLED' })]);
    } finally {
      await charger.close();
    }
  }, 60_000);
});

describe('a Lambda that throws once (DynamoDB throttles or fails a request)', () => {
  // The AWS SDK tries each request 3 times: 3 injected faults make one Lambda call fail.
  it('pricing the session: the workflow does not cancel a charge that happened; it is committed at the price', async () => {
    const report = ONE_HOUR();
    const pair = await given(report);
    try {
      const sessionId = await tap(pair, 'card-fault-7');
      expect(await charging(system, sessionId)).toBe(true);
      // Once the charger's StopTransaction is answered, the next session write is the pricing step's.
      const { charger } = pair;
      charger.stopped = true;
      await charger.client.call('StopTransaction', { transactionId: charger.transactionId, meterStop: report.meterStop, timestamp: report.stoppedAt, reason: 'Local' });
      // Six throttles: more than the AWS SDK's own retries absorb, so the pricing Lambda throws once.
      injectDynamoDbFault({ operation: 'UpdateItem', table: process.env.SESSIONS_TABLE!, times: 6 });
      await charger.status(1, 'Available');
      expect(await ended(system, sessionId)).toBe('SUCCEEDED');
      const { events } = (await system.api('GET', `/ops/sessions/${sessionId}/execution`)).body;
      expect(events.filter((e: { type?: string }) => e.type === 'TaskFailed').map((e: { error?: string }) => e.error)).toEqual(['ProvisionedThroughputExceededException']);
      await expectSettled(pair, sessionId, 'card-fault-7', report);
    } finally {
      await pair.charger.close();
    }
  });

  it('recording the commit: Payter committed, and our record ends committed at the same amount', async () => {
    const report = ONE_HOUR();
    const pair = await given(report);
    try {
      const sessionId = await tap(pair, 'card-fault-8');
      expect(await charging(system, sessionId)).toBe(true);
      // Payter takes the commit and answers 300 ms later: time to make the next session write fail.
      payter.script(pair.serial, 'commit', { kind: 'slow', delayMs: 300 });
      await pair.charger.stopTransaction('Local');
      await waitFor(() => payter.calls().some((c) => c.serial === pair.serial && c.call === 'commit') || undefined, 10_000, 'the commit at Payter', 5);
      // Six failures: more than the AWS SDK's own retries absorb, so the commit Lambda throws once.
      injectDynamoDbFault({ operation: 'UpdateItem', table: process.env.SESSIONS_TABLE!, times: 6, error: 'internal' });
      await expectSettled(pair, sessionId, 'card-fault-8', report);
      expect(injectedDynamoDbFaults()).toHaveLength(6);
    } finally {
      await pair.charger.close();
    }
  });

  it("the driver's stop tap: a throttled write fails that tap, a second tap stops the charge, charged once", async () => {
    const report = ONE_HOUR();
    const pair = await given(report);
    try {
      const sessionId = await tap(pair, 'card-fault-9');
      expect(await charging(system, sessionId)).toBe(true);
      injectDynamoDbFault({ operation: 'UpdateItem', table: process.env.SESSIONS_TABLE!, times: 3 });
      await tapToStop(pair, 'card-fault-9');
      expect(injectedDynamoDbFaults()).toHaveLength(3);
      if ((await system.sessionRecord(sessionId)).status === 'charging') {
        // The tap was lost to the fault: the reader takes the card again, the driver taps again.
        await tapToStop(pair, 'card-fault-9');
      }
      await expectSettled(pair, sessionId, 'card-fault-9', report);
      expect(pair.charger.remoteStops).toHaveLength(1);
    } finally {
      await pair.charger.close();
    }
  });
});

// A scripted 503 is retried on Payter's schedule; kept here so every finalize fault is covered.
describe('Payter refusing for a while', () => {
  it('commit refused twice: committed once at the price', async () => {
    const report = ONE_HOUR();
    const pair = await given(report);
    payter.script(pair.serial, 'commit', FAILS, 2);
    try {
      const sessionId = await tap(pair, 'card-fault-10');
      expect(await charging(system, sessionId)).toBe(true);
      await tapToStop(pair, 'card-fault-10');
      await expectSettled(pair, sessionId, 'card-fault-10', report);
    } finally {
      await pair.charger.close();
    }
  });
});
