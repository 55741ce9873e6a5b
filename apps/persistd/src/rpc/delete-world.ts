import { create } from '@bufbuild/protobuf';
import { DeleteWorldResponseSchema, type DeleteWorldRequest, type DeleteWorldResponse } from '@persistd/contract';
import type { RpcContext } from './context';
import type { Admitted } from './intake';
import { Refusal } from './refusal';
import { requireWorldId } from './world-id';

/**
 * DeleteWorld (DESIGN §3): removes a world whole, only if its committed epoch is still the one
 * named. Authority has already checked the caller against PERSISTD_ADMIN_PRINCIPALS (intake). It
 * runs in the world's queue, so a save of the same world in this daemon waits for it; a save in
 * another daemon is fenced by the WATCH on the pointer (store-redis delete-world.ts).
 */
export async function deleteWorld(ctx: RpcContext, { principal, req }: Admitted<DeleteWorldRequest>): Promise<DeleteWorldResponse> {
  requireWorldId(req.worldId);
  return ctx.queue.run(req.worldId, async () => {
    const result = await ctx.store.deleteWorld({ worldId: req.worldId, expectedEpoch: req.expectedEpoch });
    switch (result.kind) {
      case 'deleted':
      case 'already-deleted':
        // The call log has the call itself; this line adds what the sweep did to the world's keys.
        ctx.logger.info({ worldId: req.worldId, deletedEpoch: String(result.deletedEpoch), principal, repeat: result.kind === 'already-deleted', ...result.sweep }, 'world deleted');
        return create(DeleteWorldResponseSchema, { worldId: req.worldId, deletedEpoch: result.deletedEpoch });
      case 'not-found': {
        const why = result.deletedEpoch > 0n ? `was deleted at epoch ${result.deletedEpoch}, not ${req.expectedEpoch}` : 'was never saved';
        throw new Refusal('WORLD_NOT_FOUND', `world ${req.worldId} ${why}`, {
          metadata: { world_id: req.worldId, ...(result.deletedEpoch > 0n ? { deleted_epoch: String(result.deletedEpoch) } : {}) },
        });
      }
      case 'conflict':
        throw new Refusal('EPOCH_CONFLICT', `expected epoch ${req.expectedEpoch}, committed epoch is ${result.committedEpoch}; nothing was deleted`, {
          metadata: { committed_epoch: String(result.committedEpoch), expected_epoch: String(req.expectedEpoch) },
        });
    }
  });
}
