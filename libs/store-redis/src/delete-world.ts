/**
 * DeleteWorld (DESIGN §3): a world removed whole, only if its committed epoch is still the one
 * named — fenced like a commit, and never putting a live chunk at risk.
 *
 * Keys touched (worldKeys(P, w)):
 *   P:{w}:epoch            WATCHed, read; SET to the tombstone "deleted:N"
 *   P:{w}:meta:<k>         DELeted: in the transaction for the window of N, later by the sweep
 *   P:{w}:chunk:<id>       given an expiry of the stage TTL by the sweep, in bounded batches
 *   P:{w}:req:<id>         untouched: kept until their TTL, so a retry of a save made before the
 *                          deletion answers `replayed` and never commits again
 *   P:{w}:sweep            SET to N with the tombstone; DELeted once the sweep has finished
 *
 * Steps, on a connection leased to this call alone (the commit route, so a cluster uses the
 * master of the world's slot):
 *   1. WATCH epoch; GET epoch, GET sweep. Absent → `not-found`. Tombstone at N = expected →
 *      `already-deleted` (a repeat answers as the first did). A tombstone at another epoch →
 *      `not-found`. Live epoch ≠ expected → `conflict` (UNWATCH). Whatever the answer, an
 *      unfinished sweep (the marker is set: a crash cut it short, even if a new save followed)
 *      is finished first.
 *   2. MULTI: SET epoch "deleted:N"; SET sweep N; DEL meta:k for every k the retention window of
 *      N (and its leftovers) can hold; EXEC. Nil EXEC (a commit moved the pointer): back to 1, bounded.
 *      From this EXEC on nothing of the world is restorable: the pointer says deleted.
 *   3. Sweep: SCAN MATCH P:{w}:* in bounded batches (never KEYS); per batch, WATCH epoch, GET
 *      it, then MULTI: EXPIRE each chunk key (stage TTL), DEL each meta of an epoch ≤ N; EXEC.
 *      If a new save committed meanwhile (pointer live again), chunks its retained epochs list
 *      are left alone, and the WATCH makes a batch racing such a commit start over. A later save
 *      that lists an expiring chunk PERSISTs it in its own EXEC, as every commit does. Then, under
 *      WATCH sweep, DEL sweep if it still names N.
 *   Failures: before EXEC → STORE_UNAVAILABLE (nothing applied); from the EXEC of step 2 on, the
 *   sweep included → COMMIT_OUTCOME_UNKNOWN (repeat the delete: it answers as the first did). A crash in step 3
 *   leaves the tombstone, the marker and some chunks without expiry; a repeat of the delete
 *   (any epoch) sweeps them.
 *
 * Every transaction holds at most a batch of small commands, so a large world's deletion never
 * stalls Redis for other worlds.
 */
import type Redis from 'ioredis';
import type { ChainableCommander } from 'ioredis';
import { keySlot } from './cluster-slot';
import type { CommitRoute } from './commit-route';
import { parseWorldPointer } from './epoch-pointer';
import { epochOfMetaKey, tombstoneValue, worldKeys, type WorldKeys } from './keys';
import { rethrowAsStoreError, unavailable, type FailurePhase } from './redis-failures';
import { listedChunkKeys } from './read-listing';
import { metaWindow } from './retention';
import type { StoreSettings } from './settings';

/** Every answer of a delete that Redis gave. Failures are thrown as StoreError. */
export type DeleteResult =
  /** This call turned the pointer into the tombstone. */
  | { kind: 'deleted'; deletedEpoch: bigint; sweep: SweepReport }
  /** The world was already deleted at the expected epoch: the same answer as the first delete. */
  | { kind: 'already-deleted'; deletedEpoch: bigint; sweep: SweepReport }
  /** Never saved, or deleted at another epoch (`deletedEpoch` then says which). */
  | { kind: 'not-found'; deletedEpoch: bigint }
  /** Committed epoch ≠ expected. */
  | { kind: 'conflict'; committedEpoch: bigint };

