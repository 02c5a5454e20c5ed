/**
 * Where Payter CPS cannot refund (`PAYTER_REFUNDS=acquirer`): a refund is recorded as
 * `toBeRefundedByAcquirer`, the operator is told to make it through the acquirer, nothing is
 * sent to Payter, and reconciliation lists it until Payter's data shows it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PayterSimulator } from '../../lib/local/payter-simulator';
import { PayterClient } from '../../lambdas/payter/cps-client';
import { startTestSystem, type TestSystem } from '../support/local-system';
import { FAST_WORKFLOW, paidSession } from '../support/paid-session';

let system: TestSystem;
let payter: PayterSimulator;

beforeAll(async () => {
  system = await startTestSystem({
    timeScale: FAST_WORKFLOW,
    payterRefunds: 'acquirer',
  });
  payter = system.runtime.payter!;
});

afterAll(async () => {
  await system?.close();
});

describe('refunds through the acquirer', () => {
  it('records the refund for the acquirer, tells the operator, and reconciliation tracks it until Payter shows it', async () => {
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const { sessionId, serial } = await paidSession(system, 'card-acquirer');
    const made = await system.api('POST', `/ops/sessions/${sessionId}/refunds`, { amount: 300, reason: 'charger fault' });
    expect(made.status).toBe(202);
    expect(made.body).toMatchObject({ amount: 300, state: 'toBeRefundedByAcquirer' });
    expect(made.body.message).toMatch(/through the acquirer/);
    expect(payter.calls().filter((c) => c.call === 'refund')).toEqual([]);
    expect((await system.api('GET', `/ops/sessions/${sessionId}`)).body).toMatchObject({ refundedAmount: 300 });
    // It counts against what may still be refunded.
    expect((await system.api('POST', `/ops/sessions/${sessionId}/refunds`, { amount: 465, reason: 'too much' })).status).toBe(409);

    const period = `from=${from}&to=${new Date(Date.now() + 60_000).toISOString()}`;
    const ofSerial = (body: { differences: { serialNumber: string }[] }) => body.differences.filter((d) => d.serialNumber === serial);
    const awaiting = await system.api('GET', `/ops/reconciliation?${period}`);
    expect(ofSerial(awaiting.body)).toEqual([
      expect.objectContaining({ kind: 'refundAwaitingAcquirer', sessionId, refund: expect.objectContaining({ amount: 300, state: 'toBeRefundedByAcquirer' }) }),
    ]);

    // The acquirer refunds it and it shows up on Payter's side of the session.
    const atPayter = new PayterClient({ baseUrl: payter.url, apiKey: process.env.PAYTER_API_KEY! });
    const payterSessionId = payter.sessions(serial)[0]!.sessionId;
    expect((await atPayter.refund({ serial, sessionId: payterSessionId, amount: 300 })).kind).toBe('ok');
    const seen = await system.api('GET', `/ops/reconciliation?${period}`);
    expect(ofSerial(seen.body)).toEqual([]);
    expect((await system.api('GET', `/ops/sessions/${sessionId}`)).body.refunds).toEqual([expect.objectContaining({ amount: 300, state: 'done' })]);
  });

  it("settles it when the acquirer's refund shows up in MyPayter's transaction data", async () => {
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const { sessionId, serial } = await paidSession(system, 'card-acquirer-2');
    expect((await system.api('POST', `/ops/sessions/${sessionId}/refunds`, { amount: 250, reason: 'slow charging' })).status).toBe(202);
    const period = `from=${from}&to=${new Date(Date.now() + 60_000).toISOString()}`;
    const ofSession = (body: { differences: { sessionId?: string }[] }) => body.differences.filter((d) => d.sessionId === sessionId);
    expect(ofSession((await system.api('GET', `/ops/reconciliation?${period}`)).body)).toEqual([expect.objectContaining({ kind: 'refundAwaitingAcquirer' })]);

    // The acquirer refunds it outside Payter CPS; MyPayter lists it as a refund of the payment.
    const payterSessionId = payter.sessions(serial)[0]!.sessionId;
    system.runtime.myPayter!.addTransaction({
      serialNumber: serial,
      sessionId: payterSessionId,
      transactionTime: new Date().toISOString(),
      authorizedAmount: 250,
      committedAmount: 250,
      currency: 'USD',
      ifd: 'CONTACTLESS',
      disposition: 'REFUND',
      state: 'COMMITTED',
    });
    expect((await system.api('POST', '/local/reconciliation/run')).status).toBe(200);
    expect(ofSession((await system.api('GET', `/ops/reconciliation?${period}`)).body)).toEqual([]);
    expect((await system.api('GET', `/ops/sessions/${sessionId}`)).body.refunds).toEqual([expect.objectContaining({ amount: 250, state: 'done' })]);
    // A refund is no payment: MyPayter's own comparison does not call it unknown to us.
    const myPayter = await system.api('GET', `/ops/reconciliation/mypayter?${period}`);
    expect(myPayter.body.differences.filter((d: { payterSessionId?: string }) => d.payterSessionId === payterSessionId)).toEqual([]);
  });
});
