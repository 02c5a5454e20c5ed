/**
 * CloudWatch metrics without an SDK call: one line of CloudWatch Embedded Metric Format (EMF)
 * per set of values, written to stdout, which Lambda's log group turns into metrics
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 * Locally the same lines go to the same sink, so tests assert on them.
 */

/** The namespace of every metric of the CSMS (the PaymentsNotFinalized filter uses it too). */
export const METRICS_NAMESPACE = 'EvCsms';

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
export function emfLine(values: readonly MetricValue[], dimensions: Readonly<Record<string, string>> = {}, at = new Date()): string {
  const names = Object.keys(dimensions);
  return JSON.stringify({
    _aws: {
      Timestamp: at.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [names],
          Metrics: values.map((v) => ({ Name: v.name, Unit: v.unit ?? 'Count' })),
        },
      ],
    },
    ...dimensions,
    ...Object.fromEntries(values.map((v) => [v.name, v.value])),
  });
}

export class Metrics {
  constructor(private readonly sink: MetricsSink = stdoutSink) {}

  put(values: readonly MetricValue[], dimensions?: Readonly<Record<string, string>>, at?: Date): void {
    if (values.length > 0) this.sink(emfLine(values, dimensions, at));
  }
}
