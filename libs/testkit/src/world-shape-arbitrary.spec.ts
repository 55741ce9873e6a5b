import fc from 'fast-check';
import { generateWorld } from './world-generator';
import { worldShapeArbitrary } from './world-shape-arbitrary';

describe('worldShapeArbitrary', () => {
  it('keeps every count, the world id and the epoch inside the ranges asked for', () => {
    const arb = worldShapeArbitrary({ players: { min: 1, max: 6 }, zones: { min: 2, max: 5 }, npcs: { max: 6 }, items: { min: 2, max: 10 }, quests: { min: 1, max: 6 }, worldIdMaxLength: 4, epoch: { min: 5n, max: 9n } });
    fc.assert(
      fc.property(arb, (s) => {
        expect(s.worldId).toMatch(/^[A-Za-z0-9._-]{1,4}$/);
        expect([s.players >= 1 && s.players <= 6, s.zones >= 2 && s.zones <= 5, s.npcs >= 0 && s.npcs <= 6, s.items >= 2 && s.items <= 10, s.quests >= 1 && s.quests <= 6]).toEqual([true, true, true, true, true]);
        expect(s.epoch! >= 5n && s.epoch! <= 9n).toBe(true);
        expect(s.seed! >= 1).toBe(true);
        expect(s.contentVersion).toBeUndefined();
      }),
    );
  });

  it('reaches both ends of a range', () => {
    const seen = new Set(fc.sample(worldShapeArbitrary({ players: { min: 1, max: 3 }, zones: { min: 1, max: 1 }, npcs: { max: 0 }, items: { max: 0 }, quests: { max: 0 } }), 200).map((s) => s.players));
    expect([...seen].sort()).toEqual([1, 2, 3]);
  });

  it('carries no epoch unless asked, and only the content versions given', () => {
    for (const s of fc.sample(worldShapeArbitrary({ players: { max: 2 }, zones: { max: 2 }, npcs: { max: 2 }, items: { max: 2 }, quests: { max: 2 }, contentVersions: ['c1', ''] }), 100)) {
      expect('epoch' in s).toBe(false);
      expect(['c1', '']).toContain(s.contentVersion);
    }
  });

  it('where zero counts are allowed, gives a zone to whatever stands in one and quests only to players', () => {
    const arb = worldShapeArbitrary({ players: { max: 3 }, zones: { max: 3 }, npcs: { max: 3 }, items: { max: 3 }, quests: { max: 3 } });
    fc.assert(
      fc.property(arb, (s) => {
        if (s.players + s.npcs + s.items > 0) expect(s.zones).toBeGreaterThanOrEqual(1);
        if (s.players === 0) expect(s.quests).toBe(0);
        // The generator builds it: the counts it asked for are the counts it got.
        const w = generateWorld(s);
        expect([w.players!.players.length, w.world!.zones.length, w.npcs!.npcs.length, w.items!.items.length, w.quests!.quests.length]).toEqual([s.players, s.zones, s.npcs, s.items, s.quests]);
      }),
    );
  });
});
