/**
 * The commit: one world's epoch N+1 made visible all at once (DESIGN §5 "Commit").
 *
 * Keys touched (worldKeys(P, w)):
 *   P:{w}:epoch            read, WATCHed, SET to N+1 (a tombstone "deleted:D" reads as committed 0 and
 *                          makes the new epoch D+1: epoch numbers are never reused)
 *   P:{w}:chunk:<id>       new chunks only (listed by N+1, not by N): SET NX EX <stage TTL> (staging),
 *                          WATCHed, EXISTS-checked, PERSISTed. In stored form 2, N's index chunks
 *                          that N+1 does not share are read (step 0) to know what N lists.
 *                          DELeted once no retained epoch lists it (retention.ts, from the metas' bookkeeping)
 *   P:{w}:meta:<N+1>       SET (encoded EpochMeta from `sealMeta`, with the bookkeeping against N)
 *   P:{w}:meta:<N>         read in step 0: the base, whose chunks are not staged again
 *   P:{w}:meta:<k>         read for k in metaWindow(N+1); DELeted when k ≤ N+1-retention
 *   P:{w}:req:<request_id> read; SET "<epoch> <content_digest> <digest>[ save:<request_digest> | changes:<request_digest> <counts>]" EX <request TTL>
 *
 * Arguments: the world, the expected committed epoch N, the request id, content digest and request digest, every
 * chunk of the new epoch (bytes + id), and `sealMeta(E, ledger)`, which builds the meta bytes and
 * digest once the new epoch E (N+1, or D+1 for the first save of a world deleted at D) and its
 * chunks' changes against N are known.
 *
 * Steps of one attempt, on a connection leased to it alone (commit-pool.ts):
 *   0. Pre-check, unwatched: GET epoch, GET req, GET meta:N. A replay, a reused id or a stale
 *      expected epoch is answered before any chunk byte is shipped; so is a deadline already
 *      passed. Otherwise the chunks N lists (form 2: MGET of N's index chunks that N+1 does not
 *      share; none when meta:N is byte for byte the meta this store committed N with and it holds
 *      that listing, listing-memo.ts) split N+1's chunks into new ones and ones N lists. A chunk
 *      N lists can disappear only in a transaction that moves the pointer, which the WATCH on the pointer sees, so only
 *      new chunks are staged, watched and persisted: the commit follows the change, not the world.
 *      A base that cannot be listed (meta absent or damaged) makes every chunk new, and leaves
 *      the bookkeeping out (retention then keeps what it cannot judge).
 *   1. Stage: SET new chunk NX EX stageTtl, many chunks per script (commit-scripts.ts
 *      STAGE_CHUNKS), pipelined in bounded batches. An existing chunk is untouched.
 *   2. WATCH epoch; GET epoch, GET req; MGET the metas of metaWindow (one round trip).
 *      Request record for this id: the same request (request-record.ts sameRequest: the request
 *      digest; a Save's record older than Save's request digest: its content digest) → `replayed`, other → `request-id-reused`.
 *      Epoch ≠ expected → `conflict`. Deadline passed → `deadline-exceeded` (UNWATCH).
 *   3. MULTI: one script (commit-scripts.ts COMMIT_EPOCH) that checks every new chunk still
 *      EXISTS and only then PERSISTs them, SETs meta:N+1, SETs epoch N+1, SETs req EX requestTtl,
 *      DELs metas past retention (and leftovers from a lowered retention within
 *      LEFTOVER_WINDOW) and chunks no retained epoch lists. The deadline is checked once more
 *      right before EXEC. EXEC. A new chunk gone (expired, deleted, evicted) → the script wrote
 *      nothing: new attempt from 1. (DESIGN §5 WATCHes every new chunk instead; Redis's WATCH
 *      is quadratic in the keys watched — see commit-scripts.ts.)
 *   4. Nil EXEC (the pointer changed): GET epoch, GET req. This request now recorded → `replayed`
 *      (or `request-id-reused` for other content); epoch moved → `conflict`; unchanged → new
 *      attempt from 1, at most MAX_COMMIT_ATTEMPTS in all, then STORE_UNAVAILABLE.
 *   5. Failures: before EXEC is written → STORE_UNAVAILABLE (nothing committed; staged chunks expire
 *      on their own); after → COMMIT_OUTCOME_UNKNOWN (retry with the same request id resolves it),
 *      unless Redis refused the EXEC itself (EXECABORT: it ran nothing). Once EXEC answered with
 *      its results the commit is known applied, and every later failure (step 6: WAIT refused on
 *      a demoted master, READONLY, NOPERM, a dropped connection, a timeout) is
 *      COMMIT_OUTCOME_UNKNOWN, never STORE_UNAVAILABLE. The connection is discarded after any failure.
 *   Redis Cluster (cluster-commit-route.ts): the connection goes to the master of the world's
 *      slot. A MOVED, ASK, TRYAGAIN or CLUSTERDOWN reply — to any step, EXEC included (EXECABORT
 *      behind a refused queued command) — means that master applied nothing: the attempt is
 *      abandoned and a new one starts from step 0 against the slot's owner, at most
 *      MAX_REROUTES times, pausing between them unless MOVED named the new owner. So does a
 *      connection lost before EXEC when the slot map shows a new owner (a failover). A nil EXEC
 *      whose re-read (step 4) is redirected is such a failure too: the migration moved the keys,
 *      and step 0 re-reads them on the new owner — never reported as a conflict.
 *   6. Replica acknowledgement (strict durability with replicas, `ReplicaAck`): `committed` and
 *      `replayed` are answered only after `WAIT <replicas> <timeout>` on the same connection counts
 *      enough replicas. WAIT covers the writes of its own connection, so a replay first rewrites
 *      the request record as it is (`SET req <same value> KEEPTTL XX`): a write after the original
 *      commit in the replication stream, whose acknowledgement covers it. Too few replicas in
 *      time → COMMIT_OUTCOME_UNKNOWN (applied on the master, not yet safe; a retry replays).
 *
 * The EXEC holds small commands only (no chunk bytes), so it never stalls Redis for other worlds.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { create } from '@bufbuild/protobuf';
import { ChunkLedgerSchema, packChunkIds, type ChunkLedger, type EpochMeta } from '@persistd/contract';
import type Redis from 'ioredis';
import { ReplyError, type ChainableCommander } from 'ioredis';
import { BATCH_LIMITS, batchesOf } from './batches';
import { COMMIT_EPOCH, commitScriptReply, STAGE_CHUNKS } from './commit-scripts';
import { redirectionOf, type Redirection } from './cluster-redirect';
import { keySlot } from './cluster-slot';
import type { CommitRoute } from './commit-route';
import { decodeEpochMeta, listedChunks } from './epoch-meta';
import type { ListingMemo } from './listing-memo';
import { readListedChunks } from './read-listing';
import { lastEpochOf, parseWorldPointer, type WorldPointer } from './epoch-pointer';
import { worldKeys, type WorldKeys } from './keys';
import { mapRedisFailure, rethrowAsStoreError, unavailable, type FailurePhase } from './redis-failures';
import { decodeRequestRecord, encodeRequestRecord, sameRequest, type RequestRecord } from './request-record';
import { changesBetween, metaWindow, planRetention, type ChunkChanges } from './retention';
import type { StoreSettings } from './settings';
import { StoreError } from './store-error';

/** One chunk of an epoch. */
export interface Chunk {
  /** Lowercase hex SHA-256 of `bytes` (the caller computes it; the store does not look inside). */
  id: string;
  bytes: Uint8Array;
  /** Named without its bytes: the base epoch lists it (SaveChanges' fast path). Such a chunk is never staged. */
  inBase?: true;
}

