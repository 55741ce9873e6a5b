import type { ItemSection, NpcSection, OwnerSystem, PlayerSection, QuestSection, RestorePhase, WorldSection } from '@persistd/contract';

/** Where a section message sits in the restore, for handlers that log or stage by chunk. */
export interface SectionContext {
  system: OwnerSystem;
  phase: RestorePhase;
  /** The restored epoch. */
  epoch: bigint;
  /** Index of this message within its section: 0 first, then one per stored chunk. */
  chunk: number;
  /** Records in this message (a slice of the section; 0 for an empty section). */
  records: number;
}

/** A handler may finish synchronously or return a promise; the driver awaits it before going on. */
type Handler<S> = (section: S, context: SectionContext) => void | Promise<void>;

/**
 * One handler per owner system. The driver calls them in restore order only (players, world,
 * npcs, items, quests), one message at a time, each section possibly in several calls. What
 * they build stays inactive: the game server activates the RestoredWorld once all is in place,
 * and discards it all if the restore is refused.
 */
export interface RestoreHandlers {
  player: Handler<PlayerSection>;
  world: Handler<WorldSection>;
  npc: Handler<NpcSection>;
  item: Handler<ItemSection>;
  quest: Handler<QuestSection>;
}
