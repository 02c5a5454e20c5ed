/**
 * Seeded HTTP requests across every route of the HTTP API (installer, ops, Payter callbacks,
 * receipt page, the local reconciliation run): wrong methods, bad and non-object JSON,
 * mutated valid bodies, malformed %-escapes and overlong ids in paths, bad query strings and
 * wrong or missing credentials.
 */
import { CallbackUrls } from '../../lambdas/readers/callback-urls';
import { csmsToChargerExamples } from '../ocpp/v16-examples';
import { demoSite } from '../support/local-system';
import type { Random } from './support';

export interface FuzzRequest {
  readonly method: string;
  /** Sent as is (not normalized). */
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** The route it aims at, for reports and for the statuses the route documents. */
  readonly route: string;
  /** A Payter callback with a capability that is ours: a delivery, which may store its answer. */
  readonly delivery?: boolean;
}

/** The records the requests aim at, so that some reach the domain. */
export interface FuzzWorld {
  readonly token: string;
  readonly siteId: string;
  readonly stationId: string;
  readonly onlineStationId: string;
  readonly serial: string;
  readonly sessionId: string;
  /** A session whose workflow execution was never started. */
  readonly sessionWithoutExecution: string;
  readonly transactionId: number;
  readonly urls: CallbackUrls;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface RouteSpec {
  readonly method: string;
  readonly template: string;
  readonly auth: boolean;
  readonly body?: (w: FuzzWorld, r: Random) => Json;
  readonly query?: (w: FuzzWorld, r: Random) => string;
  /** Payter callbacks: the token in the path, ours for the body or not. */
  readonly callback?: 'card' | 'ui' | 'state';
  /** How often, relative to the others. @default 1 */
  readonly weight?: number;
}

const period = (r: Random): string => {
  const instant = () =>
    r.pick([
      '2026-12-01T00:00:00Z',
      '2026-11-30T08:00:00+05:00',
      new Date(Date.now() - r.int(0, 40) * 86_400_000).toISOString(),
      '2026-12-01',
      '2026-02-30',
      '2026-12-01T25:00:00Z',
      '2026-12-01T08:00:00',
      '9999-12-31',
      '0000-01-01',
      '+275760-09-13T00:00:00Z',
      'yesterday',
      '',
      '%zz',
      '1764547200',
      'x'.repeat(3000),
    ]);
  const parts = [];
  if (r.chance(0.8)) parts.push(`from=${encode(r, instant())}`);
  if (r.chance(0.8)) parts.push(`to=${encode(r, instant())}`);
  return parts.join('&');
};

const sessionQuery = (w: FuzzWorld, r: Random): string => {
  const parts = [period(r)];
  if (r.chance(0.3)) parts.push(`siteId=${encode(r, pickId(r, w.siteId))}`);
  if (r.chance(0.3)) parts.push(`stationId=${encode(r, pickId(r, w.stationId))}`);
  if (r.chance(0.3)) parts.push(`status=${r.pick(['charging', 'completed', 'nope', '', 'CHARGING'])}`);
  if (r.chance(0.3)) parts.push(`limit=${r.pick(['1', '1000', '0', '-1', '1001', '1.5', 'abc', '1e3', ''])}`);
  if (r.chance(0.1)) parts.push(r.pick(['unknown=1', 'from=a&from=b', '%zz=1', 'limit', '&&&', '=']));
  return parts.filter(Boolean).join('&');
};

const ROUTES: readonly RouteSpec[] = [
  { method: 'PUT', template: '/installer/sites/{siteId}', auth: true, body: (w) => demoSite(w.siteId) as unknown as Json },
  { method: 'GET', template: '/installer/sites/{siteId}', auth: true },
  { method: 'PUT', template: '/installer/stations/{stationId}', auth: true, body: (w) => ({ siteId: w.siteId, connectors: [1, 2], password: 'fuzz-password-123456' }) },
  { method: 'GET', template: '/installer/stations/{stationId}', auth: true },
  { method: 'PUT', template: '/installer/readers/{serialNumber}', auth: true, body: (w) => ({ stationId: w.stationId, connectorIds: [1] }) },
  { method: 'GET', template: '/installer/readers/{serialNumber}', auth: true },
  { method: 'DELETE', template: '/installer/readers/{serialNumber}', auth: true },
  { method: 'GET', template: '/ops/sessions', auth: true, query: sessionQuery },
  { method: 'GET', template: '/ops/sessions/{sessionId}', auth: true },
  { method: 'GET', template: '/ops/sessions/{sessionId}/execution', auth: true },
  { method: 'POST', template: '/ops/sessions/{sessionId}/refunds', auth: true, body: (_w, r) => ({ amount: r.pick([1, 5, 764, 765, 0, -1, 1.5]), reason: 'fuzz' }) },
  { method: 'POST', template: '/ops/sessions/{sessionId}/stop', auth: true },
  { method: 'GET', template: '/ops/reconciliation', auth: true, query: (_w, r) => period(r) },
  { method: 'GET', template: '/ops/reconciliation/mypayter', auth: true, query: (_w, r) => period(r) },
  {
    method: 'POST',
    template: '/ops/stations/{stationId}/calls',
    auth: true,
    body: (_w, r) => {
      const action = r.pick(Object.keys(csmsToChargerExamples) as (keyof typeof csmsToChargerExamples)[]);
      return { action: r.chance(0.1) ? r.pick(['Teleport', '', 'constructor', 'BootNotification']) : action, payload: r.pick(csmsToChargerExamples[action].request).payload as Json };
    },
  },
  { method: 'GET', template: '/ops/stations/{stationId}/connectors/{connectorId}/history', auth: true },
  { method: 'GET', template: '/ops/transactions/{transactionId}', auth: true },
  // The whole reconciliation job: a few runs are enough.
  { method: 'POST', template: '/local/reconciliation/run', auth: true, weight: 0.05 },
  {
    method: 'POST',
    template: '/payter/{token}/card/{readingId}',
    auth: false,
    callback: 'card',
    body: (w) => ({ serialNumber: w.serial, ifd: 'CONTACTLESS', aid: 'A0000000041010', cardId: 'CARD-FUZZ', maskedPan: '4111********1111' }),
  },
  { method: 'POST', template: '/payter/{token}/ui/{contextId}', auth: false, callback: 'ui', body: (w) => ({ serialNumber: w.serial, screenId: 'receipt', response: 'ok' }) },
  { method: 'POST', template: '/payter/{token}/state', auth: false, callback: 'state', body: (w) => ({ serialNumber: w.serial, online: true, state: 'IDLE' }) },
  { method: 'GET', template: '/receipts/{sessionId}', auth: false },
];

const METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];

