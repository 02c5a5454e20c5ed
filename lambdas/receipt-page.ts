/**
 * `GET /receipts/{sessionId}`: the driver's e-receipt. Public like a payment receipt link: the
 * session id is a random UUID (122 bits), and the page shows no card number beyond the mask.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { sessions, sites } from './aws/composition';
import { htmlPage, receiptNotFound, receiptSessionId } from './http/receipt-http';
import { receiptSiteOf, renderReceiptPage } from './sessions/receipt-page';
import { lambdaHandler } from './shared/lambda';

export const handler = lambdaHandler(async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const sessionId = receiptSessionId(event);
  const session = sessionId ? await sessions().get(sessionId) : undefined;
  if (!session) return receiptNotFound;
  const page = renderReceiptPage(session, receiptSiteOf(session, await sites().get(session.siteId)), { emailForm: true });
  return page ? htmlPage(200, page, 'private, max-age=300') : receiptNotFound;
});
