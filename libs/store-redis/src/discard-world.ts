import { keySlot } from './cluster-slot';
import type { CommitRoute } from './commit-route';
import { decodeEpochMeta } from './epoch-meta';
import { parseWorldPointer } from './epoch-pointer';
import { worldKeys } from './keys';
import { readListedChunks } from './read-listing';
import { rethrowAsStoreError } from './redis-failures';
import type { StoreSettings } from './settings';

/** What a discard removed: keys deleted (0 when the world was never committed). */
export interface DiscardReport {
  keysDeleted: number;
}

/**
 * Removes, at once and without a tombstone, every key of a scratch world that committed at most
 * its first epoch: its pointer, meta:1, the chunks meta:1 lists and the record of `requestId`.
 * For the daemon's own warm-up save (a world id of its own, which no game server writes), never
 * for a game world: DeleteWorld (delete-world.ts) is the fenced removal that keeps epoch numbers.
 * A world past epoch 1 is refused: chunks of earlier epochs would be left behind.
 */
export async function discardWorld(route: CommitRoute, settings: StoreSettings, worldId: string, requestId: string): Promise<DiscardReport> {
  const keys = worldKeys(settings.prefix, worldId);
  const lease = await route.lease(keySlot(keys.epoch));
  try {
    const conn = lease.conn;
    const pointer = parseWorldPointer(await conn.get(keys.epoch), keys.epoch);
    if (pointer.committed > 1n || pointer.deletedAt > 0n) throw new RangeError(`store-redis: ${worldId} is past its first epoch; only a scratch world of one epoch is discarded`);
    const doomed = [keys.epoch, keys.req(requestId), keys.sweep];
    if (pointer.committed === 1n) {
      const metaBytes = await conn.getBuffer(keys.meta(1n));
      doomed.push(keys.meta(1n));
      const listed = metaBytes ? await readListedChunks(conn, keys, decodeEpochMeta(metaBytes, keys.meta(1n))) : undefined;
      for (const id of listed ?? []) doomed.push(keys.chunk(id));
    }
    const keysDeleted = await conn.del(...doomed);
    lease.release(true);
    return { keysDeleted };
  } catch (e) {
    lease.release(false);
    rethrowAsStoreError(e, 'before-exec');
  }
}
