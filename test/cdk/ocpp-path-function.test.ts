import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { OCPP_PATH_FUNCTION_FILE } from '../../lib/constructs/ocpp-gateway';

// The exact text CloudFront runs, evaluated as a plain script (no module system), as there.
type Header = { value: string };
type Request = {
  method: string;
  uri: string;
  querystring: Record<string, { value: string; multiValue?: { value: string }[] }>;
  headers: Record<string, Header>;
  cookies: Record<string, unknown>;
};
type Response = { statusCode: number; statusDescription?: string };
const handler = runInNewContext(`${readFileSync(OCPP_PATH_FUNCTION_FILE, 'utf8')}\n;handler`, {}) as (event: {
  request: Request;
}) => Request | Response;

function viewerRequest(uri: string, overrides: Partial<Request> = {}): { version: string; request: Request } {
  return {
    version: '1.0',
    request: {
      method: 'GET',
      uri,
      querystring: {},
      headers: {
        host: { value: 'd111111abcdef8.cloudfront.net' },
        'sec-websocket-protocol': { value: 'ocpp1.6' },
        authorization: { value: 'Basic Q1AtMTpzZWNyZXQ=' },
      },
      cookies: {},
      ...overrides,
    },
  };
}

function forwarded(result: Request | Response): Request {
  expect(result).not.toHaveProperty('statusCode');
  return result as Request;
}

describe('the OCPP path function (CloudFront viewer request)', () => {
  it('turns /ocpp/{stationId} into the API root with the station id as query parameter', () => {
    const request = forwarded(handler(viewerRequest('/ocpp/CP-1')));
    expect(request.uri).toBe('/');
    expect(request.querystring.stationId).toEqual({ value: 'CP-1' });
  });

  it("copies the charger's Basic credentials into X-Ocpp-Authorization, which CloudFront may forward", () => {
    const request = forwarded(handler(viewerRequest('/ocpp/CP-1')));
    expect(request.headers['x-ocpp-authorization']).toEqual({ value: 'Basic Q1AtMTpzZWNyZXQ=' });
    expect(request.headers['sec-websocket-protocol']).toEqual({ value: 'ocpp1.6' });
  });

  it('drops an X-Ocpp-Authorization the viewer sent without Authorization', () => {
    const event = viewerRequest('/ocpp/CP-1');
    event.request.headers = { 'x-ocpp-authorization': { value: 'Basic Zm9yZ2Vk' } };
    const request = forwarded(handler(event));
    expect(request.headers).not.toHaveProperty('x-ocpp-authorization');
  });

  it.each([
    ['/ocpp/CP%201', 'CP%201'],
    ['/ocpp/Stra%C3%9Fe-7', 'Stra%C3%9Fe-7'],
    // Encoded in the path where it need not be: passed on in canonical form.
    ['/ocpp/CP%2D9', 'CP-9'],
    ['/ocpp/a%2Fb', 'a%2Fb'],
  ])('decodes and re-encodes the station id of %s', (uri, expected) => {
    const request = forwarded(handler(viewerRequest(uri)));
    expect(request.querystring.stationId).toEqual({ value: expected });
  });

  it('takes the last path segment as the station id', () => {
    const request = forwarded(handler(viewerRequest('/ocpp/site-4/CP-2')));
    expect(request.querystring.stationId).toEqual({ value: 'CP-2' });
  });

  it('keeps the other query parameters and lets the path win over a stationId parameter', () => {
    const request = forwarded(
      handler(
        viewerRequest('/ocpp/CP-1', {
          querystring: { stationId: { value: 'CP-666' }, firmware: { value: '1.2%2B3' } },
        }),
      ),
    );
    expect(request.querystring).toEqual({ stationId: { value: 'CP-1' }, firmware: { value: '1.2%2B3' } });
  });

  it.each(['/ocpp/', '/ocpp', '/', '/other/CP-1', '/ocpp/CP-1/'])('answers %s with 404', (uri) => {
    expect(handler(viewerRequest(uri))).toEqual({ statusCode: 404, statusDescription: 'Not Found' });
  });

  it('answers a malformed percent-encoding with 400', () => {
    expect(handler(viewerRequest('/ocpp/CP%E0%A4%A'))).toEqual({ statusCode: 400, statusDescription: 'Bad Request' });
  });
});
