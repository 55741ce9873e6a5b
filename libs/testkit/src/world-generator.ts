import { create } from '@bufbuild/protobuf';
import { QuestStatus, WorldSnapshotSchema, type WorldSnapshot } from '@persistd/contract';

/** Sizes of a generated world; every reference in it resolves and every slot is claimed once. */
export interface WorldShape {
  worldId: string;
  players: number;
  zones: number;
  npcs: number;
  items: number;
  quests: number;
  /** The epoch the snapshot descends from (every section's source_epoch). */
  epoch?: bigint;
  seed?: number;
  contentVersion?: string;
  /**
   * How record ids follow owners. `scattered` (default): ids in creation order, so one player's
   * items or one zone's NPCs are spread across the whole id order. `by-owner`: NPCs numbered zone
   * by zone, items owner by owner (player, zone or NPC) and quests player by player, as a game
   * server that allocates ids per player or per zone would — what one owner's change touches is
   * one contiguous run of ids.
   */
  ids?: 'scattered' | 'by-owner';
}

/** A small deterministic PRNG (mulberry32): the same seed gives the same world. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n: number) => String(n).padStart(6, '0');

/**
 * A valid world of the given shape. Records come in id order; shuffle them to test that order
 * does not matter. Items cycle through inventory slots, the ground and NPC hands.
 */
export function generateWorld(shape: WorldShape): WorldSnapshot {
  const world = scatteredWorld(shape);
  if (shape.ids === 'by-owner') renumberByOwner(world);
  return world;
}

/** The owner a record's id run follows: its holder's kind and id (kinds kept apart). */
function itemOwner(item: NonNullable<WorldSnapshot['items']>['items'][number]): string {
  const l = item.location;
  return l.case === 'inventory' ? `p:${l.value.playerId}` : l.case === 'ground' ? `z:${l.value.zoneId}` : `n:${l.value?.npcId}`;
}

/** Stable sort by owner, then new ids in that order; references to renumbered NPCs follow. */
function renumberByOwner(world: WorldSnapshot): void {
  const byOwner = <T>(xs: T[], owner: (x: T) => string) => xs.map((x, i) => ({ x, i, o: owner(x) })).sort((a, b) => (a.o < b.o ? -1 : a.o > b.o ? 1 : a.i - b.i)).map((e) => e.x);
  const npcs = byOwner(world.npcs!.npcs, (n) => n.zoneId);
  const npcIds = new Map<string, string>();
  npcs.forEach((n, k) => {
    npcIds.set(n.npcId, `n${pad(k)}`);
    n.npcId = `n${pad(k)}`;
  });
  world.npcs!.npcs = npcs;
  for (const item of world.items!.items) if (item.location.case === 'heldByNpc') item.location.value.npcId = npcIds.get(item.location.value.npcId)!;
  world.items!.items = byOwner(world.items!.items, itemOwner);
  world.items!.items.forEach((item, k) => (item.itemId = `i${pad(k)}`));
  world.quests!.quests = byOwner(world.quests!.quests, (q) => q.playerId);
  world.quests!.quests.forEach((q, k) => (q.questId = `q${pad(k)}`));
}