/** What a fault-injection hook learns about the attempt it interrupts. */
export interface AttemptInfo {
  /** 1 for the first attempt of this commit. */
  attempt: number;
}

/** Passed to `onWatched`: lets a test act on the very connection that holds the WATCH. */
export interface WatchedInfo extends AttemptInfo {
  /** `CLIENT ID` of the commit connection. */
  clientId: number;
}

/** One commit request. */
export interface CommitInput {
  worldId: string;
  /** The epoch the snapshot descends from; 0n = never saved. */
  expectedEpoch: bigint;
  /** Idempotency key. */
  requestId: string;
  /** content_digest of the snapshot (DESIGN §5 "Digests"). */
  contentDigest: string;
  /**
   * A Save's request digest (DESIGN §3), kept in the request record: a retry is the same request
   * when its request digest is, whatever stored form either daemon writes. Unset: the record has
   * none, and the content digest decides (the record format from before Save had one).
   */
  requestDigest?: string;
  /**
   * SaveChanges: its request digest and the new epoch's record counts, kept in the request
   * record; a retry is the same request when its request digest is. Unset for a Save.
   */
  changes?: { requestDigest: string; counts: readonly number[] };
  /** Every chunk of the new epoch, unique by id (duplicates are stored once). */
  chunks: readonly Chunk[];
  /**
   * Builds the encoded EpochMeta for epoch N+1 and its digest; called once the epoch is known,
   * with the bookkeeping retention needs (absent when the base could not be listed), which the
   * meta should record. Its sections must list exactly the ids of `chunks` (in stored form 2,
   * through the index chunks among them).
   */
  sealMeta(epoch: bigint, ledger?: ChunkLedger): { bytes: Uint8Array; digest: string };
  /** A `Date.now()` deadline, checked before WATCH and right before EXEC; once passed nothing is committed. */
  deadlineMs?: number;
  /** Test hook: called after staging, before WATCH (fault tests). */
  onStaged?: (info: AttemptInfo) => Promise<void> | void;
  /** Test hook: called after WATCH and every check, before MULTI (fault tests). */
  onWatched?: (info: WatchedInfo) => Promise<void> | void;
  /**
   * Test hook: called once the commit is known applied (EXEC answered, or a replay found its
   * record), before the replica acknowledgement (fault tests: a failover between EXEC and WAIT).
   */
  onApplied?: (info: WatchedInfo) => Promise<void> | void;
}