/** Ids: the real one, unknown ones, and what a fuzzer sends. */
function pickId(r: Random, real: string): string {
  return r.pick([
    real,
    real,
    real,
    `${real}-unknown`,
    r.string(r.int(1, 30)),
    'x'.repeat(r.pick([37, 49, 65, 300, 2048, 3000])),
    'λ-世界',
    'a/b',
    '..',
    '.',
    ' ',
    'null',
    '__proto__',
    'constructor',
  ]);
}

/** Text for a URL: usually %-encoded, sometimes raw or with broken escapes. */
function encode(r: Random, text: string): string {
  if (r.chance(0.1)) return r.pick(['%zz', '%', '%E0%A4%A', '%2', `${encodeURIComponent(text)}%`, '%00', '%2F', '%252F', '%C0%AF']);
  // Raw: what a URL may carry unencoded stays so ('/', '?', '#' and all).
  return r.chance(0.9) ? encodeURIComponent(text) : encodeURI(text);
}

export class RequestFuzzer {
  constructor(
    private readonly random: Random,
    private readonly world: FuzzWorld,
  ) {}

  next(): FuzzRequest {
    const r = this.random;
    const w = this.world;
    const spec = pickWeighted(r, ROUTES);
    const method = r.chance(0.85) ? spec.method : r.pick(METHODS);
    const values: Record<string, string> = {
      siteId: w.siteId,
      stationId: r.chance(0.5) ? w.onlineStationId : w.stationId,
      serialNumber: w.serial,
      sessionId: r.chance(0.3) ? w.sessionWithoutExecution : w.sessionId,
      connectorId: r.pick(['1', '2', '0', '-1', '1.5', 'x', '99999999999999999999']),
      transactionId: r.pick([String(w.transactionId), '0', '-1', 'abc', '1e3', '99999999999999999999', '9007199254740993']),
      readingId: r.pick([uuid(r), 'r-1']),
      contextId: r.pick([w.sessionId, uuid(r)]),
    };
    let body = spec.body?.(w, r);
    // The token: ours for this body, ours for something else, or forged.
    let delivery = false;
    let token = r.pick(['forged', 'x'.repeat(43), '', 'y'.repeat(3000)]);
    if (spec.callback && r.chance(0.6) && body && typeof body === 'object' && !Array.isArray(body)) {
      const serialNumber = String(body.serialNumber);
      token = tokenOf(w.urls, spec.callback, serialNumber, values.readingId!, values.contextId!);
      delivery = true;
    }
    const path = spec.template.replace(/\{(\w+)\}/g, (_m, name: string) => {
      if (name === 'token') return encode(r, token);
      const real = values[name] ?? '';
      return encode(r, r.chance(0.7) ? real : pickId(r, real));
    });
    const query = spec.query?.(w, r) ?? (r.chance(0.05) ? r.pick(['x=1', '%zz', 'a=%zz&b']) : '');

    let text: string | undefined;
    if (body !== undefined || r.chance(0.1)) {
      const shape = r.int(0, 9);
      if (body !== undefined && shape <= 4) mutate(r, body);
      text =
        shape === 5 ? truncated(r, JSON.stringify(body ?? {}))
        : shape === 6 ? JSON.stringify(r.pick<Json>([null, [], 'x', 7, true, [body ?? null]]))
        : shape === 7 ? r.pick(['', ' ', '{', '\u0000', 'x'.repeat(r.pick([100, 9000, 200_000]))])
        : JSON.stringify(body ?? {});
    }
    const headers: Record<string, string> = { 'content-type': r.chance(0.9) ? 'application/json' : r.pick(['text/plain', 'application/octet-stream', '']) };
    if (spec.auth) {
      const auth = r.chance(0.85) ? `Bearer ${w.token}` : r.pick(['', 'Bearer', `Bearer ${w.token}x`, `bearer ${w.token}`, `Basic ${w.token}`, 'Bearer wrong']);
      if (auth) headers.authorization = auth;
    }
    if (spec.template.endsWith('/refunds') && r.chance(0.5)) headers['idempotency-key'] = r.pick(['fuzz-key-0001', 'short', 'k'.repeat(200), `fuzz-${r.int(0, 5)}-key-x`]);
    if (text !== undefined && delivery && body && typeof body === 'object' && !Array.isArray(body)) {
      // A changed body no longer matches the token's serial, unless the serial stayed.
      delivery = tokenOf(w.urls, spec.callback!, String((parseOrUndefined(text) as Record<string, unknown> | undefined)?.serialNumber), values.readingId!, values.contextId!) === token;
    }
    return {
      method,
      path: `${path}${query ? `?${query}` : ''}`,
      headers,
      ...(text !== undefined && method !== 'GET' && method !== 'HEAD' && { body: text }),
      route: `${spec.method} ${spec.template}`,
      ...(delivery && { delivery }),
    };
  }
}

