/**
 * REQUEST authorizer of the WebSocket `$connect` route: HTTP Basic auth of OCPP security
 * profiles 1 and 2. Behind CloudFront the viewer's `Authorization` arrives as
 * `X-Ocpp-Authorization` (CloudFront cannot forward `Authorization` in an origin request policy).
 */
import type { APIGatewayRequestAuthorizerEvent, APIGatewayAuthorizerResult } from 'aws-lambda';
import { DynamoStationRepository } from './aws/station-repository';
import { authenticateStation } from './csms/station-credentials';
import { header } from './shared/headers';
import { idProblem } from './shared/ids';
import { lambdaHandler, logger } from './shared/lambda';

let stations: DynamoStationRepository | undefined;

export const handler = lambdaHandler(async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
  const stationId = event.queryStringParameters?.stationId;
  const authorization = header(event.headers, 'X-Ocpp-Authorization') ?? header(event.headers, 'Authorization');
  stations ??= new DynamoStationRepository();
  const repository = stations;
  // An id longer than any station's is refused before it reaches a key.
  const allowed =
    stationId !== undefined &&
    idProblem('stationId', stationId) === undefined &&
    (await authenticateStation(stationId, authorization, async (id) => (await repository.get(id))?.passwordHash));
  if (!allowed || !stationId) {
    logger.warn('charger refused at the handshake', { stationId, hadCredentials: authorization !== undefined });
    // API Gateway answers 401 for this exact message.
    throw new Error('Unauthorized');
  }
  return {
    principalId: stationId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
    },
    context: { stationId },
  };
});
