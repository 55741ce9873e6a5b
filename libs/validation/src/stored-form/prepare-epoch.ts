import type { RecordCounts, SectionManifest, WorldSnapshot } from '@persistd/contract';
import { canonicalSections } from './canonical';
import { cutChunks, type Chunk, type ChunkedSection } from './chunks';
import { contentDigestOf, countsOf, manifestsOf, type UnsealedMeta } from './digests';

/** What a validated snapshot becomes before its commit: chunks, digests and the meta to seal. */
export interface PreparedEpoch {
  sections: ChunkedSection[];
  /** Every chunk of the epoch, unique by id (equal chunks are stored once). */
  chunks: Chunk[];
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
}

/**
 * Canonicalizes, chunks and digests a snapshot that passed validation. Its maps are sorted in
 * place; the caller does not use the snapshot afterwards.
 */
export function prepareEpoch(snapshot: WorldSnapshot, stamp: CommitStamp): PreparedEpoch {
  return assembleEpoch(
    canonicalSections(snapshot).map((s) => cutChunks(s)),
    { schemaVersion: snapshot.schemaVersion, contentVersion: snapshot.world?.contentVersion ?? '' },
    stamp,
  );
}

/**
 * An epoch from its five chunked sections: manifests, digests, counts and the meta to seal. The
 * one place both save paths (typed and wire-level) turn chunks into an epoch.
 */
export function assembleEpoch(sections: ChunkedSection[], versions: { schemaVersion: number; contentVersion: string }, stamp: CommitStamp): PreparedEpoch {
  const manifests = manifestsOf(sections);
  const { schemaVersion, contentVersion } = versions;
  const contentDigest = contentDigestOf(contentVersion, manifests);
  const counts = countsOf(sections);
  const unique = new Map<string, Chunk>();
  for (const s of sections) for (const c of s.chunks) unique.set(c.id, c);
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
    },
  };
}
