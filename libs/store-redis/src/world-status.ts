/**
 * A world's status from one consistent read (DESIGN §3 GetWorldStatus): the committed epoch, the
 * retained epochs, the committed digests and the deleted epoch, all as of one moment.
 *
 * Keys read: P:{w}:epoch (twice), P:{w}:meta:<k> for the retained window.
 *
 * Lua-free and WATCH-free, on the shared read connection: GET the pointer, then in one pipeline
 * EXISTS every meta of its retention window, GET the committed meta and GET the pointer again.
 * Metas only change in a transaction that also changes the pointer (a commit, a delete), and a
 * pointer value never comes back (epochs are never reused; a tombstone names its epoch), so when
 * both pointer reads agree no such transaction ran between them and every reply belongs to that
 * one pointer. When they differ the read starts over, at most MAX_READ_PASSES times.
 */
import { storedFormOf } from '@persistd/contract';
import { decodeEpochMeta } from './epoch-meta';
import { parseWorldPointer } from './epoch-pointer';
import { worldKeys } from './keys';
import { MAX_READ_PASSES, reading, type ReadContext } from './read';
import { unavailable } from './redis-failures';
import { isRetained } from './retention';
import { StoreError } from './store-error';

/** What GetWorldStatus answers. */
export interface WorldStatus {
  /** 0n when never saved or deleted (then only `deletedEpoch` may be set). */
  committedEpoch: bigint;
  /** Ascending. */
  retainedEpochs: bigint[];
  digest: string;
  contentDigest: string;
  /** The epoch the world was deleted at; 0n unless it is deleted now. */
  deletedEpoch: bigint;
  /** The committed epoch's stored form (DESIGN §5); 0 when nothing is committed. */
  storedForm: number;
}

/** Reads a world's status as of one moment (see the header). */
export async function readWorldStatus(ctx: ReadContext, worldId: string): Promise<WorldStatus> {
  const keys = worldKeys(ctx.settings.prefix, worldId);
  const { redis, settings } = ctx;
  return reading(ctx, async () => {
    for (let pass = 0; pass < MAX_READ_PASSES; pass++) {
      const first = await redis.get(keys.epoch);
      const pointer = parseWorldPointer(first, keys.epoch);
      if (pointer.committed === 0n) return { committedEpoch: 0n, retainedEpochs: [], digest: '', contentDigest: '', deletedEpoch: pointer.deletedAt, storedForm: 0 };
      const committed = pointer.committed;
      const window: bigint[] = [];
      for (let e = committed; e >= 1n && isRetained(e, committed, settings.retention); e--) window.unshift(e);
      const p = redis.pipeline();
      for (const e of window) p.exists(keys.meta(e));
      p.getBuffer(keys.meta(committed));
      p.get(keys.epoch);
      const replies = ((await p.exec()) ?? []).map(([err, value]) => {
        if (err) throw err;
        return value;
      });
      if (replies.length !== window.length + 2) throw new Error('Connection is closed.');
      if (replies[window.length + 1] !== first) continue; // a commit or delete landed between the reads
      const metaBytes = replies[window.length] as Buffer | null;
      if (!metaBytes) {
        throw new StoreError('MISSING_COMPONENT', `meta of committed epoch ${committed} is absent`, {
          metadata: { world_id: worldId, epoch: committed.toString(), component: 'meta', key: keys.meta(committed) },
        });
      }
      const meta = decodeEpochMeta(metaBytes, keys.meta(committed));
      return {
        committedEpoch: committed,
        retainedEpochs: window.filter((_, i) => Number(replies[i]) === 1),
        digest: meta.digest,
        contentDigest: meta.contentDigest,
        deletedEpoch: 0n,
        storedForm: storedFormOf(meta),
      };
    }
    throw unavailable('pointer-moving', `the committed epoch of ${worldId} kept moving during ${MAX_READ_PASSES} status reads`);
  });
}
