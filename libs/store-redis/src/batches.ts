/**
 * Bounds for multi-key round trips. Each batch is one pipeline or one MGET: large enough to keep
 * round trips few, small enough that one reply never builds a huge buffer in Redis or in Node and
 * never stalls other clients (DESIGN §7).
 */
export const BATCH_LIMITS = {
  /** Keys per batch. */
  maxKeys: 64,
  /** Bytes of values per batch when the sizes are known (staging). */
  maxBytes: 16 * 1024 * 1024,
  /**
   * Keys per MGET of chunks, whose sizes are unknown until read: chunks are cut at 1 MiB
   * (DESIGN §5), so 16 keeps a reply near 16 MiB.
   */
  maxChunkKeysPerRead: 16,
  /**
   * Keys per MGET of stored form 2's chunks (index chunks, and the record chunks they list): cut
   * at 64 KiB (RECORD_CHUNK_RULE and INDEX_CHUNK_RULE in the validation lib), so 256 keeps the
   * same 16 MiB bound — and an L world's ~15,000 chunks of ~900 bytes take some 60 round trips,
   * not 950.
   */
  maxSmallChunkKeysPerRead: 256,
  /**
   * Chunks per staging script (commit-scripts.ts), and their bytes (except a lone larger chunk):
   * one command per batch instead of one per chunk, each small enough to run in well under a
   * millisecond of Redis's time. A pipeline carries scripts up to `maxBytes`.
   */
  maxChunksPerStagingScript: 256,
  maxBytesPerStagingScript: 1024 * 1024,
} as const;

/** Splits `items` in order into batches of at most `maxKeys` items and (except a lone item) `maxBytes` bytes. */
export function batchesOf<T>(items: readonly T[], sizeOf: (item: T) => number, maxKeys: number, maxBytes = Infinity): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && (current.length >= maxKeys || bytes + size > maxBytes)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}
