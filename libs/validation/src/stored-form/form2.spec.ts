import { clone, fromBinary, toBinary } from '@bufbuild/protobuf';
import { EpochMetaSchema, ItemRecordSchema, OwnerSystem, WorldSnapshotSchema, type WorldSnapshot } from '@persistd/contract';
import { generateWorld, shuffleWorld } from '@persistd/testkit';
import { boundaryHash, INDEX_CHUNK_RULE, RECORD_CHUNK_RULE } from './boundaries';
import { canonicalSections } from './canonical';
import { cutSection, sha256Hex } from './chunks';
import { sealEpochMeta } from './digests';
import { prepareEpoch, type PreparedEpoch } from './prepare-epoch';
import { recordChunkIdsOf } from './stored-tree';
import { verifyStoredEpoch, type StoredEpochView } from './verify-stored';

/**
 * Stored form 2 (DESIGN §5): chunks cut by record ids, listed through index chunks. Its
 * parameters are part of the form, so the cut of a fixed world is pinned here.
 */

const stamp = (worldId: string) => ({ worldId, requestId: 'r', principal: 'p', committedAtMs: 1n });
const GOLDEN = { worldId: 'golden', players: 30, zones: 10, npcs: 40, items: 600, quests: 20, seed: 5 };

/** The epoch as the store would hold it (meta sealed as epoch 1, every chunk by id). */
function stored(p: PreparedEpoch): StoredEpochView {
  const { meta } = sealEpochMeta(p.unsealed, 1n);
  return { worldId: p.unsealed.worldId, epoch: 1n, meta, chunks: new Map(p.chunks.map((c) => [c.id, c.bytes])) };
}

/** Every chunk id of an epoch, record and index, as a set. */
const idsOf = (p: PreparedEpoch) => new Set(p.chunks.map((c) => c.id));

/** Items `from`..`from+count` with one field changed. */
function changeItems(w: WorldSnapshot, from: number, count: number): WorldSnapshot {
  const out = clone(WorldSnapshotSchema, w);
  for (const item of out.items!.items.slice(from, from + count)) item.durability += 1;
  return out;
}

