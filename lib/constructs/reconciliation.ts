import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { CsmsFunction } from './csms-function';
import type { DataTables } from './data-tables';
import { acknowledge } from './nag';
import type { Payter } from './payter';

/** MyPayter's production Data API (the paths start with /API). */
export const DEFAULT_MYPAYTER_API_URL = 'https://api.mypayter.com';

export interface ReconciliationProps {
  readonly tables: DataTables;
  readonly payter: Payter;
  /**
   * The MyPayter Data API (`MYPAYTER_API_URL`); test and production MyPayter are separate.
   * @default DEFAULT_MYPAYTER_API_URL
   */
  readonly myPayterApiUrl?: string;
  /**
   * How often the job runs.
   * @default Duration.minutes(15)
   */
  readonly interval?: Duration;
}

/**
 * The scheduled reconciliation (lambdas/reconciliation-job.ts): every 15 minutes it
 * reconciles our sessions with Payter's holds and syncs MyPayter's transactions, publishing
 * open holds and differences as CloudWatch metrics (Embedded Metric Format in its log) that
 * Observability alarms on. It reads sessions and readers, writes only the MyPayter sync table, and reads
 * the Payter API key and the MyPayter credentials.
 */
export class Reconciliation extends Construct {
  readonly job: CsmsFunction;
  /** `{username, password, domain}` of the MyPayter account. Created as a placeholder; the operator stores the real ones. */
  readonly myPayterCredentials: Secret;
  readonly schedule: Rule;

  constructor(scope: Construct, id: string, props: ReconciliationProps) {
    super(scope, id);
    const apiUrl = props.myPayterApiUrl ?? DEFAULT_MYPAYTER_API_URL;
    if (!apiUrl.startsWith('https://')) {
      throw new Error(`Reconciliation: the MyPayter API URL must be an https:// URL (every call carries a token), got "${apiUrl}".`);
    }

    this.myPayterCredentials = new Secret(this, 'MyPayterCredentials', {
      description:
        'MyPayter Data API login as JSON {"username", "password", "domain"}. The generated password is a placeholder: store the account\'s after deploy.',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: 'set-after-deploy', domain: 'set-after-deploy' }),
        generateStringKey: 'password',
        excludePunctuation: true,
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(this.myPayterCredentials, {
      id: 'AwsSolutions-SMG4',
      reason: "The MyPayter login is managed in Payter's portal; Secrets Manager cannot rotate it, the operator stores each new password here.",
    });

    this.job = new CsmsFunction(this, 'ReconciliationJob', {
      entry: 'reconciliation-job',
      description: 'Scheduled reconciliation: open Payter holds by age, differences with Payter and MyPayter, as metrics',
      // Up to 50 pages of MyPayter transactions and one Payter listing per reader.
      timeout: Duration.minutes(5),
    });
    // Sessions RW: reconciling settles refunds whose outcome Payter's data now shows.
    props.tables.bind(this.job, { sessions: 'RW', readers: 'RO', myPayter: 'RW' });
    props.payter.bindApiKey(this.job);
    this.job.addEnvironment('MYPAYTER_API_URL', apiUrl);
    this.job.addEnvironment('MYPAYTER_CREDENTIALS_SECRET_ARN', this.myPayterCredentials.secretArn);
    this.myPayterCredentials.grantRead(this.job);

    this.schedule = new Rule(this, 'Schedule', {
      description: 'Runs the reconciliation job',
      schedule: Schedule.rate(props.interval ?? Duration.minutes(15)),
      // A missed run is made good by the next one; the metrics alarm when runs stop.
      targets: [new LambdaFunction(this.job, { retryAttempts: 0 })],
    });
  }
}
