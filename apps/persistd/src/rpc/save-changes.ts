import { create } from '@bufbuild/protobuf';
import type { ServerUnaryCall } from '@grpc/grpc-js';
import { RecordCountsSchema, SaveResponseSchema, type EpochMeta, type RecordCounts, type SaveChangesRequest, type SaveResponse } from '@persistd/contract';
import { isStoreError, sameRequest, type RequestRecord, type StoredEpoch, type WorldPointer } from '@persistd/store-redis';
import { digestsOfIndex, restoreFrames, sealEpochMeta, verifyStoredEpoch, type BaseIndex } from '@persistd/validation';
import { fastPathBlocked, fastPathEpoch, type FastEpoch } from '../save-changes/fast-path';
import { indexingUnderWay, indexSavedEpoch } from '../save-changes/index-in-background';
import { rebuiltIndex } from '../save-changes/rebuild-index';
import type { ChangesRequestWork } from '../save-work/change-steps';
import type { BaseReader } from './base-read-budget';
import { SaveRefused } from '../save-work/save-steps';
import type { RpcContext } from './context';
import { deadlineOf } from './deadline';
import type { Admitted } from './intake';
import { DeadlinePassed, Refusal } from './refusal';
import { epochConflict } from './epoch-conflict';

/** A SaveChanges past intake: its request checked alone on a save worker. */
export interface AdmittedChanges extends Admitted<SaveChangesRequest> {
  work: ChangesRequestWork;
}

const countsOf = (c: readonly number[]): RecordCounts => create(RecordCountsSchema, { players: c[0], zones: c[1], npcs: c[2], items: c[3], quests: c[4] });

/** The original answer of a committed SaveChanges, from its request record. */
function replayAnswer(worldId: string, record: RequestRecord): SaveResponse {
  return create(SaveResponseSchema, { worldId, committedEpoch: record.epoch, digest: record.digest, contentDigest: record.contentDigest, counts: countsOf(record.counts ?? []), replayed: true });
}

/**
 * SaveChanges: commit epoch N+1 = the committed epoch N with the change set applied, checked and
 * stored as a Save of that whole snapshot (DESIGN §3), in DESIGN §4's order for it:
 *   - authority, MALFORMED_REQUEST, LIMIT_EXCEEDED of the request (intake, on a save worker);
 *   - expected_epoch the committed epoch: the fast path when it holds (fast-path.ts: the base
 *     index and the change alone, reading only the chunks the change falls in) — with the base
 *     index rebuilt from the whole base first when this daemon does not hold it
 *     (rebuild-index.ts) — else the full path: the base is read and verified, the result formed
 *     and run through the Save steps on a save worker (LIMIT_EXCEEDED of the result, then every
 *     violation, the request's and the change set's among them); then the commit
 *     (REQUEST_ID_REUSED, EPOCH_CONFLICT when another save won meanwhile);
 *   - otherwise, no result can be formed: the request's own violations, then its request record
 *     (replayed / REQUEST_ID_REUSED, decided by the request digest), then EPOCH_CONFLICT.
 * Runs in the world's queue, so saves of one world in this daemon never read a base another is
 * about to replace. `readBase` reads it inside the stored-bytes budget (base-read-budget.ts).
 */