describe('stored form 2: the chunker', () => {
  it('pins its parameters and its hash: changing them is a new stored form', () => {
    expect(RECORD_CHUNK_RULE).toEqual({ minBytes: 256, maxBytes: 65_536, rateLog2: 18 });
    expect(INDEX_CHUNK_RULE).toEqual({ minBytes: 512, maxBytes: 65_536, rateLog2: 20 });
    expect(['', 'i000000', 'i000001', 'p-42'].map(boundaryHash)).toEqual(GOLDEN_HASHES);
  });

  it('cuts a fixed generated world into the pinned chunks and content digest', () => {
    const p = prepareEpoch(generateWorld(GOLDEN), stamp('golden'));
    const records = p.sections.map((s) => s.chunks.map((c) => c.id));
    expect(records.map((ids) => ids.length)).toEqual(GOLDEN_COUNTS);
    expect(sha256Hex(Buffer.from(records.flat().join('\n')))).toBe(GOLDEN_RECORD_IDS);
    expect(p.manifests.map((m) => m.indexChunkIds)).toEqual(GOLDEN_INDEX_IDS);
    expect(p.contentDigest).toBe(GOLDEN_CONTENT_DIGEST);
  });

  it('records in the meta the stored bytes of every distinct chunk it lists, in both forms', () => {
    const world = { ...GOLDEN, zones: 0, quests: 0 }; // two empty sections share the one empty chunk
    for (const storedForm of [1, 2] as const) {
      const p = prepareEpoch(generateWorld(world), { ...stamp('golden'), storedForm });
      const held = stored(p).chunks;
      expect(sealEpochMeta(p.unsealed, 1n).meta.storedBytes).toBe(BigInt([...held.values()].reduce((n, b) => n + b.byteLength, 0)));
      expect(p.unsealed.storedBytes).toBeGreaterThan(0n);
    }
  });

  it('gives the same chunks for the same records in any input order', () => {
    const base = prepareEpoch(generateWorld(GOLDEN), stamp('golden'));
    for (const seed of [1, 2]) {
      const again = prepareEpoch(shuffleWorld(generateWorld(GOLDEN), seed), stamp('golden'));
      expect(again.manifests).toEqual(base.manifests);
      expect(again.contentDigest).toBe(base.contentDigest);
    }
  });

  it('clusters record chunk sizes near the target, none past the cap, a larger record alone', () => {
    const items = canonicalSections(generateWorld({ ...GOLDEN, items: 20_000 }))[3];
    const sizes = cutSection(items, 2)
      .chunks.map((c) => c.bytes.length)
      .sort((a, b) => a - b);
    const median = sizes[sizes.length >> 1];
    expect(median).toBeGreaterThan(500);
    expect(median).toBeLessThan(1300);
    expect(sizes[Math.floor(sizes.length * 0.99)]).toBeLessThan(2500);
    expect(sizes[0]).toBeGreaterThanOrEqual(RECORD_CHUNK_RULE.minBytes);
    const big = new Uint8Array(RECORD_CHUNK_RULE.maxBytes + 10).fill(0x41);
    const cut = cutSection({ system: OwnerSystem.ITEM, recordFieldNo: 3, ids: ['a', 'b', 'c'], records: [new Uint8Array(50), big, new Uint8Array(50)] }, 2);
    expect(cut.chunks.map((c) => c.records)).toEqual([1, 1, 1]);
  });

  it('an empty section is the one empty chunk, with the same id as in form 1', () => {
    const section = { system: OwnerSystem.QUEST, recordFieldNo: 3, ids: [], records: [] };
    const two = cutSection(section, 2);
    expect(two.chunks.map((c) => c.id)).toEqual(cutSection(section, 1).chunks.map((c) => c.id));
    expect(two.chunks[0].id).toBe(sha256Hex(new Uint8Array(0)));
    expect(two.index).toHaveLength(1);
  });

  it('a 1% change in one run of ids, an insert at the start or a delete rewrites a few chunks', () => {
    const world = generateWorld({ ...GOLDEN, items: 10_000 });
    const base = prepareEpoch(clone(WorldSnapshotSchema, world), stamp('golden'));
    const fresh = (w: WorldSnapshot) => [...idsOf(prepareEpoch(w, stamp('golden')))].filter((id) => !idsOf(base).has(id)).length;
    expect(base.chunks.length).toBeGreaterThan(500);
    // 100 items in a row (some 6 KB): their chunks, a neighbour where a boundary moved, the index chunk above.
    expect(fresh(changeItems(world, 5000, 100))).toBeLessThanOrEqual(12);
    const inserted = clone(WorldSnapshotSchema, world);
    const first = clone(ItemRecordSchema, inserted.items!.items[0]);
    first.itemId = 'h-first';
    inserted.items!.items.unshift(first);
    expect(fresh(inserted)).toBeLessThanOrEqual(4);
    const deleted = clone(WorldSnapshotSchema, world);
    deleted.items!.items.splice(7000, 1);
    expect(fresh(deleted)).toBeLessThanOrEqual(4);
  });
});

