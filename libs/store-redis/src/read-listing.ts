import { storedFormOf, type EpochMeta } from '@persistd/contract';
import type Redis from 'ioredis';
import { BATCH_LIMITS, batchesOf } from './batches';
import { chunkIdsOf, decodeEpochMeta, listedChunks } from './epoch-meta';
import type { WorldKeys } from './keys';

/**
 * Every chunk id an epoch lists, read from Redis: in stored form 1 what its meta names; in form 2
 * also what its index chunks name (read here in bounded MGETs). Undefined when an index chunk is
 * absent or damaged: then nobody can say what the epoch lists, and a caller that would give up
 * chunks must keep them all (a leak, never a loss).
 */
export async function readListedChunks(
  redis: Redis,
  keys: WorldKeys,
  meta: EpochMeta,
  inHand: (id: string) => Uint8Array | undefined = () => undefined,
): Promise<Set<string> | undefined> {
  const named = chunkIdsOf(meta);
  if (storedFormOf(meta) !== 2) return new Set(named);
  // Index chunks the caller already holds (a commit shares most of its base's) are not read again.
  const index = new Map<string, Uint8Array>();
  for (const batch of batchesOf(named.filter((id) => !inHand(id)), () => 0, BATCH_LIMITS.maxSmallChunkKeysPerRead)) {
    const values = await redis.mgetBuffer(...batch.map((id) => keys.chunk(id)));
    batch.forEach((id, i) => values[i] && index.set(id, values[i]!));
  }
  return listedChunks(meta, (id) => inHand(id) ?? index.get(id));
}

/**
 * The chunk keys the metas of `epochs` list, absent metas skipped (read under the caller's
 * WATCH); undefined when a form-2 index chunk is absent or damaged, so that nothing is given up.
 * A meta that does not decode is thrown (DIGEST_MISMATCH).
 */
export async function listedChunkKeys(conn: Redis, keys: WorldKeys, epochs: readonly bigint[]): Promise<Set<string> | undefined> {
  const values = epochs.length > 0 ? await conn.mgetBuffer(...epochs.map((e) => keys.meta(e))) : [];
  const listed = new Set<string>();
  for (const [i, bytes] of values.entries()) {
    if (!bytes) continue;
    const ids = await readListedChunks(conn, keys, decodeEpochMeta(bytes, keys.meta(epochs[i]!)));
    if (!ids) return undefined;
    for (const id of ids) listed.add(keys.chunk(id));
  }
  return listed;
}
