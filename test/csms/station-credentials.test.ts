/**
 * Who gets in at a charger's handshake: HTTP Basic auth as RFC 7617 reads it (the user ends at
 * the first colon, so a password may hold colons), the user must be the station of the URL,
 * and only the password provisioned for that station opens it.
 */
import { randomBytes, scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  authenticateStation,
  cameThroughEdge,
  hashStationPassword,
  parseBasicAuth,
  verifyStationPassword,
} from '../../lambdas/csms/station-credentials';

const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;

describe('parseBasicAuth', () => {
  it.each([
    ['user and password', basic('CP-1:secret'), { user: 'CP-1', password: 'secret' }],
    ['colons in the password', basic('CP-1:a:b::c:'), { user: 'CP-1', password: 'a:b::c:' }],
    ['an empty password', basic('CP-1:'), { user: 'CP-1', password: '' }],
    ['an empty user', basic(':secret'), { user: '', password: 'secret' }],
    ['Basic only as the whole scheme', `XBasic ${Buffer.from('CP-1:x').toString('base64')}`, undefined],
    ['nothing after the credentials', `Basic ${Buffer.from('CP-1:x').toString('base64')} extra`, undefined],
    ['the scheme in any case, spaces around', `basic   ${Buffer.from('CP-1:x').toString('base64')}  `, { user: 'CP-1', password: 'x' }],
    ['no colon at all', basic('CP-1'), undefined],
    ['another scheme', `Bearer ${Buffer.from('CP-1:x').toString('base64')}`, undefined],
    ['not base64', 'Basic ***', undefined],
    ['no header', undefined, undefined],
  ])('%s', (_case, header, expected) => {
    expect(parseBasicAuth(header)).toEqual(expected);
  });
});

describe('authenticateStation', () => {
  const PASSWORD = 'pass:with:colons-16';
  const stored = hashStationPassword(PASSWORD);
  const load = async (id: string) => (id === 'CP-1' ? await stored : undefined);

  it.each([
    ['the station with its password', 'CP-1', basic(`CP-1:${PASSWORD}`), true],
    ['a password cut at its last colon', 'CP-1', basic('CP-1:pass:with'), false],
    // The user must be the station of the URL exactly, even with that station's own password.
    ['another station id as the user', 'CP-1', basic(`CP-2:${PASSWORD}`), false],
    ['the station id in another case as the user', 'CP-1', basic(`cp-1:${PASSWORD}`), false],
    ['the station id with a trailing space as the user', 'CP-1', basic(`CP-1 :${PASSWORD}`), false],
    ['a longer id starting with the station id as the user', 'CP-1', basic(`CP-10:${PASSWORD}`), false],
    ['an empty user', 'CP-1', basic(`:${PASSWORD}`), false],
    ['the right credentials on another station URL', 'CP-2', basic(`CP-1:${PASSWORD}`), false],
    ['an unknown station', 'CP-2', basic(`CP-2:${PASSWORD}`), false],
    ['no station id in the URL', undefined, basic(`CP-1:${PASSWORD}`), false],
    ['no credentials', 'CP-1', undefined, false],
  ])('%s: %s', async (_case, stationId, header, allowed) => {
    expect(await authenticateStation(stationId, header, load)).toBe(allowed);
  });
});

describe('verifyStationPassword', () => {
  const genuine = (password: string) => {
    const salt = randomBytes(16);
    const key = scryptSync(password, salt, 32, { N: 1024, r: 8, p: 1 });
    return { salt: salt.toString('base64'), key: key.toString('base64') };
  };

  it('verifies what hashStationPassword stored, and nothing else', async () => {
    const stored = await hashStationPassword('provisioned-secret');
    expect(stored).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    expect(await verifyStationPassword('provisioned-secret', stored)).toBe(true);
    expect(await verifyStationPassword('provisioned-secreT', stored)).toBe(false);
    expect(await verifyStationPassword('', stored)).toBe(false);
    // A fresh salt each time: the same password never gives the same stored hash.
    expect(await hashStationPassword('provisioned-secret')).not.toBe(stored);
  });

  it.each(['bcrypt', 'SCRYPT', 'scrypt ', ''])('refuses a genuine scrypt key stored under the scheme %j', async (scheme) => {
    const { salt, key } = genuine('the-password');
    expect(await verifyStationPassword('the-password', ['scrypt', 1024, 8, 1, salt, key].join('$'))).toBe(true);
    expect(await verifyStationPassword('the-password', [scheme, 1024, 8, 1, salt, key].join('$'))).toBe(false);
  });

  it('refuses a genuine scrypt key derived without a salt', async () => {
    const key = scryptSync('the-password', Buffer.alloc(0), 32, { N: 1024, r: 8, p: 1 }).toString('base64');
    expect(await verifyStationPassword('the-password', ['scrypt', 1024, 8, 1, '', key].join('$'))).toBe(false);
  });

  it.each(['=', '!!!', '===='])('refuses every password when the stored key %j decodes to no bytes', async (key) => {
    const stored = ['scrypt', 1024, 8, 1, 'c2FsdA==', key].join('$');
    expect(await verifyStationPassword('any-password-at-all', stored)).toBe(false);
    expect(await verifyStationPassword('', stored)).toBe(false);
  });

  it('verifies a hash stored with other scrypt costs by the costs written in it', async () => {
    const salt = randomBytes(16);
    const key = scryptSync('older-cost-password', salt, 32, { N: 1024, r: 4, p: 2 });
    const stored = ['scrypt', 1024, 4, 2, salt.toString('base64'), key.toString('base64')].join('$');
    expect(await verifyStationPassword('older-cost-password', stored)).toBe(true);
    expect(await verifyStationPassword('another-password', stored)).toBe(false);
  });

  it.each([
    ['another scheme', 'bcrypt$16384$8$1$c2FsdA==$a2V5'],
    ['no key', 'scrypt$16384$8$1$c2FsdA=='],
    ['no salt', 'scrypt$16384$8$1$$a2V5'],
    ['no cost p', 'scrypt$16384$8$$c2FsdA==$a2V5'],
    ['no cost r', 'scrypt$16384$$1$c2FsdA==$a2V5'],
    ['no cost N', 'scrypt$$8$1$c2FsdA==$a2V5'],
    ['nothing', ''],
  ])('refuses, without throwing, a stored hash with %s', async (_case, stored) => {
    expect(await verifyStationPassword('any-password-at-all', stored)).toBe(false);
  });
});

describe('cameThroughEdge: a handshake carries the secret our CloudFront distribution adds', () => {
  const SECRET = 'edge-secret-0123456789';

  it.each([
    ['the secret', SECRET, true],
    ['no edge header', undefined, false],
    ['an empty header', '', false],
    ['the secret cut short', SECRET.slice(0, -1), false],
    ['the secret with more after it', `${SECRET}x`, false],
    ['the secret in another case', SECRET.toUpperCase(), false],
  ])('%s: %s', (_case, given, admitted) => {
    expect(cameThroughEdge(given, SECRET)).toBe(admitted);
  });
});
