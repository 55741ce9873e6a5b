import { emptyWorld, type GameWorld } from './world-state';

/** The world a never-saved shard starts with: a town, a forest, three players, a few NPCs, items and quests. */
export function freshWorld(worldId: string, contentVersion: string, nowMs: bigint): GameWorld {
  const w = emptyWorld(worldId, contentVersion);
  w.zones.set('z-town', { id: 'z-town', templateId: 'town', parentId: '', flags: new Map([['pvp', 'off']]) });
  w.zones.set('z-forest', { id: 'z-forest', templateId: 'forest', parentId: '', flags: new Map([['pvp', 'on']]) });
  w.zones.set('z-cave', { id: 'z-cave', templateId: 'cave', parentId: 'z-forest', flags: new Map() });
  const names = ['Ayla', 'Borin', 'Cass'];
  names.forEach((name, i) => {
    const id = `p-${i + 1}`;
    w.players.set(id, {
      id,
      accountId: `acct-${i + 1}`,
      name,
      createdAtMs: nowMs,
      zoneId: i === 2 ? 'z-forest' : 'z-town',
      pos: { x: 10 * i, y: 5, z: 0 },
      level: 1,
      xp: 0n,
      gold: 25n,
      attributes: new Map([['strength', BigInt(8 + i)], ['agility', BigInt(10 - i)]]),
    });
    w.quests.set(`q-${i + 1}`, { id: `q-${i + 1}`, playerId: id, templateId: 'wolf-hunt', stage: 1, state: 'active', objectives: new Map([['wolves', 0]]) });
    w.items.set(`i-sword-${i + 1}`, { id: `i-sword-${i + 1}`, templateId: 'sword', quantity: 1, durability: 100, place: { kind: 'inventory', playerId: id, slot: 0 } });
    w.items.set(`i-potion-${i + 1}`, { id: `i-potion-${i + 1}`, templateId: 'potion', quantity: 3, durability: 0, place: { kind: 'inventory', playerId: id, slot: 1 } });
  });
  for (let i = 1; i <= 4; i++) {
    const id = `n-wolf-${i}`;
    w.npcs.set(id, { id, templateId: 'wolf', zoneId: 'z-forest', pos: { x: 100 + i, y: 40, z: 0 }, alive: true, health: 50, disposition: 'hostile', flags: new Map(), aiState: 'idle' });
  }
  w.npcs.set('n-smith', { id: 'n-smith', templateId: 'blacksmith', zoneId: 'z-town', pos: { x: 3, y: 3, z: 0 }, alive: true, health: 200, disposition: 'friendly', flags: new Map([['merchant', 'yes']]), aiState: 'idle' });
  w.items.set('i-hammer', { id: 'i-hammer', templateId: 'hammer', quantity: 1, durability: 80, place: { kind: 'npc', npcId: 'n-smith' } });
  w.items.set('i-coins', { id: 'i-coins', templateId: 'coin-pile', quantity: 12, durability: 0, place: { kind: 'ground', zoneId: 'z-cave', pos: { x: 7, y: 1, z: -2 } } });
  return w;
}
