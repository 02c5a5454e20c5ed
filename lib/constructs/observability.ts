import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type AlarmProps, Dashboard, GraphWidget, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { FilterPattern, MetricFilter } from 'aws-cdk-lib/aws-logs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { SESSION_SWEEP_FAILED_MESSAGE, SESSION_SWEPT_MESSAGE } from '../../lambdas/sessions/session-sweeper';
import type { CsmsFunction } from './csms-function';
import { METRICS, METRIC_NAMESPACE } from '../../lambdas/shared/metric-names';
import { HOLD_AGE_BUCKETS, RECONCILIATION_METRICS } from '../../lambdas/reconciliation/scheduled-reconciliation';

export interface ObservabilityProps {
  /** The charging-session workflow: a failed execution is a session an operator must look at. */
  readonly stateMachine: StateMachine;
  /** The session workflow's task function, whose log says when a hold could not be finalized. */
  readonly sessionStep: CsmsFunction;
  /** The session sweeper, whose log says which orphaned sessions it settled, or could not. */
  readonly sessionSweeper: CsmsFunction;
  /** Every function of the stack: any error is worth a look. */
  readonly functions: readonly CsmsFunction[];
}

/** The log line session-step writes when Payter's retries ran out with a hold still open. */
export const PAYMENT_NOT_FINALIZED_MESSAGE = 'payment not finalized: hold still open at Payter';

/**
 * What operators are woken for: a hold left open at Payter (the one failure that costs a
 * driver money), a session workflow that failed or timed out, a function that errs. Alarms go
 * to one encrypted SNS topic operators subscribe to; a dashboard shows the session flow.
 */
