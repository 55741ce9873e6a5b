/** What a closed-loop run measured: one latency per completed operation. */
export interface LoopResult {
  latenciesMs: number[];
  errors: number;
  /** The first few distinct error messages, for the report. */
  errorSamples: string[];
  elapsedMs: number;
  /** Operations not started because the time cap passed. */
  skipped: number;
}

/** One operation of a run: `worker` is the index of the worker running it (0..concurrency-1). */
export type Operation = (index: number, worker: number) => Promise<void>;

/**
 * Runs `ops` operations with `concurrency` in flight: each worker starts its next operation as
 * soon as its last one answered (a closed loop, as a game server shard saves). No operation
 * starts once `capMs` has passed; those already running finish.
 */
export async function runClosedLoop(ops: number, concurrency: number, op: Operation, capMs: number): Promise<LoopResult> {
  const latenciesMs: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  let next = 0;
  const start = performance.now();
  const worker = async (w: number) => {
    while (next < ops && performance.now() - start < capMs) {
      const index = next++;
      const t0 = performance.now();
      try {
        await op(index, w);
        latenciesMs.push(performance.now() - t0);
      } catch (e) {
        errors++;
        const message = (e as Error).message ?? String(e);
        if (errorSamples.length < 3 && !errorSamples.includes(message)) errorSamples.push(message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ops) }, (_, w) => worker(w)));
  return { latenciesMs, errors, errorSamples, elapsedMs: performance.now() - start, skipped: ops - next };
}
