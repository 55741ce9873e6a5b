import { clone, create, toBinary } from '@bufbuild/protobuf';
import { EpochMetaSchema, RecordCountsSchema, type ChunkLedger, SectionManifestSchema, type EpochMeta, type OwnerSystem, type RecordCounts } from '@persistd/contract';
import { OWNER_SYSTEMS } from '@persistd/ownership';
import { sha256Hex, type ChunkedSection } from './chunks';

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

/** content_digest of a content version and the ordered chunk ids of the five sections. */
export function contentDigestOf(contentVersion: string, manifests: EpochMeta['sections']): string {
  return sha256Hex(toBinary(EpochMetaSchema, create(EpochMetaSchema, { contentVersion, sections: manifests })));
}

/** digest of a meta: SHA-256 of its canonical encoding with `digest` empty. */
export function metaDigestOf(meta: EpochMeta): string {
  const unsigned = clone(EpochMetaSchema, meta);
  unsigned.digest = '';
  return sha256Hex(toBinary(EpochMetaSchema, unsigned));
}

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
