import type { RestoreHandlers } from '@persistd/client';
import { QuestStatus, type ItemRecord, type Vec3 } from '@persistd/contract';
import { emptyWorld, type GameWorld, type ItemPlace, type QuestState } from '../game/world-state';

const vec = (v: Vec3 | undefined) => ({ x: v?.x ?? 0, y: v?.y ?? 0, z: v?.z ?? 0 });

const QUEST_STATE: Partial<Record<QuestStatus, QuestState>> = { [QuestStatus.ACTIVE]: 'active', [QuestStatus.COMPLETED]: 'completed', [QuestStatus.FAILED]: 'failed' };

function place(item: ItemRecord): ItemPlace {
  const l = item.location;
  switch (l.case) {
    case 'inventory':
      return { kind: 'inventory', playerId: l.value.playerId, slot: l.value.slot };
    case 'ground':
      return { kind: 'ground', zoneId: l.value.zoneId, pos: vec(l.value.position) };
    case 'heldByNpc':
      return { kind: 'npc', npcId: l.value.npcId };
    default:
      throw new Error(`item ${item.itemId} has no location`); // the daemon never stores one (INVALID_FIELD)
  }
}

/**
 * Restore handlers that build a staging GameWorld, in phase order (players, world, then NPCs,
 * items, quests). Runtime-only state starts at its defaults. The staged world is used only once
 * the restore completed — a refused restore leaves it to be thrown away.
 */
export function stagingHandlers(worldId: string, contentVersion: string): { handlers: RestoreHandlers; world: GameWorld } {
  const world = emptyWorld(worldId, contentVersion);
  const handlers: RestoreHandlers = {
    player: (s) => {
      for (const r of s.players) {
        world.players.set(r.playerId, {
          id: r.playerId,
          accountId: r.identity?.accountId ?? '',
          name: r.identity?.displayName ?? '',
          createdAtMs: r.identity?.createdAtMs ?? 0n,
          zoneId: r.save?.zoneId ?? '',
          pos: vec(r.save?.position),
          level: r.save?.level ?? 0,
          xp: r.save?.experience ?? 0n,
          gold: r.save?.currency ?? 0n,
          attributes: new Map(Object.entries(r.save?.attributes ?? {})),
        });
      }
    },
    world: (s) => {
      world.contentVersion = s.contentVersion;
      for (const z of s.zones) world.zones.set(z.zoneId, { id: z.zoneId, templateId: z.templateId, parentId: z.parentZoneId, flags: new Map(Object.entries(z.flags)) });
    },
    npc: (s) => {
      for (const n of s.npcs) {
        world.npcs.set(n.npcId, {
          id: n.npcId,
          templateId: n.templateId,
          zoneId: n.zoneId,
          pos: vec(n.position),
          alive: n.alive,
          health: n.health,
          disposition: n.disposition,
          flags: new Map(Object.entries(n.flags)),
          aiState: n.alive ? 'idle' : 'dead',
        });
      }
    },
    item: (s) => {
      for (const i of s.items) world.items.set(i.itemId, { id: i.itemId, templateId: i.templateId, quantity: i.quantity, durability: i.durability, place: place(i) });
    },
    quest: (s) => {
      for (const q of s.quests) {
        world.quests.set(q.questId, { id: q.questId, playerId: q.playerId, templateId: q.templateId, stage: q.stage, state: QUEST_STATE[q.status] ?? 'active', objectives: new Map(Object.entries(q.objectives)) });
      }
    },
  };
  return { handlers, world };
}
