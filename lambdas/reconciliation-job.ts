/**
 * The scheduled reconciliation (EventBridge on AWS, a timer or `LocalRuntime.reconcile()`
 * locally): open holds and differences with Payter and MyPayter, published as metrics.
 */
import { reconciliationJob } from './aws/composition';
import { lambdaHandler } from './shared/lambda';

export const handler = lambdaHandler(async () => (await reconciliationJob()).run());
