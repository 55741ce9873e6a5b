import { create, toBinary } from '@bufbuild/protobuf';
import { SaveRequestSchema } from '@persistd/contract';
import type { StoredEpoch } from '@persistd/store-redis';
import { generateWorld } from '@persistd/testkit';
import { sealEpochMeta } from '@persistd/validation';
import pino from 'pino';
import { SavePool } from '../save-work/save-pool';
import { runSnapshotSteps, type SaveWork } from '../save-work/save-steps';
import { saveRequest } from '../test/test-daemon';
import { IndexCache } from './index-cache';
import { indexingUnderWay, indexRestoredEpoch, PENDING_COPIES_SHARE } from './index-in-background';

const LIMITS = { maxRecordsPerSection: 250_000, maxStringBytes: 4096, maxMapEntries: 1024 };

/** A world's epoch as a restore reads it from the store: its meta and every chunk. */
function storedEpochOf(worldId: string, epoch: bigint): StoredEpoch {
  const world = generateWorld({ worldId, players: 10, zones: 10, npcs: 50, items: 300, quests: 30, seed: 3 });
  const bytes = toBinary(SaveRequestSchema, create(SaveRequestSchema, saveRequest(worldId, world, 0n, `req-${worldId}`)));
  const { prepared } = runSnapshotSteps({ method: 'Save', bytes, limits: LIMITS, principal: 'tester' }) as SaveWork;
  const sealed = sealEpochMeta(prepared.unsealed, epoch);
  return { worldId, epoch, metaBytes: sealed.bytes, meta: sealed.meta, chunks: new Map(prepared.chunks.map((c) => [c.id, c.bytes])) };
}

const bytesOf = (stored: StoredEpoch) => [...stored.chunks.values()].reduce((n, b) => n + b.byteLength, 0);

describe('background indexing of restored epochs', () => {
  const logger = pino({ level: 'silent' });

  it('holds copies of epochs waiting for indexing up to its share of PERSISTD_INDEX_CACHE_BYTES, and indexes those', async () => {
    const epochs = ['bg-a', 'bg-b', 'bg-c'].map((w) => storedEpochOf(w, 4n));
    const size = bytesOf(epochs[0]);
    // Room for two copies waiting, not three (index chunks are not copied: a little less than `size` each).
    const indexCache = new IndexCache(Math.floor(2.5 * size) * PENDING_COPIES_SHARE);
    const savePool = new SavePool(1, logger);
    const ctx = { indexCache, savePool, logger };
    try {
      for (const stored of epochs) indexRestoredEpoch(ctx, stored);
      expect(savePool.stats().background).toBe(2);
      const waits = epochs.map((e) => indexingUnderWay(ctx, e.worldId, e.epoch, e.meta.digest));
      expect(waits.map((w) => w !== undefined)).toEqual([true, true, false]);
      await Promise.all(waits);
      expect(epochs.map((e) => indexCache.holds(e.worldId, e.epoch, e.meta.digest))).toEqual([true, true, false]);
      // Once indexed, the copies are given back: the third epoch, restored again, is taken.
      indexRestoredEpoch(ctx, epochs[2]);
      await indexingUnderWay(ctx, epochs[2].worldId, epochs[2].epoch, epochs[2].meta.digest);
      expect(indexCache.holds(epochs[2].worldId, epochs[2].epoch, epochs[2].meta.digest)).toBe(true);
    } finally {
      await savePool.close();
    }
  });

  it('takes one epoch larger than the bound when no other waits, and no second one', async () => {
    const [large, next] = [storedEpochOf('bg-large', 3n), storedEpochOf('bg-next', 3n)];
    // The copies' bound is half of one epoch's bytes.
    const ctx = { indexCache: new IndexCache((bytesOf(large) / 2) * PENDING_COPIES_SHARE), savePool: new SavePool(1, logger), logger };
    try {
      indexRestoredEpoch(ctx, large);
      indexRestoredEpoch(ctx, next);
      expect(ctx.savePool.stats().background).toBe(1);
      expect(indexingUnderWay(ctx, next.worldId, next.epoch, next.meta.digest)).toBeUndefined();
      await indexingUnderWay(ctx, large.worldId, large.epoch, large.meta.digest);
      expect(ctx.savePool.stats().background).toBe(0);
    } finally {
      await ctx.savePool.close();
    }
  });

  it("drops an older epoch of a world still waiting when a newer one of that world comes", async () => {
    const ctx = { indexCache: new IndexCache(256 * 2 ** 20), savePool: new SavePool(1, logger), logger };
    const [busy, older, newer] = [storedEpochOf('bg-other', 1n), storedEpochOf('bg-w', 2n), storedEpochOf('bg-w', 3n)];
    try {
      indexRestoredEpoch(ctx, busy); // takes the one thread
      indexRestoredEpoch(ctx, older);
      expect(ctx.savePool.stats().background).toBe(2);
      indexRestoredEpoch(ctx, newer);
      expect(ctx.savePool.stats().background).toBe(2);
      expect(indexingUnderWay(ctx, older.worldId, older.epoch, older.meta.digest)).toBeUndefined();
      await indexingUnderWay(ctx, newer.worldId, newer.epoch, newer.meta.digest);
      expect(ctx.indexCache.holds(newer.worldId, newer.epoch, newer.meta.digest)).toBe(true);
      expect(ctx.indexCache.holds(older.worldId, older.epoch, older.meta.digest)).toBe(false);
    } finally {
      await ctx.savePool.close();
    }
  });

  it('moves the indexing a SaveChanges waits for ahead of the other epochs waiting', async () => {
    const epochs = ['bg-d', 'bg-e', 'bg-f'].map((w) => storedEpochOf(w, 2n));
    const ctx = { indexCache: new IndexCache(256 * 2 ** 20), savePool: new SavePool(2, logger), logger };
    try {
      for (const stored of epochs) indexRestoredEpoch(ctx, stored);
      // One thread of two takes background work: d runs, e and f wait.
      expect(ctx.savePool.stats()).toEqual({ waiting: 0, running: 0, background: 3 });
      const last = epochs[2];
      const waited = indexingUnderWay(ctx, last.worldId, last.epoch, last.meta.digest);
      expect(ctx.savePool.stats()).toEqual({ waiting: 0, running: 1, background: 2 });
      await waited;
      expect(ctx.indexCache.holds(last.worldId, last.epoch, last.meta.digest)).toBe(true);
    } finally {
      await ctx.savePool.close();
    }
  });
});
