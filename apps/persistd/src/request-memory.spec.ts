import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { rawUnaryCall, SaveRequestSchema, type WorldSnapshot } from '@persistd/contract';
import { lengthDelimited as field, mapEntryFlood, recordFlood, smallSaveBytes as validSave, smallWorld, stringFlood } from '@persistd/testkit';
import { firstLimitBreach, firstWireBreach } from '@persistd/validation';
import pino from 'pino';
import { SavePool } from './save-work/save-pool';
import { runSnapshotSteps, SaveRefused } from './save-work/save-steps';
import { refusalOf, saveRequest, startTestDaemon } from './test/test-daemon';

const MIB = 1024 * 1024;
const DEFAULT_LIMITS = { maxRecordsPerSection: 250_000, maxStringBytes: 4096, maxMapEntries: 1024 };

describe('the wire census names the breach the typed limits walk names', () => {
  const LIMITS = { maxRecordsPerSection: 100, maxStringBytes: 256, maxMapEntries: 4 };
  const bothOf = (bytes: Uint8Array, limits = LIMITS) => ({ wire: firstWireBreach(SaveRequestSchema, bytes, limits), typed: firstLimitBreach(SaveRequestSchema, fromBinary(SaveRequestSchema, bytes, { readUnknownFields: true }), limits) });
  const encoded = (mutate: (s: WorldSnapshot) => void, worldId = 'w') => {
    const s = smallWorld('w');
    mutate(s);
    return toBinary(SaveRequestSchema, create(SaveRequestSchema, saveRequest(worldId, s, 0n, 'req-census')));
  };
  // Every row names its limits: jest would take a missing last argument for a `done` callback.
  const cases: [string, Uint8Array, typeof LIMITS][] = [
    ['no breach', encoded(() => undefined), LIMITS],
    ['a list over the records limit', encoded(() => undefined), { ...LIMITS, maxRecordsPerSection: 5 }],
    ['a request field', encoded(() => undefined, 'w'.repeat(300)), LIMITS],
    ['a string in a record', encoded((s) => (s.world!.contentVersion = 'v'.repeat(257))), LIMITS],
    ['a multi-byte string just over', encoded((s) => (s.npcs!.npcs[0].flags = { mood: 'é'.repeat(129) })), LIMITS],
    ['a multi-byte string just within', encoded((s) => (s.npcs!.npcs[0].flags = { mood: 'é'.repeat(128) })), LIMITS],
    ['a map over its entries', encoded((s) => (s.npcs!.npcs[1].flags = { a: '1', b: '2', c: '3', d: '4', e: '5' })), LIMITS],
    ['a long map key', encoded((s) => (s.players!.players[0].save!.attributes = { ['k'.repeat(300)]: 1n })), LIMITS],
    ['map keys in decoded order (array indexes first)', encoded((s) => (s.npcs!.npcs[0].flags = { b: 'x'.repeat(300), 10: 'y'.repeat(300), 2: 'z'.repeat(300) })), LIMITS],
    ['declaration order across sections', encoded((s) => {
      s.quests!.quests[0].questId = 'q'.repeat(300);
      s.players!.players[1].identity!.displayName = 'p'.repeat(300);
    }), LIMITS],
    ['a list length before its elements', encoded((s) => (s.world!.zones[0].zoneId = 'z'.repeat(300))), { ...LIMITS, maxRecordsPerSection: 5 }],
    ['a snapshot sent twice (merged)', Buffer.concat([encoded(() => undefined), encoded((s) => (s.items!.items[0].templateId = 't'.repeat(300)))]), LIMITS],
  ];
  it.each(cases)('%s', (_name, bytes, limits) => {
    const { wire, typed } = bothOf(bytes, limits);
    expect(wire).toEqual(typed);
    if (_name !== 'no breach' && _name !== 'a multi-byte string just within') expect(wire).toBeDefined();
  });
});

/**
 * Memory follows bounds (DESIGN §7): a flood is refused at its limit before a view is built, on a
 * save worker thread whose heap is a small multiple of the request (here 64 MiB of old generation
 * for 16 MiB requests, 80 MiB with the young one): before the census, the record flood took
 * 1.1 GB and killed such a thread (INTERNAL).
 */