export class Observability extends Construct {
  readonly alarmTopic: Topic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);

    // A customer managed key: CloudWatch alarms cannot publish to a topic under the AWS managed SNS key.
    const key = new Key(this, 'AlarmTopicKey', { enableKeyRotation: true, description: 'Encrypts the CSMS operator alarm topic' });
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.alarmTopic = new Topic(this, 'OperatorAlarms', { masterKey: key, enforceSSL: true, displayName: 'EV CSMS operator alarms' });
    const notify = new SnsAction(this.alarmTopic);

    const unfinalized = new MetricFilter(this, 'PaymentNotFinalizedFilter', {
      logGroup: props.sessionStep.logs,
      filterPattern: FilterPattern.stringValue('$.message', '=', PAYMENT_NOT_FINALIZED_MESSAGE),
      metricNamespace: 'EvCsms',
      metricName: 'PaymentsNotFinalized',
      metricValue: '1',
      defaultValue: 0,
    });
    const sweeperCount = (filterId: string, message: string, metricName: string) =>
      new MetricFilter(this, filterId, {
        logGroup: props.sessionSweeper.logs,
        filterPattern: FilterPattern.stringValue('$.message', '=', message),
        metricNamespace: 'EvCsms',
        metricName,
        metricValue: '1',
        defaultValue: 0,
      }).metric({ period: Duration.minutes(5), statistic: 'Sum' });
    const sessionsSwept = sweeperCount('SessionsSweptFilter', SESSION_SWEPT_MESSAGE, 'OrphanedSessionsSettled');
    const sweepsFailed = sweeperCount('SessionSweepFailedFilter', SESSION_SWEEP_FAILED_MESSAGE, 'OrphanedSessionsNotSettled');
    const sessionsFailed = props.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' });
    const sessionsTimedOut = props.stateMachine.metricTimedOut({ period: Duration.minutes(5), statistic: 'Sum' });

    const alarm = (alarmId: string, metric: Metric, description: string) => {
      const created = new Alarm(this, alarmId, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(notify);
      this.alarms.push(created);
      return created;
    };
    alarm(
      'PaymentNotFinalized',
      unfinalized.metric({ period: Duration.minutes(5), statistic: 'Sum' }),
      'A Payter hold is still open after the whole commit/cancel retry schedule: settle it with Payter (see the session in the ops API).',
    );
    const counted = (metricName: string) => new Metric({ namespace: METRIC_NAMESPACE, metricName, period: Duration.minutes(5), statistic: 'Sum' });
    alarm(
      'ReadersOutOfService',
      counted(METRICS.readersOutOfService),
      'Payter kept refusing a reader\'s start screen: it takes no cards. See the reader (GET /installer/readers/{serial}, outOfService) and the terminal in MyPayter.',
    );
    alarm(
      'CurrencyMismatches',
      counted(METRICS.currencyMismatches),
      'A reader holds money in another currency than its site charges in: the hold was cancelled. Fix the terminal\'s Payter account or the site.',
    );
    alarm(
      'CommitsFoundCancelled',
      counted(METRICS.commitsFoundCancelled),
      'A session charged but its hold was already cancelled at Payter (in MyPayter, or it expired), so nothing was paid: see the session and the Payter session it names.',
    );
    alarm(
      'OrphanedSessionsSettled',
      sessionsSwept,
      'The session sweeper settled a session its execution left open (failed, timed out, stopped or never started): check why in the session and its execution.',
    );
    alarm(
      'OrphanedSessionsNotSettled',
      sweepsFailed,
      'The session sweeper could not settle a session left open by its execution (it retries every 5 minutes): its hold may still be open at Payter.',
    );
    alarm('SessionExecutionsFailed', sessionsFailed, 'A charging-session execution failed: open it in the Step Functions console (named after the session id).');
    alarm('SessionExecutionsTimedOut', sessionsTimedOut, 'A charging-session execution timed out: its hold may be open; check the session and Payter.');
    for (const fn of props.functions) {
      alarm(`${fn.node.id}Errors`, fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }), `The ${fn.entryName} Lambda failed.`);
    }

    this.dashboard = new Dashboard(this, 'Sessions', {
      widgets: [
        [
          new GraphWidget({
            title: 'Charging-payment sessions',
            left: [
              props.stateMachine.metricStarted({ period: Duration.minutes(5), statistic: 'Sum' }),
              props.stateMachine.metricSucceeded({ period: Duration.minutes(5), statistic: 'Sum' }),
              sessionsFailed,
              sessionsTimedOut,
              sessionsSwept,
            ],
          }),
          new GraphWidget({
            title: 'Lambda errors',
            left: props.functions.map((fn) => fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' })),
          }),
        ],
      ],
    });
  }

  /**
   * Alarms on the metrics the scheduled reconciliation (lib/functions.ts, `reconciliation-job`)
   * writes in Embedded Metric Format each run: a hold overdue at Payter, a difference with
   * Payter or MyPayter, a MyPayter sync failing twice in a row, and the job not running.
   */
  watchReconciliation(): void {
    const m = RECONCILIATION_METRICS;
    const metric = (metricName: string, statistic = 'Maximum', dimensionsMap?: Record<string, string>) =>
      new Metric({ namespace: METRIC_NAMESPACE, metricName, statistic, period: Duration.minutes(15), ...(dimensionsMap && { dimensionsMap }) });
    const notify = new SnsAction(this.alarmTopic);
    const alarm = (alarmId: string, props: Omit<AlarmProps, 'evaluationPeriods'> & { evaluationPeriods?: number }) => {
      const created = new Alarm(this, alarmId, {
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        ...props,
      });
      created.addAlarmAction(notify);
      this.alarms.push(created);
    };
    alarm('OverdueHolds', {
      metric: metric(m.overdueHolds),
      threshold: 1,
      alarmDescription: "A Payter hold is still AUTHORIZED past its session's end (or too old, or unknown to us): GET /ops/reconciliation lists it with its age.",
    });
    alarm('ReconciliationDifferences', {
      metric: metric(m.differences),
      threshold: 1,
      alarmDescription: "Our sessions and Payter's differ (state, amount, a hold unknown to either side): see GET /ops/reconciliation.",
    });
    alarm('MyPayterDifferences', {
      metric: metric(m.myPayterDifferences),
      threshold: 1,
      alarmDescription: "MyPayter's transactions and our sessions differ: see GET /ops/reconciliation/mypayter.",
    });
    alarm('MyPayterSyncFailing', {
      metric: metric(m.myPayterSyncFailed),
      threshold: 1,
      evaluationPeriods: 2,
      alarmDescription: 'The MyPayter sync failed twice in a row: check the MyPayterCredentials secret and the job log.',
    });
    alarm('ReconciliationNotRunning', {
      metric: new Metric({ namespace: METRIC_NAMESPACE, metricName: m.runs, statistic: 'Sum', period: Duration.hours(1) }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.BREACHING,
      alarmDescription: 'The scheduled reconciliation has not run for an hour: open holds would go unseen.',
    });
    alarm('ReconciliationFailing', {
      metric: metric(m.failed),
      threshold: 1,
      evaluationPeriods: 2,
      alarmDescription: 'The scheduled reconciliation could not list Payter\'s sessions twice in a row: check the job log and the PayterApiKey secret.',
    });
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Open Payter holds by age',
        left: HOLD_AGE_BUCKETS.map((age) => metric(m.openHolds, 'Maximum', { Age: age })),
        right: [metric(m.overdueHolds)],
      }),
      new GraphWidget({
        title: 'Reconciliation differences',
        left: [metric(m.differences), metric(m.myPayterDifferences)],
      }),
    );
  }
}
