import { setTimeout as sleep } from 'node:timers/promises';
import type { Rng } from '../rng';

import type { Progress } from '../workload/writer';

/**
 * Injects `count` faults while writers run, spread over their progress: fault k fires once the
 * writers have finished a random fraction (between 5 % and 90 %) of their saves, after a random
 * 0–40 ms more so it lands inside a save rather than between two. Tying faults to progress rather
 * than to the clock makes the count real on a slow machine too. Stops by itself when the writers
 * are done or at `stopAt`.
 */
export async function injectDuring(
  rng: Rng,
  count: number,
  progress: Progress,
  writersDone: () => boolean,
  stopAt: number,
  inject: (k: number) => Promise<void>,
): Promise<number> {
  const points = Array.from({ length: count }, () => 0.05 + rng.float() * 0.85).sort((a, b) => a - b);
  let injected = 0;
  for (const point of points) {
    while (progress.fraction < point && !writersDone() && Date.now() < stopAt) await sleep(5);
    if (writersDone() || Date.now() >= stopAt) break;
    await sleep(rng.int(40));
    await inject(injected);
    injected++;
  }
  return injected;
}

/**
 * Runs the writers, an injector and any readers side by side; the injector and the readers stop
 * once the writers are done. Resolves with the injector's count.
 */
export async function writersWithFaults(
  writers: Promise<void>[],
  inject: (writersDone: () => boolean) => Promise<number>,
  readers: (writersDone: () => boolean) => Promise<void>[] = () => [],
): Promise<number> {
  let done = false;
  const writersDone = () => done;
  const all = Promise.all(writers).finally(() => (done = true));
  const [, injected] = await Promise.all([all, inject(writersDone), ...readers(writersDone)]);
  return injected;
}
