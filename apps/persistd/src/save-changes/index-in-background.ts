import type { StoredEpoch } from '@persistd/store-redis';
import type { RpcContext } from '../rpc/context';
import type { IndexCache } from './index-cache';
import { copiedTogether, recordChunksOf, type SectionChunks } from './epoch-chunks';

type IndexingContext = Pick<RpcContext, 'indexCache' | 'savePool' | 'logger'>;

/** An epoch's record chunks per section, as the index is built from them. */
interface EpochChunks {
  worldId: string;
  epoch: bigint;
  digest: string;
  sections: SectionChunks;
}

/**
 * After a restore of a world's latest epoch, indexes that epoch for SaveChanges (DESIGN §5: the
 * daemon keeps the index of the epochs it committed or restored): a game server that just
 * restored its world usually saves changes to it next.
 */
export function indexRestoredEpoch(ctx: IndexingContext, stored: StoredEpoch): void {
  const { worldId, epoch, meta } = stored;
  if (ctx.indexCache.maxBytes === 0 || ctx.indexCache.holds(worldId, epoch, meta.digest) || indexingOf(ctx, worldId, epoch, meta.digest)) return;
  const sections = recordChunksOf(stored);
  if (sections) indexInBackground(ctx, { worldId, epoch, digest: meta.digest, sections });
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
  if (!wasIndexed || ctx.indexCache.maxBytes === 0 || indexingOf(ctx, epoch.worldId, epoch.epoch, epoch.digest)) return;
  indexInBackground(ctx, epoch);
}

const jobOf = (worldId: string, epoch: bigint, digest: string) => `${worldId}\n${epoch}\n${digest}`;

/** An epoch queued or being indexed, and the bytes of its chunks held meanwhile. */
interface Indexing {
  worldId: string;
  epoch: bigint;
  /** Settles (never rejects) once the index is cached, or the indexing failed or was cancelled. */
  done: Promise<void>;
  hurry(): void;
  /** Drops it if it has not started; whether it did. */
  cancel(): boolean;
  heldBytes: number;
}

/** Indexings queued or running, per daemon (its cache). */
const underWay = new WeakMap<IndexCache, Map<string, Indexing>>();

function indexingOf(ctx: IndexingContext, worldId: string, epoch: bigint, digest: string): Indexing | undefined {
  return underWay.get(ctx.indexCache)?.get(jobOf(worldId, epoch, digest));
}

/**
 * The indexing of this epoch queued or under way, if any, moved ahead of other background work
 * (a call now waits for it): settles (never rejects) once it is cached or has failed. A
 * SaveChanges whose base is being indexed waits for it rather than reading the whole base
 * itself: the indexing is already paid for, and finishes sooner than a rebuild would.
 */
export function indexingUnderWay(ctx: IndexingContext, worldId: string, epoch: bigint, digest: string): Promise<void> | undefined {
  const indexing = indexingOf(ctx, worldId, epoch, digest);
  indexing?.hurry();
  return indexing?.done;
}

/**
 * Of PERSISTD_INDEX_CACHE_BYTES, the share that copies of epochs waiting for (or in) their
 * background indexing may hold: a burst of restores (a cluster restarting) would otherwise hold
 * a copy of every world it restored until the save workers got to it. An epoch past the bound,
 * while others wait, is not indexed in the background; its first SaveChanges rebuilds the index
 * itself (rebuild-index.ts). With none waiting one epoch is always taken, however large.
 */
export const PENDING_COPIES_SHARE = 4;

/**
 * Builds an epoch's index on a save worker as background work (after every call's job, SavePool),
 * and caches it. Best effort: a failure, or an epoch past the memory bound, only means the next
 * SaveChanges indexes the base itself. Requests for one epoch that follow each other before its
 * index is done (an L world takes seconds) wait for that one instead of each starting its own.
 */
function indexInBackground(ctx: IndexingContext, { worldId, epoch, digest, sections }: EpochChunks): void {
  const indexings = underWay.get(ctx.indexCache) ?? new Map<string, Indexing>();
  underWay.set(ctx.indexCache, indexings);
  const job = jobOf(worldId, epoch, digest);
  if (indexings.has(job)) return;
  // An older epoch of the world still waiting will not be a base again: its copy goes now.
  for (const [key, other] of indexings) if (other.worldId === worldId && other.epoch < epoch && other.cancel()) indexings.delete(key);
  let bytes = 0;
  for (const chunks of sections) for (const c of chunks) bytes += c.bytes.byteLength;
  let held = 0;
  for (const i of indexings.values()) held += i.heldBytes;
  if (held > 0 && held + bytes > ctx.indexCache.maxBytes / PENDING_COPIES_SHARE) {
    ctx.logger.debug({ worldId, epoch: String(epoch), bytes, held }, 'not indexing an epoch in the background: the copies waiting for indexing are at their bound');
    return;
  }
  const copy = copiedTogether(sections);
  // The copy is the thread's alone: moved, not cloned, so it is held once.
  const { work, hurry, cancel } = ctx.savePool.indexBase({ worldId, epoch, digest, sections: copy.sections }, copy.buffer);
  const done = work
    .then(
      ({ index }) => ctx.indexCache.put(index),
      (err: unknown) => ctx.logger.debug({ err, worldId, epoch: String(epoch) }, 'indexing an epoch failed or was superseded; the next SaveChanges indexes it'),
    )
    .finally(() => indexings.get(job) === entry && indexings.delete(job));
  const entry: Indexing = { worldId, epoch, done, hurry, cancel, heldBytes: bytes };
  indexings.set(job, entry);
}
