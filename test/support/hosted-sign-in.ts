/**
 * A stand-in for Cognito's hosted sign-in (the OAuth 2.0 authorize, token and logout endpoints)
 * for the console's browser tests: it signs in one preset person with no form, and checks
 * what Cognito checks of a public client: the client id, the redirect URI registered for it,
 * and the PKCE verifier against the S256 challenge (RFC 7636), each code usable once.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HostedSignInOptions {
  readonly clientId: string;
  /** The access token issued to whoever signs in. */
  readonly accessToken: string;
}

interface Grant {
  readonly challenge: string;
  readonly redirectUri: string;
}

export class HostedSignIn {
  /** What the token endpoint answered, in order: 200 or the OAuth error it gave. */
  readonly exchanges: string[] = [];
  private readonly grants = new Map<string, Grant>();
  private server?: Server;
  url = '';
  /** The console's page, where people come back (the client's only callback and logout URL); known once the console is up. */
  redirectUri = '';

  constructor(private readonly options: HostedSignInOptions) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const origin = new URL(this.redirectUri).origin;
    if (req.method === 'GET' && url.pathname === '/oauth2/authorize') {
      const q = url.searchParams;
      if (q.get('client_id') !== this.options.clientId || q.get('redirect_uri') !== this.redirectUri) {
        return this.send(res, 400, 'text/plain', 'unknown client or redirect_uri');
      }
      if (q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) {
        return this.send(res, 400, 'text/plain', 'a public client must use the code flow with an S256 challenge');
      }
      const code = randomUUID();
      this.grants.set(code, { challenge: q.get('code_challenge')!, redirectUri: q.get('redirect_uri')! });
      const back = new URL(this.redirectUri);
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state') ?? '');
      res.writeHead(302, { location: back.toString() }).end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/oauth2/token') {
      let body = '';
      for await (const chunk of req) body += chunk;
      const form = new URLSearchParams(body);
      const grant = this.grants.get(form.get('code') ?? '');
      this.grants.delete(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const error =
        form.get('grant_type') !== 'authorization_code' || form.get('client_id') !== this.options.clientId
          ? 'invalid_client'
          : !grant || grant.redirectUri !== form.get('redirect_uri') || grant.challenge !== challenge
            ? 'invalid_grant'
            : undefined;
      this.exchanges.push(error ?? '200');
      const headers = { 'access-control-allow-origin': origin };
      if (error) return this.send(res, 400, 'application/json', JSON.stringify({ error }), headers);
      return this.send(res, 200, 'application/json', JSON.stringify({ access_token: this.options.accessToken, token_type: 'Bearer', expires_in: 3600 }), headers);
    }
    if (req.method === 'GET' && url.pathname === '/logout' && url.searchParams.get('logout_uri') === this.redirectUri) {
      res.writeHead(302, { location: this.redirectUri }).end();
      return;
    }
    this.send(res, 404, 'text/plain', 'not found');
  }

  private send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': type, ...headers }).end(body);
  }
}
