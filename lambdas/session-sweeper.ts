/**
 * The session sweeper, on a schedule (EventBridge in AWS, a timer in the local runtime): ends
 * the stop wait of charging sessions whose charger is lost (lambdas/sessions/charger-watch.ts),
 * then settles the sessions whose workflow execution ended or never started with the payment
 * or the reader still open (lambdas/sessions/session-sweeper.ts).
 */
import { chargerWatch, sessionSweeper } from './aws/composition';
import { lambdaHandler } from './shared/lambda';

/** Room for one more session's Payter calls (each waits up to 10 s) before the Lambda's timeout. */
const RESERVE_MS = 60_000;

export const handler = lambdaHandler(async (_event: unknown, context): Promise<{ chargersLost: number; settled: number; failed: number }> => {
  const lost = await chargerWatch().settleLostChargers();
  const outcomes = await (await sessionSweeper()).sweep(() => context.getRemainingTimeInMillis() < RESERVE_MS);
  const failed = outcomes.filter((outcome) => outcome.action === 'failed').length;
  return { chargersLost: lost.length, settled: outcomes.length - failed, failed };
});
