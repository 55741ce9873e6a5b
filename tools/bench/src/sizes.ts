import type { WorldShape } from '@persistd/testkit';

/** The three synthetic world sizes of the benchmark. */
export type SizeName = 'S' | 'M' | 'L';

/** Operations and parallelism of one measured run. */
export interface Cell {
  concurrency: number;
  ops: number;
}

/** One world size and what is run on it. */
export interface SizeSpec {
  name: SizeName;
  shape: Omit<WorldShape, 'worldId'>;
  records: number;
  save: Cell[];
  restore: Cell[];
}

const shapes: Record<SizeName, Omit<WorldShape, 'worldId'>> = {
  S: { players: 20, zones: 30, npcs: 250, items: 1_500, quests: 200, seed: 11 },
  M: { players: 500, zones: 500, npcs: 5_000, items: 40_000, quests: 4_000, seed: 12 },
  L: { players: 2_000, zones: 2_000, npcs: 25_000, items: 200_000, quests: 21_000, seed: 13 },
};

const recordsOf = (s: Omit<WorldShape, 'worldId'>) => s.players + s.zones + s.npcs + s.items + s.quests;

/**
 * What each mode runs. Full: all three sizes; L saves one at a time only, because a world of
 * 250,000 records costs the daemon seconds of CPU per save today and eight in flight would not
 * fit the five-minute budget (or 1.5 GiB). Quick: S and M, fewer operations.
 */
export function plan(quick: boolean, lConcurrency: readonly number[] = [1]): SizeSpec[] {
  const spec = (name: SizeName, save: Cell[], restore: Cell[]): SizeSpec => ({ name, shape: shapes[name], records: recordsOf(shapes[name]), save, restore });
  if (quick) {
    return [
      spec('S', [{ concurrency: 1, ops: 15 }, { concurrency: 8, ops: 24 }, { concurrency: 32, ops: 32 }], [{ concurrency: 1, ops: 10 }, { concurrency: 8, ops: 16 }]),
      spec('M', [{ concurrency: 1, ops: 2 }, { concurrency: 8, ops: 8 }], [{ concurrency: 1, ops: 3 }, { concurrency: 8, ops: 8 }]),
    ];
  }
  return [
    spec('S', [{ concurrency: 1, ops: 40 }, { concurrency: 8, ops: 64 }, { concurrency: 32, ops: 96 }], [{ concurrency: 1, ops: 40 }, { concurrency: 8, ops: 64 }]),
    spec('M', [{ concurrency: 1, ops: 4 }, { concurrency: 8, ops: 16 }, { concurrency: 32, ops: 32 }], [{ concurrency: 1, ops: 8 }, { concurrency: 8, ops: 16 }]),
    spec('L', lConcurrency.map((c) => ({ concurrency: c, ops: Math.max(2, c) })), [{ concurrency: 1, ops: 3 }]),
  ];
}
