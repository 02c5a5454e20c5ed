/**
 * A small control API for the Payter simulator on the local HTTP endpoint, so a person (or a
 * script) running `npm run serve` can add virtual readers, tap cards and press buttons:
 *   POST /simulator/payter/readers/{serial}           {online?, currency?}   add a reader
 *   POST /simulator/payter/readers/{serial}/tap       {cardId, maskedPan?}   hold a card to it
 *   POST /simulator/payter/readers/{serial}/online    {online}               take it off/on line
 *   POST /simulator/payter/readers/{serial}/buttons   {screenId, response}   press a button
 *   GET  /simulator/payter/readers/{serial}           its state and screens
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RawHttpRoute } from './http-gateway';
import type { PayterSimulator } from './payter-simulator';

const BASE = '/simulator/payter/readers/{serial}';

export function payterSimulatorRoutes(simulator: PayterSimulator): RawHttpRoute[] {
  const route = (
    method: 'GET' | 'POST',
    path: string,
    act: (serial: string, body: Record<string, unknown>) => Promise<unknown> | unknown,
  ): RawHttpRoute => ({
    method,
    path,
    raw: async (req, res, params) => {
      try {
        const body = method === 'POST' ? await readJson(req) : {};
        answer(res, 200, (await act(params.serial ?? '', body)) ?? { ok: true });
      } catch (error) {
        answer(res, 400, { error: (error as Error).message });
      }
    },
  });
  return [
    route('POST', BASE, (serial, body) => {
      simulator.addReader(serial, {
        ...(typeof body.online === 'boolean' && { online: body.online }),
        ...(typeof body.currency === 'string' && { currency: body.currency }),
      });
      return simulator.reader(serial);
    }),
    route('GET', BASE, (serial) => ({
      ...simulator.reader(serial),
      currentScreen: simulator.currentScreen(serial) ?? null,
      screens: simulator.screens(serial),
      sessions: simulator.sessions(serial),
    })),
    route('POST', `${BASE}/tap`, async (serial, body) => ({
      callbackStatus: await simulator.tap(serial, {
        cardId: String(body.cardId ?? 'card-0001'),
        ...(typeof body.maskedPan === 'string' && { maskedPan: body.maskedPan }),
      }),
    })),
    route('POST', `${BASE}/online`, async (serial, body) => ({ hookStatus: await simulator.setOnline(serial, body.online === true) })),
    route('POST', `${BASE}/buttons`, async (serial, body) => ({
      callbackStatus: await simulator.pressButton(serial, String(body.screenId), String(body.response)),
    })),
  ];
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
