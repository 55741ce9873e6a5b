import { create } from '@bufbuild/protobuf';
import { WorldSnapshotSchema, type WorldSnapshot } from '@persistd/contract';
import type { RestoreHandlers } from '@persistd/client';

/**
 * Restore handlers that gather a whole restore back into one WorldSnapshot: each section's
 * header from its first message, its records from every message, in the order they arrive
 * (canonical). Use the snapshot only once the RestoreDriver handed back a RestoredWorld.
 */
export function collectRestore(): { handlers: RestoreHandlers; snapshot: WorldSnapshot } {
  const snapshot = create(WorldSnapshotSchema, {});
  const handlers: RestoreHandlers = {
    player: (s) => {
      if (snapshot.players) snapshot.players.players.push(...s.players);
      else snapshot.players = s;
      snapshot.schemaVersion = s.schemaVersion;
    },
    world: (s) => {
      if (snapshot.world) snapshot.world.zones.push(...s.zones);
      else snapshot.world = s;
    },
    npc: (s) => {
      if (snapshot.npcs) snapshot.npcs.npcs.push(...s.npcs);
      else snapshot.npcs = s;
    },
    item: (s) => {
      if (snapshot.items) snapshot.items.items.push(...s.items);
      else snapshot.items = s;
    },
    quest: (s) => {
      if (snapshot.quests) snapshot.quests.quests.push(...s.quests);
      else snapshot.quests = s;
    },
  };
  return { handlers, snapshot };
}
