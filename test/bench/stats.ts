/**
 * Samples and their summaries. The bench reports medians and 95th percentiles, never means:
 * on a shared machine one descheduled millisecond would move a mean but not a median.
 */
import { waitFor } from '../../lib/local/wait-for';

export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly p95: number;
}

/** One named measure and every sample of it taken in this run. */
export class Series {
  private readonly samples: number[] = [];

  constructor(
    readonly label: string,
    readonly unit: string,
    /** Decimals shown in the report. */
    readonly digits = 2,
  ) {}

  add(value: number): void {
    if (!Number.isFinite(value)) throw new Error(`${this.label}: not a finite sample (${value})`);
    this.samples.push(value);
  }

  get count(): number {
    return this.samples.length;
  }

  summary(): Summary {
    const sorted = [...this.samples].sort((a, b) => a - b);
    return { n: sorted.length, median: quantile(sorted, 0.5), p95: quantile(sorted, 0.95) };
  }
}

/** Linear interpolation between closest ranks (the R-7 / NumPy default); NaN when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const lower = sorted[below]!;
  const upper = sorted[Math.min(below + 1, sorted.length - 1)]!;
  return lower + (upper - lower) * (position - below);
}

export function median(values: readonly number[]): number {
  return quantile([...values].sort((a, b) => a - b), 0.5);
}

/**
 * Microseconds per call of a synchronous function, over one batch: single calls of a few
 * microseconds are below the timer's useful resolution, a batch is not.
 */
export function microsecondsPerCall(repetitions: number, call: () => unknown): number {
  let sink: unknown;
  const started = performance.now();
  for (let i = 0; i < repetitions; i++) sink = call();
  const elapsed = performance.now() - started;
  // Keeps the result observable so the optimizer cannot drop the calls.
  if (sink === Symbol.for('never')) console.log(sink);
  return (elapsed * 1000) / repetitions;
}

/** Milliseconds an async operation took, with its result. */
export async function timed<T>(operation: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await operation();
  return { ms: performance.now() - started, value };
}

/**
 * Polls a condition every couple of milliseconds. test/support's `waitFor` steps 50 ms, which
 * would quantize a measure of a few hundred; the probes given here are in-memory or cheap.
 */
/** A tight poll: a paid session takes a few hundred ms, and 50 ms steps would blur it. */
export function until<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, label: string): Promise<T> {
  return waitFor(probe, timeoutMs, `bench: ${label}`, 2);
}
