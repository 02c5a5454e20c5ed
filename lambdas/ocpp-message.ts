/** WebSocket `$default`: every OCPP frame a charger sends. Replies go back with postToConnection. */
import type { APIGatewayProxyResult, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import {
  calls,
  chargingStations,
  connections,
  link,
  ocpp16Actions,
  ocpp201Actions,
  reconnectGrace,
  stationConnections,
  stations,
} from './aws/composition';
import type { StationConnection } from './csms/ports';
import { handleStationFrame } from './ocpp/station-frames';
import { adapterFor } from './ocpp/adapters';
import { answeringFirst } from './shared/after-reply';
import { systemClock } from './shared/clock';
import { lambdaHandler, logger } from './shared/lambda';

type MessageEvent = APIGatewayProxyWebsocketEventV2 & {
  requestContext: { authorizer?: { stationId?: string; subprotocol?: string } };
};

/**
 * A connection's first frames are looked up (is it the first? then the calls that waited for
 * the station go out); chargers send BootNotification or StatusNotification as soon as they
 * connect, so after this the authorizer's context alone names the station.
 */
const FIRST_FRAMES_WINDOW_MS = 60_000;

/**
 * The connection's station and subprotocol: from the `$connect` authorizer's context, which API
 * Gateway passes with every frame, once the connection is past its first frames; else (and for
 * connections admitted before the context carried the subprotocol) from the connection record.
 */
async function connectionOf(event: MessageEvent): Promise<StationConnection | undefined> {
  const { connectionId, connectedAt, authorizer } = event.requestContext;
  const settled = systemClock.now().getTime() - connectedAt > FIRST_FRAMES_WINDOW_MS;
  if (settled && authorizer?.stationId && authorizer.subprotocol !== undefined) {
    return authorizer.subprotocol ? { stationId: authorizer.stationId, subprotocol: authorizer.subprotocol } : undefined;
  }
  return connections().find(connectionId);
}

export const handler = lambdaHandler((event: MessageEvent): Promise<APIGatewayProxyResult> =>
  // What the frame set off for later (a reader's screen) runs once the reply is sent.
  answeringFirst(() => answer(event), (error) => logger.error('work after the reply failed', { error: String(error) })),
);

async function answer(event: MessageEvent): Promise<APIGatewayProxyResult> {
  const { connectionId } = event.requestContext;
  const text = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
  const connection = await connectionOf(event);
  // The version negotiated at $connect (ocpp/adapters.ts).
  const adapter = connection && adapterFor(connection.subprotocol);
  if (!connection || !adapter) {
    // A connection admitted without a subprotocol we speak (OCPP-J 1.6 section 3.1.2).
    await stationConnections().closeUnregistered(connectionId);
    return { statusCode: 200, body: '' };
  }
  const { stationId } = connection;
  const deps = { calls: calls(), log: logger, leniency: (id: string) => chargingStations().leniency(id) };
  const reply =
    adapter.subprotocol === 'ocpp1.6'
      ? await handleStationFrame(stationId, text, { ...deps, adapter, actions: ocpp16Actions() })
      : await handleStationFrame(stationId, text, { ...deps, adapter, actions: ocpp201Actions() });
  if (reply !== undefined && (await link().send(connectionId, reply)) === 'gone') {
    if (await stations().markDisconnected(stationId, connectionId, new Date().toISOString())) await reconnectGrace().wentAway(stationId);
    return { statusCode: 200, body: '' };
  }
  // $connect cannot post to its own connection: the calls that waited for the station go out
  // after the reply to its first frame, unless a newer connection of the station took over meanwhile.
  if (connection.fresh && (await connections().claimFirstFrame(connectionId))) {
    if (await stationConnections().stillCurrent(connectionId, stationId)) await calls().stationReachable(stationId);
  }
  return { statusCode: 200, body: '' };
}
