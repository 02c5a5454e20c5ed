/**
 * What the local HTTP stand-ins share: reading a request body and listening (the API Gateway
 * HTTP and WebSocket APIs and Step Functions), and the ids and timestamps API Gateway puts in
 * its events.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The whole request body, or 'too-large' once it passes `limit` (still drained, so the client reads the answer). */
export async function readRequestBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) tooLarge = true;
    else chunks.push(buffer);
  }
  return tooLarge ? 'too-large' : Buffer.concat(chunks);
}

/** Ids shaped like API Gateway's (`Vh1dHdVbvHcCECQ=`): 15 alphanumerics and a pad. */
export function awsStyleId(): string {
  return `${randomBytes(24).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 15)}=`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `13/Dec/2020:10:17:47 +0000`, the `requestTime` format of API Gateway. */
export function apiGatewayRequestTime(epochMs: number): string {
  const d = new Date(epochMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`
  );
}

/** Listens like API Gateway's endpoint would be reachable: on `host`, reporting a usable address. */
export async function listenOn(server: Server, port: number, host: string): Promise<{ port: number; publicHost: string }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    publicHost: host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host,
  };
}
