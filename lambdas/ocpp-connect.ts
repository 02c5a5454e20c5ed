/**
 * WebSocket `$connect`: the authorizer has identified the station; here the OCPP version is
 * negotiated (the answer must carry `Sec-WebSocket-Protocol` or chargers drop the socket) and
 * the station is mapped to its new connection.
 */
import type { APIGatewayProxyResult, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { csmsApp } from './aws/csms-app';
import { chooseSubprotocol } from './ocpp/protocol';
import { header } from './shared/headers';
import { lambdaHandler, logger } from './shared/lambda';

type ConnectEvent = APIGatewayProxyWebsocketEventV2 & {
  headers?: Record<string, string | undefined>;
  requestContext: { authorizer?: { stationId?: string } };
};

export const handler = lambdaHandler(async (event: ConnectEvent): Promise<APIGatewayProxyResult> => {
  const stationId = event.requestContext.authorizer?.stationId;
  const offered = header(event.headers, 'Sec-WebSocket-Protocol');
  const subprotocol = chooseSubprotocol(offered);
  if (!stationId || !subprotocol) {
    logger.warn('connection refused', { stationId, offered });
    return { statusCode: 400, body: 'a supported OCPP subprotocol (ocpp1.6) is required' };
  }
  const { connectionId } = event.requestContext;
  const now = new Date().toISOString();
  const { connections, stations } = csmsApp();
  await connections.put(connectionId, { stationId, subprotocol }, now);
  // A reconnect may arrive before the old $disconnect: the newest connection always wins.
  await stations.markConnected(stationId, connectionId, now);
  logger.info('charger connected', { stationId, connectionId, subprotocol });
  return { statusCode: 200, headers: { 'Sec-WebSocket-Protocol': subprotocol }, body: '' };
});
