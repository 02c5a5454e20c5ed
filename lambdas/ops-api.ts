/**
 * The operators' API: `ANY /ops/{proxy+}` on the HTTP API (Cognito JWTs of the operators group on AWS): charging-payment
 * sessions with their workflow executions, remote stops, refunds on the spot, reconciliation
 * with Payter, and direct OCPP commands to chargers.
 */
import * as z from 'zod';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { calls, commissioning, installer, myPayterReconciliation, sessionOperations, stations, transactions } from './aws/composition';
import { asReported } from './csms/model';
import { sendByAction } from './csms/csms-calls';
import { HttpError, fieldErrors, json, parseBody, router } from './http/api';
import type { RefundState } from './sessions/model';
import { idSchema } from './shared/ids';
import { lambdaHandler, logger } from './shared/lambda';

const refundSchema = z.strictObject({
  amount: z.number().int('must be an integer amount in minor units').positive('must be above 0'),
  reason: z.string().trim().min(1).max(200),
});

/** What the operator must know of a refund that is not simply done (a 202). */
const REFUND_MESSAGES: Partial<Record<RefundState, string>> = {
  unknown:
    "Payter's answer was lost: the refund may or may not have happened. Its outcome is unknown and will be checked with Payter before any retry or new refund of this session; do not refund it by other means.",
  pending: 'This refund is still being made; ask again with the same Idempotency-Key for its outcome.',
  toBeRefundedByAcquirer:
    'Payter CPS cannot refund here (PAYTER_REFUNDS=acquirer): make this refund through the acquirer. Reconciliation lists it until it shows up in Payter\'s transaction data.',
};

const isoDateTime = z.iso.datetime({ offset: true });

/**
 * `from` / `to` of a period: a full ISO datetime with its offset, or a plain date
 * (`2026-12-01`), which means the start (from) or the end (to) of that UTC day. Handed on as
 * UTC ISO text, the form stored times compare in.
 */
function periodBound(bound: 'from' | 'to') {
  return z.string().transform((text, ctx) => {
    const day = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : NaN;
    if (!Number.isNaN(day) && new Date(day).toISOString().startsWith(text)) {
      return new Date(bound === 'from' ? day : day + 86_400_000 - 1).toISOString();
    }
    if (isoDateTime.safeParse(text).success) return new Date(text).toISOString();
    ctx.addIssue({ code: 'custom', message: 'must be a date (YYYY-MM-DD) or an ISO datetime with an offset (2026-12-01T08:00:00Z)' });
    return z.NEVER;
  });
}

/** A period ends no earlier than it starts. */
const inOrder = (period: { from?: string; to?: string }) => !period.from || !period.to || period.from <= period.to;
const notBeforeFrom = { message: 'must not be before from', path: ['to'] };

