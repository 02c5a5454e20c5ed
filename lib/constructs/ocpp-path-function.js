// CloudFront viewer-request function (runtime cloudfront-js-2.0) in front of the OCPP WebSocket API.
//
// Chargers connect to wss://<distribution>/ocpp/{stationId}, but API Gateway WebSocket APIs
// ignore the path: the station id travels on as the `stationId` query parameter, which the
// $connect authorizer uses as its identity source. CloudFront refuses to forward
// `Authorization` through an origin request policy, so the charger's Basic credentials are
// copied into `X-Ocpp-Authorization`, which the policy does forward.
//
// Plain script, no module syntax: CloudFront runs it as is, and the unit test evaluates the
// same text in a Node `vm` context.

var OCPP_PATH_PREFIX = '/ocpp/';

function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.indexOf(OCPP_PATH_PREFIX) !== 0) return reject(404, 'Not Found');

  // The station identity is the last path segment.
  var encodedStationId = uri.substring(uri.lastIndexOf('/') + 1);
  if (encodedStationId === '') return reject(404, 'Not Found');
  var stationId;
  try {
    stationId = decodeURIComponent(encodedStationId);
  } catch (e) {
    return reject(400, 'Bad Request');
  }

  request.uri = '/';
  // Query string values stay URL-encoded in the event, as the viewer sent them.
  request.querystring.stationId = { value: encodeURIComponent(stationId) };

  var headers = request.headers;
  if (headers.authorization) {
    headers['x-ocpp-authorization'] = { value: headers.authorization.value };
  } else {
    // Only credentials the viewer sent as Authorization count.
    delete headers['x-ocpp-authorization'];
  }
  return request;
}

function reject(statusCode, statusDescription) {
  return { statusCode: statusCode, statusDescription: statusDescription };
}
