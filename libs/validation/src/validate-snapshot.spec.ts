import { clone, create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { codeRank, InventorySlotSchema, OwnerSystem, QuestStatus, StateSource, WorldSnapshotSchema, type WorldSnapshot } from '@persistd/contract';
import { itemModule } from '@persistd/item';
import { npcModule } from '@persistd/npc';
import type { OwnerModule } from '@persistd/ownership';
import { playerModule } from '@persistd/player';
import { questModule } from '@persistd/quest';
import { generateWorld, shuffleWorld, smallWorld } from '@persistd/testkit';
import { worldModule } from '@persistd/world';
import {
  createSnapshotValidator,
  CURRENT_SCHEMA_VERSION,
  SUPPORTED_SCHEMA_VERSIONS,
  validateSnapshot,
  type RuleViolation,
  type SnapshotCheckInput,
} from './validate-snapshot';
import { sortViolations } from './violation';

const WORLD = 'w1';

function input(snapshot: WorldSnapshot | undefined, over: Partial<SnapshotCheckInput> = {}): SnapshotCheckInput {
  return { worldId: WORLD, expectedEpoch: 0n, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot, ...over };
}

/** The fields a test pins: code, system, record id, path (messages are checked separately). */
const where = (vs: readonly RuleViolation[]) => vs.map(({ code, system, recordId, path }) => ({ code, system, recordId, path }));

const world = () => smallWorld(WORLD);

describe('validateSnapshot: valid worlds', () => {
  it('accepts the small world', () => {
    expect(validateSnapshot(input(world()))).toEqual([]);
  });

  it('accepts a generated world in any record order, at its epoch, with a request id', () => {
    const w = generateWorld({ worldId: 'big-1', players: 200, zones: 40, npcs: 300, items: 600, quests: 150, epoch: 7n, seed: 11 });
    expect(validateSnapshot(input(w, { worldId: 'big-1', expectedEpoch: 7n, requestId: 'req-0001' }))).toEqual([]);
    expect(validateSnapshot(input(shuffleWorld(w, 99), { worldId: 'big-1', expectedEpoch: 7n }))).toEqual([]);
  });

  it('accepts a world whose sections are all present but empty', () => {
    const w = generateWorld({ worldId: WORLD, players: 0, zones: 0, npcs: 0, items: 0, quests: 0 });
    expect(validateSnapshot(input(w))).toEqual([]);
  });

  it('reads schema version 1 only (0 is unset)', () => {
    expect(CURRENT_SCHEMA_VERSION).toBe(1);
    expect(SUPPORTED_SCHEMA_VERSIONS).toEqual([1]);
  });
});

describe('validateSnapshot: one test per code', () => {
  it('FORBIDDEN_SOURCE: any source but the authoritative runtime', () => {
    for (const source of [StateSource.UNSPECIFIED, StateSource.REPLICATION_SNAPSHOT, StateSource.EVENT_REPLAY, StateSource.CLIENT]) {
      const vs = validateSnapshot(input(world(), { source }));
      expect(where(vs)).toEqual([{ code: 'FORBIDDEN_SOURCE', system: OwnerSystem.UNSPECIFIED, recordId: '', path: 'source' }]);
    }
    expect(validateSnapshot(input(world(), { source: StateSource.CLIENT }))[0].message).toContain('STATE_SOURCE_CLIENT');
  });

  it('PARTIAL_SAVE: an absent section, named by its system', () => {
    const w = world();
    w.quests = undefined;
    expect(where(validateSnapshot(input(w)))).toEqual([{ code: 'PARTIAL_SAVE', system: OwnerSystem.QUEST, recordId: '', path: 'snapshot.quests' }]);
  });

  it('PARTIAL_SAVE: an absent snapshot is all five sections absent, in restore order', () => {
    expect(where(validateSnapshot(input(undefined)))).toEqual(
      (['players', 'world', 'npcs', 'items', 'quests'] as const).map((s, i) => ({ code: 'PARTIAL_SAVE', system: OwnerSystem.PLAYER + i, recordId: '', path: `snapshot.${s}` })),
    );
  });

  it('PARTIAL_SAVE alone names an absent section: references into it are not listed as dangling', () => {
    const w = world();
    w.npcs = undefined;
    expect(w.items!.items.some((i) => i.location.case === 'heldByNpc')).toBe(true);
    const vs = validateSnapshot(input(w));
    expect(where(vs)).toEqual([{ code: 'PARTIAL_SAVE', system: OwnerSystem.NPC, recordId: '', path: 'snapshot.npcs' }]);
  });

  it('UNSUPPORTED_VERSION: a schema this daemon cannot read, or none', () => {
    for (const version of [0, 2]) {
      const w = world();
      w.schemaVersion = version;
      for (const s of [w.players!, w.world!, w.npcs!, w.items!, w.quests!]) s.schemaVersion = version;
      expect(where(validateSnapshot(input(w)))).toEqual([{ code: 'UNSUPPORTED_VERSION', system: OwnerSystem.UNSPECIFIED, recordId: '', path: 'snapshot.schema_version' }]);
    }
  });

  it('MIXED_VERSION: a section in another version than the snapshot', () => {
    const w = world();
    w.items!.schemaVersion = 2;
    expect(where(validateSnapshot(input(w)))).toEqual([{ code: 'MIXED_VERSION', system: OwnerSystem.ITEM, recordId: '', path: 'items.schema_version' }]);
  });

  it('MIXED_EPOCH: a section descending from another epoch than expected', () => {
    const w = smallWorld(WORLD, 4n);
    w.world!.sourceEpoch = 3n;
    const vs = validateSnapshot(input(w, { expectedEpoch: 4n }));
    expect(where(vs)).toEqual([{ code: 'MIXED_EPOCH', system: OwnerSystem.WORLD, recordId: '', path: 'world.source_epoch' }]);
    expect(vs[0].message).toContain('epoch 3');
    // every section is compared with the request's epoch, not with each other
    expect(validateSnapshot(input(smallWorld(WORLD, 4n), { expectedEpoch: 5n })).map((v) => v.path)).toEqual([
      'players.source_epoch',
      'world.source_epoch',
      'npcs.source_epoch',
      'items.source_epoch',
      'quests.source_epoch',
    ]);
  });

  it('WORLD_MISMATCH: the world section names another world', () => {
    expect(where(validateSnapshot(input(smallWorld('w2'))))).toEqual([{ code: 'WORLD_MISMATCH', system: OwnerSystem.WORLD, recordId: '', path: 'world.world_id' }]);
  });

  it('RUNTIME_STATE: a runtime-only field set on a record', () => {
    const w = world();
    w.npcs!.npcs[1].aiState = 'chasing';
    const vs = validateSnapshot(input(w));
    expect(where(vs)).toEqual([{ code: 'RUNTIME_STATE', system: OwnerSystem.NPC, recordId: 'n000001', path: 'npcs[n000001].ai_state' }]);
    expect(vs[0].message).toContain('caelmor.persist.v1.NpcRecord.ai_state');
  });

  it('INVALID_FIELD: a field rule of an owner module', () => {
    const w = world();
    w.players!.players[1].identity!.displayName = '';
    const vs = validateSnapshot(input(w));
    expect(where(vs)).toEqual([{ code: 'INVALID_FIELD', system: OwnerSystem.PLAYER, recordId: 'p000001', path: 'players[p000001].identity.display_name' }]);
    expect(vs[0].message).toBe('identity.display_name must be 1-64 characters (got "")');
  });

  it('INVALID_FIELD: the request world id and request id', () => {
    const bad = 'w 1';
    const vs = validateSnapshot(input(smallWorld(bad), { worldId: bad, requestId: 'x'.repeat(129) }));
    expect(where(vs)).toEqual([
      { code: 'INVALID_FIELD', system: OwnerSystem.UNSPECIFIED, recordId: '', path: 'request_id' },
      { code: 'INVALID_FIELD', system: OwnerSystem.UNSPECIFIED, recordId: '', path: 'world_id' },
    ]);
    expect(validateSnapshot(input(world(), { requestId: '' })).map((v) => v.path)).toEqual(['request_id']);
    expect(validateSnapshot(input(world(), { requestId: 'a'.repeat(128) }))).toEqual([]);
    expect(validateSnapshot(input(world(), { requestId: 'req/1' })).map((v) => v.path)).toEqual(['request_id']);
  });

  it('INVALID_FIELD: every kind of field rule, on every system, with id-based paths', () => {
    const w = world();
    w.players!.players[0].save!.position!.x = Number.NaN; // finite-vec3
    w.players!.players[2].save!.attributes['9lives'] = 1n; // map-keys
    w.world!.zones[2].templateId = ''; // id
    w.world!.zones[3].parentZoneId = 'bad zone'; // optional-id (and it dangles)
    w.npcs!.npcs[0].position!.z = Number.POSITIVE_INFINITY; // finite-vec3
    w.items!.items[4].quantity = 0; // positive
    w.items!.items[1].location = { case: undefined }; // oneof-set
    w.items!.items[0].location = { case: 'inventory', value: create(InventorySlotSchema, { playerId: '', slot: 0 }) }; // id through a oneof
    w.quests!.quests[3].status = QuestStatus.UNSPECIFIED; // known-enum
    w.quests!.quests[1].status = 42 as QuestStatus; // known-enum, unknown value
    const vs = validateSnapshot(input(w));
    expect(where(vs.filter((v) => v.code === 'INVALID_FIELD'))).toEqual([
      { code: 'INVALID_FIELD', system: OwnerSystem.PLAYER, recordId: 'p000000', path: 'players[p000000].save.position' },
      { code: 'INVALID_FIELD', system: OwnerSystem.PLAYER, recordId: 'p000002', path: 'players[p000002].save.attributes' },
      { code: 'INVALID_FIELD', system: OwnerSystem.WORLD, recordId: 'z000002', path: 'zones[z000002].template_id' },
      { code: 'INVALID_FIELD', system: OwnerSystem.WORLD, recordId: 'z000003', path: 'zones[z000003].parent_zone_id' },
      { code: 'INVALID_FIELD', system: OwnerSystem.NPC, recordId: 'n000000', path: 'npcs[n000000].position' },
      { code: 'INVALID_FIELD', system: OwnerSystem.ITEM, recordId: 'i000000', path: 'items[i000000].location.inventory.player_id' },
      { code: 'INVALID_FIELD', system: OwnerSystem.ITEM, recordId: 'i000001', path: 'items[i000001].location' },
      { code: 'INVALID_FIELD', system: OwnerSystem.ITEM, recordId: 'i000004', path: 'items[i000004].quantity' },
      { code: 'INVALID_FIELD', system: OwnerSystem.QUEST, recordId: 'q000001', path: 'quests[q000001].status' },
      { code: 'INVALID_FIELD', system: OwnerSystem.QUEST, recordId: 'q000003', path: 'quests[q000003].status' },
    ]);
    // a required reference left empty is an invalid field only; a bad non-empty one also dangles
    expect(vs.filter((v) => v.code === 'DANGLING_REFERENCE').map((v) => v.path)).toEqual(['zones[z000003].parent_zone_id']);
  });

  it('INVALID_FIELD: records with a bad or empty id are checked too, empty ids named by index', () => {
    const w = world();
    w.npcs!.npcs[2].npcId = '';
    w.npcs!.npcs[3].npcId = '';
    w.npcs!.npcs[3].templateId = 'bad template';
    const vs = validateSnapshot(input(w));
    expect(where(vs.filter((v) => v.code === 'INVALID_FIELD'))).toEqual([
      { code: 'INVALID_FIELD', system: OwnerSystem.NPC, recordId: '#2', path: 'npcs[#2].npc_id' },
      { code: 'INVALID_FIELD', system: OwnerSystem.NPC, recordId: '#3', path: 'npcs[#3].npc_id' },
      { code: 'INVALID_FIELD', system: OwnerSystem.NPC, recordId: '#3', path: 'npcs[#3].template_id' },
    ]);
    // two empty ids are not a duplicate: they have no id to share
    expect(vs.some((v) => v.code === 'DUPLICATE_ID' || v.code === 'OWNERSHIP_OVERLAP')).toBe(false);
  });

  it('DUPLICATE_ID: the same record twice, each extra copy once', () => {
    const w = world();
    const q = w.quests!.quests[1];
    w.quests!.quests.push(clone(questModule.record, q), clone(questModule.record, q));
    const vs = validateSnapshot(input(w));
    expect(where(vs)).toEqual([
      { code: 'DUPLICATE_ID', system: OwnerSystem.QUEST, recordId: 'q000001', path: 'quests[q000001]' },
      { code: 'DUPLICATE_ID', system: OwnerSystem.QUEST, recordId: 'q000001', path: 'quests[q000001]' },
    ]);
    expect(vs.map((v) => v.message)).toEqual([
      'QuestRecord q000001 appears 3 times with identical content (copy 2 of 3)',
      'QuestRecord q000001 appears 3 times with identical content (copy 3 of 3)',
    ]);
  });

  it('DUPLICATE_ID: identity is canonical content, whatever order a map was filled in', () => {
    const w = world();
    const p = w.players!.players[0];
    const copy = clone(playerModule.record, p);
    copy.save!.attributes = Object.fromEntries(Object.entries(p.save!.attributes).reverse());
    expect(Object.keys(copy.save!.attributes)).not.toEqual(Object.keys(p.save!.attributes));
    w.players!.players.push(copy);
    expect(where(validateSnapshot(input(w)))).toEqual([{ code: 'DUPLICATE_ID', system: OwnerSystem.PLAYER, recordId: 'p000000', path: 'players[p000000]' }]);
  });

  it('DUPLICATE_ID: a copied inventory item is one claimant of its slot, not an overlap', () => {
    const w = world();
    w.items!.items.push(clone(itemModule.record, w.items!.items[0]));
    expect(where(validateSnapshot(input(w)))).toEqual([{ code: 'DUPLICATE_ID', system: OwnerSystem.ITEM, recordId: 'i000000', path: 'items[i000000]' }]);
  });

  it('OWNERSHIP_OVERLAP: the same id with different content', () => {
    const w = world();
    const copy = clone(npcModule.record, w.npcs!.npcs[4]);
    copy.health += 1;
    w.npcs!.npcs.unshift(copy);
    const vs = validateSnapshot(input(w));
    expect(where(vs)).toEqual([{ code: 'OWNERSHIP_OVERLAP', system: OwnerSystem.NPC, recordId: 'n000004', path: 'npcs[n000004]' }]);
  });

  it('OWNERSHIP_OVERLAP and DUPLICATE_ID together: each extra occurrence reported once', () => {
    const w = world();
    const a = w.npcs!.npcs[4];
    const b = clone(npcModule.record, a);
    b.alive = !b.alive;
    w.npcs!.npcs.push(clone(npcModule.record, a), b, clone(npcModule.record, b));
    expect(validateSnapshot(input(w)).map((v) => `${v.code} ${v.recordId}`)).toEqual([
      'DUPLICATE_ID n000004',
      'DUPLICATE_ID n000004',
      'OWNERSHIP_OVERLAP n000004',
    ]);
  });

  it('OWNERSHIP_OVERLAP: two items in one inventory slot of one player, the larger id reported', () => {
    const w = world();
    const loc = w.items!.items[9].location; // i000009: p000002 slot 1; i000000 holds p000002 slot 0
    if (loc.case !== 'inventory') throw new Error('fixture moved');
    loc.value.slot = 0;
    const vs = validateSnapshot(input(w));
    expect(where(vs)).toEqual([{ code: 'OWNERSHIP_OVERLAP', system: OwnerSystem.ITEM, recordId: 'i000009', path: 'items[i000009].location.inventory' }]);
    expect(vs[0].message).toBe('inventory slot ("p000002", "0") is already claimed by ItemRecord i000000');
    // the same slot number at another player is no overlap
    loc.value.playerId = 'p000001';
    loc.value.slot = 7;
    expect(validateSnapshot(input(w))).toEqual([]);
  });

  it('OWNERSHIP_OVERLAP: a zone that is its own ancestor, every zone on the cycle', () => {
    const w = world();
    const zones = w.world!.zones; // z000005's parent is z000001
    zones[1].parentZoneId = 'z000002';
    zones[2].parentZoneId = 'z000005';
    zones[4].parentZoneId = 'z000004'; // its own parent
    const vs = validateSnapshot(input(w));
    expect(where(vs)).toEqual(
      ['z000001', 'z000002', 'z000004', 'z000005'].map((id) => ({ code: 'OWNERSHIP_OVERLAP', system: OwnerSystem.WORLD, recordId: id, path: `zones[${id}].parent_zone_id` })),
    );
    expect(vs[0].message).toContain('cycle of 3: z000001, z000002, z000005');
    expect(vs[2].message).toContain('cycle of 1: z000004');
  });

  it('DANGLING_REFERENCE: a reference to a record absent from the snapshot', () => {
    const w = world();
    w.quests!.quests[0].playerId = 'p999999';
    const vs = validateSnapshot(input(w));
    expect(where(vs)).toEqual([{ code: 'DANGLING_REFERENCE', system: OwnerSystem.QUEST, recordId: 'q000000', path: 'quests[q000000].player_id' }]);
    expect(vs[0].message).toBe('player_id names PlayerRecord "p999999", which is not in the snapshot');
  });

  it('DANGLING_REFERENCE: through a oneof, for every reference of every module', () => {
    const w = world();
    w.players!.players[3].save!.zoneId = 'z9';
    w.world!.zones[5].parentZoneId = 'z8';
    w.npcs!.npcs[0].zoneId = 'z7';
    const ground = w.items!.items[1].location;
    const held = w.items!.items[2].location;
    if (ground.case !== 'ground' || held.case !== 'heldByNpc') throw new Error('fixture moved');
    ground.value.zoneId = 'z6';
    held.value.npcId = 'n9';
    const inv = w.items!.items[3].location;
    if (inv.case !== 'inventory') throw new Error('fixture moved');
    inv.value.playerId = 'p9';
    expect(where(validateSnapshot(input(w)))).toEqual([
      { code: 'DANGLING_REFERENCE', system: OwnerSystem.PLAYER, recordId: 'p000003', path: 'players[p000003].save.zone_id' },
      { code: 'DANGLING_REFERENCE', system: OwnerSystem.WORLD, recordId: 'z000005', path: 'zones[z000005].parent_zone_id' },
      { code: 'DANGLING_REFERENCE', system: OwnerSystem.NPC, recordId: 'n000000', path: 'npcs[n000000].zone_id' },
      { code: 'DANGLING_REFERENCE', system: OwnerSystem.ITEM, recordId: 'i000001', path: 'items[i000001].location.ground.zone_id' },
      { code: 'DANGLING_REFERENCE', system: OwnerSystem.ITEM, recordId: 'i000002', path: 'items[i000002].location.held_by_npc.npc_id' },
      { code: 'DANGLING_REFERENCE', system: OwnerSystem.ITEM, recordId: 'i000003', path: 'items[i000003].location.inventory.player_id' },
    ]);
  });

  it('DANGLING_REFERENCE: an empty optional reference is no reference', () => {
    const w = world();
    w.world!.zones[5].parentZoneId = '';
    expect(validateSnapshot(input(w))).toEqual([]);
  });
});

describe('validateSnapshot: order and determinism', () => {
  /** One breakage of each code (but PARTIAL_SAVE, which hides a section), made in reverse order. */
  function manyBroken(): WorldSnapshot {
    const w = world();
    w.quests!.quests[2].playerId = 'p404'; // DANGLING_REFERENCE
    const loc = w.items!.items[9].location;
    if (loc.case === 'inventory') loc.value.slot = 0; // OWNERSHIP_OVERLAP
    w.npcs!.npcs.push(clone(npcModule.record, w.npcs!.npcs[0])); // DUPLICATE_ID
    w.items!.items[3].quantity = 0; // INVALID_FIELD (item)
    w.players!.players[2].identity!.accountId = ''; // INVALID_FIELD (player)
    w.players!.players[0].sessionId = 's-1'; // RUNTIME_STATE
    w.world!.worldId = 'elsewhere'; // WORLD_MISMATCH
    w.items!.sourceEpoch = 9n; // MIXED_EPOCH
    w.npcs!.schemaVersion = 3; // MIXED_VERSION
    return w;
  }

  it('comes back in DESIGN §4 order: code, then system, record id and path', () => {
    const vs = validateSnapshot(input(manyBroken(), { source: StateSource.EVENT_REPLAY, requestId: '' }));
    expect(where(vs)).toEqual([
      { code: 'FORBIDDEN_SOURCE', system: OwnerSystem.UNSPECIFIED, recordId: '', path: 'source' },
      { code: 'MIXED_VERSION', system: OwnerSystem.NPC, recordId: '', path: 'npcs.schema_version' },
      { code: 'MIXED_EPOCH', system: OwnerSystem.ITEM, recordId: '', path: 'items.source_epoch' },
      { code: 'WORLD_MISMATCH', system: OwnerSystem.WORLD, recordId: '', path: 'world.world_id' },
      { code: 'RUNTIME_STATE', system: OwnerSystem.PLAYER, recordId: 'p000000', path: 'players[p000000].session_id' },
      { code: 'INVALID_FIELD', system: OwnerSystem.UNSPECIFIED, recordId: '', path: 'request_id' },
      { code: 'INVALID_FIELD', system: OwnerSystem.PLAYER, recordId: 'p000002', path: 'players[p000002].identity.account_id' },
      { code: 'INVALID_FIELD', system: OwnerSystem.ITEM, recordId: 'i000003', path: 'items[i000003].quantity' },
      { code: 'DUPLICATE_ID', system: OwnerSystem.NPC, recordId: 'n000000', path: 'npcs[n000000]' },
      { code: 'OWNERSHIP_OVERLAP', system: OwnerSystem.ITEM, recordId: 'i000009', path: 'items[i000009].location.inventory' },
      { code: 'DANGLING_REFERENCE', system: OwnerSystem.QUEST, recordId: 'q000002', path: 'quests[q000002].player_id' },
    ]);
    const ranks = vs.map((v) => codeRank(v.code));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(sortViolations([...vs].reverse())).toEqual(vs);
  });

  it('gives deep-equal output for the same input, and for the same records in another order', () => {
    const a = validateSnapshot(input(manyBroken(), { source: StateSource.CLIENT }));
    const b = validateSnapshot(input(manyBroken(), { source: StateSource.CLIENT }));
    expect(a.length).toBeGreaterThan(5);
    expect(b).toEqual(a);
    expect(validateSnapshot(input(shuffleWorld(manyBroken(), 3), { source: StateSource.CLIENT }))).toEqual(a);
  });

  it('does not change the snapshot it checks', () => {
    const w = manyBroken();
    const before = clone(WorldSnapshotSchema, w);
    validateSnapshot(input(w));
    expect(w).toEqual(before);
  });
});

describe('validateSnapshot: cost', () => {
  it('checks a 70,000-record world, decoded as a request arrives, well under a second', () => {
    const generated = generateWorld({ worldId: 'big', players: 10_000, zones: 2_000, npcs: 18_000, items: 30_000, quests: 10_000, seed: 5 });
    const w = fromBinary(WorldSnapshotSchema, toBinary(WorldSnapshotSchema, shuffleWorld(generated, 8)));
    const started = performance.now();
    const vs = validateSnapshot(input(w, { worldId: 'big', requestId: 'r-1' }));
    const elapsed = performance.now() - started;
    expect(vs).toEqual([]);
    expect(elapsed).toBeLessThan(1000);
  });
});

describe('createSnapshotValidator: the rules read the owner modules as data', () => {
  const modules: OwnerModule[] = [playerModule, worldModule, npcModule, itemModule, questModule] as OwnerModule[];

  it('checks a field rule and a reference added to a module, with no new rule code', () => {
    const extendedNpc: OwnerModule = {
      ...(npcModule as OwnerModule),
      fieldRules: [...npcModule.fieldRules, { path: ['disposition'], kind: 'id' }],
      references: [...npcModule.references, { path: ['template_id'], target: OwnerSystem.NPC, optional: true }],
    };
    const validate = createSnapshotValidator(modules.map((m) => (m.system === OwnerSystem.NPC ? extendedNpc : m)));
    const w = world();
    w.npcs!.npcs[2].disposition = 'very hostile';
    w.npcs!.npcs[3].templateId = 'n000001'; // names an NPC that exists: fine
    expect(where(validate(input(w)))).toEqual([
      { code: 'INVALID_FIELD', system: OwnerSystem.NPC, recordId: 'n000002', path: 'npcs[n000002].disposition' },
      ...['n000000', 'n000001', 'n000002', 'n000004'].map((id) => ({ code: 'DANGLING_REFERENCE', system: OwnerSystem.NPC, recordId: id, path: `npcs[${id}].template_id` })),
    ]);
    // the default validator knows nothing of either
    expect(validateSnapshot(input(w))).toEqual([]);
  });

  it('checks a claim added to a module', () => {
    const validate = createSnapshotValidator(
      modules.map((m) => (m.system === OwnerSystem.QUEST ? { ...m, claims: [{ name: 'quest template per player', paths: [['player_id'], ['template_id']] }] } : m)),
    );
    const w = world();
    w.quests!.quests[2].templateId = w.quests!.quests[1].templateId; // both belong to p000003
    expect(where(validate(input(w)))).toEqual([{ code: 'OWNERSHIP_OVERLAP', system: OwnerSystem.QUEST, recordId: 'q000002', path: 'quests[q000002]' }]);
  });

  it('refuses at start-up a missing module, a doubled one, a wrong record type or a bad path', () => {
    expect(() => createSnapshotValidator(modules.slice(0, 4))).toThrow(/0 modules for the quest system/);
    expect(() => createSnapshotValidator([...modules, questModule as OwnerModule])).toThrow(/2 modules for the quest system/);
    expect(() => createSnapshotValidator(modules.map((m) => (m.system === OwnerSystem.NPC ? { ...m, record: itemModule.record } : m)))).toThrow(/persists caelmor.persist.v1.ItemRecord/);
    expect(() => createSnapshotValidator(modules.map((m) => (m.system === OwnerSystem.NPC ? { ...m, references: [{ path: ['zone'], target: OwnerSystem.WORLD }] } : m)))).toThrow(/no field zone/);
  });
});
