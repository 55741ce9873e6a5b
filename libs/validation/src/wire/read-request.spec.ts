import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { ItemRecordSchema, NpcRecordSchema, OwnerSystem, PlayerRecordSchema, SaveRequestSchema, StateSource, ValidateRequestSchema, WorldSnapshotSchema } from '@persistd/contract';
import { itemModule } from '@persistd/item';
import { npcModule } from '@persistd/npc';
import { generateWorld, smallWorld } from '@persistd/testkit';
import { canonicalBytes as canonicalRecordBytes } from '../canonical-record';
import { validateSnapshot } from '../validate-snapshot';
import { recordPlan } from './field-plan';
import { presentFieldNumbers, readSaveRequest, readValidateRequest, validateWireRequest, WireMalformedError } from './index';
import { encodeRequest, mutateBytes, requestOf } from './test/mutations';
import { typedOutcome, wireOutcome } from './test/outcomes';

const numberOf = (desc: { fields: readonly { name: string; number: number }[] }, name: string) => desc.fields.find((f) => f.name === name)!.number;

describe('field tables', () => {
  it('come from the descriptors and the module paths: kept fields, runtime-only fields', () => {
    const npc = recordPlan(npcModule);
    const kept = NpcRecordSchema.fields.filter((f) => npc.byNumber[f.number]!.keep).map((f) => f.name);
    expect(kept).toEqual(['npc_id', 'template_id', 'zone_id', 'position', 'flags']);
    const runtime = NpcRecordSchema.fields.filter((f) => npc.byNumber[f.number]!.runtimeOnly).map((f) => f.name);
    expect(runtime).toEqual(['current_target_id', 'ai_state']);
    expect(npc.byNumber[numberOf(NpcRecordSchema, 'position')]!.message!.template).toEqual({ x: 0, y: 0, z: 0 });
  });

  it('keep every member of a oneof a path names, and only the fields read inside them', () => {
    const item = recordPlan(itemModule);
    const inventory = item.byNumber[numberOf(ItemRecordSchema, 'inventory')]!;
    expect(inventory.keep).toBe(true);
    expect(inventory.prop).toBe('location');
    expect(inventory.caseName).toBe('inventory');
    expect(inventory.message!.template).toEqual({ playerId: '', slot: 0 });
    expect(item.byNumber[numberOf(ItemRecordSchema, 'durability')]!.keep).toBe(false);
    expect(item.byNumber[numberOf(ItemRecordSchema, 'pending_trade_lock')]!.runtimeOnly).toBe(true);
  });
});

