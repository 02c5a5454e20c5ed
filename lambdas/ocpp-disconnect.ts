/** WebSocket `$disconnect`: forget the connection; the station goes offline unless it already reconnected. */
import type { APIGatewayProxyResult, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { csmsApp, stationOffline } from './aws/csms-app';
import { lambdaHandler, logger } from './shared/lambda';

export const handler = lambdaHandler(async (event: APIGatewayProxyWebsocketEventV2): Promise<APIGatewayProxyResult> => {
  const { connectionId } = event.requestContext;
  const { connections, stations } = csmsApp();
  const stationId = (await connections.find(connectionId))?.stationId;
  await connections.delete(connectionId);
  if (stationId) {
    const wentOffline = await stations.markDisconnected(stationId, connectionId, new Date().toISOString());
    logger.info('charger disconnected', { stationId, connectionId, wentOffline });
    if (wentOffline) await stationOffline(stationId);
  }
  return { statusCode: 200, body: '' };
});
