/** The business metrics the Lambdas count (shared/metrics.ts) and the stack alarms on (lib/constructs/observability.ts). */
export const METRIC_NAMESPACE = 'EvCsms';

export const METRICS = {
  /** A reader whose start screen Payter kept refusing: it takes no cards until put right. */
  readersOutOfService: 'ReadersOutOfService',
  /** A reader's Payter currency differs from its site's: the hold was cancelled, nothing charged. */
  currencyMismatches: 'CurrencyMismatches',
  /** A session's commit found its hold already cancelled at Payter: the energy was not paid for. */
  commitsFoundCancelled: 'CommitsFoundCancelled',
} as const;

export type MetricName = (typeof METRICS)[keyof typeof METRICS];

