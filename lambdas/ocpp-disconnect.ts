/**
 * WebSocket `$disconnect`: forget the connection; the station goes offline unless it already
 * reconnected, and its readers go out of order only if it is not back within the grace
 * (lambdas/csms/reconnect-grace.ts).
 */
import type { APIGatewayProxyResult, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { connections, reconnectGrace, stations } from './aws/composition';
import { lambdaHandler, logger } from './shared/lambda';

export const handler = lambdaHandler(async (event: APIGatewayProxyWebsocketEventV2): Promise<APIGatewayProxyResult> => {
  const { connectionId } = event.requestContext;
  const stationId = (await connections().find(connectionId))?.stationId;
  if (!stationId) {
    // A refused connection that left by itself: nothing left to close.
    await connections().unscheduleClose(connectionId);
    return { statusCode: 200, body: '' };
  }
  await connections().delete(connectionId);
  // Only if the station is still mapped to this connection: a newer one may have taken over.
  const wentOffline = await stations().markDisconnected(stationId, connectionId, new Date().toISOString());
  logger.info('charger disconnected', { stationId, connectionId, wentOffline });
  if (wentOffline) await reconnectGrace().wentAway(stationId);
  return { statusCode: 200, body: '' };
});