/** The default layout: every record numbered in creation order. */
function scatteredWorld(shape: WorldShape): WorldSnapshot {
  const rnd = prng(shape.seed ?? 1);
  const epoch = shape.epoch ?? 0n;
  const int = (n: number) => Math.floor(rnd() * n);
  const zoneId = (i: number) => `z${pad(i)}`;
  const playerId = (i: number) => `p${pad(i)}`;
  const npcId = (i: number) => `n${pad(i)}`;
  const pos = () => ({ x: Math.round(rnd() * 1e5) / 10, y: Math.round(rnd() * 1e5) / 10, z: Math.round(rnd() * 1e3) / 10 });
  const slotsUsed = new Map<number, number>();
  const header = { sourceEpoch: epoch, schemaVersion: 1 };

  return create(WorldSnapshotSchema, {
    schemaVersion: 1,
    players: {
      ...header,
      players: Array.from({ length: shape.players }, (_, i) => ({
        playerId: playerId(i),
        identity: { accountId: `acct-${pad(i)}`, displayName: `Player ${i}`, createdAtMs: 1_700_000_000_000n + BigInt(i) },
        save: {
          zoneId: zoneId(int(shape.zones)),
          position: pos(),
          level: 1 + int(60),
          experience: BigInt(int(1_000_000)),
          currency: BigInt(int(100_000)),
          attributes: { strength: BigInt(int(100)), agility: BigInt(int(100)) },
        },
      })),
    },
    world: {
      ...header,
      worldId: shape.worldId,
      contentVersion: shape.contentVersion ?? 'content-1.0.0',
      zones: Array.from({ length: shape.zones }, (_, i) => ({
        zoneId: zoneId(i),
        templateId: `zone-tpl-${i % 7}`,
        parentZoneId: i < 5 ? '' : zoneId(int(5)),
        flags: (i % 3 === 0 ? { pvp: 'off', weather: 'rain' } : {}) as Record<string, string>,
      })),
    },
    npcs: {
      ...header,
      npcs: Array.from({ length: shape.npcs }, (_, i) => ({
        npcId: npcId(i),
        templateId: `npc-tpl-${i % 40}`,
        zoneId: zoneId(int(shape.zones)),
        position: pos(),
        alive: rnd() > 0.1,
        health: int(1000),
        disposition: ['friendly', 'neutral', 'hostile'][i % 3],
        flags: (i % 5 === 0 ? { merchant: 'yes' } : {}) as Record<string, string>,
      })),
    },
    items: {
      ...header,
      items: Array.from({ length: shape.items }, (_, i) => {
        const kind = shape.players > 0 && (shape.npcs === 0 || i % 3 !== 2) ? (i % 3 === 1 ? 'ground' : 'inventory') : shape.npcs > 0 ? 'npc' : 'ground';
        let location;
        if (kind === 'inventory') {
          const p = int(shape.players);
          const slot = slotsUsed.get(p) ?? 0;
          slotsUsed.set(p, slot + 1);
          location = { case: 'inventory' as const, value: { playerId: playerId(p), slot } };
        } else if (kind === 'ground') {
          location = { case: 'ground' as const, value: { zoneId: zoneId(int(shape.zones)), position: pos() } };
        } else {
          location = { case: 'heldByNpc' as const, value: { npcId: npcId(int(shape.npcs)) } };
        }
        return { itemId: `i${pad(i)}`, templateId: `item-tpl-${i % 200}`, quantity: 1 + int(20), durability: int(100), location };
      }),
    },
    quests: {
      ...header,
      quests: Array.from({ length: shape.quests }, (_, i) => ({
        questId: `q${pad(i)}`,
        playerId: playerId(int(shape.players)),
        templateId: `quest-tpl-${i % 50}`,
        stage: int(10),
        status: [QuestStatus.ACTIVE, QuestStatus.COMPLETED, QuestStatus.FAILED][i % 3],
        objectives: (i % 2 === 0 ? { kill_wolves: int(10), find_key: int(2) } : {}) as Record<string, number>,
      })),
    },
  });
}

/** Fisher-Yates with a seed: the same world in another record order. */
export function shuffleWorld(world: WorldSnapshot, seed: number): WorldSnapshot {
  const rnd = prng(seed);
  const shuffle = <T>(xs: T[]) => {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
  };
  shuffle(world.players!.players);
  shuffle(world.world!.zones);
  shuffle(world.npcs!.npcs);
  shuffle(world.items!.items);
  shuffle(world.quests!.quests);
  return world;
}

/** A small valid world for tests that only need one. */
export function smallWorld(worldId: string, epoch = 0n, seed = 1): WorldSnapshot {
  return generateWorld({ worldId, players: 4, zones: 6, npcs: 5, items: 12, quests: 4, epoch, seed });
}