/**
 * Strict durability with replicas: answer a commit or replay only once `replicas` replicas
 * acknowledged it, waiting at most `timeoutMs` (DESIGN §5, step 6 above).
 */
export interface ReplicaAck {
  replicas: number;
  timeoutMs: number;
}

/** Every outcome of a commit that Redis answered. Failures are thrown as StoreError. */
export type CommitResult =
  | { kind: 'committed'; epoch: bigint; digest: string }
  /** Same request id, same request: the original commit's epoch and digest, and its whole record. */
  | { kind: 'replayed'; epoch: bigint; digest: string; record: RequestRecord }
  /** Same request id, another request (REQUEST_ID_REUSED). */
  | { kind: 'request-id-reused'; epoch: bigint }
  /** The committed epoch is not the expected one (EPOCH_CONFLICT). */
  | { kind: 'conflict'; committedEpoch: bigint; /** Set when the world is deleted: the epoch it was deleted at. */ deletedEpoch?: bigint }
  /** The deadline passed; nothing was committed. */
  | { kind: 'deadline-exceeded' };

/** Attempts per commit when a new chunk keeps vanishing before EXEC (step 3), or the pointer is touched without moving (step 4). */
export const MAX_COMMIT_ATTEMPTS = 5;

/** Redis Cluster: new attempts per commit after redirections or a failover (see the header). */
export const MAX_REROUTES = 10;

/** Pause before a rerouted attempt: none after MOVED (the owner is known), else a capped backoff. */
function reroutePauseMs(redirection: Redirection | undefined, reroutes: number): number {
  return redirection?.kind === 'MOVED' ? 0 : Math.min(20 * 2 ** reroutes, 500);
}

/** Failures before EXEC that say the master went away (rather than refused): a failover may follow. */
const CONNECTION_LOST = new Set(['offline', 'connection-refused', 'connection-closed', 'connection-reset', 'connect-timeout', 'timeout', 'max-retries', 'unreachable']);

type AttemptOutcome = CommitResult | { kind: 'retry'; why: 'chunk-missing' | 'exec-aborted' };

/** Mutable record of where an attempt is, read by the failure mapping and the pool. */
interface Progress {
  phase: FailurePhase;
  /** The connection holds no WATCH/MULTI: an EXEC or UNWATCH reply was received (or none was sent). */
  clean: boolean;
  /** EXEC applied this attempt's transaction: whatever fails later, it is never attempted again. */
  applied?: boolean;
}

/**
 * Commits `input` as epoch expectedEpoch+1 (see the header for steps and outcomes). `route` is
 * the store's CommitPool (standalone) or ClusterCommitRoute.
 */
