import { Progress, runWriter, type WriterOptions } from '../workload/writer';
import type { Environment } from './environment';

/**
 * One writer per world, each saving `saves` times on its own client: the load every
 * fault scenario (kills, link chaos, client cuts) runs its faults against. A scenario may set
 * the attempts, the per-call deadline and a hook before each call. Every other writer sends
 * SaveChanges when it knows its base, so each fault meets both RPCs.
 */
export function worldWriters(
  env: Environment,
  o: { worlds: number; saves: number; tag: string } & Partial<Pick<WriterOptions, 'maxAttempts' | 'deadlineOf' | 'beforeCall'>>,
): { worlds: string[]; progress: Progress; writers: Promise<void>[] } {
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
      maxAttempts: o.maxAttempts ?? 12,
      deadlineOf: o.deadlineOf,
      beforeCall: o.beforeCall,
      changeSets: i % 2 === 1,
      stopAt: env.stopAt,
    }),
  );
  return { worlds, progress, writers };
}
