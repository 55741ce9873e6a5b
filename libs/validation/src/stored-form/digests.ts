import { create, toBinary, type DescMessage } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { EpochMetaSchema, RecordCountsSchema, type ChunkLedger, SectionManifestSchema, type EpochMeta, type OwnerSystem, type RecordCounts } from '@persistd/contract';
import { OWNER_SYSTEMS } from '@persistd/ownership';
import { sha256Hex, type ChunkedSection } from './chunks';
import { varintSize } from '../wire/envelope-walk';

/**
 * DESIGN §5 digests, both lowercase hex SHA-256 over canonical protobuf bytes (no format of our
 * own to get subtly wrong):
 * - content_digest: an EpochMeta holding only content_version and the five manifests, so the
 *   same records give the same value in any world or epoch;
 * - digest: the whole EpochMeta with `digest` empty, binding world, epoch, version, counts and
 *   chunk ids.
 */

/** The five manifests in restore order. */
export function manifestsOf(sections: readonly ChunkedSection[]) {
  return sections.map((s) => create(SectionManifestSchema, { system: s.system, chunkIds: s.chunks.map((c) => c.id) }));
}

/** Record counts of the five sections. */
export function countsOf(sections: readonly { system: OwnerSystem; records: number }[]): RecordCounts {
  const counts = create(RecordCountsSchema);
  for (const s of sections) {
    const entry = OWNER_SYSTEMS.find((e) => e.system === s.system)!;
    counts[entry.section === 'world' ? 'zones' : entry.section] = s.records;
  }
  return counts;
}

function fieldNo(desc: DescMessage, name: string): number {
  const f = desc.fields.find((x) => x.name === name);
  if (!f) throw new Error(`digests: ${desc.typeName} has no field ${name}`);
  return f.number;
}

const CONTENT_VERSION_NO = fieldNo(EpochMetaSchema, 'content_version');
const SECTIONS_NO = fieldNo(EpochMetaSchema, 'sections');
const SYSTEM_NO = fieldNo(SectionManifestSchema, 'system');
const CHUNK_IDS_NO = fieldNo(SectionManifestSchema, 'chunk_ids');
const tagOf = (no: number, wireType: WireType) => (no << 3) | wireType;
const CONTENT_VERSION_TAG = tagOf(CONTENT_VERSION_NO, WireType.LengthDelimited);
const SECTIONS_TAG = tagOf(SECTIONS_NO, WireType.LengthDelimited);
const SYSTEM_TAG = tagOf(SYSTEM_NO, WireType.Varint);
const CHUNK_IDS_TAG = tagOf(CHUNK_IDS_NO, WireType.LengthDelimited);
const CONTENT_VERSION_TAG_BYTES = varintSize(CONTENT_VERSION_TAG);
const SECTIONS_TAG_BYTES = varintSize(SECTIONS_TAG);
const SYSTEM_TAG_BYTES = varintSize(SYSTEM_TAG);
const CHUNK_IDS_TAG_BYTES = varintSize(CHUNK_IDS_TAG);

/**
 * content_digest of a content version and the ordered record chunk ids of the five sections:
 * SHA-256 of the bytes `toBinary` writes for an EpochMeta holding only those, written here
 * directly into one buffer sized first (field numbers from the descriptors) — building the
 * message, or a BinaryWriter entry per id, for the ~15,000 chunk ids of an L world in stored
 * form 2 costs more than hashing the world's bytes.
 */
export function contentDigestOf(contentVersion: string, manifests: readonly { system: OwnerSystem; chunkIds: readonly string[] }[]): string {
  // An enum below 0 is a 10-byte varint: no system is, but toBinary's bytes are the rule.
  if (manifests.some((m) => m.system < 0)) return sha256Hex(contentMessageByWriter(contentVersion, manifests));
  const versionBytes = Buffer.byteLength(contentVersion);
  const bodies = manifests.map((m) => {
    let n = m.system !== 0 ? SYSTEM_TAG_BYTES + varintSize(m.system) : 0;
    for (const id of m.chunkIds) {
      const length = Buffer.byteLength(id);
      n += CHUNK_IDS_TAG_BYTES + varintSize(length) + length;
    }
    return n;
  });
  let size = versionBytes > 0 ? CONTENT_VERSION_TAG_BYTES + varintSize(versionBytes) + versionBytes : 0;
  for (const body of bodies) size += SECTIONS_TAG_BYTES + varintSize(body) + body;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  const varint = (n: number) => {
    while (n > 0x7f) {
      out[at++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    out[at++] = n;
  };
  if (versionBytes > 0) {
    varint(CONTENT_VERSION_TAG);
    varint(versionBytes);
    at += out.write(contentVersion, at, 'utf8');
  }
  manifests.forEach((m, i) => {
    varint(SECTIONS_TAG);
    varint(bodies[i]);
    if (m.system !== 0) {
      varint(SYSTEM_TAG);
      varint(m.system);
    }
    for (const id of m.chunkIds) {
      varint(CHUNK_IDS_TAG);
      const length = Buffer.byteLength(id);
      varint(length);
      at += out.write(id, at, length, 'utf8');
    }
  });
  return sha256Hex(out);
}

/** The same bytes through protobuf-es's writer: for what the direct path does not cover. */
function contentMessageByWriter(contentVersion: string, manifests: readonly { system: OwnerSystem; chunkIds: readonly string[] }[]): Uint8Array {
  const w = new BinaryWriter();
  if (contentVersion !== '') w.tag(CONTENT_VERSION_NO, WireType.LengthDelimited).string(contentVersion);
  for (const m of manifests) {
    w.tag(SECTIONS_NO, WireType.LengthDelimited).fork();
    if (m.system !== 0) w.tag(SYSTEM_NO, WireType.Varint).int32(m.system);
    for (const id of m.chunkIds) w.tag(CHUNK_IDS_NO, WireType.LengthDelimited).string(id);
    w.join();
  }
  return w.finish();
}

export { metaDigestOf } from '@persistd/contract';

/** Everything of an epoch's meta but its number and digest, known before the commit. */
export type UnsealedMeta = Omit<EpochMeta, '$typeName' | '$unknown' | 'epoch' | 'digest' | 'storedForm' | 'rulesVersion' | 'ledger'> &
  Partial<Pick<EpochMeta, 'storedForm' | 'rulesVersion' | 'ledger'>>;

/**
 * Stamps the epoch number and the retention ledger the commit worked out into a meta, computes
 * its digest and encodes it for storage.
 */
export function sealEpochMeta(unsealed: UnsealedMeta, epoch: bigint, ledger?: ChunkLedger): { meta: EpochMeta; bytes: Uint8Array; digest: string } {
  const meta = create(EpochMetaSchema, { ...unsealed, epoch, digest: '', ledger });
  const digest = sha256Hex(toBinary(EpochMetaSchema, meta));
  meta.digest = digest;
  return { meta, bytes: toBinary(EpochMetaSchema, meta), digest };
}
