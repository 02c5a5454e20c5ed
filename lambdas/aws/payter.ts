/**
 * Payter's configuration for the Lambdas: the CPS base URL, the API key and the secret that
 * signs our callback URLs. On AWS both secrets live in Secrets Manager (`*_SECRET_ARN`);
 * locally they come from `PAYTER_API_KEY` and `PAYTER_CALLBACK_SECRET`.
 */
import * as z from 'zod';
import { MyPayterClient } from '../mypayter/data-api-client';
import { PayterClient } from '../payter/cps-client';
import { CallbackUrls } from '../readers/callback-urls';
import { REFUND_CHANNELS, type RefundChannel } from '../sessions/session-operations';
import { getIntFromEnv, getStringFromEnv } from '../shared/config';
import { secret } from './secrets';

export async function payterClient(): Promise<PayterClient> {
  return new PayterClient({
    baseUrl: getStringFromEnv('PAYTER_API_URL'),
    apiKey: await secret('PAYTER_API_KEY_SECRET_ARN', 'PAYTER_API_KEY'),
    timeoutMs: getIntFromEnv('PAYTER_TIMEOUT_MS', 10_000),
  });
}

export async function callbackUrls(): Promise<CallbackUrls> {
  return new CallbackUrls(
    getStringFromEnv('PUBLIC_BASE_URL'),
    await secret('PAYTER_CALLBACK_SECRET_ARN', 'PAYTER_CALLBACK_SECRET'),
  );
}

/** `PAYTER_REFUNDS`: `cps` (Payter's refund call) or `acquirer` (where CPS cannot refund). */
export function refundChannel(): RefundChannel {
  const value = getStringFromEnv('PAYTER_REFUNDS', 'cps');
  if (!(REFUND_CHANNELS as readonly string[]).includes(value)) {
    throw new Error(`environment variable PAYTER_REFUNDS must be one of ${REFUND_CHANNELS.join(', ')}, got "${value}"`);
  }
  return value as RefundChannel;
}
/**
 * The MyPayter Data API client, or undefined when `MYPAYTER_API_URL` is not set. Its
 * credentials are the JSON `{username, password, domain}` in Secrets Manager on AWS
 * (`MYPAYTER_CREDENTIALS_SECRET_ARN`), `MYPAYTER_USERNAME` / `_PASSWORD` / `_DOMAIN` locally.
 */
export async function myPayterClient(): Promise<MyPayterClient | undefined> {
  const baseUrl = process.env.MYPAYTER_API_URL;
  if (!baseUrl) return undefined;
  const credentials = process.env.MYPAYTER_CREDENTIALS_SECRET_ARN
    ? myPayterCredentialsSchema.parse(JSON.parse(await secret('MYPAYTER_CREDENTIALS_SECRET_ARN', 'MYPAYTER_CREDENTIALS')))
    : {
        username: getStringFromEnv('MYPAYTER_USERNAME'),
        password: getStringFromEnv('MYPAYTER_PASSWORD'),
        domain: getStringFromEnv('MYPAYTER_DOMAIN'),
      };
  return new MyPayterClient({ baseUrl, credentials, timeoutMs: getIntFromEnv('PAYTER_TIMEOUT_MS', 10_000) });
}

const myPayterCredentialsSchema = z.object({ username: z.string().min(1), password: z.string().min(1), domain: z.string().min(1) });
