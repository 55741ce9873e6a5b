import { worldKeys } from './keys';
import type { RedisStore } from './redis-store';
import { Harness, commitInput, contentOf, randomChunk, randomContent } from './test/fixtures';

describe('deleteWorld', () => {
  let h: Harness;
  let store: RedisStore;
  const W = 'doomed-1';
  beforeEach(() => {
    h = new Harness();
    store = h.store();
  });
  afterEach(() => h.cleanup());

  const saveTimes = async (n: number, shared = randomChunk()) => {
    const inputs = [];
    for (let e = 0n; e < BigInt(n); e++) {
      const input = commitInput(W, contentOf([shared, randomChunk(), randomChunk()]), { expectedEpoch: e, requestId: `r-${e}` });
      expect((await store.commit(input)).kind).toBe('committed');
      inputs.push(input);
    }
    return inputs;
  };

  it('turns the pointer into a tombstone, removes every meta, and gives every chunk an expiry; request records stay', async () => {
    const shared = randomChunk();
    await saveTimes(4, shared);
    const k = worldKeys(h.prefix, W);
    const result = await store.deleteWorld({ worldId: W, expectedEpoch: 4n });
    expect(result).toMatchObject({ kind: 'deleted', deletedEpoch: 4n });
    expect(await h.redis.get(k.epoch)).toBe('deleted:4');
    const keys = await h.keys();
    expect(keys.filter((x) => x.startsWith(k.metaHead))).toEqual([]);
    const chunks = keys.filter((x) => x.startsWith(k.chunkHead));
    expect(chunks.length).toBeGreaterThan(0);
    for (const c of chunks) {
      const ttl = await h.redis.ttl(c);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(600);
    }
    // Every chunk is shared by epochs 1-4 or listed by one: the shared one expires like the rest.
    expect(await h.redis.ttl(k.chunk(shared.id))).toBeGreaterThan(0);
    for (const e of [0n, 1n, 2n, 3n]) expect(await h.redis.ttl(k.req(`r-${e}`))).toBeGreaterThan(0);
    await expect(store.readEpoch(W, 0n)).rejects.toMatchObject({ code: 'WORLD_NOT_FOUND' });
    expect(await store.worldStatus(W)).toEqual({ committedEpoch: 0n, retainedEpochs: [], digest: '', contentDigest: '', deletedEpoch: 4n, storedForm: 0 });
  });

  it('answers a repeat as the first, refuses another epoch, a never-saved world and a stale expected epoch', async () => {
    await saveTimes(2);
    expect(await store.deleteWorld({ worldId: W, expectedEpoch: 1n })).toEqual({ kind: 'conflict', committedEpoch: 2n });
    expect(await h.redis.get(worldKeys(h.prefix, W).epoch)).toBe('2');
    expect(await store.deleteWorld({ worldId: W, expectedEpoch: 2n })).toMatchObject({ kind: 'deleted', deletedEpoch: 2n });
    expect(await store.deleteWorld({ worldId: W, expectedEpoch: 2n })).toMatchObject({ kind: 'already-deleted', deletedEpoch: 2n });
    expect(await store.deleteWorld({ worldId: W, expectedEpoch: 1n })).toEqual({ kind: 'not-found', deletedEpoch: 2n });
    expect(await store.deleteWorld({ worldId: W, expectedEpoch: 0n })).toEqual({ kind: 'not-found', deletedEpoch: 2n });
    expect(await store.deleteWorld({ worldId: 'never-saved', expectedEpoch: 0n })).toEqual({ kind: 'not-found', deletedEpoch: 0n });
    expect(await store.deleteWorld({ worldId: 'never-saved', expectedEpoch: 3n })).toEqual({ kind: 'not-found', deletedEpoch: 0n });
  });

  it('never reuses an epoch: the next save at 0 commits N+1 and keeps its chunks live; any other expected epoch conflicts', async () => {
    const shared = randomChunk();
    await saveTimes(3, shared);
    await store.deleteWorld({ worldId: W, expectedEpoch: 3n });
    expect(await store.commit(commitInput(W, randomContent(), { expectedEpoch: 3n }))).toEqual({ kind: 'conflict', committedEpoch: 0n, deletedEpoch: 3n });
    expect(await store.commit(commitInput(W, randomContent(), { expectedEpoch: 1n }))).toEqual({ kind: 'conflict', committedEpoch: 0n, deletedEpoch: 3n });
    // The new world lists the expiring shared chunk: its commit PERSISTs it.
    const reborn = commitInput(W, contentOf([shared, randomChunk()]), { expectedEpoch: 0n });
    expect(await store.commit(reborn)).toMatchObject({ kind: 'committed', epoch: 4n });
    const k = worldKeys(h.prefix, W);
    expect(await h.redis.ttl(k.chunk(shared.id))).toBe(-1);
    expect(await store.worldStatus(W)).toMatchObject({ committedEpoch: 4n, retainedEpochs: [4n], deletedEpoch: 0n });
    expect((await store.readEpoch(W, 0n)).chunks.size).toBe(2);
    // A server that held epoch 3 from before the deletion can never match the new world.
    expect(await store.commit(commitInput(W, randomContent(), { expectedEpoch: 3n }))).toEqual({ kind: 'conflict', committedEpoch: 4n });
  });

  it('answers a retry of a save committed before the deletion as replayed, and commits nothing', async () => {
    const [first] = await saveTimes(2);
    await store.deleteWorld({ worldId: W, expectedEpoch: 2n });
    const before = await h.redis.get(worldKeys(h.prefix, W).epoch);
    expect(await store.commit(first!)).toMatchObject({ kind: 'replayed', epoch: 1n, digest: first!.sealed.get(1n)!.digest });
    expect(await h.redis.get(worldKeys(h.prefix, W).epoch)).toBe(before);
  });

  it('a save that lands during the sweep keeps every chunk it lists live; later batches leave them alone', async () => {
    const inputs = await saveTimes(2);
    const oldChunks = inputs.flatMap((x) => x.chunks);
    const k = worldKeys(h.prefix, W);
    let reborn = false;
    const result = await store.deleteWorld({
      worldId: W,
      expectedEpoch: 2n,
      batchKeys: 1,
      onSweepBatch: async () => {
        if (reborn) return;
        reborn = true;
        // Lists every chunk of the old world, swept or not: its commit PERSISTs them all.
        expect(await store.commit(commitInput(W, contentOf(oldChunks), { expectedEpoch: 0n }))).toMatchObject({ kind: 'committed', epoch: 3n });
      },
    });
    expect(result.kind).toBe('deleted');
    if (result.kind !== 'deleted') return;
    expect(result.sweep.chunksKept).toBeGreaterThan(0);
    for (const c of oldChunks) expect(await h.redis.ttl(k.chunk(c.id))).toBe(-1);
    expect((await store.readEpoch(W, 0n)).chunks.size).toBe(new Set(oldChunks.map((c) => c.id)).size);
  });

  it('a crash between sweep batches leaves nothing restorable and a repeat finishes the sweep', async () => {
    await saveTimes(3);
    const k = worldKeys(h.prefix, W);
    await expect(
      store.deleteWorld({
        worldId: W,
        expectedEpoch: 3n,
        batchKeys: 1,
        onSweepBatch: () => {
          throw new Error('crash between batches');
        },
      }),
    ).rejects.toMatchObject({ code: 'COMMIT_OUTCOME_UNKNOWN' });
    const chunkKeys = (await h.keys()).filter((x) => x.startsWith(k.chunkHead));
    const ttls = await Promise.all(chunkKeys.map((c) => h.redis.ttl(c)));
    expect(ttls.filter((t) => t === -1).length).toBeGreaterThan(0); // the crash left some without expiry
    await expect(store.readEpoch(W, 0n)).rejects.toMatchObject({ code: 'WORLD_NOT_FOUND' });
    expect(await h.redis.get(k.sweep)).toBe('3');
    expect(await store.deleteWorld({ worldId: W, expectedEpoch: 3n })).toMatchObject({ kind: 'already-deleted', deletedEpoch: 3n });
    for (const c of chunkKeys) expect(await h.redis.ttl(c)).toBeGreaterThan(0);
    expect(await h.redis.exists(k.sweep)).toBe(0);
  });

  it('a sweep cut short and followed by a new save is finished by the next delete call, which still answers its own outcome', async () => {
    const inputs = await saveTimes(2);
    const k = worldKeys(h.prefix, W);
    await expect(store.deleteWorld({ worldId: W, expectedEpoch: 2n, batchKeys: 1, onSweepBatch: () => Promise.reject(new Error('crash')) })).rejects.toMatchObject({ code: 'COMMIT_OUTCOME_UNKNOWN' });
    const kept = inputs[1]!.chunks[1]!;
    const reborn = commitInput(W, contentOf([kept, randomChunk()]), { expectedEpoch: 0n });
    expect(await store.commit(reborn)).toMatchObject({ kind: 'committed', epoch: 3n });
    // The old world's chunks no one lists would never expire without the marker.
    expect(await store.deleteWorld({ worldId: W, expectedEpoch: 2n })).toEqual({ kind: 'conflict', committedEpoch: 3n });
    expect(await h.redis.exists(k.sweep)).toBe(0);
    const listed = new Set(reborn.chunks.map((c) => k.chunk(c.id)));
    for (const key of (await h.keys()).filter((x) => x.startsWith(k.chunkHead))) {
      if (listed.has(key)) expect(await h.redis.ttl(key)).toBe(-1);
      else expect(await h.redis.ttl(key)).toBeGreaterThan(0);
    }
    expect((await store.readEpoch(W, 0n)).chunks.size).toBe(2);
  });
});
