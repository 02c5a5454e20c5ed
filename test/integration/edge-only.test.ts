/**
 * A stack that admits chargers through CloudFront only (disableExecuteApiEndpoint): the
 * `$connect` authorizer asks for the secret the distribution adds to every origin request,
 * so a charger that connects to the API past CloudFront (and its geo restriction) is refused
 * even with the right password. Locally the runtime plays the distribution's part by option.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSystem, type TestSystem } from '../support/local-system';

const PASSWORD = 'edge-only-password-1';
const EDGE_SECRET = 'the-distribution-s-origin-secret';
let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem({ ocppEdgeSecret: EDGE_SECRET });
  await system.provisionStation('CP-EDGE', PASSWORD);
});

afterAll(async () => {
  await system?.close();
});

/** Opens a socket with Basic auth and the given headers; resolves with the socket or the refusing HTTP status. */
function open(headers: Record<string, string>) {
  const authorization = `Basic ${Buffer.from(`CP-EDGE:${PASSWORD}`).toString('base64')}`;
  return new Promise<{ ws?: WebSocket; status?: number }>((resolve, reject) => {
    const ws = new WebSocket(`${system.runtime.ocppUrl}/CP-EDGE`, ['ocpp1.6'], { headers: { authorization, ...headers } });
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode }));
    ws.once('error', reject);
  });
}

describe('a stack that admits chargers through CloudFront only', () => {
  it.each([
    ['without the edge secret', {}],
    ['with a wrong one', { 'x-ocpp-edge': 'guessed' }],
  ])('refuses a charger with the right password %s: 401, no connection', async (_case, headers) => {
    expect(await open(headers)).toEqual({ status: 401 });
    expect((await system.api('GET', '/installer/stations/CP-EDGE')).body.online).toBe(false);
  });

  it('admits it through the distribution, which adds the secret', async () => {
    const { ws, status } = await open({ 'x-ocpp-edge': EDGE_SECRET });
    expect(status).toBeUndefined();
    try {
      ws!.send(JSON.stringify([2, 'boot-1', 'BootNotification', { chargePointVendor: 'ABB', chargePointModel: 'Terra' }]));
      const [type, id, payload] = await new Promise<unknown[]>((resolve) => ws!.once('message', (data) => resolve(JSON.parse(String(data)))));
      expect([type, id, (payload as { status: string }).status]).toEqual([3, 'boot-1', 'Accepted']);
      expect((await system.api('GET', '/installer/stations/CP-EDGE')).body.online).toBe(true);
    } finally {
      ws!.close();
    }
  });
});
