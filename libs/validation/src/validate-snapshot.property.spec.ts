import { clone, create } from '@bufbuild/protobuf';
import { InventorySlotSchema, NpcHolderSchema, QuestStatus, StateSource, Vec3Schema, type ViolationCode, type WorldSnapshot } from '@persistd/contract';
import { itemModule } from '@persistd/item';
import { npcModule } from '@persistd/npc';
import { playerModule } from '@persistd/player';
import { questModule } from '@persistd/quest';
import { generateWorld, shuffleWorld, worldShapeArbitrary, type WorldShape } from '@persistd/testkit';
import { worldModule } from '@persistd/world';
import fc from 'fast-check';
import { validateSnapshot, type SnapshotCheckInput } from './validate-snapshot';

/** Any shape generateWorld makes valid worlds of, empty sections included. */
const anyShape = worldShapeArbitrary({ players: { max: 30 }, zones: { max: 15 }, npcs: { max: 30 }, items: { max: 40 }, quests: { max: 20 }, worldIdMaxLength: 24, epoch: { max: (1n << 64n) - 1n } });

/** Shapes with at least one record of each kind to break (two zones, three items). */
const breakableShape = worldShapeArbitrary({ players: { min: 1, max: 12 }, zones: { min: 2, max: 10 }, npcs: { min: 1, max: 12 }, items: { min: 3, max: 20 }, quests: { min: 1, max: 10 }, worldIdMaxLength: 24, epoch: { max: 1000n } });

const inputOf = (shape: WorldShape, snapshot: WorldSnapshot | undefined): SnapshotCheckInput => ({
  worldId: shape.worldId,
  expectedEpoch: shape.epoch ?? 0n,
  source: StateSource.AUTHORITATIVE_RUNTIME,
  snapshot,
  requestId: `req-${shape.seed}`,
});

