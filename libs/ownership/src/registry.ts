import { OwnerSystem, RestorePhase } from '@persistd/contract';

/**
 * The closed registry of the systems that persist (DESIGN §1). Nothing else persists:
 * networking, replication, scheduling, AI and client-derived state have no entry here.
 * Adding a sixth system is an edit of this one table (and of the contract).
 *
 * Order is restore order: players, world, then the bound systems npc, item, quest.
 */
export const OWNER_SYSTEMS = [
  { system: OwnerSystem.PLAYER, name: 'player', phase: RestorePhase.PLAYERS, section: 'players', recordField: 'players' },
  { system: OwnerSystem.WORLD, name: 'world', phase: RestorePhase.WORLD, section: 'world', recordField: 'zones' },
  { system: OwnerSystem.NPC, name: 'npc', phase: RestorePhase.BOUND, section: 'npcs', recordField: 'npcs' },
  { system: OwnerSystem.ITEM, name: 'item', phase: RestorePhase.BOUND, section: 'items', recordField: 'items' },
  { system: OwnerSystem.QUEST, name: 'quest', phase: RestorePhase.BOUND, section: 'quests', recordField: 'quests' },
] as const;

/** One registry entry. */
export type OwnerEntry = (typeof OWNER_SYSTEMS)[number];
/** Short lowercase name of a system: `player`, `world`, `npc`, `item`, `quest`. */
export type OwnerName = OwnerEntry['name'];
/** The WorldSnapshot field that holds a system's section. */
export type SectionField = OwnerEntry['section'];

/** The restore phases in the only order they may happen (DESIGN §1). */
export const RESTORE_PHASES = [RestorePhase.PLAYERS, RestorePhase.WORLD, RestorePhase.BOUND, RestorePhase.ACTIVATION] as const;

/** The registry entry of a system; throws for UNSPECIFIED or a value outside the closed set. */
export function ownerEntry(system: OwnerSystem): OwnerEntry {
  const entry = OWNER_SYSTEMS.find((e) => e.system === system);
  if (!entry) throw new Error(`ownership: ${system} is not an owner system`);
  return entry;
}

/** Systems restored in a phase, in their order within it (BOUND: npc, item, quest). */
export function systemsOfPhase(phase: RestorePhase): OwnerEntry[] {
  return OWNER_SYSTEMS.filter((e) => e.phase === phase);
}

/** Rank of a system in restore order, used as the second key of violation sorting. */
export function systemRank(system: OwnerSystem): number {
  const i = OWNER_SYSTEMS.findIndex((e) => e.system === system);
  return i < 0 ? OWNER_SYSTEMS.length : i;
}