/** What a sweep did. */
export interface SweepReport {
  /** Chunk keys given an expiry. */
  chunksExpiring: number;
  /** Stale meta keys deleted after the transaction. */
  metasDeleted: number;
  /** Chunks left alone because a new save lists them. */
  chunksKept: number;
  batches: number;
}

/** One delete request. */
export interface DeleteInput {
  worldId: string;
  expectedEpoch: bigint;
  /** Keys per SCAN step and per sweep transaction (default SWEEP_BATCH_KEYS). */
  batchKeys?: number;
  /** Test hook: called after each sweep batch's EXEC (crash tests pause here). */
  onSweepBatch?: (batch: number) => Promise<void> | void;
}

/** Keys per sweep batch: each batch is one SCAN step and one small transaction. */
export const SWEEP_BATCH_KEYS = 256;

/** Attempts of step 1-2 when commits keep moving the pointer under the WATCH. */
const MAX_DELETE_ATTEMPTS = 5;

/** Deletes a world (see the header). */
export async function deleteWorld(route: CommitRoute, settings: StoreSettings, input: DeleteInput): Promise<DeleteResult> {
  const keys = worldKeys(settings.prefix, input.worldId);
  const lease = await route.lease(keySlot(keys.epoch));
  let clean = false;
  let phase: FailurePhase = 'before-exec';
  try {
    for (let attempt = 0; attempt < MAX_DELETE_ATTEMPTS; attempt++) {
      const conn = lease.conn;
      await conn.watch(keys.epoch);
      const pointer = parseWorldPointer(await conn.get(keys.epoch), keys.epoch);
      const unfinished = sweepMarker(await conn.get(keys.sweep));
      if (pointer.committed === 0n || pointer.committed !== input.expectedEpoch) {
        await conn.unwatch();
        clean = true;
        const repeat = pointer.committed === 0n && pointer.deletedAt > 0n && pointer.deletedAt === input.expectedEpoch;
        // A repeat's world is deleted whatever happens next: a failed sweep is an unknown outcome, resolved by another repeat.
        if (repeat) phase = 'after-exec';
        const sweep = unfinished > 0n ? await sweepWorld(conn, settings, keys, unfinished, input) : EMPTY_SWEEP;
        if (pointer.committed > 0n) return { kind: 'conflict', committedEpoch: pointer.committed };
        if (!repeat) return { kind: 'not-found', deletedEpoch: pointer.deletedAt };
        return { kind: 'already-deleted', deletedEpoch: pointer.deletedAt, sweep };
      }
      const m = conn.multi().set(keys.epoch, tombstoneValue(input.expectedEpoch)).set(keys.sweep, String(input.expectedEpoch));
      const metas = [...metaWindow(input.expectedEpoch + 1n, settings.retention)].map((e) => keys.meta(e));
      if (metas.length > 0) m.del(...metas);
      if (conn.status !== 'ready') throw unavailable('connection-closed', `the delete connection is ${conn.status} after WATCH; nothing was sent`);
      phase = 'after-exec';
      const applied = await m.exec();
      clean = true;
      if (applied === null) {
        phase = 'before-exec';
        continue; // a commit landed between WATCH and EXEC: look again
      }
      const failed = applied.find(([err]) => err);
      if (failed) throw failed[0];
      const sweep = await sweepWorld(conn, settings, keys, input.expectedEpoch, input);
      return { kind: 'deleted', deletedEpoch: input.expectedEpoch, sweep };
    }
    throw unavailable('retries-exhausted', `delete of ${input.worldId} gave up after ${MAX_DELETE_ATTEMPTS} attempts (commits kept moving the pointer)`);
  } catch (e) {
    clean = false;
    rethrowAsStoreError(e, phase);
  } finally {
    lease.release(clean);
  }
}