export async function saveChanges(ctx: RpcContext, call: ServerUnaryCall<Buffer, unknown>, { principal, req, work }: AdmittedChanges, readBase: BaseReader): Promise<SaveResponse> {
  const { findings, requestDigest } = work;
  return ctx.queue.run(req.worldId, async () => {
    /** No result can be formed: the request's own violations, then its record, then EPOCH_CONFLICT. */
    const withoutResult = async ({ committed, deletedAt }: WorldPointer): Promise<SaveResponse> => {
      if (findings.own.length > 0) throw Refusal.ofViolations(findings.own);
      const record = await ctx.store.readRequest(req.worldId, req.requestId);
      if (record) {
        if (sameRequest(record, { contentDigest: '', requestDigest })) return replayAnswer(req.worldId, record);
        throw reused(req, record.epoch);
      }
      throw epochConflict(req.expectedEpoch, committed, deletedAt);
    };
    const pointer = await ctx.store.readWorldPointer(req.worldId);
    const committed = pointer.committed;
    if (req.expectedEpoch === 0n || committed !== req.expectedEpoch) return withoutResult(pointer);

    let meta: EpochMeta;
    try {
      meta = (await ctx.store.readEpochMeta(req.worldId, committed)).meta;
    } catch (e) {
      // Other daemons committed past retention since the pointer was read: the base is gone.
      if (isStoreError(e) && e.code === 'EPOCH_NOT_FOUND') return withoutResult(await ctx.store.readWorldPointer(req.worldId));
      throw e;
    }
    let index = ctx.indexCache.get(req.worldId, committed, meta.digest);
    const indexing = index ? undefined : indexingUnderWay(ctx, req.worldId, committed, meta.digest);
    if (indexing) {
      await indexing;
      index = ctx.indexCache.get(req.worldId, committed, meta.digest);
    }
    const deadlineMs = deadlineOf(call);
    /** The whole base, read once and verified, if a rebuilt index or the full path needs it. */
    let base: Promise<StoredEpoch> | undefined;
    const verifiedBase = () => (base ??= readVerifiedBase(readBase, req.worldId, committed));
    let fast: FastEpoch | undefined;
    let full: Awaited<ReturnType<typeof fullPath>> | undefined;
    let rebuilt = false;
    try {
      const blocked = fastPathBlocked(ctx, meta, work.fast);
      if (!blocked && !index && ctx.indexCache.maxBytes > 0) {
        index = await rebuiltIndex(ctx, await verifiedBase(), deadlineMs);
        rebuilt = index !== undefined;
      }
      if (!blocked && index) {
        const tried = await fastPathEpoch(ctx, { worldId: req.worldId, requestId: req.requestId, principal }, index, work.fast!);
        if ('why' in tried) ctx.logger.debug({ worldId: req.worldId, why: tried.why }, 'SaveChanges takes the full path');
        else fast = tried;
      }
      if (fast) ctx.indexCache.notePath(rebuilt ? 'rebuilt' : 'fast', fast.chunksRead);
      else {
        const stored = await verifiedBase();
        ctx.indexCache.notePath('full', 0);
        full = await fullPath(ctx, call, principal, req, work, index, stored);
      }
    } catch (e) {
      if (isStoreError(e) && e.code === 'EPOCH_NOT_FOUND') return withoutResult(await ctx.store.readWorldPointer(req.worldId));
      throw e;
    }
    const prepared = fast ? fast.prepared : full!.prepared;
    const unsealed = { ...prepared.unsealed, committedAtMs: BigInt(Date.now()) };
    const counts = [prepared.counts.players, prepared.counts.zones, prepared.counts.npcs, prepared.counts.items, prepared.counts.quests];
    const outcome = await ctx.store.commit({
      worldId: req.worldId,
      expectedEpoch: req.expectedEpoch,
      requestId: req.requestId,
      contentDigest: prepared.contentDigest,
      changes: { requestDigest, counts },
      chunks: prepared.chunks,
      sealMeta: (epoch, ledger) => sealEpochMeta(unsealed, epoch, ledger),
      deadlineMs,
    });
    switch (outcome.kind) {
      case 'committed':
        if (fast) ctx.indexCache.put(fast.advance(outcome.epoch, outcome.digest));
        else indexSavedEpoch(ctx, true, { worldId: req.worldId, epoch: outcome.epoch, digest: outcome.digest, sections: prepared.sections.map((s) => s.chunks) });
        return create(SaveResponseSchema, { worldId: req.worldId, committedEpoch: outcome.epoch, digest: outcome.digest, contentDigest: prepared.contentDigest, counts: prepared.counts, replayed: false });
      case 'replayed':
        return replayAnswer(req.worldId, outcome.record ?? { ...outcome, contentDigest: prepared.contentDigest, counts });
      case 'request-id-reused':
        throw reused(req, outcome.epoch);
      case 'conflict':
        ctx.indexCache.drop(req.worldId);
        throw epochConflict(req.expectedEpoch, outcome.committedEpoch, outcome.deletedEpoch);
      case 'deadline-exceeded':
        throw new DeadlinePassed('deadline passed before the commit; nothing was committed');
    }
  });
}

/** The base epoch read whole and verified: its damage refuses the change set, as it would a restore. */
async function readVerifiedBase(readBase: BaseReader, worldId: string, epoch: bigint): Promise<StoredEpoch> {
  const stored = await readBase(worldId, epoch);
  const damage = verifyStoredEpoch(stored, 'digest');
  if (damage) throw new Refusal(damage.code, `the base epoch: ${damage.message}`, { stored: true });
  return stored;
}

/**
 * The full path: the change set applied to the whole base (read and verified) and the result
 * run through the Save steps on a save worker, as a Save of it; refusals with every violation.
 * The committed result is indexed after the answer, on a save worker (index-in-background.ts):
 * the next change set finds the index, or waits for its indexing, instead of paying for it here.
 */
async function fullPath(ctx: RpcContext, call: ServerUnaryCall<Buffer, unknown>, principal: string, req: SaveChangesRequest, work: ChangesRequestWork, index: BaseIndex | undefined, stored: StoredEpoch) {
  const committed = stored.epoch;
  const cached = index && index.digest === stored.meta.digest ? digestsOfIndex(index) : undefined;
  const baseFrames: Uint8Array[] = [];
  for (const frame of restoreFrames(committed, stored.meta, stored.chunks)) if (frame.payloadCase !== 'activation') baseFrames.push(frame.bytes);
  const job = { bytes: call.request, limits: ctx.limits, stored: ctx.stored, checkedWorld: req.worldId, principal, baseFrames, base: { epoch: committed, schemaVersion: stored.meta.schemaVersion }, cached, beyondResult: work.findings.beyondResult };
  const result = await ctx.savePool.changesResult(job, deadlineOf(call)).catch((e: unknown) => {
    throw e instanceof SaveRefused ? e.refusal : e;
  });
  return { prepared: result.prepared };
}

function reused(req: SaveChangesRequest, epoch: bigint): Refusal {
  return new Refusal('REQUEST_ID_REUSED', `request_id ${req.requestId} committed epoch ${epoch} with another request`);
}
