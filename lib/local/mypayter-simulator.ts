/**
 * Local stand-in for MyPayter's Data API (docs/payter.md "MyPayter Data API"), beside
 * the CPS simulator: `POST /API/Auth` hands out CURO tokens for the configured credentials,
 * `POST /API/Data` pages through the `Transactions` index (as `data-api-assumed.ts` guesses it).
 * Its transactions are the CPS simulator's sessions as Payter's back office sees them
 * (amounts, currency, ifd, masked PAN, re-ingested on every change), plus whatever a test
 * adds, amends or hides to make a difference.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { DATA_API_ASSUMED, curoAuthorizationHeader, type MyPayterTransaction } from '../../lambdas/mypayter/data-api-assumed';
import type { MyPayterCredentials } from '../../lambdas/mypayter/data-api-client';
import type { PayterSimulator, SimulatedSession } from './payter-simulator';

export interface MyPayterSimulatorOptions {
  /** Where the transactions come from. */
  readonly cps: Pick<PayterSimulator, 'allSessions'>;
  readonly credentials: MyPayterCredentials;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** How long a token is accepted. @default DATA_API_ASSUMED.tokenLifetimeMs */
  readonly tokenLifetimeMs?: number;
}

export interface MyPayterRequest {
  readonly path: string;
  readonly body: unknown;
  readonly status: number;
  /** Transactions answered (data calls). */
  readonly results?: number;
}

export interface MyPayterSimulator {
  /** http://host:port, the `baseUrl` of a `MyPayterClient`. */
  readonly url: string;
  close(): Promise<void>;
  /** Every transaction as MyPayter lists it now, in ingest order. */
  transactions(): MyPayterTransaction[];
  /** A transaction none of our sessions made (another integration, a manual sale...). */
  addTransaction(
    transaction: Partial<MyPayterTransaction> &
      Pick<MyPayterTransaction, 'serialNumber' | 'transactionTime' | 'authorizedAmount' | 'currency' | 'ifd' | 'disposition' | 'state'>,
  ): MyPayterTransaction;
  /** Payter's back office now says something else about this CPS session (re-ingested). */
  amend(payterSessionId: string, fields: Partial<Omit<MyPayterTransaction, 'transactionId' | 'ingestTime'>>): void;
  /** MyPayter does not list this CPS session. */
  hide(payterSessionId: string): void;
  /** Every token handed out so far stops working (as an expiry would). */
  expireTokens(): void;
  requests(): MyPayterRequest[];
}

const dataRequestSchema = z.object({
  index: z.literal(DATA_API_ASSUMED.index),
  size: z.number().int().min(1).max(10_000),
  searchAfter: z.tuple([z.string(), z.string()]).optional(),
});

export async function startMyPayterSimulator(options: MyPayterSimulatorOptions): Promise<MyPayterSimulator> {
  const tokenLifetimeMs = options.tokenLifetimeMs ?? DATA_API_ASSUMED.tokenLifetimeMs;
  const tokens = new Map<string, number>();
  const added: MyPayterTransaction[] = [];
  const amended = new Map<string, { fields: Partial<MyPayterTransaction>; at: string }>();
  const hidden = new Set<string>();
  const recorded: MyPayterRequest[] = [];

  function fromSession(session: SimulatedSession): MyPayterTransaction {
    const amendment = amended.get(session.sessionId);
    const ingestTime = amendment && amendment.at > session.changedAt ? amendment.at : session.changedAt;
    return {
      transactionId: `tx-${session.sessionId}`,
      serialNumber: session.serialNumber,
      sessionId: session.sessionId,
      transactionTime: session.authorizedAt,
      ingestTime,
      authorizedAmount: session.authorizedAmount,
      committedAmount: session.committedAmount,
      currency: session.currency,
      ifd: session.ifd,
      disposition: 'APPROVED',
      state: session.state,
      maskedPan: session.maskedPan,
      ...amendment?.fields,
    };
  }

  function transactions(): MyPayterTransaction[] {
    const derived = options.cps.allSessions().filter((s) => !hidden.has(s.sessionId)).map(fromSession);
    return [...derived, ...added].sort((a, b) => compare([a.ingestTime, a.transactionId], [b.ingestTime, b.transactionId]));
  }

  function handle(path: string, authorization: string | undefined, body: unknown): { status: number; body: unknown; results?: number } {
    if (path === DATA_API_ASSUMED.authPath) {
      const { username, password, domain } = (body ?? {}) as Partial<MyPayterCredentials>;
      const { credentials } = options;
      if (username !== credentials.username || password !== credentials.password || domain !== credentials.domain) {
        return { status: 401, body: { error: 'UNAUTHORIZED', message: 'wrong username, password or domain' } };
      }
      const token = randomUUID();
      tokens.set(token, Date.now() + tokenLifetimeMs);
      return { status: 200, body: { token } };
    }
    if (path === DATA_API_ASSUMED.dataPath) {
      const token = /^CURO-TOKEN token="([^"]+)"$/.exec(authorization ?? '')?.[1];
      const expiresAt = token === undefined ? undefined : tokens.get(token);
      if (token === undefined || expiresAt === undefined || expiresAt <= Date.now() || authorization !== curoAuthorizationHeader(token)) {
        return { status: 401, body: { error: 'UNAUTHORIZED', message: 'missing, unknown or expired CURO token' } };
      }
      const request = dataRequestSchema.safeParse(body);
      if (!request.success) return { status: 400, body: { error: 'INVALID_QUERY', message: request.error.message } };
      const after = request.data.searchAfter;
      const results = transactions()
        .filter((t) => after === undefined || compare([t.ingestTime, t.transactionId], after) > 0)
        .slice(0, request.data.size);
      return { status: 200, body: { results }, results: results.length };
    }
    return { status: 404, body: { error: 'NOT_FOUND', message: `no route ${path}` } };
  }

  const server = createServer((req, res) => {
    void (async () => {
      const text = await readBody(req);
      let body: unknown;
      try {
        body = text === '' ? undefined : (JSON.parse(text) as unknown);
      } catch {
        body = text;
      }
      const path = new URL(req.url ?? '/', 'http://simulator').pathname;
      const answer = req.method === 'POST' ? handle(path, req.headers.authorization, body) : { status: 405, body: { error: 'METHOD_NOT_ALLOWED' } };
      // Passwords are not kept in the record.
      recorded.push({ path, body: path === DATA_API_ASSUMED.authPath ? { username: (body as { username?: unknown })?.username } : body, status: answer.status, ...('results' in answer && { results: answer.results }) });
      respond(res, answer.status, answer.body);
    })().catch((error: unknown) => respond(res, 500, { error: 'INTERNAL', message: String(error) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;

  return {
    url: `http://${address.address}:${address.port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    transactions,
    addTransaction(transaction) {
      const stored: MyPayterTransaction = {
        transactionId: `tx-${randomUUID()}`,
        sessionId: undefined,
        committedAmount: undefined,
        maskedPan: undefined,
        ...transaction,
        ingestTime: new Date().toISOString(),
      };
      added.push(stored);
      return stored;
    },
    amend(payterSessionId, fields) {
      amended.set(payterSessionId, { fields: { ...amended.get(payterSessionId)?.fields, ...fields }, at: new Date().toISOString() });
    },
    hide(payterSessionId) {
      hidden.add(payterSessionId);
    },
    expireTokens() {
      tokens.clear();
    },
    requests: () => [...recorded],
  };
}

function compare(a: readonly [string, string], b: readonly [string, string]): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
  return 0;
}

function respond(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
