/**
 * Refunds when Payter's answer is lost: a refund whose outcome is unknown is recorded as
 * `unknown` (never "nothing was refunded"), Payter's session is read again before any retry
 * or new refund of the session, so a retry never refunds twice; reconciliation compares
 * refunds as well as captures.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PayterSimulator } from '../../lib/local/payter-simulator';
import { OPS_TOKEN, startTestSystem, type TestSystem } from '../support/local-system';
import { FAST_WORKFLOW, paidSession } from '../support/paid-session';

let system: TestSystem;
let payter: PayterSimulator;
const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } }));

beforeAll(async () => {
  // Payter answers "late" after 1 s.
  system = await startTestSystem({ timeScale: FAST_WORKFLOW, payterTimeoutMs: 1_000 });
  payter = system.runtime.payter!;
});

afterAll(async () => {
  await system?.close();
});

function refund(sessionId: string, body: { amount: number; reason: string }, key?: string) {
  return fetch(`${system.runtime.httpUrl}/ops/sessions/${sessionId}/refunds`, {
    method: 'POST',
    headers: { authorization: `Bearer ${OPS_TOKEN}`, 'content-type': 'application/json', ...(key && { 'idempotency-key': key }) },
    body: JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
}

const detail = async (sessionId: string) => (await system.api('GET', `/ops/sessions/${sessionId}`)).body;
const refundCalls = (serial: string) => payter.calls().filter((c) => c.serial === serial && c.call === 'refund');

describe('a refund whose outcome is unknown', () => {
  it.each([
    ['dropped', { kind: 'lost' }],
    ['late, after our 1 s timeout', { kind: 'slow', delayMs: 1_500 }],
  ] as const)('Payter refunds but its answer is %s: recorded unknown; the retry refunds nothing twice and settles done', async (_case, outcome) => {
    const { sessionId, serial } = await paidSession(system, `card-lost-${outcome.kind}`);
    payter.script(serial, 'refund', outcome);
    const first = await refund(sessionId, { amount: 579, reason: 'charger fault' }, `ticket-${outcome.kind}-579`);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ amount: 579, state: 'unknown' });
    expect(first.body.message).toMatch(/unknown and will be checked/);
    expect(first.body.message).not.toMatch(/nothing was refunded/i);
    expect(payter.sessions(serial)[0]?.refunds.map((r) => r.amount)).toEqual([579]);
    expect(await detail(sessionId)).toMatchObject({ refundedAmount: 579, refunds: [expect.objectContaining({ amount: 579, state: 'unknown' })] });

    // The operator's tool retries with the same key: Payter is read, not asked to refund again.
    const retry = await refund(sessionId, { amount: 579, reason: 'charger fault' }, `ticket-${outcome.kind}-579`);
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ amount: 579, state: 'done' });
    expect(refundCalls(serial)).toHaveLength(1);
    expect(payter.sessions(serial)[0]?.refunds.map((r) => r.amount)).toEqual([579]);
    expect(await detail(sessionId)).toMatchObject({ refundedAmount: 579, refunds: [expect.objectContaining({ amount: 579, state: 'done' })] });
    // Only 185 is left to refund.
    expect((await refund(sessionId, { amount: 186, reason: 'more' })).status).toBe(409);
  });

  it('a new refund reads Payter again first: one Payter shows did not happen is failed, and the new one goes through', async () => {
    const { sessionId, serial } = await paidSession(system, 'card-unknown-then-new');
    payter.script(serial, 'refund', { kind: 'fail', status: 503 });
    const first = await refund(sessionId, { amount: 100, reason: 'goodwill' });
    expect(first.status).toBe(202);
    expect(first.body.state).toBe('unknown');
    expect((await detail(sessionId)).refundedAmount).toBe(100);

    // While Payter cannot be read, nothing more is refunded.
    payter.script(serial, 'getSession', { kind: 'fail', status: 503 });
    const refused = await refund(sessionId, { amount: 764, reason: 'in full' });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/still unknown/);
    expect(refundCalls(serial)).toHaveLength(1);

    const callsBefore = payter.calls().length;
    const full = await refund(sessionId, { amount: 764, reason: 'in full' });
    expect(full.status).toBe(200);
    expect(full.body).toMatchObject({ amount: 764, state: 'done' });
    expect(payter.calls().slice(callsBefore).filter((c) => c.serial === serial).map((c) => c.call)).toEqual(['getSession', 'refund']);
    const after = await detail(sessionId);
    expect(after.refundedAmount).toBe(764);
    expect(after.refunds).toEqual([
      expect.objectContaining({ amount: 100, state: 'failed', detail: expect.stringMatching(/did not happen/) }),
      expect.objectContaining({ amount: 764, state: 'done' }),
    ]);
    expect(payter.sessions(serial)[0]?.refunds.map((r) => r.amount)).toEqual([764]);
  });

  it('a clean refusal by Payter releases the refund: nothing is counted as refunded', async () => {
    const { sessionId, serial } = await paidSession(system, 'card-refused');
    payter.script(serial, 'refund', { kind: 'fail', status: 400, message: 'refunds are disabled for this merchant' });
    const failed = await refund(sessionId, { amount: 100, reason: 'goodwill' });
    expect(failed.status).toBe(502);
    expect(failed.body.message).toMatch(/nothing was refunded/);
    expect(await detail(sessionId)).toMatchObject({ refundedAmount: 0, refunds: [expect.objectContaining({ amount: 100, state: 'failed' })] });
  });
});

describe('reconciliation of refunds', () => {
  it('settles an unknown refund Payter shows, and lists what we recorded as refunded against what Payter shows', async () => {
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const { sessionId, serial } = await paidSession(system, 'card-reconcile-refund');
    payter.script(serial, 'refund', { kind: 'garbled' });
    expect((await refund(sessionId, { amount: 200, reason: 'idle fee waived' })).body.state).toBe('unknown');
    const period = `from=${from}&to=${new Date(Date.now() + 60_000).toISOString()}`;
    const ofSerial = (body: { differences: { serialNumber: string }[] }) => body.differences.filter((d) => d.serialNumber === serial);

    const settled = await system.api('GET', `/ops/reconciliation?${period}`);
    expect(ofSerial(settled.body)).toEqual([]);
    expect((await detail(sessionId)).refunds).toEqual([expect.objectContaining({ amount: 200, state: 'done' })]);

    // Our record drifts (a lost update): the report shows both sides.
    await db.send(
      new UpdateCommand({
        TableName: process.env.SESSIONS_TABLE!,
        Key: { sessionId },
        UpdateExpression: 'SET refunds[0].amount = :less',
        ExpressionAttributeValues: { ':less': 150 },
      }),
    );
    const drifted = await system.api('GET', `/ops/reconciliation?${period}`);
    expect(ofSerial(drifted.body)).toEqual([
      expect.objectContaining({ kind: 'refundDiffers', sessionId, ours: expect.objectContaining({ refundedAmount: 150 }), payters: expect.objectContaining({ refundedAmount: 200 }) }),
    ]);
  });
});
