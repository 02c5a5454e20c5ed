/** WebSocket `$default`: every OCPP frame a charger sends. Replies go back with postToConnection. */
import type { APIGatewayProxyResult, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { csmsApp, stationOffline } from './aws/csms-app';
import { ApiGatewayStationLink } from './aws/station-link';
import { handleStationFrame } from './ocpp/station-frames';
import { OcppError } from './ocpp/frames';
import { adapterFor, ocpp16 } from './ocpp/protocol';
import { lambdaHandler, logger } from './shared/lambda';

let link: ApiGatewayStationLink | undefined;

export const handler = lambdaHandler(async (event: APIGatewayProxyWebsocketEventV2): Promise<APIGatewayProxyResult> => {
  const { connectionId } = event.requestContext;
  const app = csmsApp();
  link ??= new ApiGatewayStationLink();
  const text = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
  const connection = await app.connections.find(connectionId);
  // The version negotiated at $connect; only OCPP 1.6J is spoken today (protocol.ts `adapters`).
  const adapter = connection && adapterFor(connection.subprotocol);
  if (!connection || !adapter) {
    logger.warn('frame on an unknown connection', { connectionId });
    await link.send(connectionId, ocpp16.encodeCallError(new OcppError('SecurityError', 'connection is not registered; reconnect')));
    return { statusCode: 200, body: '' };
  }
  const { stationId } = connection;
  const reply = await handleStationFrame(stationId, text, {
    adapter,
    actions: app.ocpp16Actions,
    calls: app.calls,
    log: logger,
    leniency: (id) => app.chargingStations.leniency(id),
  });
  if (reply !== undefined && (await link.send(connectionId, reply)) === 'gone') {
    if (await app.stations.markDisconnected(stationId, connectionId, new Date().toISOString())) await stationOffline(stationId);
    return { statusCode: 200, body: '' };
  }
  // $connect cannot post to its own connection: the calls that waited for the station go out
  // after the reply to its first frame.
  if (connection.fresh && (await app.connections.claimFirstFrame(connectionId))) await app.calls.stationReachable(stationId);
  return { statusCode: 200, body: '' };
});
