/**
 * Business metrics as CloudWatch Embedded Metric Format: one JSON log line that CloudWatch
 * Logs turns into a metric (no API call, no extra client). Alarms on these metrics live in
 * lib/constructs/observability.ts, which reads the names from here.
 */
import { logger } from './lambda';

export const METRIC_NAMESPACE = 'EvCsms';

export const METRICS = {
  /** A reader whose start screen Payter kept refusing: it takes no cards until put right. */
  readersOutOfService: 'ReadersOutOfService',
  /** A reader's Payter currency differs from its site's: the hold was cancelled, nothing charged. */
  currencyMismatches: 'CurrencyMismatches',
} as const;

export type MetricName = (typeof METRICS)[keyof typeof METRICS];

/** Counts one event, with the log line that explains it (`details` must hold no card data). */
export function countEvent(metric: MetricName, message: string, details: Record<string, unknown>): void {
  logger.error(message, {
    ...details,
    [metric]: 1,
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [{ Namespace: METRIC_NAMESPACE, Dimensions: [[]], Metrics: [{ Name: metric, Unit: 'Count' }] }],
    },
  });
}
