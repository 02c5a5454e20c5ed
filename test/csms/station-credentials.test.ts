/**
 * Who gets in at a charger's handshake: HTTP Basic auth as RFC 7617 reads it (the user ends at
 * the first colon, so a password may hold colons), the user must be the station of the URL,
 * and only the password provisioned for that station opens it.
 */
import { randomBytes, scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { authenticateStation, hashStationPassword, parseBasicAuth, verifyStationPassword } from '../../lambdas/csms/station-credentials';

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
    ['another station id as the user', 'CP-1', basic(`CP-2:${PASSWORD}`), false],
    ['the right credentials on another station URL', 'CP-2', basic(`CP-1:${PASSWORD}`), false],
    ['an unknown station', 'CP-2', basic(`CP-2:${PASSWORD}`), false],
    ['no station id in the URL', undefined, basic(`CP-1:${PASSWORD}`), false],
    ['no credentials', 'CP-1', undefined, false],
  ])('%s: %s', async (_case, stationId, header, allowed) => {
    expect(await authenticateStation(stationId, header, load)).toBe(allowed);
  });
});

describe('verifyStationPassword', () => {
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
