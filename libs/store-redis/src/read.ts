/**
 * Reads of committed state (DESIGN §5 "Read"), on the shared read connection — in Redis Cluster
 * mode ioredis's Cluster client, which follows MOVED/ASK/TRYAGAIN itself (a world's keys share one
 * slot, so every MGET and pipeline here stays on one node).
 *
 * Keys read: P:{w}:epoch, P:{w}:meta:<N>, P:{w}:chunk:<id> (MGET in batches; in stored form 2 the
 * index chunks first, then the record chunks they name), P:{w}:req:<id>.
 * Nothing here verifies hashes or digests — the validation lib does, before anything is sent —
 * but that of a form-2 index chunk before following it,
 * and nothing looks inside a chunk. What this module guarantees is that the bytes it returns
 * belong to one committed, retained epoch, or it says why not:
 *   pointer absent, or a tombstone (world deleted)   → WORLD_NOT_FOUND
 *   epoch above the pointer, or past retention       → EPOCH_NOT_FOUND
 *   meta/chunk absent while the pointer moved on     → read again (bounded), then as above
 *   meta/chunk absent for an epoch still retained    → MISSING_COMPONENT
 *   meta bytes that do not decode as EpochMeta       → DIGEST_MISMATCH
 *   Redis unreachable                                → STORE_UNAVAILABLE
 * A caller that budgets memory passes `reserve`: it learns the chunks' total size before a byte
 * of them is read — from the meta's `stored_bytes` once the meta's digest verifies, otherwise
 * (an epoch written before that field existed, or a damaged meta) by STRLEN — and may wait or
 * throw there.
 */
import { metaDigestOf, storedFormOf, type EpochMeta } from '@persistd/contract';
import type Redis from 'ioredis';
import type { Cluster } from 'ioredis';
import { BATCH_LIMITS, batchesOf } from './batches';
import type { StoreSettings } from './settings';
import { whenReady } from './connections';
import { chunkIdsOf, decodeEpochMeta, indexedIds } from './epoch-meta';
import { parseEpochPointer, parseWorldPointer, type WorldPointer } from './epoch-pointer';
import { worldKeys } from './keys';
import { rethrowAsStoreError, unavailable } from './redis-failures';
import { decodeRequestRecord, type RequestRecord } from './request-record';
import { isRetained } from './retention';
import { StoreError } from './store-error';

/** One retained epoch as stored: the meta (bytes as stored, and decoded) and every chunk it lists. */
export interface StoredEpoch {
  worldId: string;
  epoch: bigint;
  /** The meta exactly as stored (its digest is checked over these bytes). */
  metaBytes: Uint8Array;
  meta: EpochMeta;
  /** Chunk id → bytes as stored, for every id the meta's sections list (in form 2, through its index chunks, which are here too). */
  chunks: Map<string, Uint8Array>;
}

/** What the read functions run on. */
export interface ReadContext {
  redis: Redis | Cluster;
  settings: StoreSettings;
  /** How long a read waits for a connection that is still connecting. */
  readyTimeoutMs: number;
}

/**
 * Told the stored bytes of the chunks a read is about to fetch, before it fetches them; resolves
 * when the caller may hold them, or throws to stop the read. Called once per pass (a pointer that
 * moves meanwhile means another epoch, so another size), and again with the bytes really read
 * should the meta have said less.
 */
export type ReserveChunkBytes = (bytes: number) => Promise<void>;

/** MGETs of stored form 2's small chunks that readEpoch keeps in flight (form 1: one, its replies are up to 16 MiB). */
const MGETS_IN_FLIGHT = 4;

const EMPTY_REPLY: Promise<Array<Buffer | null>> = Promise.resolve([]);

/** Passes of readEpoch when the pointer moves under it; past this the read gives up as unavailable. */
export const MAX_READ_PASSES = 4;

/** Runs a read, mapping every Redis failure to STORE_UNAVAILABLE. */
export async function reading<T>(ctx: ReadContext, body: () => Promise<T>): Promise<T> {
  try {
    await whenReady(ctx.redis, ctx.readyTimeoutMs);
    return await body();
  } catch (e) {
    rethrowAsStoreError(e, 'before-exec');
  }
}

/** A world's pointer: its committed epoch (0n if never saved or deleted) and the epoch it was deleted at. */
export async function readWorldPointer(ctx: ReadContext, worldId: string): Promise<WorldPointer> {
  const keys = worldKeys(ctx.settings.prefix, worldId);
  return reading(ctx, async () => parseWorldPointer(await ctx.redis.get(keys.epoch), keys.epoch));
}

