import { RemovalPolicy } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge } from './nag';

/** MyPayter's production Data API (the paths start with /API). */
export const DEFAULT_MYPAYTER_API_URL = 'https://api.mypayter.com';

export interface MyPayterProps {
  /**
   * The MyPayter Data API (`MYPAYTER_API_URL`); test and production MyPayter are separate.
   * @default DEFAULT_MYPAYTER_API_URL
   */
  readonly apiUrl?: string;
}

/**
 * MyPayter's Data API as the scheduled reconciliation (lambdas/reconciliation-job.ts) reads
 * it: its URL and the account's login, which the operator stores after deploy.
 */
export class MyPayter extends Construct {
  readonly apiUrl: string;
  /** `{username, password, domain}` of the MyPayter account. Created as a placeholder; the operator stores the real ones. */
  readonly credentials: Secret;

  constructor(scope: Construct, id: string, props: MyPayterProps = {}) {
    super(scope, id);
    this.apiUrl = props.apiUrl ?? DEFAULT_MYPAYTER_API_URL;
    if (!this.apiUrl.startsWith('https://')) {
      throw new Error(`MyPayter: the MyPayter API URL must be an https:// URL (every call carries a token), got "${this.apiUrl}".`);
    }
    this.credentials = new Secret(this, 'MyPayterCredentials', {
      description:
        'MyPayter Data API login as JSON {"username", "password", "domain"}. The generated password is a placeholder: store the account\'s after deploy.',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: 'set-after-deploy', domain: 'set-after-deploy' }),
        generateStringKey: 'password',
        excludePunctuation: true,
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(this.credentials, {
      id: 'AwsSolutions-SMG4',
      reason: "The MyPayter login is managed in Payter's portal; Secrets Manager cannot rotate it, the operator stores each new password here.",
    });
  }
}
