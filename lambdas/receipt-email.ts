/**
 * `POST /receipts/{sessionId}/email`: the e-receipt page's form (`email=<address>`,
 * form-encoded). The address goes to the mailer and nowhere else: never logged, never stored.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { receiptEmails } from './aws/composition';
import { htmlPage, receiptNotFound, receiptSessionId } from './http/receipt-http';
import { renderEmailAnswerPage } from './sessions/receipt-page';
import { lambdaHandler, logger } from './shared/lambda';

/** A form with one address is a few hundred bytes. */
const MAX_FORM_BYTES = 2048;
const STATUS = { sent: 200, invalid: 400, tooMany: 429 } as const;

export const handler = lambdaHandler(async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const sessionId = receiptSessionId(event);
  if (!sessionId) return receiptNotFound;
  const body = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  if (body.length > MAX_FORM_BYTES) return { statusCode: 413, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'The form is too large.' };
  const address = new URLSearchParams(body.toString('utf8')).get('email') ?? undefined;
  const result = await receiptEmails().send(sessionId, address);
  if (result.outcome === 'notFound') return receiptNotFound;
  logger.info('receipt e-mail asked for', { sessionId, outcome: result.outcome });
  return htmlPage(STATUS[result.outcome], renderEmailAnswerPage(sessionId, result.site, result.outcome));
});
