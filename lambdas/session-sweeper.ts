/**
 * The session sweeper, on a schedule (EventBridge in AWS, a timer in the local runtime):
 * settles the sessions whose workflow execution ended or never started with the payment or
 * the reader still open (lambdas/sessions/session-sweeper.ts).
 */
import { payterApp } from './aws/payter-app';
import { lambdaHandler } from './shared/lambda';

export const handler = lambdaHandler(async (): Promise<{ settled: number; failed: number }> => {
  const outcomes = await (await payterApp()).sessionSweeper.sweep();
  const failed = outcomes.filter((outcome) => outcome.action === 'failed').length;
  return { settled: outcomes.length - failed, failed };
});
