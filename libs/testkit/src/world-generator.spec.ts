import { toBinary } from '@bufbuild/protobuf';
import { WorldSnapshotSchema, type ItemRecord } from '@persistd/contract';
import { generateWorld, shuffleWorld } from './world-generator';

describe('generateWorld', () => {
  const shape = { worldId: 'g', players: 40, zones: 9, npcs: 30, items: 200, quests: 25, seed: 9 };

  it('is deterministic for a seed and differs across seeds', () => {
    const bytes = (s: number) => Buffer.from(toBinary(WorldSnapshotSchema, generateWorld({ ...shape, seed: s })));
    expect(bytes(9).equals(bytes(9))).toBe(true);
    expect(bytes(9).equals(bytes(10))).toBe(false);
  });

  it('makes every reference resolve and every inventory slot unique', () => {
    const w = generateWorld(shape);
    const zones = new Set(w.world!.zones.map((z) => z.zoneId));
    const players = new Set(w.players!.players.map((p) => p.playerId));
    const npcs = new Set(w.npcs!.npcs.map((n) => n.npcId));
    for (const p of w.players!.players) expect(zones.has(p.save!.zoneId)).toBe(true);
    for (const z of w.world!.zones) expect(z.parentZoneId === '' || zones.has(z.parentZoneId)).toBe(true);
    for (const q of w.quests!.quests) expect(players.has(q.playerId)).toBe(true);
    const slots = new Set<string>();
    for (const i of w.items!.items) {
      const l = i.location;
      if (l.case === 'inventory') {
        expect(players.has(l.value.playerId)).toBe(true);
        const key = `${l.value.playerId}/${l.value.slot}`;
        expect(slots.has(key)).toBe(false);
        slots.add(key);
      } else if (l.case === 'ground') expect(zones.has(l.value.zoneId)).toBe(true);
      else if (l.case === 'heldByNpc') expect(npcs.has(l.value.npcId)).toBe(true);
      else throw new Error('item without location');
    }
    expect(new Set(w.items!.items.map((i) => i.location.case))).toEqual(new Set(['inventory', 'ground', 'heldByNpc']));
  });

  it("allocates ids by owner on request: one owner's records form one contiguous run of ids, references intact", () => {
    const scattered = generateWorld(shape);
    const w = generateWorld({ ...shape, ids: 'by-owner' });
    expect(Buffer.from(toBinary(WorldSnapshotSchema, generateWorld({ ...shape, ids: 'scattered' }))).equals(Buffer.from(toBinary(WorldSnapshotSchema, scattered)))).toBe(true);
    const owner = (i: ItemRecord) => `${i.location.case}:${i.location.case === 'inventory' ? i.location.value.playerId : i.location.case === 'ground' ? i.location.value.zoneId : i.location.value?.npcId}`;
    const runs = (owners: string[]) => owners.filter((o, k) => k === 0 || o !== owners[k - 1]).length;
    const inIdOrder = <T>(xs: T[], id: (x: T) => string) => [...xs].sort((a, b) => (id(a) < id(b) ? -1 : 1));
    const itemOwners = inIdOrder(w.items!.items, (i) => i.itemId).map(owner);
    expect(runs(itemOwners)).toBe(new Set(itemOwners).size);
    expect(runs(inIdOrder(scattered.items!.items, (i) => i.itemId).map(owner))).toBeGreaterThan(new Set(itemOwners).size);
    const questOwners = inIdOrder(w.quests!.quests, (q) => q.questId).map((q) => q.playerId);
    expect(runs(questOwners)).toBe(new Set(questOwners).size);
    const npcZones = inIdOrder(w.npcs!.npcs, (n) => n.npcId).map((n) => n.zoneId);
    expect(runs(npcZones)).toBe(new Set(npcZones).size);
    // Same records under new ids: NPC hands still name NPCs that exist, and counts are kept.
    const npcs = new Set(w.npcs!.npcs.map((n) => n.npcId));
    for (const i of w.items!.items) if (i.location.case === 'heldByNpc') expect(npcs.has(i.location.value.npcId)).toBe(true);
    expect(new Set(w.items!.items.map((i) => i.itemId)).size).toBe(shape.items);
  });

  it('shuffles records without losing or adding any', () => {
    const w = shuffleWorld(generateWorld(shape), 3);
    const ids = w.items!.items.map((i) => i.itemId);
    expect(ids).not.toEqual([...ids].sort());
    expect([...ids].sort()).toEqual(generateWorld(shape).items!.items.map((i) => i.itemId));
  });
});
