import { create } from '@bufbuild/protobuf';
import { GetWorldStatusResponseSchema, storedFormOf, type GetWorldStatusRequest, type GetWorldStatusResponse } from '@persistd/contract';
import type { RpcContext } from './context';
import type { Admitted } from './intake';
import { requireWorldId } from './world-id';

/** GetWorldStatus: committed epoch, retained epochs (ascending), the committed digests and stored form. */
export async function getWorldStatus(ctx: RpcContext, { req }: Admitted<GetWorldStatusRequest>): Promise<GetWorldStatusResponse> {
  requireWorldId(req.worldId);
  const committed = await ctx.store.readCommittedEpoch(req.worldId);
  if (committed === 0n) return create(GetWorldStatusResponseSchema, { worldId: req.worldId });
  const [retained, stored] = await Promise.all([ctx.store.retainedEpochs(req.worldId), ctx.store.readEpochMeta(req.worldId, committed)]);
  return create(GetWorldStatusResponseSchema, {
    worldId: req.worldId,
    committedEpoch: committed,
    retainedEpochs: retained,
    digest: stored.meta.digest,
    contentDigest: stored.meta.contentDigest,
    storedForm: storedFormOf(stored.meta),
  });
}