export async function commitEpoch(route: CommitRoute, settings: StoreSettings, input: CommitInput, replicaAck?: ReplicaAck, listings?: ListingMemo): Promise<CommitResult> {
  const plan = preparePlan(settings, input, listings);
  if (deadlinePassed(input)) return { kind: 'deadline-exceeded' };
  let retries = 0;
  let reroutes = 0;
  for (let attempt = 1; retries < MAX_COMMIT_ATTEMPTS; attempt++) {
    const lease = await route.lease(plan.slot);
    const progress: Progress = { phase: 'before-exec', clean: false };
    let outcome: AttemptOutcome;
    try {
      outcome = await attemptCommit(lease.conn, plan, input, attempt, progress);
      if (outcome.kind === 'committed') plan.listings?.remember(input.worldId, plan.sealed!.bytes, plan.sealed!.listed, input.changes !== undefined);
      if (outcome.kind === 'committed' || outcome.kind === 'replayed') {
        // A replay's request record proves its commit applied, as EXEC's results prove this one's.
        progress.phase = 'applied';
        if (input.onApplied) await input.onApplied({ attempt, clientId: Number(await lease.conn.client('ID')) });
        if (replicaAck) await awaitReplicas(lease.conn, plan, input, outcome, replicaAck);
      }
    } catch (e) {
      lease.release(false);
      const redirection = reroutable(e, progress);
      if (redirection !== false && route.reroute && reroutes < MAX_REROUTES && (await route.reroute(plan.slot, lease, redirection))) {
        await pause(reroutePauseMs(redirection, reroutes), input);
        reroutes += 1;
        if (deadlinePassed(input)) return { kind: 'deadline-exceeded' };
        continue;
      }
      rethrowAsStoreError(e, progress.phase);
    }
    lease.release(progress.clean);
    if (outcome.kind !== 'retry') return outcome;
    retries += 1;
  }
  throw unavailable('retries-exhausted', `commit of ${input.worldId} gave up after ${MAX_COMMIT_ATTEMPTS} attempts (watched chunks kept changing)`);
}

/**
 * Whether a failed attempt may be made again elsewhere: its redirection, `undefined` for a
 * connection lost before EXEC, `false` otherwise (an outcome that may have applied, or a refusal
 * that another master would repeat).
 */
function reroutable(e: unknown, progress: Progress): Redirection | undefined | false {
  if (progress.applied) return false;
  const redirection = redirectionOf(e);
  if (redirection) return redirection;
  if (progress.phase !== 'before-exec') return false;
  const failure = mapRedisFailure(e, 'before-exec')?.metadata?.failure;
  return failure !== undefined && CONNECTION_LOST.has(failure) ? undefined : false;
}

/** Sleeps `ms`, never past the commit's deadline. */
async function pause(ms: number, input: CommitInput): Promise<void> {
  const wait = input.deadlineMs === undefined ? ms : Math.min(ms, Math.max(0, input.deadlineMs - Date.now()));
  if (wait > 0) await sleep(wait);
}

/** Everything an attempt needs that does not depend on Redis: computed once per commit. */
interface Plan {
  settings: StoreSettings;
  keys: WorldKeys;
  /** The Redis Cluster slot of every key of the world. */
  slot: number;
  reqKey: string;
  chunks: Chunk[];
  byId: Map<string, Chunk>;
  /** Filled by the first attempt that reaches step 3; sealMeta runs once per new epoch number. `listed`: every chunk id the meta lists. */
  sealed?: { epoch: bigint; bytes: Uint8Array; digest: string; listed: ReadonlySet<string> };
  /** What the epochs this store committed last list (listing-memo.ts). */
  listings?: ListingMemo;
}

function preparePlan(settings: StoreSettings, input: CommitInput, listings: ListingMemo | undefined): Plan {
  if (input.expectedEpoch < 0n) throw new RangeError('store-redis: expectedEpoch is negative');
  const keys = worldKeys(settings.prefix, input.worldId);
  const byId = new Map<string, Chunk>();
  for (const c of input.chunks) if (!byId.has(c.id)) byId.set(c.id, c);
  const chunks = [...byId.values()];
  return {
    settings,
    keys,
    slot: keySlot(keys.epoch),
    reqKey: keys.req(input.requestId),
    chunks,
    byId,
    listings,
  };
}

