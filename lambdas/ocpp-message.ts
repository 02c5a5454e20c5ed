/** WebSocket `$default`: every OCPP frame a charger sends. Replies go back with postToConnection. */
import type { APIGatewayProxyResult, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { csmsApp } from './aws/csms-app';
import { ApiGatewayStationLink } from './aws/station-link';
import { handleStationFrame } from './ocpp/station-frames';
import { OcppError } from './ocpp/frames';
import { ocpp16 } from './ocpp/protocol';
import { lambdaHandler, logger } from './shared/lambda';

let link: ApiGatewayStationLink | undefined;

export const handler = lambdaHandler(async (event: APIGatewayProxyWebsocketEventV2): Promise<APIGatewayProxyResult> => {
  const { connectionId } = event.requestContext;
  const app = csmsApp();
  link ??= new ApiGatewayStationLink();
  const text = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
  const stationId = await app.connections.stationOf(connectionId);
  if (!stationId) {
    logger.warn('frame on an unknown connection', { connectionId });
    await link.send(connectionId, ocpp16.encodeCallError(new OcppError('SecurityError', 'connection is not registered; reconnect')));
    return { statusCode: 200, body: '' };
  }
  const reply = await handleStationFrame(stationId, text, {
    adapter: ocpp16,
    actions: app.ocpp16Actions,
    calls: app.calls,
    pendingAction: async (id, messageId) => {
      const call = await app.pendingCalls.get(id);
      return call && call.messageId === messageId && call.state === 'sent' ? call.action : undefined;
    },
    log: logger,
  });
  if (reply !== undefined && (await link.send(connectionId, reply)) === 'gone') {
    await app.stations.markDisconnected(stationId, connectionId, new Date().toISOString());
  }
  return { statusCode: 200, body: '' };
});
