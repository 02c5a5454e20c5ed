/**
 * CloudWatch metrics without an SDK call: CloudWatch Embedded Metric Format (EMF), one JSON
 * line that Lambda's log group turns into metrics
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 * Locally the same lines go to the same sink, so tests assert on them. The names and the
 * namespace are declared in metric-names.ts, which the stack's alarms read too.
 */
import { logger } from './lambda';
import { METRIC_NAMESPACE, type MetricName } from './metric-names';

export { METRICS, METRIC_NAMESPACE, type MetricName } from './metric-names';

export type MetricUnit = 'Count' | 'Seconds' | 'Milliseconds' | 'None';

export interface MetricValue {
  readonly name: string;
  readonly value: number;
  /** @default 'Count' */
  readonly unit?: MetricUnit;
}

/** Where EMF lines go: stdout in Lambda (and locally); a list in tests. */
export type MetricsSink = (line: string) => void;

export const stdoutSink: MetricsSink = (line) => {
  process.stdout.write(`${line}\n`);
};

/**
 * One EMF document: `values` under `dimensions` (none: the namespace-wide series). Dimension
 * values and metric names become top-level members, as the format requires.
 */
export function emfDocument(values: readonly MetricValue[], dimensions: Readonly<Record<string, string>> = {}, at = new Date()): Record<string, unknown> {
  return {
    _aws: {
      Timestamp: at.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: METRIC_NAMESPACE,
          Dimensions: [Object.keys(dimensions)],
          Metrics: values.map((v) => ({ Name: v.name, Unit: v.unit ?? 'Count' })),
        },
      ],
    },
    ...dimensions,
    ...Object.fromEntries(values.map((v) => [v.name, v.value])),
  };
}

export function emfLine(values: readonly MetricValue[], dimensions?: Readonly<Record<string, string>>, at?: Date): string {
  return JSON.stringify(emfDocument(values, dimensions, at));
}

export class Metrics {
  constructor(private readonly sink: MetricsSink = stdoutSink) {}

  put(values: readonly MetricValue[], dimensions?: Readonly<Record<string, string>>, at?: Date): void {
    if (values.length > 0) this.sink(emfLine(values, dimensions, at));
  }
}

/** Counts one event operators are alarmed on, in the log line that explains it (`details` must hold no card data). */
export function countEvent(metric: MetricName, message: string, details: Record<string, unknown>): void {
  logger.error(message, { ...details, ...emfDocument([{ name: metric, value: 1 }]) });
}
