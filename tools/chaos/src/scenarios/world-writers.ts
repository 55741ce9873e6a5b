import { Progress, runWriter } from '../workload/writer';
import type { Environment } from './environment';

/**
 * One writer per world, each saving `saves` times on its own client: the load every
 * fault scenario (kills, link chaos) runs its faults against.
 */
export function worldWriters(env: Environment, o: { worlds: number; saves: number; tag: string }): { worlds: string[]; progress: Progress; writers: Promise<void>[] } {
  const progress = new Progress(o.worlds * o.saves);
  const worlds = Array.from({ length: o.worlds }, (_, i) => `world-${i}`);
  const writers = worlds.map((world, i) =>
    runWriter({
      world,
      client: env.client(),
      history: env.history,
      rng: env.rng.fork(`writer-${i}`),
      progress,
      saves: o.saves,
      tag: `${o.tag}-w${i}`,
      deadlineMs: 5000,
      maxAttempts: 12,
      stopAt: env.stopAt,
    }),
  );
  return { worlds, progress, writers };
}
