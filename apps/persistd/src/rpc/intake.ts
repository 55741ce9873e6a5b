import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { SaveRequestSchema, type SaveRequest } from '@persistd/contract';
import { isWireMalformed, readSaveRequest, wireExtent, type WireRequest } from '@persistd/validation';
import type { CallCredentials } from '../auth/authority';
import { enforceInputLimits } from '../limits/input-limits';
import type { CallWatch } from './call-observer';
import type { RpcContext } from './context';
import { decodeRequest } from './decode-request';
import { Refusal } from './refusal';

/** A request past intake: who sent it, and the decoded message. */
export interface Admitted<M> {
  principal: string;
  req: M;
}

/** A Save past intake: its fields read at wire level, records left as bytes (DESIGN §7). */
export interface AdmittedSave extends Admitted<SaveRequest> {
  read: WireRequest;
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
    if ((desc as DescMessage) === SaveRequestSchema) return await handler(admitSave(ctx, call.request, admission, watch) as unknown as Admitted<MessageShape<D>>);
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
 * Save's steps 3 and 4 at wire level: the request is read without decoding its records (a
 * record already in canonical form passes through as bytes), and the typed decode runs only when
 * the read's extent shows a limit broken, to name the breach exactly as the typed walk does.
 */
function admitSave(ctx: RpcContext, bytes: Buffer, admission: { principal: string; checkedWorld?: string }, watch?: Pick<CallWatch, 'decoded'>): AdmittedSave {
  let read: WireRequest;
  try {
    read = readSaveRequest(bytes);
  } catch (e) {
    if (isWireMalformed(e)) throw new Refusal('MALFORMED_REQUEST', `request does not parse as ${SaveRequestSchema.typeName}: ${e.message}`);
    throw e;
  }
  watch?.decoded(read.header);
  if (admission.checkedWorld !== undefined && read.header.worldId !== admission.checkedWorld) {
    throw new Refusal('CLIENT_AUTHORED', `world_id ${JSON.stringify(read.header.worldId)} is not the world authority checked`);
  }
  const extent = wireExtent(read);
  if (extent.maxStringBytes > ctx.limits.maxStringBytes || extent.maxMapEntries > ctx.limits.maxMapEntries || extent.maxListLength > ctx.limits.maxRecordsPerSection) {
    enforceInputLimits(SaveRequestSchema, decodeRequest(SaveRequestSchema, bytes), ctx.limits);
  }
  return { principal: admission.principal, req: read.header as SaveRequest, read };
}
