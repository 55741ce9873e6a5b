import { BATCH_LIMITS, batchesOf } from './batches';
import { worldKeys } from './keys';
import { reading, type ReadContext } from './read';

/**
 * Chunks of a world by id, as stored; an absent one is left out (the caller decides what that
 * means). SaveChanges' fast path reads only the few record chunks its change touches; the
 * caller verifies each chunk's SHA-256 against its id. `MGET`s in bounded batches.
 */
export async function readChunks(ctx: ReadContext, worldId: string, ids: readonly string[]): Promise<Map<string, Uint8Array>> {
  const keys = worldKeys(ctx.settings.prefix, worldId);
  return reading(ctx, async () => {
    const out = new Map<string, Uint8Array>();
    for (const batch of batchesOf([...ids], () => 0, BATCH_LIMITS.maxSmallChunkKeysPerRead)) {
      const values = await ctx.redis.mgetBuffer(...batch.map((id) => keys.chunk(id)));
      batch.forEach((id, i) => {
        const bytes = values[i];
        if (bytes) out.set(id, bytes);
      });
    }
    return out;
  });
}
