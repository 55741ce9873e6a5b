import type { StoredEpoch } from '@persistd/store-redis';
import { listRecordChunks } from '@persistd/validation';
import type { RpcContext } from '../rpc/context';
import type { IndexCache } from './index-cache';

type IndexingContext = Pick<RpcContext, 'indexCache' | 'savePool' | 'logger'>;

/** An epoch's record chunks per section, as the index is built from them. */
interface EpochChunks {
  worldId: string;
  epoch: bigint;
  digest: string;
  sections: { id: string; bytes: Uint8Array }[][];
}

/**
 * After a restore of a world's latest epoch, indexes that epoch for SaveChanges (DESIGN §5: the
 * daemon keeps the index of the epochs it committed or restored): a game server that just
 * restored its world usually saves changes to it next.
 */
export function indexRestoredEpoch(ctx: IndexingContext, stored: StoredEpoch): void {
  const { worldId, epoch, meta } = stored;
  if (ctx.indexCache.maxBytes === 0 || ctx.indexCache.holds(worldId, epoch, meta.digest)) return;
  const listed = listRecordChunks(meta, stored.chunks);
  if (!Array.isArray(listed)) return;
  // Copied: a reply buffer is a view of a larger one, which the thread hand-over would clone whole.
  indexInBackground(ctx, { worldId, epoch, digest: meta.digest, sections: listed.map((ids) => ids.map((id) => ({ id, bytes: new Uint8Array(stored.chunks.get(id)!) }))) });
}

/**
 * After a whole Save of a world whose earlier epoch this daemon indexed — a world saved through
 * change sets, which a whole Save now and then interrupts — indexes the epoch it committed, so
 * the next change set keeps the fast path. A world only ever saved whole is not indexed: its
 * saves would pay for an index no change set uses (measured: +70% of an M Save's CPU when every
 * Save built one).
 */
export function indexSavedEpoch(ctx: IndexingContext, wasIndexed: boolean, epoch: EpochChunks): void {
  if (!wasIndexed || ctx.indexCache.maxBytes === 0) return;
  indexInBackground(ctx, { ...epoch, sections: epoch.sections.map((chunks) => chunks.map(({ id, bytes }) => ({ id, bytes: new Uint8Array(bytes) }))) });
}

/**
 * Builds an epoch's index on a save worker, off the call's path, and caches it. Best effort: a
 * failure only means the next SaveChanges indexes the base itself. Requests for one epoch that
 * follow each other before its index is done (an L world takes seconds) wait for that one
 * instead of each starting its own.
 */
function indexInBackground(ctx: IndexingContext, { worldId, epoch, digest, sections }: EpochChunks): void {
  const running = underWay.get(ctx.indexCache) ?? new Set<string>();
  underWay.set(ctx.indexCache, running);
  const job = `${worldId}\n${epoch}\n${digest}`;
  if (running.has(job)) return;
  running.add(job);
  ctx.savePool
    .indexBase({ worldId, epoch, digest, sections })
    .then(
      ({ index }) => ctx.indexCache.put(index),
      (err: unknown) => ctx.logger.debug({ err, worldId, epoch: String(epoch) }, 'indexing an epoch failed; the next SaveChanges indexes it'),
    )
    .finally(() => running.delete(job));
}

/** Indexings under way, per daemon (its cache). */
const underWay = new WeakMap<IndexCache, Set<string>>();