async function attemptCommit(conn: Redis, plan: Plan, input: CommitInput, attempt: number, progress: Progress): Promise<AttemptOutcome> {
  const { keys, reqKey, settings } = plan;

  // 0. Pre-check, unwatched: no chunk bytes go out for a save that cannot commit.
  const pre = conn.pipeline().get(keys.epoch).get(reqKey);
  if (input.expectedEpoch >= 1n) pre.getBuffer(keys.meta(input.expectedEpoch));
  const [pointerRaw, reqRaw, baseRaw] = await run(pre);
  const pointer = parseWorldPointer(pointerRaw as string | null, keys.epoch);
  const early = judge(input, pointer, readRecord(reqRaw, reqKey));
  if (early) return finish(progress, early);
  const newEpoch = lastEpochOf(pointer) + 1n;
  if (deadlinePassed(input)) return finish(progress, { kind: 'deadline-exceeded' });
  const baseChunks = input.expectedEpoch === 0n ? new Set<string>() : await listBase(conn, plan, input, baseRaw as Buffer | null);
  const fresh = baseChunks ? plan.chunks.filter((c) => !baseChunks.has(c.id)) : plan.chunks;
  // A chunk named without its bytes must be one the base lists (SaveChanges' fast path): never stage an empty value under its id.
  if (fresh.some((c) => c.inBase)) throw new Error('store-redis: a chunk given as listed by the base is not listed by it');
  const freshKeys = fresh.map((c) => keys.chunk(c.id));
  const changes = baseChunks && changesBetween(baseChunks, plan.byId);

  // 1. Stage.
  const staging = batchesOf(fresh, (c) => c.bytes.byteLength, BATCH_LIMITS.maxChunksPerStagingScript, BATCH_LIMITS.maxBytesPerStagingScript);
  const byteSize = (batch: Chunk[]) => batch.reduce((n, c) => n + c.bytes.byteLength, 0);
  for (const scripts of batchesOf(staging, byteSize, BATCH_LIMITS.maxKeys, BATCH_LIMITS.maxBytes)) {
    const p = conn.pipeline();
    for (const batch of scripts) p.eval(STAGE_CHUNKS, batch.length, ...batch.map((c) => keys.chunk(c.id)), settings.stageTtlSeconds, ...batch.map((c) => Buffer.from(c.bytes.buffer, c.bytes.byteOffset, c.bytes.byteLength)));
    await run(p);
  }
  await input.onStaged?.({ attempt });
  if (deadlinePassed(input)) return finish(progress, { kind: 'deadline-exceeded' });

  // 2. WATCH and check, one round trip. From here until EXEC/UNWATCH the connection is not clean.
  const window = metaWindow(newEpoch, settings.retention);
  const p = conn.pipeline().watch(keys.epoch).get(keys.epoch).get(reqKey);
  if (window.length > 0) p.mgetBuffer(...window.map((e) => keys.meta(e)));
  const replies = await run(p);
  const pointerNow = replies[1] as string | null;
  const committed = parseWorldPointer(pointerNow, keys.epoch);
  const record = readRecord(replies[2], reqKey);
  const metaValues = window.length > 0 ? (replies[3] as Array<Buffer | null>) : [];

  const refusal = judge(input, committed, record);
  if (refusal) return unwatch(conn, progress, refusal);
  // Same committed epoch, other pointer value: the world was deleted (or re-deleted) since step 0, so
  // the new epoch number read there is stale. Start over.
  if (pointerNow !== pointerRaw) return unwatch(conn, progress, { kind: 'retry', why: 'exec-aborted' } as const);
  if (deadlinePassed(input)) return unwatch(conn, progress, { kind: 'deadline-exceeded' });

  if (plan.sealed?.epoch !== newEpoch) plan.sealed = { epoch: newEpoch, ...sealChecked(input, plan, newEpoch, changes && ledgerOf(input.expectedEpoch, changes)) };
  const sealed = plan.sealed;
  const metas = new Map<bigint, Uint8Array>();
  window.forEach((epoch, k) => {
    const bytes = metaValues[k];
    if (bytes) metas.set(epoch, bytes);
  });
  const retention = planRetention({
    newEpoch,
    retention: settings.retention,
    newChunkIds: plan.byId.keys(),
    newChanges: changes,
    metas,
    keyOf: keys.meta,
  });

  if (input.onWatched) {
    const clientId = Number(await conn.client('ID'));
    await input.onWatched({ attempt, clientId });
  }

  // 3. MULTI … EXEC: one script, small commands only, writing nothing unless every new chunk exists.
  const dropKeys = [...retention.dropMetas.map((e) => keys.meta(e)), ...retention.dropChunks.map((id) => keys.chunk(id))];
  const request = encodeRequestRecord(recordOf(input, newEpoch, sealed.digest));
  const metaBytes = Buffer.from(sealed.bytes.buffer, sealed.bytes.byteOffset, sealed.bytes.byteLength);
  const m = conn.multi().eval(COMMIT_EPOCH, freshKeys.length + 3 + dropKeys.length, ...freshKeys, keys.meta(newEpoch), keys.epoch, reqKey, ...dropKeys, freshKeys.length, metaBytes, newEpoch.toString(), request, settings.requestTtlSeconds);

  if (deadlinePassed(input)) return unwatch(conn, progress, { kind: 'deadline-exceeded' });
  // ioredis writes MULTI…EXEC in one synchronous burst when the socket is ready, or refuses it all
  // locally when not; a connection that dropped after WATCH is caught here, before anything is sent.
  if (conn.status !== 'ready') throw unavailable('connection-closed', `the commit connection is ${conn.status} after WATCH; nothing was sent`);
  progress.phase = 'after-exec';
  const results = await m.exec();

  if (results === null) {
    // 4. Nil EXEC: Redis ran nothing, and EXEC cleared the WATCH.
    progress.phase = 'before-exec';
    const [again, againReq] = await run(conn.pipeline().get(keys.epoch).get(reqKey));
    const moved = judge(input, parseWorldPointer(again as string | null, keys.epoch), readRecord(againReq, reqKey));
    return finish(progress, moved ?? { kind: 'retry', why: 'exec-aborted' });
  }
  const [[failed, reply]] = results as [[Error | null, unknown]];
  if (failed) {
    // Redis ran the transaction but the script failed in it: state is not what we meant.
    progress.applied = true;
    progress.phase = 'applied';
    throw new StoreError('COMMIT_OUTCOME_UNKNOWN', `the commit script failed inside EXEC: ${failed.message}`, {
      metadata: { failure: 'exec-command-error' },
      cause: failed,
    });
  }
  const answer = commitScriptReply(reply);
  if (answer.kind !== 'committed') {
    // The script stopped before its first write: nothing was applied, and EXEC cleared the WATCH.
    progress.phase = 'before-exec';
    progress.clean = true;
    if (answer.kind === 'refused') throw new ReplyError(answer.error);
    return finish(progress, { kind: 'retry', why: 'chunk-missing' });
  }
  progress.applied = true;
  progress.phase = 'applied';
  return finish(progress, { kind: 'committed', epoch: newEpoch, digest: sealed.digest });
}

