import { create } from '@bufbuild/protobuf';
import { SectionManifestSchema, type RecordCounts, type SectionManifest, type StoredForm, type WorldSnapshot } from '@persistd/contract';
import { DEFAULT_STORED_FORM } from './boundaries';
import { canonicalSections } from './canonical';
import { cutSection, storedSizeOf, type Chunk, type ChunkedSection } from './chunks';
import { contentDigestOf, countsOf, manifestsOf, type UnsealedMeta } from './digests';

/** What a validated snapshot becomes before its commit: chunks, digests and the meta to seal. */
export interface PreparedEpoch {
  sections: ChunkedSection[];
  /** Every chunk of the epoch (index chunks of form 2 included), unique by id (equal chunks are stored once). */
  chunks: Chunk[];
  /** The sections as the meta lists them (form 2: index chunk ids). */
  manifests: SectionManifest[];
  contentDigest: string;
  counts: RecordCounts;
  unsealed: UnsealedMeta;
}

/** Who committed, and when: recorded in the meta. */
export interface CommitStamp {
  worldId: string;
  requestId: string;
  principal: string;
  committedAtMs: bigint;
  /** The stored form to write (PERSISTD_STORED_FORM); DEFAULT_STORED_FORM when absent. */
  storedForm?: StoredForm;
  /** The rules version the snapshot was checked under (rulesVersionOf); empty when absent. */
  rulesVersion?: string;
}

/**
 * Canonicalizes, chunks and digests a snapshot that passed validation. Its maps are sorted in
 * place; the caller does not use the snapshot afterwards.
 */
export function prepareEpoch(snapshot: WorldSnapshot, stamp: CommitStamp): PreparedEpoch {
  return assembleEpoch(
    canonicalSections(snapshot).map((s) => cutSection(s, stamp.storedForm ?? DEFAULT_STORED_FORM)),
    { schemaVersion: snapshot.schemaVersion, contentVersion: snapshot.world?.contentVersion ?? '' },
    stamp,
  );
}

/**
 * An epoch from its five chunked sections: manifests, digests, counts and the meta to seal. The
 * one place both save paths (typed and wire-level) turn chunks into an epoch.
 */
export function assembleEpoch(sections: ChunkedSection[], versions: { schemaVersion: number; contentVersion: string }, stamp: CommitStamp): PreparedEpoch {
  const form: StoredForm = sections.every((s) => s.index) ? 2 : 1;
  const { schemaVersion, contentVersion } = versions;
  // The same formula in both forms: the ordered record chunk ids, never the index chunks.
  const contentDigest = contentDigestOf(contentVersion, manifestsOf(sections));
  const manifests = form === 1 ? manifestsOf(sections) : sections.map((s) => create(SectionManifestSchema, { system: s.system, indexChunkIds: s.index!.map((c) => c.id) }));
  const counts = countsOf(sections);
  const unique = new Map<string, Chunk>();
  for (const s of sections) for (const c of [...(s.index ?? []), ...s.chunks]) unique.set(c.id, c);
  // What a restore of the epoch holds, so it can reserve it before reading a chunk: kept chunks
  // of SaveChanges' fast path too, whose bytes were never read.
  let storedBytes = 0;
  for (const c of unique.values()) storedBytes += storedSizeOf(c);
  return {
    sections,
    chunks: [...unique.values()],
    manifests,
    contentDigest,
    counts,
    unsealed: {
      worldId: stamp.worldId,
      schemaVersion,
      contentVersion,
      contentDigest,
      sections: manifests,
      counts,
      requestId: stamp.requestId,
      principal: stamp.principal,
      committedAtMs: stamp.committedAtMs,
      storedForm: form,
      rulesVersion: stamp.rulesVersion ?? '',
      ledger: undefined,
      storedBytes: BigInt(storedBytes),
    },
  };
}