const EMPTY_SWEEP: SweepReport = Object.freeze({ chunksExpiring: 0, metasDeleted: 0, chunksKept: 0, batches: 0 });

/** The epoch an unfinished sweep's marker names; 0n when there is none. */
function sweepMarker(value: string | null): bigint {
  return value !== null && /^[1-9][0-9]{0,19}$/.test(value) ? BigInt(value) : 0n;
}

/** Step 3: expiries and stale metas (of epochs up to `deletedAt`), in bounded batches; then the marker goes (see the header). */
async function sweepWorld(conn: Redis, settings: StoreSettings, keys: WorldKeys, deletedAt: bigint, input: DeleteInput): Promise<SweepReport> {
  const report: SweepReport = { chunksExpiring: 0, metasDeleted: 0, chunksKept: 0, batches: 0 };
  const count = input.batchKeys ?? SWEEP_BATCH_KEYS;
  let cursor = '0';
  do {
    const [next, found] = await conn.scan(cursor, 'MATCH', keys.pattern, 'COUNT', count);
    cursor = next;
    const chunks = found.filter((k) => k.startsWith(keys.chunkHead));
    const metas = found.filter((k) => (epochOfMetaKey(keys, k) ?? deletedAt + 1n) <= deletedAt);
    if (chunks.length === 0 && metas.length === 0) continue;
    await sweepBatch(conn, settings, keys, chunks, metas, report);
    report.batches += 1;
    await input.onSweepBatch?.(report.batches);
  } while (cursor !== '0');
  // Only this sweep's marker: a later deletion (after a new save) may have set its own meanwhile.
  await conn.watch(keys.sweep);
  if ((await conn.get(keys.sweep)) === String(deletedAt)) await conn.multi().del(keys.sweep).exec();
  else await conn.unwatch();
  return report;
}

/** Attempts of one sweep batch when commits keep moving the pointer under its WATCH. */
const MAX_BATCH_ATTEMPTS = 5;

async function sweepBatch(conn: Redis, settings: StoreSettings, keys: WorldKeys, chunks: string[], metas: string[], report: SweepReport): Promise<void> {
  for (let attempt = 0; attempt < MAX_BATCH_ATTEMPTS; attempt++) {
    await conn.watch(keys.epoch);
    const pointer = parseWorldPointer(await conn.get(keys.epoch), keys.epoch);
    // A save after the deletion committed epochs of its own: whatever they list stays live.
    const live = pointer.committed > 0n ? await retainedChunkKeys(conn, settings, keys, pointer.committed) : new Set<string>();
    const doomed = live === undefined ? [] : chunks.filter((k) => !live.has(k));
    const m = conn.multi();
    for (const k of doomed) m.expire(k, settings.stageTtlSeconds);
    if (metas.length > 0) m.del(...metas);
    const applied = await run(m);
    if (applied === null) continue;
    report.chunksExpiring += doomed.length;
    report.chunksKept += chunks.length - doomed.length;
    report.metasDeleted += applied.slice(doomed.length).reduce<number>((n, v) => n + Number(v), 0);
    return;
  }
  throw unavailable('retries-exhausted', `a sweep batch gave up after ${MAX_BATCH_ATTEMPTS} attempts (commits kept moving the pointer)`);
}

/**
 * The chunk keys every retained epoch up to `committed` lists (read under the caller's WATCH);
 * undefined when a form-2 index chunk cannot be read, so nothing may be given up.
 */
function retainedChunkKeys(conn: Redis, settings: StoreSettings, keys: WorldKeys, committed: bigint): Promise<Set<string> | undefined> {
  return listedChunkKeys(conn, keys, [...metaWindow(committed + 1n, settings.retention)].filter((e) => e > committed - BigInt(settings.retention)));
}

/** EXEC of a transaction: its replies, or null when a watched key changed; a failed command inside throws. */
async function run(m: ChainableCommander): Promise<unknown[] | null> {
  const results = await m.exec();
  if (results === null) return null;
  return results.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}
