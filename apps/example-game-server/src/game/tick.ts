import { QUEST_GOAL, type GameWorld } from './world-state';

/** A small deterministic random source (mulberry32): runtime-only, never persisted. */
export function randomSource(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * One step of the game: players wander and hunt, wolves fight back and respawn, swords wear,
 * quests progress and complete. Mutates the world in place; callers make sure it is active.
 */
export function tickWorld(world: GameWorld, random: () => number): void {
  const wolves = [...world.npcs.values()].filter((n) => n.templateId === 'wolf');
  for (const p of world.players.values()) {
    p.pos.x = round1(p.pos.x + (random() - 0.5) * 4);
    p.pos.y = round1(p.pos.y + (random() - 0.5) * 4);
    const target = wolves[Math.floor(random() * wolves.length)];
    if (!target?.alive) continue;
    target.aiState = 'fighting';
    target.health = Math.max(0, target.health - (5 + Math.floor(random() * 10)));
    const sword = world.items.get(`i-sword-${p.id.slice(2)}`);
    if (sword && sword.durability > 0) sword.durability -= 1;
    if (target.health > 0) continue;
    target.alive = false;
    target.aiState = 'dead';
    p.xp += 25n;
    p.gold += 3n;
    if (p.xp >= BigInt(p.level) * 100n) p.level += 1;
    for (const q of world.quests.values()) {
      if (q.playerId !== p.id || q.state !== 'active') continue;
      q.objectives.set('wolves', Math.min(QUEST_GOAL, (q.objectives.get('wolves') ?? 0) + 1));
      if ([...q.objectives.values()].every((v) => v >= QUEST_GOAL)) {
        q.state = 'completed';
        q.stage += 1;
      }
    }
  }
  for (const w of wolves) {
    if (!w.alive && random() < 0.2) {
      w.alive = true;
      w.health = 50;
      w.aiState = 'idle';
    }
  }
}
