import type { WorldSnapshot } from '@persistd/contract';

/**
 * Makes a snapshot read from one epoch (of this or another world) the next save of `worldId`:
 * every section's `source_epoch` becomes the target's committed epoch (the save's
 * `expected_epoch`), and the world section names the target. Records are untouched, so the
 * content digest is the source epoch's (DESIGN §5: it depends on the records alone).
 */
export function restamp(snapshot: WorldSnapshot, worldId: string, expectedEpoch: bigint): WorldSnapshot {
  for (const section of [snapshot.players, snapshot.world, snapshot.npcs, snapshot.items, snapshot.quests]) {
    if (!section) throw new Error('restamp: a section is absent'); // decode/collect always make all five
    section.sourceEpoch = expectedEpoch;
  }
  snapshot.world!.worldId = worldId;
  return snapshot;
}
