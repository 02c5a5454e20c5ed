/**
 * How the console signs people in, read from `/console/config.json` (written beside the page:
 * by the local runtime, or by the deployment on AWS). Locally a role's bearer token is typed in;
 * on AWS the Cognito hosted sign-in is used, with the authorization code and PKCE (RFC 7636):
 * the console is a public client with no secret, so the code is bound to a verifier that never
 * leaves this tab.
 */
import type { SignInConfig } from './config';

export type { SignInConfig };

export async function loadSignInConfig(): Promise<SignInConfig> {
  const response = await fetch('/console/config.json', { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`The console's configuration did not load (${response.status})`);
  const config = (await response.json()) as SignInConfig;
  if (config.signIn === 'cognito' && (!secureOrigin(config.domain) || !config.clientId)) {
    throw new Error("The console's sign-in configuration is incomplete");
  }
  return config;
}

/** Tokens travel over HTTPS only (loopback aside, where the local stand-in runs). */
function secureOrigin(url: string): boolean {
  try {
    const { protocol, hostname } = new URL(url);
    return protocol === 'https:' || (protocol === 'http:' && (hostname === '127.0.0.1' || hostname === 'localhost'));
  } catch {
    return false;
  }
}

/** Where the hosted sign-in sends people back: the console's page, no fragment, no query. */
export function redirectUri(): string {
  return `${location.origin}/`;
}

function base64url(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A fresh code verifier: 32 random bytes, 43 characters of base64url (RFC 7636 section 4.1). */
export function newVerifier(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** The S256 code challenge of a verifier (RFC 7636 section 4.2). */
export async function challengeOf(verifier: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
}

const PENDING_KEY = 'console.signIn';

interface Pending {
  readonly state: string;
  readonly verifier: string;
}

/** Sends the browser to the hosted sign-in; the verifier and state wait in this tab's sessionStorage. */
export async function startHostedSignIn(config: Extract<SignInConfig, { signIn: 'cognito' }>): Promise<void> {
  const pending: Pending = { state: newVerifier(), verifier: newVerifier() };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: redirectUri(),
    scope: 'openid email profile',
    state: pending.state,
    code_challenge: await challengeOf(pending.verifier),
    code_challenge_method: 'S256',
  });
  location.assign(`${config.domain}/oauth2/authorize?${query}`);
}

/**
 * Back from the hosted sign-in (`?code=…&state=…`): the code exchanged for tokens at the token
 * endpoint with the verifier, and the query taken off the address bar so no code stays in the
 * history. Answers the access token (the one the APIs' JWT authorizer takes: its `client_id` is
 * the console's and it carries `cognito:groups`), or undefined when this is no sign-in return.
 */
export async function completeHostedSignIn(config: Extract<SignInConfig, { signIn: 'cognito' }>): Promise<string | undefined> {
  const query = new URLSearchParams(location.search);
  const code = query.get('code');
  const state = query.get('state');
  const failure = query.get('error');
  if (!code && !failure) return undefined;
  history.replaceState(null, '', `${location.pathname}${location.hash}`);
  const stored = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  if (failure) throw new Error(`Sign-in failed: ${query.get('error_description') ?? failure}`);
  const pending = stored ? (JSON.parse(stored) as Pending) : undefined;
  // A code this tab did not ask for (another tab's, or a forged link) is never exchanged.
  if (!pending || pending.state !== state) throw new Error('Sign-in was not started from this tab: sign in again.');
  const response = await fetch(`${config.domain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: config.clientId,
      code: code!,
      redirect_uri: redirectUri(),
      code_verifier: pending.verifier,
    }),
  });
  if (!response.ok) throw new Error(`Sign-in failed: the token endpoint answered ${response.status}`);
  const tokens = (await response.json()) as { access_token?: string };
  if (!tokens.access_token) throw new Error('Sign-in failed: no access token came back');
  return tokens.access_token;
}

/** The hosted sign-out, which comes back to the console's page. */
export function hostedSignOutUrl(config: Extract<SignInConfig, { signIn: 'cognito' }>): string {
  return `${config.domain}/logout?${new URLSearchParams({ client_id: config.clientId, logout_uri: redirectUri() })}`;
}
