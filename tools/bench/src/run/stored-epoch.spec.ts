import { RedisStore } from '@persistd/store-redis';
import { deletePrefix, generateWorld, TEST_REDIS_URL, testRedis, uniquePrefix } from '@persistd/testkit';
import { prepareEpoch, restoreFrames, sealEpochMeta } from '@persistd/validation';
import { readRawEpoch } from './stored-epoch';

/** The bench's raw read (limit c) and what the grpc-js stream limit (d) frames from it, in both stored forms. */
describe('the raw read of an epoch', () => {
  const prefix = uniquePrefix('bench-raw');
  const redis = testRedis();
  const store = new RedisStore({ redis: { url: TEST_REDIS_URL }, settings: { prefix, retention: 2, requestTtlSeconds: 60, stageTtlSeconds: 60 } });
  afterAll(async () => {
    await store.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it.each([1, 2] as const)('frames, in stored form %i, the very messages a restore of the store read sends', async (storedForm) => {
    const worldId = `raw-${storedForm}`;
    const prepared = prepareEpoch(generateWorld({ worldId, players: 5, zones: 5, npcs: 20, items: 600, quests: 10, seed: 3 }), { worldId, requestId: 'r', principal: 'bench', committedAtMs: 1n, storedForm });
    const committed = await store.commit({ worldId, expectedEpoch: 0n, requestId: 'r', contentDigest: prepared.contentDigest, chunks: prepared.chunks, sealMeta: (e, l) => sealEpochMeta(prepared.unsealed, e, l) });
    expect(committed.kind).toBe('committed');

    const raw = await readRawEpoch(redis, prefix, worldId);
    expect(raw.indexChunks.length > 0).toBe(storedForm === 2);
    const byId = new Map([...raw.indexChunks, ...raw.chunks].map((c) => [c.id, c.bytes]));
    const fromRaw = [...restoreFrames(raw.epoch, raw.meta, byId)].map((f) => Buffer.from(f.bytes));
    const stored = await store.readEpoch(worldId, 0n);
    const fromStore = [...restoreFrames(stored.epoch, stored.meta, stored.chunks)].map((f) => Buffer.from(f.bytes));
    expect(fromRaw).toEqual(fromStore);
  });
});
