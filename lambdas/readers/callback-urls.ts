/**
 * Payter does not sign its callbacks, so every callback URL we hand it carries a capability:
 * an HMAC of what the URL is for (the reader and the reading or session), keyed with our
 * callback secret. Nothing needs storing to verify one, a URL for one reading is useless for
 * any other, and comparison is constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type CallbackPurpose =
  | { readonly kind: 'card'; readonly serialNumber: string; readonly readingId: string }
  | { readonly kind: 'ui'; readonly serialNumber: string; readonly contextId: string }
  | { readonly kind: 'state' };

export class CallbackUrls {
  constructor(
    private readonly publicBaseUrl: string,
    private readonly secret: string,
  ) {
    if (secret.length < 32) throw new Error('the Payter callback secret must be at least 32 characters');
  }

  card(serialNumber: string, readingId: string): string {
    return `${this.base()}/payter/${this.token({ kind: 'card', serialNumber, readingId })}/card/${encodeURIComponent(readingId)}`;
  }

  ui(serialNumber: string, contextId: string): string {
    return `${this.base()}/payter/${this.token({ kind: 'ui', serialNumber, contextId })}/ui/${encodeURIComponent(contextId)}`;
  }

  /** The account-wide terminal-state web hook, configured once in Payter. */
  state(): string {
    return `${this.base()}/payter/${this.token({ kind: 'state' })}/state`;
  }

  verify(token: string | undefined, purpose: CallbackPurpose): boolean {
    if (!token) return false;
    const expected = Buffer.from(this.token(purpose));
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private token(purpose: CallbackPurpose): string {
    const subject =
      purpose.kind === 'card'
        ? `card:${purpose.serialNumber}:${purpose.readingId}`
        : purpose.kind === 'ui'
          ? `ui:${purpose.serialNumber}:${purpose.contextId}`
          : 'state';
    return createHmac('sha256', this.secret).update(subject).digest('base64url');
  }

  private base(): string {
    return this.publicBaseUrl.replace(/\/+$/, '');
  }
}