describe('stored form 2: reading it', () => {
  const p = prepareEpoch(generateWorld(GOLDEN), stamp('golden'));

  it('lists no chunk in chunk_ids, so a daemon that knows only form 1 refuses it MISSING_COMPONENT', () => {
    const s = stored(p);
    expect(s.meta.sections.every((x) => x.chunkIds.length === 0)).toBe(true);
    // What a form-1-only daemon decodes: the fields it does not know are unknown fields to it.
    const old = fromBinary(EpochMetaSchema, toBinary(EpochMetaSchema, s.meta));
    old.storedForm = 0;
    for (const x of old.sections) x.indexChunkIds = [];
    expect(verifyStoredEpoch({ ...s, meta: old }, 'digest')).toMatchObject({ code: 'MISSING_COMPONENT', message: expect.stringMatching(/lists no chunk/) });
  });

  it('verifies an intact epoch in both modes, and lists its record chunks through the index', () => {
    const s = stored(p);
    expect(verifyStoredEpoch(s, 'digest')).toBeUndefined();
    expect(verifyStoredEpoch(s, 'full')).toBeUndefined();
    expect(recordChunkIdsOf(s.meta, s.chunks)).toEqual(p.sections.map((x) => x.chunks.map((c) => c.id)));
  });

  it('refuses a damaged index chunk DIGEST_MISMATCH, and an absent record chunk MISSING_COMPONENT', () => {
    const s = stored(p);
    const indexId = s.meta.sections[3].indexChunkIds[0];
    const damaged = new Map(s.chunks);
    const bytes = Buffer.from(damaged.get(indexId)!);
    bytes[0] ^= 1;
    damaged.set(indexId, bytes);
    expect(verifyStoredEpoch({ ...s, chunks: damaged }, 'digest')).toEqual({ code: 'DIGEST_MISMATCH', message: `chunk ${indexId} does not hash to its id`, violations: [] });
    const absent = new Map(s.chunks);
    const recordId = p.sections[3].chunks[1].id;
    absent.delete(recordId);
    expect(verifyStoredEpoch({ ...s, chunks: absent }, 'digest')).toMatchObject({ code: 'MISSING_COMPONENT', message: `chunk ${recordId} of epoch 1 is absent` });
  });

  it('in full mode refuses records cut at other boundaries than form 2 would (a form-1 cut relabelled)', () => {
    const one = prepareEpoch(generateWorld(GOLDEN), { ...stamp('golden'), storedForm: 1 });
    const relabelled = { ...one.unsealed, storedForm: 2, sections: one.manifests.map((m) => ({ ...m, indexChunkIds: [] as string[] })) };
    // Index chunks over form 1's record chunks: intact at rest, but not form 2's cut.
    const extra = new Map(one.chunks.map((c) => [c.id, c.bytes]));
    for (const [i, m] of one.manifests.entries()) {
      const packed = Buffer.concat(m.chunkIds.map((id) => Buffer.from(id, 'hex')));
      extra.set(sha256Hex(packed), packed);
      relabelled.sections[i] = { ...relabelled.sections[i], chunkIds: [], indexChunkIds: [sha256Hex(packed)] };
    }
    const { meta } = sealEpochMeta(relabelled as never, 1n);
    const s = { worldId: 'golden', epoch: 1n, meta, chunks: extra };
    expect(verifyStoredEpoch(s, 'digest')).toBeUndefined();
    expect(verifyStoredEpoch(s, 'full')?.code).toBe('DIGEST_MISMATCH');
  });
});

// FNV-1a 32 then murmur3's fmix32 of '', 'i000000', 'i000001', 'p-42'.
const GOLDEN_HASHES = [2872998923, 97371282, 2512731538, 1969580560];
// Record chunks of the golden world per section, in restore order (players, zones, npcs, items, quests).
const GOLDEN_COUNTS = [4, 1, 3, 35, 2];
const GOLDEN_RECORD_IDS = '9ec316e528eca6aac5fac37cfcff924a4706d359140368063c7caad2c6545b0c';
const GOLDEN_INDEX_IDS = [
  ['91643ba91993539c748a64622292f1285c97321b88f0baa4f3243ea43acce556'],
  ['f21852949946a0359b93eb3f71efa6574c9d4d07a499e8789d99582ae9d181ee'],
  ['c7917e58db9875fd3312f8ed478204ad701f259748bbb306a0c98bf4d32f7737'],
  ['9171aa0e7e457fa59567fc3d6815c6d4eed0d9ba0a21fced2f15b4ce5d6c88a0'],
  ['7e1b0c3fb9c23d300e3837090d86eea9fda4f617809b2019b0458a2e50eaf542'],
];
const GOLDEN_CONTENT_DIGEST = 'e384543a5810c13aada0090566542925477ca18931e614831f769040b1632faa';
