/** Latency and throughput figures of one measured run. */
export interface RunStats {
  /** Operations completed without error. */
  ops: number;
  errors: number;
  /** Wall time from the first call to the last answer. */
  elapsedMs: number;
  opsPerSec: number;
  /** Payload bytes per second (MB = 10^6 bytes), counting completed operations only. */
  mbPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Nearest-rank percentile of a sample (q in 0..100); NaN for an empty one. */
export function percentile(sample: readonly number[], q: number): number {
  if (sample.length === 0) return Number.NaN;
  const sorted = [...sample].sort((a, b) => a - b);
  const rank = Math.ceil((q / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Summarizes latencies (ms) of operations that each moved `bytesPerOp` bytes. */
export function summarize(latenciesMs: readonly number[], errors: number, elapsedMs: number, bytesPerOp: number): RunStats {
  const ops = latenciesMs.length;
  const seconds = elapsedMs / 1000;
  return {
    ops,
    errors,
    elapsedMs,
    opsPerSec: seconds > 0 ? ops / seconds : Number.NaN,
    mbPerSec: seconds > 0 ? (ops * bytesPerOp) / 1e6 / seconds : Number.NaN,
    p50Ms: percentile(latenciesMs, 50),
    p99Ms: percentile(latenciesMs, 99),
    maxMs: ops === 0 ? Number.NaN : Math.max(...latenciesMs),
  };
}

/** a / b, NaN when either is missing. */
export function ratio(a: number | undefined, b: number | undefined): number {
  return a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? Number.NaN : a / b;
}
