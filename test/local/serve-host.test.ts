/**
 * `npm run serve` as a LAN installation runs it: with `HOST=0.0.0.0` its endpoints answer on
 * every address of the machine, not only 127.0.0.1. 127.0.0.2 stands for the LAN address:
 * it reaches this machine but not a server bound to 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { afterAll, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let serve: ChildProcess | undefined;

afterAll(() => {
  serve?.kill('SIGTERM');
});

/** Starts `tsx bin/local.ts` (what `npm run serve` runs) and reads the ports it prints. */
function startServe(env: Record<string, string>): Promise<{ ocppPort: number; httpPort: number }> {
  serve = spawn(process.execPath, ['--import', 'tsx', 'bin/local.ts'], {
    cwd: ROOT,
    env: { ...process.env, OCPP_WS_PORT: '0', HTTP_PORT: '0', LOG_LEVEL: 'CRITICAL', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm run serve did not start:\n${out}`)), 60_000);
    serve!.stderr!.on('data', (chunk) => (out += String(chunk)));
    serve!.stdout!.on('data', (chunk) => {
      out += String(chunk);
      const ocpp = /OCPP endpoint: ws:\/\/[^:]+:(\d+)/.exec(out);
      const http = /HTTP endpoint: http:\/\/[^:]+:(\d+)/.exec(out);
      if (ocpp && http) {
        clearTimeout(timer);
        resolve({ ocppPort: Number(ocpp[1]), httpPort: Number(http[1]) });
      }
    });
    serve!.once('exit', (code) => reject(new Error(`npm run serve exited with ${code}:\n${out}`)));
  });
}

it('listens on every address with HOST=0.0.0.0: the HTTP API and the OCPP endpoint answer on a LAN address', async () => {
  const { ocppPort, httpPort } = await startServe({ HOST: '0.0.0.0' });
  const stations = await fetch(`http://127.0.0.2:${httpPort}/installer/stations/CP-NONE`, {
    headers: { authorization: 'Bearer local-installer-token' },
  });
  expect(stations.status).toBe(404);
  // The charger's handshake reaches the authorizer (an unknown station: 401), so the WebSocket endpoint listens too.
  const status = await new Promise<number | undefined>((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.2:${ocppPort}/ocpp/CP-NONE`, ['ocpp1.6']);
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode));
    ws.once('open', () => resolve(101));
    ws.once('error', reject);
  });
  expect(status).toBe(401);
}, 90_000);