describe('floods are refused before they are read, in a thread with a small heap', () => {
  const pool = new SavePool(1, pino({ level: 'silent' }), { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 });
  afterAll(() => pool.close());

  const refusal = async (bytes: Buffer) => {
    try {
      await pool.save({ bytes, limits: DEFAULT_LIMITS, principal: 'tester' });
    } catch (e) {
      if (e instanceof SaveRefused) return { code: e.refusal.code, limit: e.refusal.options.metadata?.limit, field: e.refusal.options.metadata?.field, worldId: e.header?.worldId };
      throw e;
    }
    throw new Error('not refused');
  };

  it('16 MiB of empty PlayerRecords: max_records_per_section, then a normal save on the same thread', async () => {
    expect(await refusal(recordFlood('flood-r'))).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'max_records_per_section', field: 'snapshot.players.players', worldId: 'flood-r' });
    expect((await pool.save({ bytes: validSave('after-r'), limits: DEFAULT_LIMITS, principal: 'tester' })).header.worldId).toBe('after-r');
  }, 120_000);

  it('64 MiB of empty PlayerRecords, four times the thread heap: refused the same way', async () => {
    expect(await refusal(recordFlood('flood-r64', 64 * MIB))).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'max_records_per_section' });
    expect((await pool.save({ bytes: validSave('after-r64'), limits: DEFAULT_LIMITS, principal: 'tester' })).header.worldId).toBe('after-r64');
  }, 120_000);

  it('a million map entries in one record: max_map_entries', async () => {
    expect(await refusal(mapEntryFlood('flood-m'))).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'max_map_entries', field: `snapshot.npcs.npcs[${smallWorld('w').npcs!.npcs.length}].flags`, worldId: 'flood-m' });
  }, 120_000);

  it('a 16 MiB string: max_string_bytes', async () => {
    expect(await refusal(stringFlood('flood-s'))).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'max_string_bytes', field: `snapshot.world.zones[${smallWorld('w').world!.zones.length}].flags[mood]`, worldId: 'flood-s' });
  }, 120_000);

  it('authority still comes first: a flood from a caller bound to another world is CLIENT_AUTHORED', () => {
    let refused: SaveRefused | undefined;
    try {
      runSnapshotSteps({ method: 'Save', bytes: recordFlood('flood-a', 4 * MIB), limits: DEFAULT_LIMITS, principal: 'tester', checkedWorld: 'another-world' });
    } catch (e) {
      if (e instanceof SaveRefused) refused = e;
    }
    expect(refused?.refusal.code).toBe('CLIENT_AUTHORED');
  }, 120_000);

  it('a flood followed by bytes that do not parse is still refused at the limit, not read on', async () => {
    // The second snapshot's length covers the flood and two bytes that end in a broken varint.
    const records = Buffer.alloc(4 * MIB);
    for (let i = 0; i < records.length; i += 2) records[i] = (3 << 3) | 2;
    const bytes = Buffer.concat([validSave('flood-t'), field(5, field(2, Buffer.concat([records, Buffer.from([0x08, 0xff])])))]);
    expect(await refusal(bytes)).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'max_records_per_section' });
  }, 120_000);
});

describe('floods through gRPC', () => {
  it('are LIMIT_EXCEEDED naming the limit, and the daemon saves normally afterwards', async () => {
    const t = await startTestDaemon({ PERSISTD_SAVE_WORKERS: '1' });
    try {
      const SAVE = '/caelmor.persist.v1.PersistenceService/Save';
      for (const [bytes, limit] of [
        [recordFlood('g-flood-r'), 'max_records_per_section'],
        [mapEntryFlood('g-flood-m'), 'max_map_entries'],
        [stringFlood('g-flood-s'), 'max_string_bytes'],
      ] as const) {
        const err = await refusalOf(rawUnaryCall(t.client.grpc, SAVE, bytes, { deadline: Date.now() + 60_000 }));
        expect({ reason: err.reason, limit: err.metadata.limit }).toEqual({ reason: 'LIMIT_EXCEEDED', limit });
      }
      expect((await t.client.save(saveRequest('g-after', smallWorld('g-after')))).committedEpoch).toBe(1n);
    } finally {
      await t.stop();
    }
  }, 180_000);
});
