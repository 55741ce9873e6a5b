import { clone } from '@bufbuild/protobuf';
import { WorldSnapshotSchema, type WorldSnapshot } from '@persistd/contract';
import { generateWorld } from '@persistd/testkit';
import { prepareEpoch } from '@persistd/validation';
import type { Rng } from '../rng';

/** Record counts of the worlds a scenario saves (small: the faults are the point, not the bytes). */
export interface WorldSize {
  players: number;
  zones: number;
  npcs: number;
  items: number;
  quests: number;
}

export const SMALL_WORLD: WorldSize = { players: 6, zones: 8, npcs: 10, items: 30, quests: 8 };

/**
 * A valid snapshot no other operation of the run submits: its records come from the operation's
 * own seed, and the first player carries the operation number (`chaos_op`), so two operations
 * never share a content digest and the checker can say which one a stored epoch is. Sizes vary
 * by up to a third unless `exactSize` (then record ids repeat across snapshots, so sections of
 * two snapshots can be mixed into one that still passes every structural rule).
 */
export function uniqueSnapshot(worldId: string, expectedEpoch: bigint, opNumber: number, rng: Rng, size: WorldSize = SMALL_WORLD, exactSize = false): WorldSnapshot {
  const jitter = (n: number) => (exactSize ? n : Math.max(1, n + rng.between(-Math.floor(n / 3), Math.floor(n / 3))));
  const snapshot = generateWorld({
    worldId,
    epoch: expectedEpoch,
    seed: rng.int(0x7fffffff),
    players: jitter(size.players),
    zones: jitter(size.zones),
    npcs: jitter(size.npcs),
    items: jitter(size.items),
    quests: jitter(size.quests),
  });
  snapshot.players!.players[0]!.save!.attributes.chaos_op = BigInt(opNumber);
  return snapshot;
}

/** The content_digest persistd will compute for a snapshot, computed here on a clone (DESIGN §5). */
export function contentDigestOf(snapshot: WorldSnapshot, worldId: string): string {
  return prepareEpoch(clone(WorldSnapshotSchema, snapshot), { worldId, requestId: 'client-side', principal: '', committedAtMs: 0n }).contentDigest;
}

/** The same snapshot stamped with another expected epoch (every section's source_epoch). */
export function restamp(snapshot: WorldSnapshot, epoch: bigint): WorldSnapshot {
  const s = clone(WorldSnapshotSchema, snapshot);
  for (const section of [s.players, s.world, s.npcs, s.items, s.quests]) if (section) section.sourceEpoch = epoch;
  return s;
}

/**
 * A snapshot that shares most of its chunks with the other saves of a run: `base`'s records,
 * with the operation number on the first player (so the content digest is unique) and, now and
 * then, one item changed. Used where retention must drop epochs whose chunks later epochs still
 * list (chunk garbage collection under contention).
 */
export function sharedSnapshot(base: WorldSnapshot, expectedEpoch: bigint, opNumber: number, rng: Rng): WorldSnapshot {
  const s = restamp(base, expectedEpoch);
  s.players!.players[0]!.save!.attributes.chaos_op = BigInt(opNumber);
  if (rng.chance(0.3)) rng.pick(s.items!.items).durability = rng.int(100);
  return s;
}
