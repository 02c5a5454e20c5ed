/**
 * OCPP security profiles 1 and 2: HTTP Basic auth with user = station id and the password set
 * at provisioning. Passwords are stored as salted scrypt hashes and compared in constant time.
 */
import { createHash, randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCallback) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number },
) => Promise<Buffer>;

const COST = { N: 16384, r: 8, p: 1 };
const KEY_LENGTH = 32;

export async function hashStationPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEY_LENGTH, COST);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyStationPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  // A key that decodes to no bytes (`=`) would match every password: scrypt derives zero bytes.
  return expected.length > 0 && timingSafeEqual(actual, expected);
}

/** Decodes `Basic base64(user:password)`; undefined for anything else. */
export function parseBasicAuth(header: string | undefined): { user: string; password: string } | undefined {
  // Stryker disable next-line StringLiteral: with no header, any non-Basic text standing in for '' parses to undefined too
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Decides a charger's handshake. The user must be the station id of the URL, the station must
 * be provisioned and the password must match; every refusal looks the same to the caller.
 */
export async function authenticateStation(
  stationId: string | undefined,
  authorization: string | undefined,
  loadPasswordHash: (stationId: string) => Promise<string | undefined>,
): Promise<boolean> {
  const credentials = parseBasicAuth(authorization);
  if (!stationId || !credentials || credentials.user !== stationId) return false;
  const stored = await loadPasswordHash(stationId);
  // Hash anyway for unknown stations so response time does not reveal which ids exist.
  const hash = stored ?? UNKNOWN_STATION_HASH;
  const ok = await verifyStationPassword(credentials.password, hash);
  return ok && stored !== undefined;
}

const UNKNOWN_STATION_HASH =
  'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

/**
 * Whether a handshake came through our CloudFront distribution: it carries the secret the
 * distribution adds to every origin request (and overwrites in a viewer's request). Compared
 * in constant time, as digests so that the length of the secret shows neither.
 */
export function cameThroughEdge(given: string | undefined, edgeSecret: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return given !== undefined && timingSafeEqual(digest(given), digest(edgeSecret));
}
