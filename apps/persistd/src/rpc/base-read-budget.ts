import type { ServerUnaryCall } from '@grpc/grpc-js';
import type { StoredEpoch } from '@persistd/store-redis';
import type { RpcContext } from './context';
import { deadlineOf } from './deadline';

/** Reads a world's epoch with every chunk, inside the call's share of the stored-bytes budget. */
export type BaseReader = (worldId: string, epoch: bigint) => Promise<StoredEpoch>;

/**
 * Runs a SaveChanges handler whose base epoch reads count against PERSISTD_MAX_RESTORE_BYTES, the
 * budget of stored bytes held in memory across calls (DESIGN §6): a base read holds the same
 * kind of bytes as a restore, read the same way, and many SaveChanges on big worlds that this
 * daemon has not indexed would otherwise hold whole worlds outside any bound. The in-flight
 * budget counts request bytes, which for a change set are small whatever the world's size.
 *
 * The chunks' size is reserved before they are read (readEpoch's `reserve`), and held until the
 * handler settles, however it ends: the base's bytes and what is made from them live that long.
 * Past the budget the read waits, as a restore does, up to RESTORE_BUDGET_WAIT_MS or the call's
 * deadline, and ends early when the client cancels; then RESOURCE_EXHAUSTED/LIMIT_EXCEEDED with
 * `metadata.limit` `max_restore_bytes`, nothing committed. A base larger than the whole budget is
 * refused at once.
 */
export async function withBaseReadBudget<T>(ctx: RpcContext, call: ServerUnaryCall<Buffer, unknown>, handler: (readBase: BaseReader) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const cancelled = () => abort.abort();
  call.once('cancelled', cancelled);
  const holding = ctx.restoreBudget.holding({ deadlineMs: deadlineOf(call), signal: abort.signal });
  try {
    return await handler((worldId, epoch) => ctx.store.readEpoch(worldId, epoch, (bytes) => holding.reserve(bytes)));
  } finally {
    call.off('cancelled', cancelled);
    holding.release();
  }
}
