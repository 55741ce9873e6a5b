import { status } from '@grpc/grpc-js';
import type { RestoreRequest } from '@persistd/contract';
import type { ReserveChunkBytes } from '@persistd/store-redis';
import { RestoreSequence } from '@persistd/restore-sequence';
import { restoreFrames, verifyStoredEpoch } from '@persistd/validation';
import type { RpcContext } from './context';
import type { Admitted } from './intake';
import { indexRestoredEpoch } from '../save-changes/index-in-background';
import { Refusal } from './refusal';
import { requireWorldId } from './world-id';

/** Where Restore writes its encoded messages (restore-stream.ts makes one of the grpc-js call, counting bytes). */
export interface RestoreOutput {
  /** The client cancelled or its deadline passed. */
  readonly cancelled: boolean;
  /** The client took nothing for PERSISTD_RESTORE_STALL_TIMEOUT: its stream was reset. */
  readonly stalled: boolean;
  /** Holds the chunks' stored bytes in PERSISTD_MAX_RESTORE_BYTES before they are read (may wait, or refuse). */
  reserve: ReserveChunkBytes;
  /** Writes one encoded message; false when the stream wants a drain first. */
  write(bytes: Uint8Array): boolean;
  /** Resolves once the stream drained (or the call ended, or stalled). */
  drained(): Promise<void>;
  /** The call ended before streaming (a refusal): give its memory back now. */
  end(): void;
}

/** What a finished restore sent, for the call log and metrics. */
export interface RestoreSummary {
  /** The epoch streamed (the committed one when the request asked for 0). */
  epoch: bigint;
  messages: number;
}

/**
 * Restore: read the epoch, verify all of it, and only then stream it in phase order — stored
 * chunks framed as section messages without decoding a record, activation last with every system
 * INACTIVE (DESIGN §1, §5). A refusal therefore always comes before the first message.
 */
export async function restore(ctx: RpcContext, out: RestoreOutput, { req }: Admitted<RestoreRequest>): Promise<RestoreSummary> {
  requireWorldId(req.worldId);
  const stored = await ctx.store.readEpoch(req.worldId, req.epoch, out.reserve);
  const finding = verifyStoredEpoch(stored, ctx.verifyMode);
  if (finding) {
    throw finding.violations.length > 0 ? Refusal.ofViolations(finding.violations, true) : new Refusal(finding.code, finding.message, { stored: true });
  }

  const { meta, epoch } = stored;
  const sequence = new RestoreSequence();
  let messages = 0;
  for (const frame of restoreFrames(epoch, meta, stored.chunks)) {
    sequence.accept(frame.phase, frame.payloadCase);
    if (out.stalled) throw stalledRefusal(ctx.restoreStallMs);
    if (out.cancelled) throw new Refusal('STORE_UNAVAILABLE', 'client cancelled the restore');
    messages++;
    if (!out.write(frame.bytes)) await out.drained();
  }
  if (out.stalled) throw stalledRefusal(ctx.restoreStallMs);
  sequence.finish();
  if (req.epoch === 0n) indexRestoredEpoch(ctx, stored);
  return { epoch, messages };
}

/** For the call log and metrics: the client never sees it, its stream was reset. */
function stalledRefusal(stallMs: number): Refusal {
  return new Refusal('LIMIT_EXCEEDED', `the client took nothing for ${stallMs} ms: restore cut off`, {
    status: status.RESOURCE_EXHAUSTED,
    metadata: { limit: 'restore_stall_timeout', max: String(stallMs) },
  });
}
