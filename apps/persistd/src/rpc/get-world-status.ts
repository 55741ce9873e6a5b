import { create } from '@bufbuild/protobuf';
import type { ServerUnaryCall } from '@grpc/grpc-js';
import { GetWorldStatusRequestSchema, GetWorldStatusResponseSchema, type GetWorldStatusResponse } from '@persistd/contract';
import type { RpcContext } from './context';
import { decodeRequest } from './decode-request';
import { requireWorldId } from './world-id';

/** GetWorldStatus: committed epoch, retained epochs (ascending) and the committed digests. */
export async function getWorldStatus(ctx: RpcContext, call: ServerUnaryCall<Buffer, unknown>): Promise<GetWorldStatusResponse> {
  ctx.principalOf(call.metadata);
  const req = decodeRequest(GetWorldStatusRequestSchema, call.request);
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
  });
}