describe('readSaveRequest', () => {
  const canonicalBytes = (w = generateWorld({ worldId: 'w1', players: 6, zones: 5, npcs: 7, items: 20, quests: 6, epoch: 3n, seed: 9 })) =>
    encodeRequest(requestOf('w1', w, 3n, 'req-1'), true);

  it('passes canonical records through: stored chunks hold the request bytes of each record verbatim', () => {
    const bytes = canonicalBytes();
    const read = readSaveRequest(bytes);
    expect(read.stats).toEqual({ typedEnvelope: false, records: 44, passedThrough: 44, sorted: 0, typed: 0 });
    expect(read.header.worldId).toBe('w1');
    expect(read.header.requestId).toBe('req-1');
    const players = read.sections[0];
    const first = Buffer.from(bytes).subarray(players.starts[0], players.ends[0]);
    expect(fromBinary(PlayerRecordSchema, first).playerId).toBe(players.ids[0]);
    const { outcome } = wireOutcome(bytes);
    expect(outcome).toEqual(typedOutcome(bytes));
    expect(outcome.malformed === false && outcome.stored!.sections[0].chunks[0].hex).toContain(first.toString('hex'));
  });

  it('puts map entries in key order at wire level, and stores what the typed path stores', () => {
    // generateWorld fills maps out of key order: every player (attributes, inside `save`) and every other quest (objectives).
    const w = generateWorld({ worldId: 'w1', players: 6, zones: 5, npcs: 7, items: 20, quests: 6, seed: 9 });
    const bytes = encodeRequest(requestOf('w1', w, 0n, 'req-1'));
    const read = readSaveRequest(bytes);
    expect(read.stats).toEqual({ typedEnvelope: false, records: 44, passedThrough: 44, sorted: 6 + 3, typed: 0 });
    const player = read.sections[0];
    const sorted = player.sorted.get(0)!;
    expect(sorted.length).toBe(player.ends[0] - player.starts[0]);
    expect(Buffer.compare(Buffer.from(sorted), Buffer.from(bytes.subarray(player.starts[0], player.ends[0])))).not.toBe(0);
    expect(Buffer.from(sorted).equals(Buffer.from(canonicalRecordBytes(PlayerRecordSchema, fromBinary(PlayerRecordSchema, sorted))))).toBe(true);
    expect(wireOutcome(bytes).outcome).toEqual(typedOutcome(bytes));
  });

  it('sends records that are not canonical the typed way, and stores what the typed path stores', () => {
    const w = generateWorld({ worldId: 'w1', players: 6, zones: 5, npcs: 7, items: 20, quests: 6, seed: 9 });
    const bytes = mutateBytes(encodeRequest(requestOf('w1', w, 0n, 'req-1'), true), ['record fields shuffled'], () => 0);
    const read = readSaveRequest(bytes);
    expect(read.stats.typed).toBeGreaterThan(0);
    expect(read.stats.passedThrough + read.stats.typed).toBe(44);
    expect(wireOutcome(bytes).outcome).toEqual(typedOutcome(bytes));
  });

  it('refuses bytes that do not parse exactly when fromBinary does, with its error as cause', () => {
    const bytes = canonicalBytes();
    for (const cut of [1, Math.floor(bytes.length / 2), bytes.length - 1]) {
      const truncated = bytes.subarray(0, cut);
      expect(() => fromBinary(SaveRequestSchema, truncated)).toThrow();
      let error: unknown;
      try {
        readSaveRequest(truncated);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(WireMalformedError);
      expect((error as WireMalformedError).message).toMatch(/^request does not parse as caelmor\.persist\.v1\.SaveRequest: /);
      expect((error as WireMalformedError).cause).toBeInstanceOf(Error);
    }
  });

  it('reads the envelope the typed way when a known field arrives in another wire type', () => {
    // schema_version tagged length-delimited: protobuf-es reads the "length" 1 as the version itself.
    const snapshot = new BinaryWriter().tag(numberOf(WorldSnapshotSchema, 'schema_version'), WireType.LengthDelimited).raw(new Uint8Array([1])).finish();
    const req = new BinaryWriter().tag(1, WireType.LengthDelimited).string('w1').tag(5, WireType.LengthDelimited).bytes(snapshot).finish();
    const read = readSaveRequest(req);
    expect(read.stats.typedEnvelope).toBe(true);
    expect(read.snapshot!.schemaVersion).toBe(1);
    const typed = fromBinary(SaveRequestSchema, req, { readUnknownFields: true });
    expect(validateWireRequest(read)).toEqual(validateSnapshot({ ...typed, snapshot: typed.snapshot, request: { desc: SaveRequestSchema, message: typed } }));
  });

  it('stores large sections in the same chunks, boundaries included, and a record over 1 MiB alone', () => {
    const w = generateWorld({ worldId: 'w1', players: 30, zones: 6, npcs: 50, items: 30_000, quests: 20, seed: 5 });
    w.world!.zones[3].flags = Object.fromEntries(Array.from({ length: 1100 }, (_, i) => [`f${String(i).padStart(4, '0')}`, 'x'.repeat(1000)]));
    const bytes = encodeRequest(requestOf('w1', w, 0n, 'req-big'), true);
    const { outcome } = wireOutcome(bytes);
    expect(outcome).toEqual(typedOutcome(bytes));
    if (outcome.malformed || !outcome.stored) throw new Error('expected a stored form');
    expect(outcome.stored.sections[3].chunks.length).toBeGreaterThan(1);
    expect(outcome.stored.sections[1].chunks.map((c) => c.records)).toEqual([3, 1, 2]);
  });

  it('makes records whose id repeats typed, so duplicates and overlaps compare whole records', () => {
    const w = smallWorld('w1');
    w.npcs!.npcs.push(create(NpcRecordSchema, w.npcs!.npcs[2]));
    const bytes = encodeRequest(requestOf('w1', w, 0n, 'req-1'), true);
    const read = readSaveRequest(bytes);
    expect(read.stats.typed).toBe(0);
    const violations = validateWireRequest(read);
    expect(violations.map((v) => v.code)).toEqual(['DUPLICATE_ID']);
    expect(read.stats.typed).toBe(2);
    expect(wireOutcome(bytes).outcome).toEqual(typedOutcome(bytes));
  });

  it('tells the fields present in a record, canonical or typed', () => {
    const w = smallWorld('w1');
    w.items!.items[0].durability = 0;
    w.items!.items[1].pendingTradeLock = 'lock';
    const read = readSaveRequest(encodeRequest(requestOf('w1', w, 0n, 'req-1'), true));
    const items = read.sections.findIndex((s) => s.entry.system === OwnerSystem.ITEM);
    const fields = (...names: string[]) => names.map((n) => numberOf(ItemRecordSchema, n));
    expect(presentFieldNumbers(read, items, 0)).toEqual(fields('item_id', 'template_id', 'quantity', w.items!.items[0].location.case === 'inventory' ? 'inventory' : 'ground'));
    expect(read.sections[items].starts[1]).toBe(-1);
    expect(presentFieldNumbers(read, items, 1)).toContain(numberOf(ItemRecordSchema, 'pending_trade_lock'));
  });
});

describe('readValidateRequest', () => {
  it('gives the violations validateSnapshot gives for the same Validate request', () => {
    const w = smallWorld('w1', 4n);
    w.quests!.quests[0].playerId = 'nobody';
    w.npcs!.npcs[1].aiState = 'hunting';
    const req = create(ValidateRequestSchema, { worldId: 'w1', expectedEpoch: 4n, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot: w });
    const bytes = toBinary(ValidateRequestSchema, req);
    const decoded = fromBinary(ValidateRequestSchema, bytes);
    const expected = validateSnapshot({ worldId: 'w1', expectedEpoch: 4n, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot: decoded.snapshot, request: { desc: ValidateRequestSchema, message: decoded } });
    expect(expected.map((v) => v.code)).toEqual(['RUNTIME_STATE', 'DANGLING_REFERENCE']);
    expect(validateWireRequest(readValidateRequest(bytes))).toEqual(expected);
  });
});
