/**
 * Business metrics as CloudWatch Embedded Metric Format: one JSON log line that CloudWatch
 * Logs turns into a metric (no API call, no extra client). Alarms on these metrics live in
 * lib/constructs/observability.ts, which reads the names from here.
 */
import { logger } from './lambda';
import { METRIC_NAMESPACE, type MetricName } from './metric-names';

export { METRICS, type MetricName } from './metric-names';

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