/** Step 6: WAIT for replicas on the connection that wrote (see the header). */
async function awaitReplicas(conn: Redis, plan: Plan, input: CommitInput, outcome: Extract<CommitResult, { kind: 'committed' | 'replayed' }>, ack: ReplicaAck): Promise<void> {
  if (outcome.kind === 'replayed') {
    await conn.call('SET', plan.reqKey, encodeRequestRecord(outcome.record), 'KEEPTTL', 'XX');
  }
  const acked = Number(await conn.call('WAIT', String(ack.replicas), String(ack.timeoutMs)));
  if (acked < ack.replicas) {
    throw new StoreError(
      'COMMIT_OUTCOME_UNKNOWN',
      `epoch ${outcome.epoch} of ${input.worldId} is on the master, but ${acked} of ${ack.replicas} replicas acknowledged it within ${ack.timeoutMs} ms; retry with the same request id`,
      { metadata: { failure: 'replica-ack-timeout' } },
    );
  }
}

/**
 * The answer that stops a commit before it writes, or undefined to go on. Precedence (DESIGN §4):
 * a recorded request (replayed / request-id-reused) before EPOCH_CONFLICT, so a retry after an
 * unknown outcome is answered with the original commit even though the epoch has moved.
 */
function judge(input: CommitInput, pointer: WorldPointer, record: RequestRecord | undefined): CommitResult | undefined {
  if (record) {
    const request = input.changes ? { method: 'SaveChanges' as const, requestDigest: input.changes.requestDigest } : { method: 'Save' as const, contentDigest: input.contentDigest, requestDigest: input.requestDigest };
    return sameRequest(record, request) ? { kind: 'replayed', epoch: record.epoch, digest: record.digest, record } : { kind: 'request-id-reused', epoch: record.epoch };
  }
  if (pointer.committed !== input.expectedEpoch) {
    return pointer.deletedAt > 0n ? { kind: 'conflict', committedEpoch: 0n, deletedEpoch: pointer.deletedAt } : { kind: 'conflict', committedEpoch: pointer.committed };
  }
  return undefined;
}

