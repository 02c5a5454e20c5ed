/**
 * REQUEST authorizer of the WebSocket `$connect` route: HTTP Basic auth of OCPP security
 * profiles 1 and 2. Behind CloudFront the viewer's `Authorization` arrives as
 * `X-Ocpp-Authorization` (CloudFront cannot forward `Authorization` in an origin request policy).
 * When the stack admits chargers through CloudFront only (`OCPP_EDGE_SECRET_ARN`, locally
 * `OCPP_EDGE_SECRET`), a handshake must also carry the distribution's `X-Ocpp-Edge` secret, so
 * that its geo restriction cannot be bypassed by connecting to the API's origin domain.
 *
 * Its context comes with every frame of the connection (`requestContext.authorizer`), so the
 * frames need no connection lookup: it carries the station and the subprotocol `$connect`
 * negotiates from the same header by the station's `protocols` (empty when none it may speak is offered).
 */
import type { APIGatewayRequestAuthorizerEvent, APIGatewayAuthorizerResult } from 'aws-lambda';
import { secret } from './aws/secrets';
import { stations } from './aws/composition';
import type { Station } from './csms/model';
import { authenticateStation, cameThroughEdge } from './csms/station-credentials';
import { chooseSubprotocol } from './shared/subprotocols';
import { header } from './shared/headers';
import { idProblem } from './shared/ids';
import { lambdaHandler, logger } from './shared/lambda';

export const handler = lambdaHandler(async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
  const stationId = event.queryStringParameters?.stationId;
  const authorization = header(event.headers, 'X-Ocpp-Authorization') ?? header(event.headers, 'Authorization');
  const edgeOnly = Boolean(process.env.OCPP_EDGE_SECRET_ARN || process.env.OCPP_EDGE_SECRET);
  const throughEdge = !edgeOnly || cameThroughEdge(header(event.headers, 'X-Ocpp-Edge'), await secret('OCPP_EDGE_SECRET_ARN', 'OCPP_EDGE_SECRET'));
  // An id longer than any station's is refused before it reaches a key.
  // Read once: its password hash admits it, its protocols choose among what it offers.
  let station: Station | undefined;
  const allowed =
    throughEdge &&
    stationId !== undefined &&
    idProblem('stationId', stationId) === undefined &&
    (await authenticateStation(stationId, authorization, async (id) => (station = await stations().get(id))?.passwordHash));
  if (!allowed || !stationId) {
    logger.warn('charger refused at the handshake', { stationId, hadCredentials: authorization !== undefined, throughEdge });
    // API Gateway answers 401 for this exact message.
    throw new Error('Unauthorized');
  }
  return {
    principalId: stationId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
    },
    context: { stationId, subprotocol: chooseSubprotocol(header(event.headers, 'Sec-WebSocket-Protocol'), station?.protocols) ?? '' },
  };
});
