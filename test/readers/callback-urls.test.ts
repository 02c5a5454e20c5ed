import { describe, expect, it } from 'vitest';
import { CallbackUrls } from '../../lambdas/readers/callback-urls';

const SECRET = 'a-callback-secret-of-at-least-32-characters';
const urls = new CallbackUrls('https://csms.example.com/', SECRET);
const tokenOf = (url: string) => /\/payter\/([^/]+)\//.exec(url)?.[1];

describe('capability URLs handed to Payter', () => {
  it('names the reading in the path and carries a token only that reading verifies', () => {
    const url = urls.card('APOLLO-1', 'reading-1');
    expect(url).toMatch(/^https:\/\/csms\.example\.com\/payter\/[A-Za-z0-9_-]{43}\/card\/reading-1$/);
    const token = tokenOf(url);
    expect(urls.verify(token, { kind: 'card', serialNumber: 'APOLLO-1', readingId: 'reading-1' })).toBe(true);
  });

  it.each([
    ['another reading', { kind: 'card', serialNumber: 'APOLLO-1', readingId: 'reading-2' }],
    ['another reader', { kind: 'card', serialNumber: 'APOLLO-2', readingId: 'reading-1' }],
    ['a UI callback', { kind: 'ui', serialNumber: 'APOLLO-1', contextId: 'reading-1' }],
    ['the state hook', { kind: 'state' }],
  ] as const)('refuses the token of a card reading for %s', (_case, purpose) => {
    expect(urls.verify(tokenOf(urls.card('APOLLO-1', 'reading-1')), purpose)).toBe(false);
  });

  it('refuses missing, truncated and forged tokens, and tokens made with another secret', () => {
    const purpose = { kind: 'state' } as const;
    const token = tokenOf(urls.state())!;
    expect(urls.verify(token, purpose)).toBe(true);
    expect(urls.verify(undefined, purpose)).toBe(false);
    expect(urls.verify('', purpose)).toBe(false);
    expect(urls.verify(token.slice(0, -1), purpose)).toBe(false);
    expect(urls.verify(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, purpose)).toBe(false);
    const other = new CallbackUrls('https://csms.example.com', 'another-secret-of-at-least-32-characters!!');
    expect(urls.verify(tokenOf(other.state()), purpose)).toBe(false);
  });

  it('refuses a short secret at once', () => {
    expect(() => new CallbackUrls('https://x', 'short')).toThrow(/at least 32/);
  });
});

describe('capability URLs: each kind of callback, and the base they are under', () => {
  it('names the screen in the path and carries a token only that reader and context verify', () => {
    const token = tokenOf(urls.ui('APOLLO-1', 'session-1'));
    expect(urls.ui('APOLLO-1', 'session-1')).toMatch(/^https:\/\/csms\.example\.com\/payter\/[A-Za-z0-9_-]{43}\/ui\/session-1$/);
    expect(urls.verify(token, { kind: 'ui', serialNumber: 'APOLLO-1', contextId: 'session-1' })).toBe(true);
    expect(urls.verify(token, { kind: 'ui', serialNumber: 'APOLLO-1', contextId: 'session-2' })).toBe(false);
    expect(urls.verify(token, { kind: 'ui', serialNumber: 'APOLLO-2', contextId: 'session-1' })).toBe(false);
    expect(urls.verify(token, { kind: 'card', serialNumber: 'APOLLO-1', readingId: 'session-1' })).toBe(false);
    expect(urls.verify(token, { kind: 'state' })).toBe(false);
  });

  it('refuses the state hook token for any reader callback', () => {
    const token = tokenOf(urls.state());
    expect(urls.verify(token, { kind: 'ui', serialNumber: 'APOLLO-1', contextId: 'session-1' })).toBe(false);
    expect(urls.verify(token, { kind: 'card', serialNumber: 'APOLLO-1', readingId: 'reading-1' })).toBe(false);
  });

  it('keeps the state hook URL configured in Payter the same across deploys with the same secret', () => {
    // Operators set it once in Payter: a change of the token scheme would silence the hook.
    // (HMAC-SHA256 of "state" with the secret, base64url.)
    expect(urls.state()).toBe('https://csms.example.com/payter/XwhA2JSyVbyNLJsmWEoQ1_lffmaZR5ZaKfun1k4wN-U/state');
  });

  it('escapes ids in the path, and the token is for the id itself', () => {
    const url = urls.card('APOLLO-1', 'a/b c');
    expect(url.endsWith('/card/a%2Fb%20c')).toBe(true);
    expect(urls.verify(tokenOf(url), { kind: 'card', serialNumber: 'APOLLO-1', readingId: 'a/b c' })).toBe(true);
    expect(urls.ui('APOLLO-1', 'x/y').endsWith('/ui/x%2Fy')).toBe(true);
  });

  it.each([
    ['one trailing slash', 'https://csms.example.com/'],
    ['several trailing slashes', 'https://csms.example.com//'],
    ['none', 'https://csms.example.com'],
  ])('puts the paths right under the public base URL with %s', (_case, base) => {
    const other = new CallbackUrls(base, SECRET);
    expect(other.state()).toBe(urls.state());
    expect(other.card('APOLLO-1', 'r')).toMatch(/^https:\/\/csms\.example\.com\/payter\/[^/]+\/card\/r$/);
  });

  it('takes a secret of exactly 32 characters, and refuses 31', () => {
    expect(() => new CallbackUrls('https://x', 'x'.repeat(32))).not.toThrow();
    expect(() => new CallbackUrls('https://x', 'x'.repeat(31))).toThrow('the Payter callback secret must be at least 32 characters');
  });
});
