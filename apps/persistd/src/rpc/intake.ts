import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { SaveRequestSchema, type SaveRequest } from '@persistd/contract';
import type { CallCredentials } from '../auth/authority';
import { enforceInputLimits } from '../limits/input-limits';
import { SaveRefused, type SaveWork } from '../save-work/save-steps';
import type { CallWatch } from './call-observer';
import type { RpcContext } from './context';
import { decodeRequest } from './decode-request';
import { Refusal } from './refusal';

/** A request past intake: who sent it, and the decoded message. */
export interface Admitted<M> {
  principal: string;
  req: M;
}

/** A Save past intake, validated and in its stored form (DESIGN §7: read at wire level, off the event loop). */
export interface AdmittedSave extends Admitted<SaveRequest> {
  work: SaveWork;
}

/**
 * Every PersistenceService request passes here before its handler, in DESIGN §4's order:
 *
 *   1. authority (UNAUTHENTICATED, CLIENT_AUTHORED) — on the raw bytes, before any decode;
 *   2. the in-flight byte budget (RESOURCE_EXHAUSTED/LIMIT_EXCEEDED) — before the decode it
 *      exists to bound;
 *   3. decode (MALFORMED_REQUEST);
 *   4. the input limits (LIMIT_EXCEEDED);
 *
 * then the handler, which runs the snapshot rules and the rest. The budget is held until the
 * handler's promise settles. `watch` (the call observer) learns the principal and the request as
 * soon as they are known, so even a refused call is logged with what could be read.
 */
export async function intake<D extends DescMessage, T>(
  ctx: RpcContext,
  call: CallCredentials & { readonly request: Buffer },
  desc: D,
  handler: (admitted: Admitted<MessageShape<D>>) => Promise<T>,
  watch?: Pick<CallWatch, 'authorized' | 'decoded'>,
): Promise<T> {
  const admission = ctx.authority.admit(call, desc, call.request);
  watch?.authorized(admission.principal);
  const release = ctx.budget.acquire(call.request.byteLength);
  try {
    if ((desc as DescMessage) === SaveRequestSchema) return await handler((await admitSave(ctx, call.request, admission, watch)) as unknown as Admitted<MessageShape<D>>);
    const req = decodeRequest(desc, call.request);
    watch?.decoded(req);
    const worldId = (req as { worldId?: unknown }).worldId;
    if (admission.checkedWorld !== undefined && worldId !== admission.checkedWorld) {
      // Cannot happen (the decode reads the same last occurrence the peek did); kept so it never can.
      throw new Refusal('CLIENT_AUTHORED', `world_id ${JSON.stringify(worldId)} is not the world authority checked`);
    }
    enforceInputLimits(desc, req, ctx.limits);
    return await handler({ principal: admission.principal, req });
  } finally {
    release();
  }
}

/**
 * Save's steps 3 and 4, and its rules and stored form, on a save worker thread (save-work/): the
 * request is read at wire level, without decoding its records.
 */
async function admitSave(ctx: RpcContext, bytes: Buffer, admission: { principal: string; checkedWorld?: string }, watch?: Pick<CallWatch, 'decoded'>): Promise<AdmittedSave> {
  try {
    const work = await ctx.savePool.run({ bytes, limits: ctx.limits, checkedWorld: admission.checkedWorld, principal: admission.principal });
    watch?.decoded(work.header);
    return { principal: admission.principal, req: work.header, work };
  } catch (e) {
    if (!(e instanceof SaveRefused)) throw e;
    if (e.header) watch?.decoded(e.header);
    throw e.refusal;
  }
}
