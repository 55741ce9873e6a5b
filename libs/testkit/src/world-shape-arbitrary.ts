import fc from 'fast-check';
import type { WorldShape } from './world-generator';

/** A count's range; `min` defaults to 0. */
export interface CountRange {
  min?: number;
  max: number;
}

/** What a property varies of the worlds it generates: each count's range, and what else a shape carries. */
export interface WorldShapeRanges {
  players: CountRange;
  zones: CountRange;
  npcs: CountRange;
  items: CountRange;
  quests: CountRange;
  /** Longest world id ([A-Za-z0-9._-], at least one character); default 16. */
  worldIdMaxLength?: number;
  /** Epochs the world descends from; omitted, the shape has none (generateWorld's 0). */
  epoch?: { min?: bigint; max: bigint };
  /** Content versions to pick from; omitted, generateWorld's default. */
  contentVersions?: readonly string[];
}

const count = ({ min = 0, max }: CountRange) => fc.integer({ min, max });

/**
 * World shapes for property tests: world id, the five counts, seed, and the epoch and content
 * version when asked for. Every shape is one generateWorld makes a valid world of: a shape that
 * allows no zones while anything stands in one gets one zone, and one that allows no players
 * gets no quests (neither changes a shape whose ranges exclude 0).
 */
export function worldShapeArbitrary(ranges: WorldShapeRanges): fc.Arbitrary<WorldShape> {
  const optional = {
    ...(ranges.epoch ? { epoch: fc.bigInt({ min: ranges.epoch.min ?? 0n, max: ranges.epoch.max }) } : {}),
    ...(ranges.contentVersions ? { contentVersion: fc.constantFrom(...ranges.contentVersions) } : {}),
  };
  return fc
    .record({
      worldId: fc.stringMatching(new RegExp(`^[A-Za-z0-9._-]{1,${ranges.worldIdMaxLength ?? 16}}$`)),
      players: count(ranges.players),
      zones: count(ranges.zones),
      npcs: count(ranges.npcs),
      items: count(ranges.items),
      quests: count(ranges.quests),
      seed: fc.integer({ min: 1, max: 0x7fffffff }),
      ...optional,
    })
    .map((s): WorldShape => ({
      ...s,
      quests: s.players > 0 ? s.quests : 0,
      zones: s.players + s.npcs + s.items > 0 ? Math.max(1, s.zones) : s.zones,
    }));
}
