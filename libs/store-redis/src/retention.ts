import { chunkIdsOf, decodeEpochMeta } from './epoch-meta';

/**
 * How far below the retention cut a commit looks for metas left over from a larger retention
 * setting. Bounded so a commit's cost never grows with history; never a SCAN.
 */
export const LEFTOVER_WINDOW = 64n;

/** The epochs whose metas a commit of `newEpoch` reads: the ones it keeps, the one it drops, and leftovers. */
export function metaWindow(newEpoch: bigint, retention: number): bigint[] {
  const from = newEpoch - BigInt(retention) - LEFTOVER_WINDOW;
  const out: bigint[] = [];
  for (let e = from < 1n ? 1n : from; e < newEpoch; e++) out.push(e);
  return out;
}

/** True when epoch `e` is among the last `retention` epochs up to `pointer`. */
export function isRetained(e: bigint, pointer: bigint, retention: number): boolean {
  return e >= 1n && e <= pointer && e > pointer - BigInt(retention);
}

/** What a commit deletes in its transaction. */
export interface RetentionPlan {
  /** Epochs whose meta is deleted (past retention). */
  dropMetas: bigint[];
  /** Chunk ids listed by dropped epochs and by no kept one (the new epoch included). */
  dropChunks: string[];
  /**
   * True when a kept meta could not be decoded, so its chunk list is unknown: then no chunk is
   * deleted (a leaked chunk is a cost; a deleted live chunk is data loss).
   */
  chunksKept: boolean;
}

/**
 * Decides, from the metas found in `metaWindow`, what committing `newEpoch` (listing
 * `newChunkIds`) drops so that exactly the last `retention` epochs remain, and no chunk that a
 * remaining epoch lists is lost. A dropped meta that does not decode is deleted; its chunks are
 * left (unknown) — a bounded leak, never a loss.
 */
export function planRetention(args: {
  newEpoch: bigint;
  retention: number;
  newChunkIds: Iterable<string>;
  metas: ReadonlyMap<bigint, Uint8Array>;
  keyOf(epoch: bigint): string;
}): RetentionPlan {
  const keep = new Set<string>(args.newChunkIds);
  const dropMetas: bigint[] = [];
  const candidates = new Set<string>();
  let chunksKept = false;
  for (const [epoch, bytes] of args.metas) {
    const retained = isRetained(epoch, args.newEpoch, args.retention);
    if (!retained) dropMetas.push(epoch);
    let ids: string[];
    try {
      ids = chunkIdsOf(decodeEpochMeta(bytes, args.keyOf(epoch)));
    } catch {
      if (retained) chunksKept = true;
      continue;
    }
    for (const id of ids) (retained ? keep : candidates).add(id);
  }
  const dropChunks = chunksKept ? [] : [...candidates].filter((id) => !keep.has(id));
  return { dropMetas: dropMetas.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), dropChunks, chunksKept };
}
