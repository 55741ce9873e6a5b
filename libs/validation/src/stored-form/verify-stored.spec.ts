import { clone, create } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { EpochMetaSchema, OwnerSystem, SectionManifestSchema, type EpochMeta, type RecordCounts } from '@persistd/contract';
import { smallWorld } from '@persistd/testkit';
import { COMPILED_MODULES } from '../owner-modules';
import { sha256Hex } from './chunks';
import { contentDigestOf, metaDigestOf, sealEpochMeta } from './digests';
import { prepareEpoch } from './prepare-epoch';
import { verifyStoredEpoch, type StoredEpochView } from './verify-stored';

const WORLD = 'w1';
// These forge form-1 metas by hand (chunk_ids inline); form 2 has its own spec.
const stamp = { worldId: WORLD, requestId: 'r1', principal: 'test', committedAtMs: 1n, storedForm: 1 as const };

/** Chunk bytes of each section, in restore order, of a world as a save would store it. */
function sectionsOf(world = smallWorld(WORLD)): Uint8Array[][] {
  return prepareEpoch(world, stamp).sections.map((s) => s.chunks.map((c) => c.bytes));
}

/**
 * A stored epoch made of the given chunk bytes with a meta sealed over them: correct ids,
 * content digest and meta digest, so only what the caller bends is wrong.
 */
function forge(sections: Uint8Array[][], bend: { epoch?: bigint; counts?: RecordCounts; schemaVersion?: number; systems?: OwnerSystem[] } = {}): StoredEpochView {
  const world = prepareEpoch(smallWorld(WORLD), stamp);
  const systems = bend.systems ?? COMPILED_MODULES.map((l) => l.entry.system);
  const manifests = sections.map((chunks, i) => create(SectionManifestSchema, { system: systems[i], chunkIds: chunks.map(sha256Hex) }));
  const contentVersion = world.unsealed.contentVersion;
  const { meta } = sealEpochMeta(
    {
      ...world.unsealed,
      schemaVersion: bend.schemaVersion ?? 1,
      sections: manifests,
      contentDigest: contentDigestOf(contentVersion, manifests),
      counts: bend.counts ?? world.counts,
    },
    bend.epoch ?? 1n,
  );
  const chunks = new Map<string, Uint8Array>();
  for (const s of sections) for (const bytes of s) chunks.set(sha256Hex(bytes), bytes);
  return { worldId: WORLD, epoch: 1n, meta, chunks };
}

/** Rewrites the meta, resealing its digest or leaving the old one. */
function rewrite(stored: StoredEpochView, change: (m: EpochMeta) => void, reseal: boolean): StoredEpochView {
  const meta = clone(EpochMetaSchema, stored.meta);
  change(meta);
  if (reseal) meta.digest = metaDigestOf(meta);
  return { ...stored, meta };
}

const codeOf = (stored: StoredEpochView, mode: 'digest' | 'full') => verifyStoredEpoch(stored, mode)?.code;

