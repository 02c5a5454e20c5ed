/**
 * `GET /receipts/{sessionId}`: the driver's e-receipt. Public like a payment receipt link: the
 * session id is a random UUID (122 bits), and the page shows no card number beyond the mask.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { sessions, sites } from './aws/composition';
import { siteTimeZone } from './sites/site-settings';
import { renderReceiptPage } from './sessions/receipt-page';
import { lambdaHandler } from './shared/lambda';


const notFound: APIGatewayProxyStructuredResultV2 = {
  statusCode: 404,
  headers: { 'content-type': 'text/plain; charset=utf-8' },
  body: 'No receipt here (yet): a receipt appears once the session has ended.',
};

export const handler = lambdaHandler(async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const sessionId = event.pathParameters?.sessionId ?? '';
  if (!/^[0-9a-f-]{36}$/.test(sessionId)) return notFound;
  const session = await sessions().get(sessionId);
  if (!session) return notFound;
  const site = await sites().get(session.siteId);
  const page = renderReceiptPage(session, {
    name: site?.name ?? session.siteId,
    timeZone: siteTimeZone(site),
    ...(site && { language: site.language, currency: site.currency }),
  });
  if (!page) return notFound;
  return {
    statusCode: 200,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'private, max-age=300' },
    body: page,
  };
});
