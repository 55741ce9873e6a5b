import type { StoredEpoch } from '@persistd/store-redis';
import { listRecordChunks } from '@persistd/validation';
import type { RpcContext } from '../rpc/context';
import type { IndexCache } from './index-cache';

/**
 * After a restore of a world's latest epoch, indexes that epoch for SaveChanges (DESIGN §5: the
 * daemon keeps the index of the epochs it committed or restored), on a save worker and off the
 * restore's path: a game server that just restored its world usually saves changes to it next.
 * Best effort: a failure only means the first SaveChanges indexes the base itself.
 */
export function indexRestoredEpoch(ctx: Pick<RpcContext, 'indexCache' | 'savePool' | 'logger'>, stored: StoredEpoch): void {
  const { worldId, epoch, meta } = stored;
  if (ctx.indexCache.maxBytes === 0 || ctx.indexCache.holds(worldId, epoch, meta.digest)) return;
  // Restores of one epoch that follow each other before its index is done (an L world takes
  // seconds on a worker) wait for that one instead of each starting its own.
  const running = underWay.get(ctx.indexCache) ?? new Set<string>();
  underWay.set(ctx.indexCache, running);
  const job = `${worldId}\n${epoch}\n${meta.digest}`;
  if (running.has(job)) return;
  const listed = listRecordChunks(meta, stored.chunks);
  if (!Array.isArray(listed)) return;
  running.add(job);
  // Copied: a reply buffer is a view of a larger one, which the thread hand-over would clone whole.
  const sections = listed.map((ids) => ids.map((id) => ({ id, bytes: new Uint8Array(stored.chunks.get(id)!) })));
  ctx.savePool
    .indexBase({ worldId, epoch, digest: meta.digest, sections })
    .then(
      ({ index }) => ctx.indexCache.put(index),
      (err: unknown) => ctx.logger.debug({ err, worldId, epoch: String(epoch) }, 'indexing a restored epoch failed; the next SaveChanges indexes it'),
    )
    .finally(() => running.delete(job));
}

/** Indexings of restored epochs under way, per daemon (its cache). */
const underWay = new WeakMap<IndexCache, Set<string>>();