describe('verifyStoredEpoch', () => {
  it('accepts an intact epoch in both modes', () => {
    const stored = forge(sectionsOf());
    expect(verifyStoredEpoch(stored, 'digest')).toBeUndefined();
    expect(verifyStoredEpoch(stored, 'full')).toBeUndefined();
  });

  it('meets the restore checks in DESIGN §4 order, resealed or not', () => {
    const intact = forge(sectionsOf());
    for (const reseal of [false, true]) {
      const cases: [string, (m: EpochMeta) => void][] = [
        ['MISSING_COMPONENT', (m) => m.sections[2].chunkIds.push('0'.repeat(64))],
        ['UNSUPPORTED_VERSION', (m) => ((m.schemaVersion = 2), (m.epoch = 9n))],
        ['MIXED_VERSION', (m) => ((m.schemaVersion = 0), (m.epoch = 9n))],
        ['MIXED_EPOCH', (m) => (m.epoch = 9n)],
        ['MIXED_EPOCH', (m) => (m.worldId = 'w2')],
        ['DIGEST_MISMATCH', (m) => (m.contentDigest = sha256Hex(new Uint8Array([1])))],
      ];
      for (const [code, change] of cases) {
        for (const mode of ['digest', 'full'] as const) expect([code, mode, reseal, codeOf(rewrite(intact, change, reseal), mode)]).toEqual([code, mode, reseal, code]);
      }
    }
    // A field only the meta digest binds: caught without a reseal, accepted with one.
    expect(codeOf(rewrite(intact, (m) => (m.principal = 'mallory'), false), 'full')).toBe('DIGEST_MISMATCH');
    expect(codeOf(rewrite(intact, (m) => (m.principal = 'mallory'), true), 'full')).toBeUndefined();
  });

  it('finds a chunk that does not hash to its id', () => {
    const stored = forge(sectionsOf());
    const [id, bytes] = [...stored.chunks].find(([, b]) => b.length > 0)!;
    const altered = Uint8Array.from(bytes);
    altered[altered.length - 1] ^= 0x01;
    const chunks = new Map(stored.chunks).set(id, altered);
    expect(verifyStoredEpoch({ ...stored, chunks }, 'digest')).toEqual({ code: 'DIGEST_MISMATCH', message: `chunk ${id} does not hash to its id`, violations: [] });
  });

  it('calls a newer schema UNSUPPORTED_VERSION even when its sections are laid out otherwise (an upgrade, not data loss)', () => {
    const sections = [...sectionsOf(), [new Uint8Array([0x0a, 0x00])]];
    const stored = forge(sections, { schemaVersion: 2, systems: [...COMPILED_MODULES.map((l) => l.entry.system), 6 as OwnerSystem] });
    expect(codeOf(stored, 'digest')).toBe('UNSUPPORTED_VERSION');
    // Under a known schema the same layout is a missing (or misplaced) component.
    expect(codeOf(forge(sections, { systems: [...COMPILED_MODULES.map((l) => l.entry.system), 6 as OwnerSystem] }), 'digest')).toBe('MISSING_COMPONENT');
  });

  it('in full mode answers chunks that hash right but do not decode, instead of throwing', () => {
    const sections = sectionsOf();
    sections[3] = [new Uint8Array([0x1a, 0x05, 0x01])]; // an items entry promising 5 bytes, holding 1
    const stored = forge(sections);
    expect(codeOf(stored, 'digest')).toBeUndefined();
    expect(verifyStoredEpoch(stored, 'full')).toMatchObject({ code: 'DIGEST_MISMATCH', message: expect.stringMatching(/^chunks of epoch 1 do not decode as records/) });
  });

  it('in full mode refuses chunks that are not the canonical encoding of their records', () => {
    // A header field inside a chunk: a framed restore would pass source_epoch = 99 on to the client.
    const withHeader = sectionsOf();
    withHeader[3] = [Buffer.concat([new BinaryWriter().tag(1, WireType.Varint).uint64(99n).finish(), withHeader[3][0]])];
    // Records out of id order.
    const reordered = sectionsOf();
    expect(reordered[3]).toHaveLength(1);
    const entries = splitEntries(reordered[3][0]);
    expect(entries.length).toBeGreaterThan(1);
    reordered[3] = [Buffer.concat(entries.reverse())];
    for (const sections of [withHeader, reordered]) {
      const stored = forge(sections);
      expect(codeOf(stored, 'digest')).toBeUndefined();
      expect(verifyStoredEpoch(stored, 'full')).toMatchObject({ code: 'DIGEST_MISMATCH', message: 'chunks of the items section of epoch 1 are not the canonical encoding of the records they hold' });
    }
  });

  it('in full mode refuses counts that disagree with the chunks', () => {
    const base = prepareEpoch(smallWorld(WORLD), stamp).counts;
    const stored = forge(sectionsOf(), { counts: { ...base, items: base.items + 1 } });
    expect(codeOf(stored, 'digest')).toBeUndefined();
    expect(codeOf(stored, 'full')).toBe('MISSING_COMPONENT');
  });

  it('in full mode lists every structural rule an intact epoch breaks, in canonical order', () => {
    const world = smallWorld(WORLD);
    world.quests!.quests[1].playerId = 'nobody';
    world.quests!.quests[0].playerId = 'ghost';
    const stored = forge(sectionsOf(world));
    expect(codeOf(stored, 'digest')).toBeUndefined();
    const found = verifyStoredEpoch(stored, 'full')!;
    expect(found.code).toBe('DANGLING_REFERENCE');
    expect(found.violations.map((v) => [v.code, v.path])).toEqual([
      ['DANGLING_REFERENCE', `quests[${world.quests!.quests[0].questId}].player_id`],
      ['DANGLING_REFERENCE', `quests[${world.quests!.quests[1].questId}].player_id`],
    ]);
  });
});

/** The length-delimited entries of a chunk (each a tag, a one- or two-byte length and a record). */
function splitEntries(chunk: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < chunk.length; ) {
    let len = 0;
    let shift = 0;
    let p = at + 1;
    for (;;) {
      const b = chunk[p++];
      len |= (b & 0x7f) << shift;
      shift += 7;
      if (b < 0x80) break;
    }
    out.push(chunk.subarray(at, p + len));
    at = p + len;
  }
  return out;
}
