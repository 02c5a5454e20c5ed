/** Business metrics leave the Lambdas as CloudWatch Embedded Metric Format lines that CloudWatch turns into the alarmed metrics. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { METRICS, countEvent } from '../../lambdas/shared/metrics';

afterEach(() => vi.restoreAllMocks());

describe('countEvent', () => {
  it('writes one EMF line: the namespace, the metric with its count of 1, and the explaining details', () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    countEvent(METRICS.readersOutOfService, 'reader out of service', { serialNumber: 'APOLLO-9' });
    const emf = lines.map((line) => JSON.parse(line)).find((entry) => entry._aws);
    expect(emf).toMatchObject({
      message: 'reader out of service',
      serialNumber: 'APOLLO-9',
      ReadersOutOfService: 1,
      _aws: { CloudWatchMetrics: [{ Namespace: 'EvCsms', Dimensions: [[]], Metrics: [{ Name: 'ReadersOutOfService', Unit: 'Count' }] }] },
    });
    expect(typeof emf._aws.Timestamp).toBe('number');
  });
});