describe('property: valid worlds are accepted', () => {
  it('any generated world, in any record order, yields no violation', () => {
    fc.assert(
      fc.property(anyShape, fc.integer(), (shape, order) => {
        const world = generateWorld(shape);
        expect(validateSnapshot(inputOf(shape, world))).toEqual([]);
        expect(validateSnapshot(inputOf(shape, shuffleWorld(world, order)))).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });
});

/** Picks an index below n from the test's random numbers. */
type Pick = (n: number) => number;
type Breakage = { code: ViolationCode; name: string; apply(input: SnapshotCheckInput, pick: Pick): void };

const sections = (w: WorldSnapshot) => [w.players!, w.world!, w.npcs!, w.items!, w.quests!];
const one = <T>(xs: readonly T[], pick: Pick): T => xs[pick(xs.length)];

/** One breakage per code, each touching only what that code is about. */
const CATALOGUE: Breakage[] = [
  { code: 'FORBIDDEN_SOURCE', name: 'non-authoritative source', apply: (i, p) => (i.source = one([StateSource.UNSPECIFIED, StateSource.REPLICATION_SNAPSHOT, StateSource.EVENT_REPLAY, StateSource.CLIENT], p)) },
  {
    code: 'PARTIAL_SAVE',
    name: 'quests section or whole snapshot absent',
    apply: (i, p) => {
      if (p(2) === 0) i.snapshot = undefined;
      else i.snapshot!.quests = undefined;
    },
  },
  {
    code: 'UNSUPPORTED_VERSION',
    name: 'unreadable schema version everywhere',
    apply: (i, p) => {
      const v = one([0, 2, 7], p);
      i.snapshot!.schemaVersion = v;
      for (const s of sections(i.snapshot!)) s.schemaVersion = v;
    },
  },
  { code: 'MIXED_VERSION', name: 'one section in another version', apply: (i, p) => (one(sections(i.snapshot!), p).schemaVersion = 2) },
  { code: 'MIXED_EPOCH', name: 'one section of another epoch', apply: (i, p) => (one(sections(i.snapshot!), p).sourceEpoch = i.expectedEpoch + 1n) },
  { code: 'WORLD_MISMATCH', name: 'world section of another world', apply: (i) => (i.snapshot!.world!.worldId = `${i.worldId}x`) },
  {
    code: 'RUNTIME_STATE',
    name: 'a runtime-only field set',
    apply: (i, p) => {
      const w = i.snapshot!;
      const setters = [
        () => (one(w.players!.players, p).sessionId = 's'),
        () => (one(w.players!.players, p).save!.predictedPosition = create(Vec3Schema)),
        () => (one(w.world!.zones, p).lastTick = 3n),
        () => (one(w.npcs!.npcs, p).currentTargetId = 't'),
        () => (one(w.npcs!.npcs, p).aiState = 'idle'),
        () => (one(w.items!.items, p).pendingTradeLock = 'l'),
        () => (one(w.quests!.quests, p).tickTimerMs = 5),
      ];
      one(setters, p)();
    },
  },
  {
    code: 'INVALID_FIELD',
    name: 'a field rule broken',
    apply: (i, p) => {
      const w = i.snapshot!;
      const breaks = [
        () => (one(w.players!.players, p).identity!.displayName = ''),
        () => (one(w.items!.items, p).quantity = 0),
        () => (one(w.quests!.quests, p).status = QuestStatus.UNSPECIFIED),
        () => (one(w.npcs!.npcs, p).position!.y = Number.NaN),
        () => (one(w.world!.zones, p).templateId = 'zone template'),
        () => (one(w.npcs!.npcs, p).flags['bad key'] = 'x'),
      ];
      one(breaks, p)();
    },
  },
  {
    code: 'DUPLICATE_ID',
    name: 'a record sent twice',
    apply: (i, p) => {
      const w = i.snapshot!;
      const dups = [
        () => w.players!.players.push(clone(playerModule.record, one(w.players!.players, p))),
        () => w.world!.zones.push(clone(worldModule.record, one(w.world!.zones, p))),
        () => w.npcs!.npcs.push(clone(npcModule.record, one(w.npcs!.npcs, p))),
        () => w.items!.items.push(clone(itemModule.record, one(w.items!.items, p))),
        () => w.quests!.quests.push(clone(questModule.record, one(w.quests!.quests, p))),
      ];
      one(dups, p)();
    },
  },
  {
    code: 'OWNERSHIP_OVERLAP',
    name: 'one datum claimed twice',
    apply: (i, p) => {
      const w = i.snapshot!;
      const overlaps = [
        () => {
          const copy = clone(npcModule.record, one(w.npcs!.npcs, p));
          copy.health += 1;
          w.npcs!.npcs.push(copy);
        },
        () => {
          const items = w.items!.items;
          const a = p(items.length);
          const b = (a + 1 + p(items.length - 1)) % items.length;
          const player = one(w.players!.players, p).playerId;
          for (const k of [a, b]) items[k].location = { case: 'inventory', value: create(InventorySlotSchema, { playerId: player, slot: 100_000 }) };
        },
        () => {
          const zones = w.world!.zones;
          const a = p(zones.length);
          const b = (a + 1 + p(zones.length - 1)) % zones.length;
          zones[a].parentZoneId = zones[b].zoneId;
          zones[b].parentZoneId = zones[a].zoneId;
        },
      ];
      one(overlaps, p)();
    },
  },
  {
    code: 'DANGLING_REFERENCE',
    name: 'a reference to nothing',
    apply: (i, p) => {
      const w = i.snapshot!;
      const dangles = [
        () => (one(w.quests!.quests, p).playerId = 'nobody'),
        () => (one(w.players!.players, p).save!.zoneId = 'nowhere'),
        () => (one(w.npcs!.npcs, p).zoneId = 'nowhere'),
        () => (one(w.world!.zones, p).parentZoneId = 'nowhere'),
        () => (one(w.items!.items, p).location = { case: 'heldByNpc', value: create(NpcHolderSchema, { npcId: 'no-npc' }) }),
      ];
      one(dangles, p)();
    },
  },
];

describe('property: a single breakage yields exactly its code, first', () => {
  it('covers every violation code', () => {
    expect(new Set(CATALOGUE.map((b) => b.code)).size).toBe(11);
  });

  it.each(CATALOGUE.map((b) => [b.code, b] as const))('%s', (code, breakage) => {
    fc.assert(
      fc.property(breakableShape, fc.infiniteStream(fc.nat()), fc.integer(), (shape, randoms, order) => {
        const input = inputOf(shape, shuffleWorld(generateWorld(shape), order));
        const pick: Pick = (n) => randoms.next().value % n;
        breakage.apply(input, pick);
        const violations = validateSnapshot(input);
        expect(violations.length).toBeGreaterThan(0);
        expect(violations[0].code).toBe(code);
        expect([...new Set(violations.map((v) => v.code))]).toEqual([code]);
      }),
      { numRuns: 40 },
    );
  });
});
