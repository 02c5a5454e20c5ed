/** WebSocket `$default`: every OCPP frame a charger sends. Replies go back with postToConnection. */
import type { APIGatewayProxyResult, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { calls, chargingStations, connections, link, ocpp16Actions, stationConnections, stationEvents, stations } from './aws/composition';
import { handleStationFrame } from './ocpp/station-frames';
import { adapterFor } from './ocpp/adapters';
import { lambdaHandler, logger } from './shared/lambda';

export const handler = lambdaHandler(async (event: APIGatewayProxyWebsocketEventV2): Promise<APIGatewayProxyResult> => {
  const { connectionId } = event.requestContext;
  const text = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
  const connection = await connections().find(connectionId);
  // The version negotiated at $connect; only OCPP 1.6J is spoken today (ocpp/adapters.ts).
  const adapter = connection && adapterFor(connection.subprotocol);
  if (!connection || !adapter) {
    // A connection admitted without a subprotocol we speak (OCPP-J 1.6 section 3.1.2).
    await stationConnections().closeUnregistered(connectionId);
    return { statusCode: 200, body: '' };
  }
  const { stationId } = connection;
  const reply = await handleStationFrame(stationId, text, {
    adapter,
    actions: ocpp16Actions(),
    calls: calls(),
    log: logger,
    leniency: (id) => chargingStations().leniency(id),
  });
  if (reply !== undefined && (await link().send(connectionId, reply)) === 'gone') {
    if (await stations().markDisconnected(stationId, connectionId, new Date().toISOString())) await stationEvents().stationOffline(stationId);
    return { statusCode: 200, body: '' };
  }
  // $connect cannot post to its own connection: the calls that waited for the station go out
  // after the reply to its first frame, unless a newer connection of the station took over meanwhile.
  if (connection.fresh && (await connections().claimFirstFrame(connectionId))) {
    if (await stationConnections().stillCurrent(connectionId, stationId)) await calls().stationReachable(stationId);
  }
  return { statusCode: 200, body: '' };
});
