import type { SnapshotOwners } from '@persistd/client';
import { QuestStatus } from '@persistd/contract';
import type { GameWorld, Item, QuestState } from '../game/world-state';

const QUEST_STATUS: Record<QuestState, QuestStatus> = { active: QuestStatus.ACTIVE, completed: QuestStatus.COMPLETED, failed: QuestStatus.FAILED };

function itemLocation(item: Item) {
  const p = item.place;
  switch (p.kind) {
    case 'inventory':
      return { case: 'inventory' as const, value: { playerId: p.playerId, slot: p.slot } };
    case 'ground':
      return { case: 'ground' as const, value: { zoneId: p.zoneId, position: p.pos } };
    case 'npc':
      return { case: 'heldByNpc' as const, value: { npcId: p.npcId } };
  }
}

/**
 * The world's five owner systems as captureSnapshot providers: each maps the runtime objects
 * to their records, leaving runtime-only state (sessions, AI state) out. captureSnapshot calls
 * them in one synchronous pass and deep-copies the result, so shared sub-objects (positions,
 * maps) are safe to hand over as they are.
 */
export function snapshotOwners(world: GameWorld, epoch: bigint): SnapshotOwners {
  return {
    worldId: world.worldId,
    contentVersion: world.contentVersion,
    epoch,
    players: () =>
      [...world.players.values()].map((p) => ({
        playerId: p.id,
        identity: { accountId: p.accountId, displayName: p.name, createdAtMs: p.createdAtMs },
        save: { zoneId: p.zoneId, position: p.pos, level: p.level, experience: p.xp, currency: p.gold, attributes: Object.fromEntries(p.attributes) },
      })),
    world: () => [...world.zones.values()].map((z) => ({ zoneId: z.id, templateId: z.templateId, parentZoneId: z.parentId, flags: Object.fromEntries(z.flags) })),
    npcs: () =>
      [...world.npcs.values()].map((n) => ({
        npcId: n.id,
        templateId: n.templateId,
        zoneId: n.zoneId,
        position: n.pos,
        alive: n.alive,
        health: n.health,
        disposition: n.disposition,
        flags: Object.fromEntries(n.flags),
      })),
    items: () => [...world.items.values()].map((i) => ({ itemId: i.id, templateId: i.templateId, quantity: i.quantity, durability: i.durability, location: itemLocation(i) })),
    quests: () =>
      [...world.quests.values()].map((q) => ({
        questId: q.id,
        playerId: q.playerId,
        templateId: q.templateId,
        stage: q.stage,
        status: QUEST_STATUS[q.state],
        objectives: Object.fromEntries(q.objectives),
      })),
  };
}
