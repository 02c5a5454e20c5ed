import { RemovalPolicy } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge } from './nag';

/** Payter's production Cloud Payment Service. */
export const DEFAULT_PAYTER_API_URL = 'https://cps.mypayter.com';

export interface PayterProps {
  /**
   * The base URL of Payter's Cloud Payment Service (`PAYTER_API_URL`), e.g. the test host
   * `https://cps-test.mypayter.com`. HTTPS only: every call carries the API key.
   * @default DEFAULT_PAYTER_API_URL
   */
  readonly apiUrl?: string;
  /**
   * The public base of the URLs handed to Payter and to drivers (`PUBLIC_BASE_URL`): the
   * callback URLs and the e-receipt links.
   */
  readonly publicBaseUrl: string;
}

/**
 * What the Lambdas need to talk to Payter: the CPS base URL, the CPS API key and the secret
 * that signs the capability tokens of our callback URLs (both in Secrets Manager), and the
 * public base URL the callbacks come back to.
 */
export class Payter extends Construct {
  /** The CPS API key. Created with a generated placeholder; the operator stores the real key. */
  readonly apiKey: Secret;
  /** Signs the capability tokens of the callback URLs (HMAC-SHA256). */
  readonly callbackSecret: Secret;
  readonly apiUrl: string;
  readonly publicBaseUrl: string;

  constructor(scope: Construct, id: string, props: PayterProps) {
    super(scope, id);
    this.apiUrl = validateApiUrl(props.apiUrl ?? DEFAULT_PAYTER_API_URL);
    this.publicBaseUrl = props.publicBaseUrl;

    this.apiKey = new Secret(this, 'ApiKey', {
      description:
        'Payter CPS API key (sent as Authorization: CPS apikey="..."). The generated value is a placeholder: store the key from the Payter portal after deploy.',
      generateSecretString: { passwordLength: 32, excludePunctuation: true },
      // It holds what the operator typed in; Payter re-issues a key only by invalidating the old one.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(this.apiKey, {
      id: 'AwsSolutions-SMG4',
      reason:
        "The CPS API key is issued and rotated in Payter's portal (a new key invalidates the old one); Secrets Manager cannot rotate it, the operator stores each new key here.",
    });

    this.callbackSecret = new Secret(this, 'CallbackSecret', {
      description:
        'Signs the capability tokens (HMAC-SHA256) in the callback URLs handed to Payter, including the terminal-state web hook',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    acknowledge(this.callbackSecret, {
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating it invalidates the callback URLs of card readings in flight and the terminal-state web hook registered in Payter; the start screens get fresh URLs on the next reading, the web hook must be registered again. Rotated by hand, not on a schedule.',
    });
  }
}

function validateApiUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'https:') {
    throw new Error(`Payter: the CPS API URL must be an https:// URL (every call carries the API key), got "${value}".`);
  }
  return value;
}
