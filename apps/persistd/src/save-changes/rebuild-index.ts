import type { StoredEpoch } from '@persistd/store-redis';
import type { BaseIndex } from '@persistd/validation';
import type { RpcContext } from '../rpc/context';
import { DeadlinePassed } from '../rpc/refusal';
import { copiedTogether, recordChunksOf } from './epoch-chunks';

/**
 * A base index that is not held (another daemon committed the epoch, or it was evicted) rebuilt
 * from the base read whole and verified (DESIGN §5: "a missing index is rebuilt from Redis"), on
 * a save worker, as the call's job, and cached: the change set then takes the fast path, and the
 * next one finds the index advanced to its epoch. The full path would cost about twice a whole
 * Save: it checks and stores the whole result as a Save, then indexes it. Measured on an L world
 * (250,000 records), a 1% change set in one run of ids sent to the daemon that did not commit its
 * base, builds alternating in one run: p50 2,199 and 2,521 ms by the full path, 1,721 and
 * 1,312 ms rebuilt; a whole Save took 1,950-2,475 ms in the same runs.
 *
 * Undefined when the index cannot be built (index chunks that do not list the base, a failed
 * thread): the caller takes the full path, which gives the exact answer. DeadlinePassed passes.
 */
export async function rebuiltIndex(ctx: Pick<RpcContext, 'indexCache' | 'savePool' | 'logger'>, stored: StoredEpoch, deadlineMs: number | undefined): Promise<BaseIndex | undefined> {
  const { worldId, epoch, meta } = stored;
  const sections = recordChunksOf(stored);
  if (!sections) return undefined;
  const copy = copiedTogether(sections);
  try {
    const { index } = await ctx.savePool.indexBaseNow({ worldId, epoch, digest: meta.digest, sections: copy.sections }, copy.buffer, deadlineMs);
    ctx.indexCache.put(index);
    return index;
  } catch (e) {
    if (e instanceof DeadlinePassed) throw e;
    ctx.logger.debug({ err: e, worldId, epoch: String(epoch) }, 'rebuilding a base index failed; SaveChanges takes the full path');
    return undefined;
  }
}