/** The request record this commit writes as epoch `epoch` with meta digest `digest`. */
function recordOf(input: CommitInput, epoch: bigint, digest: string): RequestRecord {
  if (input.changes) return { epoch, contentDigest: input.contentDigest, digest, ...input.changes };
  return { epoch, contentDigest: input.contentDigest, digest, ...(input.requestDigest === undefined ? {} : { requestDigest: input.requestDigest }) };
}

function readRecord(value: unknown, key: string): RequestRecord | undefined {
  return value === null || value === undefined ? undefined : decodeRequestRecord(String(value), key);
}

/**
 * What the base epoch lists (step 0): the listing this store committed it with when its meta is
 * byte for byte that one (listing-memo.ts), else from its meta and, in form 2, its index chunks —
 * those the new epoch shares are in hand, the others are read. Undefined when it cannot be listed.
 */
async function listBase(conn: Redis, plan: Plan, input: CommitInput, metaBytes: Buffer | null): Promise<ReadonlySet<string> | undefined> {
  if (!metaBytes) return undefined;
  const held = plan.listings?.find(input.worldId, metaBytes);
  if (held) return held;
  let meta: EpochMeta;
  try {
    meta = decodeEpochMeta(metaBytes, plan.keys.meta(input.expectedEpoch));
  } catch {
    return undefined;
  }
  return readListedChunks(conn, plan.keys, meta, (id) => plan.byId.get(id)?.bytes);
}

/** The bookkeeping a meta records: its chunks' changes against the base epoch, ids packed raw. */
function ledgerOf(baseEpoch: bigint, changes: ChunkChanges): ChunkLedger {
  return create(ChunkLedgerSchema, { baseEpoch, added: packChunkIds([...changes.added]), dropped: packChunkIds([...changes.dropped]) });
}

/** Calls sealMeta once and checks the meta lists exactly the chunks being committed; with that listing. */
function sealChecked(input: CommitInput, plan: Plan, newEpoch: bigint, ledger: ChunkLedger | undefined): { bytes: Uint8Array; digest: string; listed: ReadonlySet<string> } {
  const sealed = input.sealMeta(newEpoch, ledger);
  let meta: EpochMeta;
  try {
    meta = decodeEpochMeta(sealed.bytes, plan.keys.meta(newEpoch));
  } catch (cause) {
    throw new Error('store-redis: sealMeta returned bytes that are not an EpochMeta', { cause });
  }
  const listed = listedChunks(meta, (id) => plan.byId.get(id)?.bytes) ?? new Set<string>();
  if (listed.size !== plan.byId.size || [...listed].some((id) => !plan.byId.has(id))) {
    throw new Error('store-redis: sealMeta lists other chunk ids than CommitInput.chunks');
  }
  return { ...sealed, listed };
}

function deadlinePassed(input: CommitInput): boolean {
  return input.deadlineMs !== undefined && Date.now() >= input.deadlineMs;
}

function finish<T extends AttemptOutcome>(progress: Progress, outcome: T): T {
  progress.clean = true;
  return outcome;
}

/** Ends an attempt that holds a WATCH without committing; the UNWATCH reply makes the connection clean. */
async function unwatch<T extends AttemptOutcome>(conn: Redis, progress: Progress, outcome: T): Promise<T> {
  await conn.unwatch();
  return finish(progress, outcome);
}

/** Runs a pipeline and returns its replies, throwing the first error in it. */
async function run(p: ChainableCommander): Promise<unknown[]> {
  const results = await p.exec();
  if (!results) throw new Error('Connection is closed.');
  return results.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}
