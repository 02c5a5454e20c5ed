/**
 * WebSocket `$connect`: the authorizer has identified the station; here the OCPP version is
 * negotiated (the answer must carry `Sec-WebSocket-Protocol` or chargers drop the socket) and
 * the station is mapped to its new connection, closing an older one. Without a subprotocol we
 * speak the handshake completes without the header and the connection is closed at once
 * (OCPP-J 1.6 section 3.1.2; lambdas/csms/station-connections.ts says how).
 */
import type { APIGatewayProxyResult, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { stationConnections } from './aws/composition';
import { chooseSubprotocol, isSupportedSubprotocol } from './shared/subprotocols';
import { header } from './shared/headers';
import { lambdaHandler, logger } from './shared/lambda';

type ConnectEvent = APIGatewayProxyWebsocketEventV2 & {
  headers?: Record<string, string | undefined>;
  requestContext: { authorizer?: { stationId?: string; subprotocol?: string } };
};

export const handler = lambdaHandler(async (event: ConnectEvent): Promise<APIGatewayProxyResult> => {
  const stationId = event.requestContext.authorizer?.stationId;
  const { connectionId } = event.requestContext;
  if (!stationId) {
    // Only without the authorizer in front (a misconfigured stage).
    logger.error('connection without a station identity refused', { connectionId });
    return { statusCode: 401, body: '' };
  }
  const offered = header(event.headers, 'Sec-WebSocket-Protocol');
  // The authorizer chose by the station's preference (lambdas/ocpp-authorizer.ts); '' is none.
  const chosen = event.requestContext.authorizer?.subprotocol;
  const subprotocol = chosen === undefined ? chooseSubprotocol(offered) : isSupportedSubprotocol(chosen) ? chosen : undefined;
  if (!subprotocol) {
    await stationConnections().refuse(connectionId, stationId, offered);
    return { statusCode: 200, body: '' };
  }
  await stationConnections().open(connectionId, stationId, subprotocol);
  logger.info('charger connected', { stationId, connectionId, subprotocol });
  return { statusCode: 200, headers: { 'Sec-WebSocket-Protocol': subprotocol }, body: '' };
});
