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
  if (ctx.indexCache.maxBytes === 0 || ctx.indexCache.holds(worldId, epoch, meta.digest) || indexingUnderWay(ctx, worldId, epoch, meta.digest)) return;
  const listed = listRecordChunks(meta, stored.chunks);
  if (!Array.isArray(listed)) return;
  indexInBackground(ctx, { worldId, epoch, digest: meta.digest, sections: copiedTogether(listed.map((ids) => ids.map((id) => ({ id, bytes: stored.chunks.get(id)! })))) });
}

/**
 * After a whole Save of a world whose earlier epoch this daemon indexed — a world saved through
 * change sets, which a whole Save now and then interrupts — indexes the epoch it committed, so
 * the next change set keeps the fast path. A world only ever saved whole is not indexed: its
 * saves would pay for an index no change set uses (measured: +70% of an M Save's CPU when every
 * Save built one). Also the epoch a SaveChanges' full path committed: that world is saved
 * through change sets.
 */
export function indexSavedEpoch(ctx: IndexingContext, wasIndexed: boolean, epoch: EpochChunks): void {
  if (!wasIndexed || ctx.indexCache.maxBytes === 0 || indexingUnderWay(ctx, epoch.worldId, epoch.epoch, epoch.digest)) return;
  indexInBackground(ctx, { ...epoch, sections: copiedTogether(epoch.sections) });
}

/**
 * The chunks copied into one buffer, as views of it: a reply buffer is a view of a larger one,
 * which the thread hand-over would clone whole, and one copy of an L world's 13 MB costs a few
 * milliseconds where 15,000 separate ones cost some 25 — on the event loop, at the end of a restore.
 */
function copiedTogether(sections: { id: string; bytes: Uint8Array }[][]): { id: string; bytes: Uint8Array }[][] {
  let total = 0;
  for (const chunks of sections) for (const { bytes } of chunks) total += bytes.byteLength;
  const all = new Uint8Array(total);
  let at = 0;
  return sections.map((chunks) =>
    chunks.map(({ id, bytes }) => {
      all.set(bytes, at);
      at += bytes.byteLength;
      return { id, bytes: all.subarray(at - bytes.byteLength, at) };
    }),
  );
}

const jobOf = (worldId: string, epoch: bigint, digest: string) => `${worldId}\n${epoch}\n${digest}`;

/**
 * The indexing of this epoch under way, if any: settles (never rejects) once it is cached or has
 * failed. A SaveChanges whose base is being indexed waits for it rather than reading the whole
 * base itself: the indexing is already paid for, and finishes sooner than a full path would.
 */
export function indexingUnderWay(ctx: IndexingContext, worldId: string, epoch: bigint, digest: string): Promise<void> | undefined {
  return underWay.get(ctx.indexCache)?.get(jobOf(worldId, epoch, digest));
}

/**
 * Builds an epoch's index on a save worker, off the call's path, and caches it. Best effort: a
 * failure only means the next SaveChanges indexes the base itself. Requests for one epoch that
 * follow each other before its index is done (an L world takes seconds) wait for that one
 * instead of each starting its own.
 */
function indexInBackground(ctx: IndexingContext, { worldId, epoch, digest, sections }: EpochChunks): void {
  const running = underWay.get(ctx.indexCache) ?? new Map<string, Promise<void>>();
  underWay.set(ctx.indexCache, running);
  const job = jobOf(worldId, epoch, digest);
  if (running.has(job)) return;
  running.set(
    job,
    ctx.savePool
      .indexBase({ worldId, epoch, digest, sections })
      .then(
        ({ index }) => ctx.indexCache.put(index),
        (err: unknown) => ctx.logger.debug({ err, worldId, epoch: String(epoch) }, 'indexing an epoch failed; the next SaveChanges indexes it'),
      )
      .finally(() => running.delete(job)),
  );
}

/** Indexings under way, per daemon (its cache), each settling once it is done. */
const underWay = new WeakMap<IndexCache, Map<string, Promise<void>>>();
