import { create } from '@bufbuild/protobuf';
import { GetWorldStatusResponseSchema, type GetWorldStatusRequest, type GetWorldStatusResponse } from '@persistd/contract';
import type { RpcContext } from './context';
import type { Admitted } from './intake';
import { requireWorldId } from './world-id';

/**
 * GetWorldStatus: committed epoch, retained epochs (ascending), the committed digests and the
 * deleted epoch and the stored form, all from one consistent read (store-redis world-status.ts).
 */
export async function getWorldStatus(ctx: RpcContext, { req }: Admitted<GetWorldStatusRequest>): Promise<GetWorldStatusResponse> {
  requireWorldId(req.worldId);
  const s = await ctx.store.worldStatus(req.worldId);
  return create(GetWorldStatusResponseSchema, { worldId: req.worldId, ...s });
}
