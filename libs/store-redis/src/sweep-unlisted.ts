/**
 * The chunks of a live world that no epoch lists any more, given up: what retention could not
 * judge and so kept (an epoch without bookkeeping — every SaveChanges epoch before f4f2ada, or a
 * meta that did not decode). Never a chunk an epoch still lists: fenced by the pointer like a
 * commit, and chunks are given an expiry, never deleted outright, as DeleteWorld's sweep does.
 *
 * Keys touched (worldKeys(P, w)):
 *   P:{w}:epoch            WATCHed and read in every batch
 *   P:{w}:meta:<k>         read: every meta the SCAN finds, and the retention window of the
 *                          pointer (a commit after the SCAN adds one there)
 *   P:{w}:chunk:<id>       SCANned; EXPIRE <stage TTL> on each one that no meta read lists
 *
 * Steps, on a connection leased to this call alone (the commit route):
 *   1. SCAN MATCH P:{w}:* in bounded steps (never KEYS): the chunk keys and meta keys, held in
 *      memory (an L world: some 15,000 keys).
 *   2. WATCH epoch; GET it (a world not live: nothing to do). MGET every meta found and those of
 *      the retention window; list what each names (form 2 through its index chunks). A listing
 *      that cannot be made (an index chunk absent or damaged) stops the sweep: nothing is given
 *      up that nobody can judge (a meta that does not decode: DIGEST_MISMATCH).
 *   3. Per batch of unlisted chunk keys: MULTI, EXPIRE each, EXEC — under the WATCH of step 2
 *      for the first batch, a new WATCH and GET for each next one (the same pointer, or step 2
 *      again). A commit moves the pointer, so a batch racing it runs nothing and the listing is
 *      made again. A commit that lists an expiring chunk later PERSISTs it in its own EXEC, as
 *      every commit does with the chunks its base does not list.
 */
import type Redis from 'ioredis';
import { keySlot } from './cluster-slot';
import type { CommitRoute } from './commit-route';
import { parseWorldPointer } from './epoch-pointer';
import { epochOfMetaKey, worldKeys, type WorldKeys } from './keys';
import { listedChunkKeys } from './read-listing';
import { rethrowAsStoreError, unavailable } from './redis-failures';
import { metaWindow } from './retention';
import type { StoreSettings } from './settings';

/** What a sweep of unlisted chunks found and did. */
export interface UnlistedSweep {
  /** The committed epoch the listing was made at (0n: not a live world, nothing done). */
  committedEpoch: bigint;
  /** Chunk keys some meta lists: left alone. */
  chunksListed: number;
  /** Chunk keys no meta lists: given an expiry (or, dry, that would be). */
  chunksUnlisted: number;
  /** False when a listing could not be made: then nothing was given up. */
  judged: boolean;
}

export interface UnlistedSweepInput {
  worldId: string;
  /** Report only. */
  dryRun?: boolean;
  /** Chunk keys per transaction (default 256). */
  batchKeys?: number;
  /** Test hook: called once the listing is made, before a batch's MULTI (races are staged here). */
  onListed?: () => Promise<void> | void;
}

/** Listings made again when commits keep moving the pointer. */
const MAX_ATTEMPTS = 5;

/** Keys a SCAN step looks at: SCAN walks the whole database, whatever the world's share of it. */
const SCAN_COUNT = 1000;

/** Sweeps the unlisted chunks of a world (see the header). */
export async function sweepUnlistedChunks(route: CommitRoute, settings: StoreSettings, input: UnlistedSweepInput): Promise<UnlistedSweep> {
  const keys = worldKeys(settings.prefix, input.worldId);
  const batchKeys = input.batchKeys ?? 256;
  const lease = await route.lease(keySlot(keys.epoch));
  let clean = false;
  try {
    const conn = lease.conn;
    const found = await scanWorld(conn, keys);
    const report = (committedEpoch: bigint, listed: Set<string> | undefined): UnlistedSweep => {
      const unlisted = listed ? found.chunks.filter((k) => !listed.has(k)).length : 0;
      return { committedEpoch, chunksListed: found.chunks.length - unlisted, chunksUnlisted: unlisted, judged: listed !== undefined };
    };
    let pending = found.chunks;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      await conn.watch(keys.epoch);
      const pointer = parseWorldPointer(await conn.get(keys.epoch), keys.epoch);
      if (pointer.committed === 0n) {
        await conn.unwatch();
        clean = true;
        return { committedEpoch: 0n, chunksListed: 0, chunksUnlisted: 0, judged: true };
      }
      // Oldest first, whatever order the SCAN found them in: the same damage gives the same answer.
      const epochs = [...new Set([...found.metaEpochs, ...metaWindow(pointer.committed + 1n, settings.retention)])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const listed = await listedChunkKeys(conn, keys, epochs);
      if (listed === undefined || input.dryRun) {
        await conn.unwatch();
        clean = true;
        return report(pointer.committed, listed);
      }
      await input.onListed?.();
      pending = pending.filter((k) => !listed.has(k));
      pending = pending.slice(await expireInBatches(conn, keys, pointer.committed, pending, batchKeys, settings.stageTtlSeconds));
      if (pending.length === 0) {
        clean = true;
        return report(pointer.committed, listed);
      }
      // A commit moved the pointer before every batch ran: list again.
    }
    throw unavailable('retries-exhausted', `the sweep of ${input.worldId} gave up after ${MAX_ATTEMPTS} listings (commits kept moving the pointer)`);
  } catch (e) {
    clean = false;
    rethrowAsStoreError(e, 'before-exec');
  } finally {
    lease.release(clean);
  }
}

/** Step 1: the world's chunk keys, and the epochs of its metas. */
async function scanWorld(conn: Redis, keys: WorldKeys): Promise<{ chunks: string[]; metaEpochs: bigint[] }> {
  const chunks: string[] = [];
  const metaEpochs: bigint[] = [];
  let cursor = '0';
  do {
    const [next, found] = await conn.scan(cursor, 'MATCH', keys.pattern, 'COUNT', SCAN_COUNT);
    cursor = next;
    for (const k of found) {
      if (k.startsWith(keys.chunkHead)) chunks.push(k);
      const epoch = epochOfMetaKey(keys, k);
      if (epoch) metaEpochs.push(epoch);
    }
  } while (cursor !== '0');
  return { chunks: [...new Set(chunks)], metaEpochs };
}

/**
 * Step 3: EXPIRE `doomed` in batches, each in a transaction fenced by the pointer still being
 * `committed` (the caller's WATCH holds for the first). Returns how many were given an expiry
 * before a commit moved the pointer (all of them when none did). Leaves the connection clean.
 */
async function expireInBatches(conn: Redis, keys: WorldKeys, committed: bigint, doomed: string[], count: number, ttlSeconds: number): Promise<number> {
  let done = 0;
  for (let first = true; done < doomed.length || first; first = false) {
    if (!first) {
      await conn.watch(keys.epoch);
      if (parseWorldPointer(await conn.get(keys.epoch), keys.epoch).committed !== committed) {
        await conn.unwatch();
        return done;
      }
    }
    const batch = doomed.slice(done, done + count);
    const m = conn.multi();
    for (const k of batch) m.expire(k, ttlSeconds);
    const applied = await m.exec();
    if (applied === null) return done;
    const failed = applied.find(([err]) => err);
    if (failed) throw failed[0];
    done += batch.length;
  }
  return done;
}