function pickWeighted(r: Random, routes: readonly RouteSpec[]): RouteSpec {
  const total = routes.reduce((sum, route) => sum + (route.weight ?? 1), 0);
  let at = r.next() * total;
  for (const route of routes) if ((at -= route.weight ?? 1) < 0) return route;
  return routes[routes.length - 1]!;
}

function tokenOf(urls: CallbackUrls, kind: 'card' | 'ui' | 'state', serialNumber: string, readingId: string, contextId: string): string {
  const url = kind === 'card' ? urls.card(serialNumber, readingId) : kind === 'ui' ? urls.ui(serialNumber, contextId) : urls.state();
  return new URL(url).pathname.split('/')[2]!;
}

function truncated(r: Random, text: string): string {
  return text.slice(0, r.int(0, text.length - 1));
}

function uuid(r: Random): string {
  const hex = (n: number) => r.string(n, '0123456789abcdef');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const EDGE_VALUES: Json[] = [0, -1, 1.5, 2 ** 53, 1e308, '', ' ', 'x'.repeat(3000), 'λ-世界', true, null, [], {}, '2026-12-01', 'USD', '0.35'];

/** One or two random changes: a field removed, replaced by an edge value, or added. */
function mutate(r: Random, body: Json): void {
  if (!body || typeof body !== 'object') return;
  for (let i = r.int(1, 2); i > 0; i--) {
    const objects: { [key: string]: Json }[] = [];
    const walk = (v: Json) => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') (objects.push(v), Object.values(v).forEach(walk));
    };
    walk(body);
    const target = r.pick(objects);
    const keys = Object.keys(target);
    const choice = r.int(0, 2);
    if (choice === 0 || keys.length === 0) target[r.pick(['extra', 'siteId', 'stationId', 'serialNumber', '__proto__', r.string(4)])] = structuredClone(r.pick(EDGE_VALUES));
    else if (choice === 1) delete target[r.pick(keys)];
    else target[r.pick(keys)] = structuredClone(r.pick(EDGE_VALUES));
  }
}