const sessionQuerySchema = z
  .strictObject({
    siteId: idSchema('siteId').optional(),
    stationId: idSchema('stationId').optional(),
    status: z.enum(['authorizing', 'declined', 'starting', 'charging', 'stopping', 'stopped', 'completed', 'cancelled', 'failed']).optional(),
    from: periodBound('from').optional(),
    to: periodBound('to').optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .refine(inOrder, notBeforeFrom);
const periodSchema = z.strictObject({ from: periodBound('from'), to: periodBound('to') }).refine(inOrder, notBeforeFrom);

/** Query strings are validated like bodies: every bad parameter named in a 400. */
function parseQuery<S extends z.ZodType>(event: APIGatewayProxyEventV2, schema: S): z.output<S> {
  const result = schema.safeParse(event.queryStringParameters ?? {});
  if (!result.success) throw new HttpError(400, 'ValidationError', 'the query is invalid', fieldErrors(result.error.issues));
  return result.data;
}

const stationCallSchema = z.strictObject({
  action: z.string().min(1),
  payload: z.record(z.string(), z.unknown()).default({}),
});

/**
 * An operator's call is answered within this of the request reaching API Gateway (which gives
 * up after 30 s): a cold start or a slow queue write counts against it, not on top of it.
 */
const OPS_CALL_WAIT_MS = 25_000;

const route = router([
  {
    method: 'GET',
    path: '/ops/sessions',
    handle: async (event) => {
      const { limit, ...query } = parseQuery(event, sessionQuerySchema);
      return json(200, { sessions: await (await sessionOperations()).list({ ...query, ...(limit !== undefined && { limit }) }) });
    },
  },
  {
    method: 'GET',
    path: '/ops/sessions/{sessionId}',
    handle: async (_event, { sessionId }) => json(200, await (await sessionOperations()).detail(sessionId!)),
  },
  {
    method: 'GET',
    path: '/ops/sessions/{sessionId}/execution',
    handle: async (_event, { sessionId }) => json(200, await (await sessionOperations()).execution(sessionId!)),
  },
  {
    method: 'POST',
    path: '/ops/sessions/{sessionId}/refunds',
    handle: async (event, { sessionId }) => {
      const { amount, reason } = parseBody(event, refundSchema);
      const key = event.headers['idempotency-key'];
      if (key !== undefined && !/^[\x21-\x7e]{8,128}$/.test(key)) {
        throw new HttpError(400, 'ValidationError', 'the Idempotency-Key header is invalid', [
          { field: 'Idempotency-Key', message: '8 to 128 printable ASCII characters' },
        ]);
      }
      const refund = await (await sessionOperations()).refund(sessionId!, amount, reason, key);
      logger.info('refund', { sessionId, amount, state: refund.state, payterRefundId: refund.payterRefundId });
      const message = REFUND_MESSAGES[refund.state];
      return message ? json(202, { ...refund, message }) : json(200, refund);
    },
  },
  {
    method: 'POST',
    path: '/ops/sessions/{sessionId}/stop',
    handle: async (_event, { sessionId }) => json(202, await (await sessionOperations()).stop(sessionId!)),
  },
  {
    method: 'GET',
    path: '/ops/reconciliation',
    handle: async (event) => {
      const { from, to } = parseQuery(event, periodSchema);
      return json(200, await (await sessionOperations()).reconcile(from, to));
    },
  },
  {
    method: 'GET',
    path: '/ops/reconciliation/mypayter',
    handle: async (event) => {
      const { from, to } = parseQuery(event, periodSchema);
      // The transactions are stored by day: one query per day of the period.
      if (Date.parse(to) - Date.parse(from) > 31 * 86_400_000) {
        throw new HttpError(400, 'ValidationError', 'the period is invalid', [{ field: 'to', message: 'at most 31 days after from' }]);
      }
      return json(200, await myPayterReconciliation().report(from, to));
    },
  },
  {
    method: 'POST',
    path: '/ops/stations/{stationId}/calls',
    handle: async (event, { stationId }) => {
      const { action, payload } = parseBody(event, stationCallSchema);
      const csmsCalls = calls();
      // Waits its turn behind the station's other calls, then for the charger's answer.
      const queued = await sendByAction(csmsCalls, stationId!, action, payload, { awaited: true });
      logger.info('operator call queued', { stationId, action, callId: queued.id });
      const received = Math.min(event.requestContext.timeEpoch || Date.now(), Date.now());
      const { messageId, outcome } = await csmsCalls.awaitAnswer(stationId!, queued, { until: new Date(received + OPS_CALL_WAIT_MS) });
      return outcome.kind === 'result'
        ? json(200, { messageId, action, result: outcome.payload })
        : json(502, { error: 'CallError', messageId, action, code: outcome.code, description: outcome.description, details: outcome.details });
    },
  },
  {
    method: 'GET',
    path: '/ops/stations',
    handle: async () => json(200, { stations: await installer().listStations() }),
  },
  {
    method: 'GET',
    path: '/ops/readers',
    handle: async () => json(200, { readers: await (await commissioning()).list() }),
  },
  {
    method: 'GET',
    path: '/ops/stations/{stationId}/connectors/{connectorId}/history',
    handle: async (_event, { stationId, connectorId }) => {
      const id = Number(connectorId);
      if (!Number.isSafeInteger(id)) throw new HttpError(400, 'ValidationError', 'connectorId must be an integer', [{ field: 'connectorId', message: 'must be an integer' }]);
      return json(200, { stationId, connectorId: id, history: (await stations().listStatusHistory(stationId!, id)).map(asReported) });
    },
  },
  {
    method: 'GET',
    path: '/ops/transactions/{transactionId}',
    handle: async (_event, { transactionId }) => {
      const id = Number(transactionId);
      if (!Number.isSafeInteger(id)) throw new HttpError(400, 'ValidationError', 'transactionId must be an integer', [{ field: 'transactionId', message: 'must be an integer' }]);
      const repository = transactions();
      const transaction = await repository.get(id);
      if (!transaction) throw new HttpError(404, 'NotFound', `transaction ${id} does not exist`);
      return json(200, { ...transaction, meterValues: await repository.listMeterReadings(id) });
    },
  },
], 'ops');

export const handler = lambdaHandler(route);
