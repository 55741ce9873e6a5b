import { storedFormOf, unpackChunkIds, type EpochMeta } from '@persistd/contract';

/**
 * How a stored epoch's sections list their record chunks (DESIGN §5): form 1 in the meta's
 * `chunk_ids`; form 2 through index chunks, each the packed ids of a run of record chunks.
 */

/** Where a listing finds an epoch's chunks by id (a Map will do). */
export interface ChunkSource {
  get(id: string): Uint8Array | undefined;
}

/** Why a section's record chunks cannot be listed: an index chunk absent or not a list of ids. */
export interface TreeDamage {
  code: 'MISSING_COMPONENT' | 'DIGEST_MISMATCH';
  message: string;
}

/**
 * The ordered record chunk ids of each section, reading form 2's index chunks from `chunks`,
 * or what stops them from being listed. Checks no hash: the caller does.
 */
export function listRecordChunks(meta: EpochMeta, chunks: ChunkSource): string[][] | TreeDamage {
  if (storedFormOf(meta) === 1) return meta.sections.map((s) => s.chunkIds);
  // A restore lists one read epoch three times (verify, frame, index): its ~60 index chunks
  // unpacked to ~15,000 hex ids once is enough.
  const known = listings.get(chunks);
  if (known?.meta === meta) return known.listed;
  const out: string[][] = [];
  for (const s of meta.sections) {
    const ids: string[] = [];
    for (const indexId of s.indexChunkIds) {
      const bytes = chunks.get(indexId);
      if (!bytes) return { code: 'MISSING_COMPONENT', message: `index chunk ${indexId} of epoch ${meta.epoch} is absent` };
      const listed = unpackChunkIds(bytes);
      if (!listed || listed.length === 0) return { code: 'DIGEST_MISMATCH', message: `index chunk ${indexId} of epoch ${meta.epoch} is not a list of chunk ids` };
      ids.push(...listed);
    }
    out.push(ids);
  }
  listings.set(chunks, { meta, listed: out });
  return out;
}

/** The last listing of each chunk source, with the meta it listed (a read epoch's chunks never change). */
const listings = new WeakMap<ChunkSource, { meta: EpochMeta; listed: string[][] }>();

/** The ordered record chunk ids of each section of an epoch already verified; throws if they cannot be listed. */
export function recordChunkIdsOf(meta: EpochMeta, chunks: ChunkSource): string[][] {
  const listed = listRecordChunks(meta, chunks);
  if (!Array.isArray(listed)) throw new Error(listed.message);
  return listed;
}
