/**
 * The operators' API: `ANY /ops/{proxy+}` on the HTTP API (IAM on AWS). This issue brings
 * remote commands to chargers and a transaction's record; sessions, refunds and
 * reconciliation come with the payment issues.
 */
import { z } from 'zod';
import { csmsApp } from './aws/csms-app';
import { DynamoTransactionRepository } from './aws/transaction-repository';
import { CallTimeoutError, StationBusyError, StationOfflineError, UnknownStationError } from './csms/csms-calls';
import { HttpError, json, parseBody, router } from './http/api';
import { OcppError } from './ocpp/frames';
import { lambdaHandler, logger } from './shared/lambda';

const stationCallSchema = z.strictObject({
  action: z.string().min(1),
  payload: z.record(z.string(), z.unknown()).default({}),
});

let transactions: DynamoTransactionRepository | undefined;

const route = router([
  {
    method: 'POST',
    path: '/ops/stations/{stationId}/calls',
    handle: async (event, { stationId }) => {
      const { action, payload } = parseBody(event, stationCallSchema);
      const { calls } = csmsApp();
      try {
        const sent = await calls.send(stationId!, action, payload);
        logger.info('operator call sent', { stationId, action, messageId: sent.messageId });
        const outcome = await calls.awaitAnswer(stationId!, sent);
        return outcome.kind === 'result'
          ? json(200, { messageId: sent.messageId, action, result: outcome.payload })
          : json(502, { error: 'CallError', messageId: sent.messageId, action, code: outcome.code, description: outcome.description, details: outcome.details });
      } catch (error) {
        throw toHttpError(error);
      }
    },
  },
  {
    method: 'GET',
    path: '/ops/stations/{stationId}/connectors/{connectorId}/history',
    handle: async (_event, { stationId, connectorId }) => {
      const id = Number(connectorId);
      if (!Number.isSafeInteger(id)) throw new HttpError(400, 'ValidationError', 'connectorId must be an integer', [{ field: 'connectorId', message: 'must be an integer' }]);
      return json(200, { stationId, connectorId: id, history: await csmsApp().stations.listStatusHistory(stationId!, id) });
    },
  },
  {
    method: 'GET',
    path: '/ops/transactions/{transactionId}',
    handle: async (_event, { transactionId }) => {
      const id = Number(transactionId);
      if (!Number.isSafeInteger(id)) throw new HttpError(400, 'ValidationError', 'transactionId must be an integer', [{ field: 'transactionId', message: 'must be an integer' }]);
      transactions ??= new DynamoTransactionRepository();
      const transaction = await transactions.get(id);
      if (!transaction) throw new HttpError(404, 'NotFound', `transaction ${id} does not exist`);
      return json(200, { ...transaction, meterValues: await transactions.listMeterReadings(id) });
    },
  },
]);

function toHttpError(error: unknown): unknown {
  if (error instanceof OcppError) {
    return new HttpError(400, 'ValidationError', error.message, [{ field: 'payload', message: `${error.code}: ${error.message}` }]);
  }
  if (error instanceof UnknownStationError) return new HttpError(404, 'NotFound', error.message);
  if (error instanceof StationOfflineError) return new HttpError(409, error.name, error.message);
  if (error instanceof StationBusyError) return new HttpError(409, error.name, error.message);
  if (error instanceof CallTimeoutError) return new HttpError(504, error.name, error.message);
  return error;
}

export const handler = lambdaHandler(route);
