/** What the driver's e-receipt routes answer: HTML pages, and one plain 404 for every receipt not there. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export const receiptNotFound: APIGatewayProxyStructuredResultV2 = {
  statusCode: 404,
  headers: { 'content-type': 'text/plain; charset=utf-8' },
  body: 'No receipt here (yet): a receipt appears once the session has ended.',
};

/** The session id of the path, if it looks like one (a UUID). */
export function receiptSessionId(event: APIGatewayProxyEventV2): string | undefined {
  const sessionId = event.pathParameters?.sessionId ?? '';
  return /^[0-9a-f-]{36}$/.test(sessionId) ? sessionId : undefined;
}

export function htmlPage(statusCode: number, body: string, cacheControl = 'no-store'): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': cacheControl }, body };
}
