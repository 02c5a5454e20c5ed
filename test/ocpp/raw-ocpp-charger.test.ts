/**
 * The second OCPP implementation's own check: a CSMS that answers outside the official
 * schemas is caught (so the charger-side suite run with it can fail), and one that answers
 * by them is not.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RawOcppCharger } from '../support/raw-ocpp-charger';

let server: WebSocketServer;
let url: string;
/** What the fake CSMS answers to BootNotification. */
let bootAnswer: Record<string, unknown> = {};

beforeAll(async () => {
  server = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: () => 'ocpp1.6' });
  await new Promise((resolve) => server.once('listening', resolve));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ocpp`;
  server.on('connection', (ws) => {
    ws.on('message', (data) => {
      const [type, id] = JSON.parse(String(data));
      if (type !== 2) return;
      ws.send(JSON.stringify([3, id, bootAnswer]));
      // And a CSMS call outside the schema: Reset of a type 1.6 does not know.
      ws.send(JSON.stringify([2, 'csms-1', 'Reset', { type: 'Gentle' }]));
    });
  });
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

it.each([
  ['OCPP 1.5 field names', { status: 'Accepted', currentTime: '2026-12-01T10:00:00Z', heartbeatInterval: 300 }, 2],
  ['a valid answer (the Reset is still caught)', { status: 'Accepted', currentTime: '2026-12-01T10:00:00Z', interval: 300 }, 1],
])('catches what the official schemas refuse: %s', async (_case, answer, violations) => {
  bootAnswer = answer;
  const charger = await new RawOcppCharger(url, 'CP-SELF', 'pw').connect();
  try {
    expect(await charger.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' })).toEqual(answer);
    await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    await charger.close();
  }
  expect(charger.violations).toHaveLength(violations);
  expect(charger.violations.at(-1)).toMatch(/^Reset\.req/);
});
