/** What wakes an operator: open Payter holds, failed sessions, Lambda errors, on one encrypted topic. */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CsmsFunction } from '../../lib/constructs/csms-function';
import { logicalIdOf } from '../../lib/constructs/nag';
import { PAYMENT_NOT_FINALIZED_MESSAGE } from '../../lib/constructs/observability';
import { CsmsStack } from '../../lib/csms-stack';
import { METRICS, METRIC_NAMESPACE } from '../../lambdas/shared/metric-names';
import { SESSION_SWEEP_FAILED_MESSAGE, SESSION_SWEPT_MESSAGE } from '../../lambdas/sessions/session-sweeper';

let stack: CsmsStack;
let template: Template;

beforeAll(() => {
  const { context } = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };
  stack = new CsmsStack(new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } }), 'ObservedCsms');
  template = Template.fromStack(stack);
});

const topicRef = () => ({ Ref: logicalIdOf(stack.observability.alarmTopic) });

describe('operator alarms', () => {
  it('watch for the log line session-step writes when a hold stays open, word for word', () => {
    const source = readFileSync(new URL('../../lambdas/sessions/session-steps.ts', import.meta.url), 'utf8');
    expect(source).toContain(`'${PAYMENT_NOT_FINALIZED_MESSAGE}'`);
    const sessionStep = stack.node.findAll().find((c): c is CsmsFunction => c instanceof CsmsFunction && c.entryName === 'session-step')!;
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: logicalIdOf(sessionStep.logs) },
      FilterPattern: `{ $.message = "${PAYMENT_NOT_FINALIZED_MESSAGE}" }`,
      MetricTransformations: [Match.objectLike({ MetricName: 'PaymentsNotFinalized', MetricValue: '1' })],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'PaymentsNotFinalized',
      Threshold: 1,
      AlarmActions: [topicRef()],
    });
  });

  it.each([
    [SESSION_SWEPT_MESSAGE, 'OrphanedSessionsSettled'],
    [SESSION_SWEEP_FAILED_MESSAGE, 'OrphanedSessionsNotSettled'],
  ])('count the session sweeper\'s "%s" log lines in %s, with an alarm', (message, metricName) => {
    const sweeper = stack.node.findAll().find((c): c is CsmsFunction => c instanceof CsmsFunction && c.entryName === 'session-sweeper')!;
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: logicalIdOf(sweeper.logs) },
      FilterPattern: `{ $.message = "${message}" }`,
      MetricTransformations: [Match.objectLike({ MetricName: metricName, MetricValue: '1' })],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: metricName, Threshold: 1, AlarmActions: [topicRef()] });
  });

  it.each(['ExecutionsFailed', 'ExecutionsTimedOut'])('raise on any session execution %s, on this state machine', (metric) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/States',
      MetricName: metric,
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: logicalIdOf(stack.sessionWorkflow.stateMachine) } }],
      AlarmActions: [topicRef()],
    });
  });

  it.each(Object.values(METRICS))('raise on every business metric the Lambdas count: %s', (metricName) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: METRIC_NAMESPACE,
      MetricName: metricName,
      Threshold: 1,
      AlarmActions: [topicRef()],
    });
  });

  it.each([
    ['OverdueHolds', 1, 'Maximum'],
    ['ReconciliationDifferences', 1, 'Maximum'],
    ['MyPayterDifferences', 1, 'Maximum'],
    ['MyPayterSyncFailed', 2, 'Maximum'],
    ['ReconciliationFailed', 2, 'Maximum'],
  ])("raise on the reconciliation job's %s metric (its EMF lines, not a log filter)", (metricName, evaluationPeriods, statistic) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'EvCsms',
      MetricName: metricName,
      Dimensions: Match.absent(),
      Statistic: statistic,
      Period: 900,
      Threshold: 1,
      EvaluationPeriods: evaluationPeriods,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [topicRef()],
    });
  });

  it('raise when the reconciliation job stops running for an hour', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'EvCsms',
      MetricName: 'ReconciliationRuns',
      Statistic: 'Sum',
      Period: 3600,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [topicRef()],
    });
  });

  it('raise on errors of every function of the stack', () => {
    const functions = stack.node.findAll().filter((c): c is CsmsFunction => c instanceof CsmsFunction);
    expect(functions.length).toBeGreaterThanOrEqual(12);
    for (const fn of functions) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalIdOf(fn) } }],
        AlarmActions: [topicRef()],
      });
    }
  });

  it('publish to a topic encrypted with a rotating key CloudWatch may use, over TLS only', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
    template.hasOutput('OperatorAlarmTopicArn', { Value: topicRef() });
  });
});