/** The committed epoch of a world; 0n if it was never saved. */
export async function readCommittedEpoch(ctx: ReadContext, worldId: string): Promise<bigint> {
  const keys = worldKeys(ctx.settings.prefix, worldId);
  return reading(ctx, async () => parseEpochPointer(await ctx.redis.get(keys.epoch), keys.epoch));
}

/**
 * The retained epochs, ascending: of the last `retention` epochs up to the pointer, those whose
 * meta exists (one EXISTS each, a bounded window — never a SCAN).
 */
export async function retainedEpochs(ctx: ReadContext, worldId: string): Promise<bigint[]> {
  const keys = worldKeys(ctx.settings.prefix, worldId);
  return reading(ctx, async () => {
    const pointer = parseEpochPointer(await ctx.redis.get(keys.epoch), keys.epoch);
    const window: bigint[] = [];
    for (let e = pointer; e >= 1n && isRetained(e, pointer, ctx.settings.retention); e--) window.unshift(e);
    if (window.length === 0) return [];
    const p = ctx.redis.pipeline();
    for (const e of window) p.exists(keys.meta(e));
    const results = (await p.exec()) ?? [];
    return window.filter((_, i) => {
      const [err, n] = results[i] ?? [new Error('Connection is closed.'), 0];
      if (err) throw err;
      return Number(n) === 1;
    });
  });
}

/** The record of a committed request id, if it is still remembered. */
export async function readRequest(ctx: ReadContext, worldId: string, requestId: string): Promise<RequestRecord | undefined> {
  const keys = worldKeys(ctx.settings.prefix, worldId);
  const key = keys.req(requestId);
  return reading(ctx, async () => {
    const value = await ctx.redis.get(key);
    return value === null ? undefined : decodeRequestRecord(value, key);
  });
}

/**
 * Epoch `epoch` of a world (0n = the committed one), with every chunk its meta lists — or none
 * when `withChunks` is false (status answers need the meta alone).
 */
