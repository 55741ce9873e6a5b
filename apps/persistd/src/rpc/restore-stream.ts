import type * as grpc from '@grpc/grpc-js';
import type { RpcContext } from './context';
import type { RestoreOutput } from './restore';
import { RestoreStallWatch } from './restore-stall';
import { resetCallStream } from './stream-reset';

/** The call's deadline as a Date.now() instant, or undefined when it has none. */
function deadlineOf(call: grpc.ServerWritableStream<Buffer, unknown>): number | undefined {
  const d = call.getDeadline();
  const ms = d instanceof Date ? d.getTime() : d;
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * Restore's view of a grpc-js stream (DESIGN §6 PERSISTD_MAX_RESTORE_BYTES): writes counted, a
 * drain that also ends when the call does, the call's share of the restore budget — returned
 * when the call ends in any way, which for a streamed restore is once its last byte was flushed
 * to the connection (until then grpc-js still holds the framed bytes) — a hold on the save
 * pool's background work for as long, and a stall watch that resets the stream of a client that
 * stopped reading, so its queued bytes are dropped.
 */
export function restoreStream(call: grpc.ServerWritableStream<Buffer, unknown>, ctx: RpcContext, counted: (bytes: number) => void): RestoreOutput {
  const abort = new AbortController();
  const holding = ctx.restoreBudget.holding({ deadlineMs: deadlineOf(call), signal: abort.signal });
  // Background indexing waits while restores stream (a burst of them is a restart's critical path).
  const releaseBackground = ctx.savePool.holdBackground();
  let stalled = false;
  const stall = new RestoreStallWatch(ctx.restoreStallMs, () => {
    stalled = true;
    ctx.logger.warn({ method: 'Restore', peer: call.getPeer(), heldBytes: holding.bytes, stallMs: ctx.restoreStallMs }, 'restore cut off: its client took nothing for the stall timeout');
    if (!resetCallStream(call)) call.destroy();
    ended();
  });
  const ended = () => {
    stall.stop();
    abort.abort();
    holding.release();
    releaseBackground();
  };
  for (const e of ['finish', 'close', 'cancelled', 'error'] as const) call.once(e, ended);

  return {
    get cancelled() {
      return call.cancelled;
    },
    get stalled() {
      return stalled;
    },
    reserve: (bytes) => holding.reserve(bytes),
    write(bytes) {
      counted(bytes.byteLength);
      return call.write(bytes, stall.written());
    },
    drained: () =>
      new Promise<void>((resolve) => {
        const events = ['drain', 'cancelled', 'close', 'error'] as const;
        const done = () => {
          for (const e of events) call.off(e, done);
          clearInterval(poll);
          resolve();
        };
        // A stall resets the stream, but grpc-js may learn of it only later: look every 100 ms.
        const poll = setInterval(() => stalled && done(), 100);
        for (const e of events) call.once(e, done);
      }),
    end: ended,
  };
}
