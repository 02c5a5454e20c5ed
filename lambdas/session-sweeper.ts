/**
 * The session sweeper, on a schedule (EventBridge in AWS, a timer in the local runtime):
 * settles the sessions whose workflow execution ended or never started with the payment or
 * the reader still open (lambdas/sessions/session-sweeper.ts).
 */
import { payterApp } from './aws/payter-app';
import { lambdaHandler } from './shared/lambda';

/** Room for one more session's Payter calls (each waits up to 10 s) before the Lambda's timeout. */
const RESERVE_MS = 60_000;

export const handler = lambdaHandler(async (_event: unknown, context): Promise<{ settled: number; failed: number }> => {
  const outcomes = await (await payterApp()).sessionSweeper.sweep(() => context.getRemainingTimeInMillis() < RESERVE_MS);
  const failed = outcomes.filter((outcome) => outcome.action === 'failed').length;
  return { settled: outcomes.length - failed, failed };
});