export async function readEpoch(ctx: ReadContext, worldId: string, epoch: bigint, withChunks = true, reserve?: ReserveChunkBytes): Promise<StoredEpoch> {
  if (epoch < 0n) throw new RangeError('store-redis: epoch is negative');
  const keys = worldKeys(ctx.settings.prefix, worldId);
  const { redis, settings } = ctx;
  const readPointer = async () => parseEpochPointer(await redis.get(keys.epoch), keys.epoch);
  const neverSaved = async () => {
    const { deletedAt } = parseWorldPointer(await redis.get(keys.epoch), keys.epoch);
    const why = deletedAt > 0n ? `was deleted at epoch ${deletedAt}` : 'was never saved';
    return new StoreError('WORLD_NOT_FOUND', `world ${worldId} ${why}`, { metadata: { world_id: worldId, ...(deletedAt > 0n ? { deleted_epoch: String(deletedAt) } : {}) } });
  };

  return reading(ctx, async () => {
    for (let pass = 0; pass < MAX_READ_PASSES; pass++) {
      const pointer = await readPointer();
      if (pointer === 0n) throw await neverSaved();
      const target = epoch === 0n ? pointer : epoch;
      if (target > pointer) {
        throw notFound(worldId, target, `epoch ${target} of ${worldId} is above the committed epoch ${pointer}`);
      }
      if (!isRetained(target, pointer, settings.retention)) {
        throw notFound(worldId, target, `epoch ${target} of ${worldId} is no longer retained (committed ${pointer}, retention ${settings.retention})`);
      }

      const metaKey = keys.meta(target);
      const metaBytes = await redis.getBuffer(metaKey);
      if (!metaBytes) {
        if ((await readPointer()) !== pointer) continue; // a commit moved on and may have dropped it: look again
        throw missing(worldId, target, `meta of retained epoch ${target} is absent`, { component: 'meta', key: metaKey });
      }
      const meta = decodeEpochMeta(metaBytes, metaKey);

      const chunks = new Map<string, Uint8Array>();
      if (!withChunks) return { worldId, epoch: target, metaBytes, meta, chunks };
      const absent: string[] = [];
      const form2 = storedFormOf(meta) === 2;
      const perRead = form2 ? BATCH_LIMITS.maxSmallChunkKeysPerRead : BATCH_LIMITS.maxChunkKeysPerRead;
      const inFlight = form2 ? MGETS_IN_FLIGHT : 1;
      let held = 0;
      // A few MGETs in flight at once: each reply stays bounded, and the many small chunks of
      // form 2 are taken as they arrive while Redis answers the next batch.
      const fetch = async (ids: string[]) => {
        const batches = batchesOf(ids, () => 0, perRead);
        const pending: Array<Promise<Array<Buffer | null>>> = [];
        const send = (batch: string[]) => {
          const reply = redis.mgetBuffer(...batch.map((id) => keys.chunk(id)));
          reply.catch(() => undefined); // awaited in order below; a failure is thrown there, once
          pending.push(reply);
        };
        for (let b = 0; b < batches.length; b++) {
          while (pending.length < batches.length && pending.length < b + inFlight) send(batches[pending.length]!);
          const values = await pending[b]!;
          pending[b] = EMPTY_REPLY; // let the reply go once its chunks are in the map
          const batch = batches[b]!;
          for (let i = 0; i < batch.length; i++) {
            const bytes = values[i];
            if (!bytes) {
              absent.push(batch[i]!);
              continue;
            }
            const before = chunks.size;
            chunks.set(batch[i]!, bytes);
            if (chunks.size > before) held += bytes.byteLength; // an id two sections list is held once
          }
        }
      };
      const roots = chunkIdsOf(meta);
      // Epochs that record their stored size are reserved before a chunk is read, in one step —
      // once the meta's digest shows the size is the one its commit wrote; older epochs, and a
      // meta that does not verify (damage the restore's verification reports), are sized by STRLEN.
      const declared = meta.storedBytes === undefined || metaDigestOf(meta) !== meta.digest ? undefined : Number(meta.storedBytes);
      if (reserve && declared !== undefined) await reserve(declared);
      if (!form2) {
        if (reserve && declared === undefined) await reserve(await storedBytesOf(redis, roots.map((id) => keys.chunk(id))));
        await fetch(roots);
      } else {
        // The index chunks are read first (they are small, and name the record chunks); an
        // older epoch's reservation counts them and the record chunks together.
        await fetch(roots);
        // Stored form 2: the index chunks name the record chunks. A damaged one is not followed;
        // the verification reports it.
        // Listed as they come, not deduplicated first: `fetch` holds a chunk listed twice (the same
        // bytes in two sections, say) once, and each of an L world's ~15,000 ids costs one
        // hash-table step instead of three.
        const children: string[] = [];
        for (const id of roots) for (const child of (chunks.has(id) && indexedIds(id, chunks.get(id)!)) || []) children.push(child);
        if (reserve && declared === undefined) await reserve(held + (await storedBytesOf(redis, [...new Set(children)].map((id) => keys.chunk(id)))));
        await fetch(children);
      }
      // A meta that says less than its chunks hold: the budget holds what was really read. The
      // digest binds stored_bytes, so this is no damage the verification sees: the epochs
      // SaveChanges' fast path wrote before it counted the chunks it kept from its base (they
      // said only the new chunks' bytes) are read this way until retention drops them.
      if (reserve && declared !== undefined && held > declared) await reserve(held);
      if (absent.length > 0) {
        if ((await readPointer()) !== pointer) continue; // retention may have dropped this epoch meanwhile
        throw missing(worldId, target, `chunk ${absent[0]} of retained epoch ${target} is absent`, { component: 'chunk', chunk_id: absent[0]! });
      }
      return { worldId, epoch: target, metaBytes, meta, chunks };
    }
    throw unavailable('pointer-moving', `the committed epoch of ${worldId} kept moving during ${MAX_READ_PASSES} reads`);
  });
}

/** The summed STRLEN of `keys` (an absent key counts 0), in pipelines of bounded size. */
async function storedBytesOf(redis: Redis | Cluster, keys: string[]): Promise<number> {
  let total = 0;
  for (const batch of batchesOf(keys, () => 0, BATCH_LIMITS.maxKeys)) {
    const p = redis.pipeline();
    for (const key of batch) p.strlen(key);
    for (const [err, n] of (await p.exec()) ?? []) {
      if (err) throw err;
      total += Number(n);
    }
  }
  return total;
}

function notFound(worldId: string, epoch: bigint, message: string): StoreError {
  return new StoreError('EPOCH_NOT_FOUND', message, { metadata: { world_id: worldId, epoch: epoch.toString() } });
}

function missing(worldId: string, epoch: bigint, message: string, extra: Record<string, string>): StoreError {
  return new StoreError('MISSING_COMPONENT', message, { metadata: { world_id: worldId, epoch: epoch.toString(), ...extra } });
}
