import { create } from '@bufbuild/protobuf';
import type { ServerUnaryCall } from '@grpc/grpc-js';
import { SaveResponseSchema, type SaveResponse } from '@persistd/contract';
import { sealEpochMeta } from '@persistd/validation';
import { indexSavedEpoch } from '../save-changes/index-in-background';
import type { RpcContext } from './context';
import type { AdmittedSave } from './intake';
import { DeadlinePassed, Refusal } from './refusal';
import { deadlineOf } from './deadline';
import { epochConflict } from './epoch-conflict';

/**
 * Save: commit a validated request as epoch N+1 or nothing (DESIGN §4 precedence: authority,
 * malformed, limits and violations (intake.ts, save-work/) → REQUEST_ID_REUSED → EPOCH_CONFLICT;
 * the last two come from the commit itself, which recognizes a retry by its request digest, so a
 * Save committed in one stored form replays at a daemon writing the other). The principal intake admitted is recorded in the
 * EpochMeta, and the time the commit began.
 */
export async function save(ctx: RpcContext, call: ServerUnaryCall<Buffer, unknown>, { principal, req, work }: AdmittedSave): Promise<SaveResponse> {
  ctx.logger.debug({ worldId: req.worldId, requestId: req.requestId, expectedEpoch: String(req.expectedEpoch), principal }, 'save admitted');
  const { prepared } = work;

  return ctx.queue.run(req.worldId, async () => {
    const wasIndexed = ctx.stored.storedForm === 2 && ctx.indexCache.holdsWorld(req.worldId);
    const unsealed = { ...prepared.unsealed, committedAtMs: BigInt(Date.now()) };
    const result = await ctx.store.commit({
      worldId: req.worldId,
      expectedEpoch: req.expectedEpoch,
      requestId: req.requestId,
      contentDigest: prepared.contentDigest,
      requestDigest: work.requestDigest,
      chunks: prepared.chunks,
      sealMeta: (epoch, ledger) => sealEpochMeta(unsealed, epoch, ledger),
      deadlineMs: deadlineOf(call),
    });
    const answer = (epoch: bigint, digest: string, contentDigest: string, replayed: boolean) =>
      create(SaveResponseSchema, { worldId: req.worldId, committedEpoch: epoch, digest, contentDigest, counts: prepared.counts, replayed });
    switch (result.kind) {
      case 'committed':
        indexSavedEpoch(ctx, wasIndexed, { worldId: req.worldId, epoch: result.epoch, digest: result.digest, sections: prepared.sections.map((s) => s.chunks) });
        return answer(result.epoch, result.digest, prepared.contentDigest, false);
      case 'replayed':
        // The original answer: its content digest is the one of the form it was committed in, which
        // may not be this daemon's. The counts are this request's, and so the original's.
        return answer(result.epoch, result.digest, result.record.contentDigest, true);
      case 'request-id-reused':
        throw new Refusal('REQUEST_ID_REUSED', `request_id ${req.requestId} committed epoch ${result.epoch} with another request`);
      case 'conflict':
        throw epochConflict(req.expectedEpoch, result.committedEpoch, result.deletedEpoch);
      case 'deadline-exceeded':
        throw new DeadlinePassed('deadline passed before the commit; nothing was committed');
    }
  });
}
