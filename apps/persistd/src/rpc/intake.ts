import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { SaveChangesRequestSchema, SaveRequestSchema, ValidateRequestSchema, type SaveRequest, type ValidateRequest } from '@persistd/contract';
import type { ServerSurfaceCall } from '@grpc/grpc-js/build/src/server-call';
import type { CallCredentials } from '../auth/authority';
import { enforceInputLimits } from '../limits/input-limits';
import { SaveRefused, type SaveWork, type ValidateWork } from '../save-work/save-steps';
import type { CallWatch } from './call-observer';
import type { RpcContext } from './context';
import { deadlineOf } from './deadline';
import { decodeRequest } from './decode-request';
import { Refusal } from './refusal';
import type { AdmittedChanges } from './save-changes';

/** A request past intake: who sent it, and the decoded message. */
export interface Admitted<M> {
  principal: string;
  req: M;
}

/** A Save past intake, validated and in its stored form (DESIGN §7: read at wire level, off the event loop). */
export interface AdmittedSave extends Admitted<SaveRequest> {
  work: SaveWork;
}

/** A Validate past intake, its snapshot already checked (read at wire level, off the event loop). */
export interface AdmittedValidate extends Admitted<ValidateRequest> {
  work: ValidateWork;
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
 * then the handler. Save and Validate, which carry a whole snapshot, take steps 3 and 4 and the
 * snapshot rules on a save worker thread (save-work/), reading the request at wire level; their
 * handlers get the outcome. SaveChanges takes steps 3 and 4 and its own checks there too
 * (save-work/change-steps.ts); its result is checked later, once its base is read. The budget is held until the
 * handler's promise settles. `watch` (the call observer) learns the principal and the request as
 * soon as they are known, so even a refused call is logged with what could be read.
 */
export async function intake<D extends DescMessage, T>(
  ctx: RpcContext,
  call: CallCredentials & Pick<ServerSurfaceCall, 'getDeadline'> & { readonly request: Buffer },
  desc: D,
  handler: (admitted: Admitted<MessageShape<D>>) => Promise<T>,
  watch?: Pick<CallWatch, 'authorized' | 'decoded'>,
): Promise<T> {
  const admission = ctx.authority.admit(call, desc, call.request);
  watch?.authorized(admission.principal);
  const release = ctx.budget.acquire(call.request.byteLength);
  try {
    if ((desc as DescMessage) === SaveRequestSchema || (desc as DescMessage) === ValidateRequestSchema) {
      const admitted = await admitSnapshot(ctx, (desc as DescMessage) === SaveRequestSchema ? 'Save' : 'Validate', call.request, deadlineOf(call), admission, watch);
      return await handler(admitted as unknown as Admitted<MessageShape<D>>);
    }
    if ((desc as DescMessage) === SaveChangesRequestSchema) {
      const admitted = await admitChanges(ctx, call.request, deadlineOf(call), admission, watch);
      return await handler(admitted as unknown as Admitted<MessageShape<D>>);
    }
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

/** Steps 3 and 4 and the snapshot rules of a Save or a Validate, on a save worker thread. */
async function admitSnapshot(
  ctx: RpcContext,
  method: 'Save' | 'Validate',
  bytes: Buffer,
  deadlineMs: number | undefined,
  admission: { principal: string; checkedWorld?: string },
  watch?: Pick<CallWatch, 'decoded'>,
): Promise<AdmittedSave | AdmittedValidate> {
  const job = { bytes, limits: ctx.limits, stored: ctx.stored, checkedWorld: admission.checkedWorld, principal: admission.principal };
  try {
    const work = method === 'Save' ? await ctx.savePool.save(job, deadlineMs) : await ctx.savePool.validate(job, deadlineMs);
    watch?.decoded(work.header);
    return { principal: admission.principal, req: work.header, work } as AdmittedSave | AdmittedValidate;
  } catch (e) {
    if (!(e instanceof SaveRefused)) throw e;
    if (e.header) watch?.decoded(e.header);
    throw e.refusal;
  }
}

/** Steps 3 and 4 and the request's own checks of a SaveChanges, on a save worker thread. */
async function admitChanges(
  ctx: RpcContext,
  bytes: Buffer,
  deadlineMs: number | undefined,
  admission: { principal: string; checkedWorld?: string },
  watch?: Pick<CallWatch, 'decoded'>,
): Promise<AdmittedChanges> {
  try {
    const work = await ctx.savePool.changesRequest({ bytes, limits: ctx.limits, checkedWorld: admission.checkedWorld, principal: admission.principal }, deadlineMs);
    watch?.decoded(work.header);
    return { principal: admission.principal, req: work.header, work };
  } catch (e) {
    if (!(e instanceof SaveRefused)) throw e;
    if (e.header) watch?.decoded(e.header);
    throw e.refusal;
  }
}
