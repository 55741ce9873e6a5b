import { create, toBinary } from '@bufbuild/protobuf';
import { EpochMetaSchema, OwnerSystem, packChunkIds } from '@persistd/contract';
import type { Chunk, CommitInput } from './commit';
import { worldKeys } from './keys';
import type { RedisStore } from './redis-store';
import { Harness, randomChunk, sha256 } from './test/fixtures';

/**
 * sweepUnlistedChunks gives up the chunks no epoch of a live world lists — here those of stored
 * form 2 epochs committed without retention bookkeeping (as SaveChanges' were before f4f2ada),
 * which retention cannot judge and keeps — and never one an epoch lists, even one a commit racing
 * the sweep has just listed.
 */

/** A stored form 2 commit of `chunks` under one index chunk, its meta sealed without bookkeeping. */
function form2Commit(worldId: string, chunks: Chunk[], expectedEpoch: bigint, requestId: string): CommitInput {
  const bytes = packChunkIds(chunks.map((c) => c.id));
  const index = { id: sha256(bytes), bytes };
  return {
    worldId,
    expectedEpoch,
    requestId,
    contentDigest: sha256(chunks.map((c) => c.id).join(',')),
    chunks: [index, ...chunks],
    sealMeta(epoch: bigint) {
      const meta = create(EpochMetaSchema, { worldId, epoch, schemaVersion: 1, storedForm: 2, sections: [{ system: OwnerSystem.PLAYER, indexChunkIds: [index.id] }] });
      meta.digest = sha256(toBinary(EpochMetaSchema, meta));
      return { bytes: toBinary(EpochMetaSchema, meta), digest: meta.digest };
    },
  };
}
describe('sweepUnlistedChunks', () => {
  let h: Harness;
  let store: RedisStore;
  const W = 'leaky-1';
  beforeEach(() => {
    h = new Harness();
    store = h.store(); // retention 3
  });
  afterEach(() => h.cleanup());

  /** `n` epochs, each of a kept chunk and two fresh ones under a fresh index chunk; every chunk id each committed (its index chunk first). */
  const saveTimes = async (n: number, kept = randomChunk()) => {
    const ids: string[][] = [];
    for (let e = 0n; e < BigInt(n); e++) {
      const input = form2Commit(W, [kept, randomChunk(), randomChunk()], e, `r-${e}`);
      expect((await store.commit(input)).kind).toBe('committed');
      ids.push(input.chunks.map((c) => c.id));
    }
    return ids;
  };

  const ttlOf = (id: string) => h.redis.ttl(worldKeys(h.prefix, W).chunk(id));

  it('gives the chunks only dropped epochs listed an expiry, and leaves every listed one as it was', async () => {
    const ids = await saveTimes(6); // epochs 4-6 retained; 1-3 dropped, their chunks kept by retention
    const dry = await store.sweepUnlistedChunks({ worldId: W, dryRun: true });
    expect(dry).toEqual({ committedEpoch: 6n, chunksListed: 10, chunksUnlisted: 9, judged: true });
    for (const id of ids.flat()) expect(await ttlOf(id)).toBe(-1);

    expect(await store.sweepUnlistedChunks({ worldId: W, batchKeys: 2 })).toEqual(dry);
    for (const e of [0, 1, 2]) for (const id of [ids[e][0], ...ids[e].slice(2)]) expect(await ttlOf(id)).toBeGreaterThan(0);
    for (const e of [3, 4, 5]) for (const id of ids[e]) expect(await ttlOf(id)).toBe(-1);
    for (const e of [4n, 5n, 6n]) await expect(store.readEpoch(W, e)).resolves.toMatchObject({ epoch: e });
  });

  it('lists again when a commit lands meanwhile: a chunk the new epoch lists stays', async () => {
    const ids = await saveTimes(5);
    const revived = ids[0][2]; // listed by epoch 1 only: unlisted until the commit below lists it again
    let raced = false;
    const result = await store.sweepUnlistedChunks({
      worldId: W,
      onListed: async () => {
        if (raced) return;
        raced = true;
        const chunks = [{ id: revived, bytes: (await h.redis.getBuffer(worldKeys(h.prefix, W).chunk(revived)))! }, randomChunk()];
        expect((await store.commit(form2Commit(W, chunks, 5n, 'r-race'))).kind).toBe('committed');
      },
    });
    expect(raced).toBe(true);
    expect(result.committedEpoch).toBe(6n);
    expect(await ttlOf(revived)).toBe(-1);
    await expect(store.readEpoch(W, 6n)).resolves.toMatchObject({ epoch: 6n });
    expect(await ttlOf(ids[0][3])).toBeGreaterThan(0);
  });

  it('does nothing to a world that is not live, and gives up nothing it cannot judge', async () => {
    expect(await store.sweepUnlistedChunks({ worldId: 'never-saved' })).toEqual({ committedEpoch: 0n, chunksListed: 0, chunksUnlisted: 0, judged: true });
    await saveTimes(2);
    const stray = randomChunk();
    await h.redis.set(worldKeys(h.prefix, W).chunk(stray.id), Buffer.from(stray.bytes));
    // A form-2 meta whose index chunk is gone: what it lists is unknown, so nothing is given up.
    const form2 = create(EpochMetaSchema, { worldId: W, epoch: 2n, storedForm: 2, sections: [{ system: OwnerSystem.PLAYER, indexChunkIds: [randomChunk().id] }] });
    await h.redis.set(worldKeys(h.prefix, W).meta(2n), Buffer.from(toBinary(EpochMetaSchema, form2)));
    expect(await store.sweepUnlistedChunks({ worldId: W })).toMatchObject({ committedEpoch: 2n, chunksUnlisted: 0, judged: false });
    expect(await ttlOf(stray.id)).toBe(-1);
    // A meta that does not decode: the listing cannot be made, and the sweep says so.
    await h.redis.set(worldKeys(h.prefix, W).meta(1n), 'not a meta');
    await expect(store.sweepUnlistedChunks({ worldId: W })).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    expect(await ttlOf(stray.id)).toBe(-1);
  });
});
