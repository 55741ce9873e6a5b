import { RedisStore, worldKeys } from '@persistd/store-redis';
import { deletePrefix, generateWorld, keysUnder, TEST_REDIS_URL, testRedis, uniquePrefix } from '@persistd/testkit';
import type Redis from 'ioredis';
import { commitSnapshot } from './test/commit-snapshot';
import { runCliCaptured } from './test/run-cli';

/**
 * `persistctl sweep`: a world whose stored form 2 epochs carry no retention bookkeeping (as
 * SaveChanges' did before f4f2ada) keeps chunks nothing lists; the sweep counts them, gives them
 * the stage TTL, and leaves every chunk a retained epoch lists as it was.
 */
describe('persistctl sweep', () => {
  const prefix = uniquePrefix('ctl-sweep');
  let redis: Redis;
  let store: RedisStore;
  const args = () => ['--redis-url', TEST_REDIS_URL, '--key-prefix', prefix, '--retention', '3'];
  beforeAll(() => {
    redis = testRedis();
    store = new RedisStore({ redis: { url: TEST_REDIS_URL }, settings: { prefix, retention: 3, requestTtlSeconds: 60, stageTtlSeconds: 60 } });
  });
  afterAll(async () => {
    await store.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  /** The world's chunk keys, split by whether a retained epoch lists them. */
  async function chunkKeys(worldId: string): Promise<{ listed: string[]; unlisted: string[] }> {
    const keys = worldKeys(prefix, worldId);
    const listed = new Set<string>();
    for (const e of await store.retainedEpochs(worldId)) for (const id of (await store.readEpoch(worldId, e)).chunks.keys()) listed.add(keys.chunk(id));
    const all = (await keysUnder(redis, `${prefix}:{${worldId}}`)).filter((k) => k.startsWith(keys.chunkHead));
    return { listed: all.filter((k) => listed.has(k)), unlisted: all.filter((k) => !listed.has(k)) };
  }

  it('counts (--dry-run), then gives up, the chunks nothing lists; the retained epochs stay whole', async () => {
    for (let e = 0; e < 6; e++) await commitSnapshot(store, 'leaky', generateWorld({ worldId: 'leaky', players: 6, zones: 4, npcs: 6, items: 40, quests: 5, epoch: BigInt(e), seed: 60 + e }), BigInt(e), 2, false);
    const { listed, unlisted } = await chunkKeys('leaky');
    expect(unlisted.length).toBeGreaterThan(0);

    const dry = await runCliCaptured(['sweep', 'leaky', '--dry-run', '--json', ...args()]);
    expect(dry).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(dry.stdout)).toEqual({ world_id: 'leaky', committed_epoch: '6', chunks_listed: listed.length, chunks_unlisted: unlisted.length, judged: true, dry_run: true });
    for (const k of unlisted) expect(await redis.ttl(k)).toBe(-1);

    const run = await runCliCaptured(['sweep', 'leaky', ...args()]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(`leaky at epoch 6: ${listed.length} chunks listed, ${unlisted.length} unlisted given the stage TTL\n`);
    for (const k of unlisted) expect(await redis.ttl(k)).toBeGreaterThan(0);
    for (const k of listed) expect(await redis.ttl(k)).toBe(-1);
    expect(await runCliCaptured(['verify', 'leaky', ...args()])).toMatchObject({ code: 0 });
  });

  it('finds nothing to give up in a world whose epochs record their bookkeeping', async () => {
    for (let e = 0; e < 5; e++) await commitSnapshot(store, 'tidy', generateWorld({ worldId: 'tidy', players: 6, zones: 4, npcs: 6, items: 40, quests: 5, epoch: BigInt(e), seed: 80 + e }), BigInt(e));
    expect((await chunkKeys('tidy')).unlisted).toEqual([]);
    const run = await runCliCaptured(['sweep', 'tidy', ...args()]);
    expect(run.stdout).toMatch(/^tidy at epoch 5: \d+ chunks listed, 0 unlisted given the stage TTL\n$/);
  });

  it('refuses a world that is not live (exit 1)', async () => {
    const run = await runCliCaptured(['sweep', 'never-saved', ...args()]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('WORLD_NOT_FOUND');
  });
});
