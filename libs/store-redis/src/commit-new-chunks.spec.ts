import { startPrivateRedis, type PrivateRedis } from '@persistd/testkit';
import Redis from 'ioredis';
import { RedisStore } from './redis-store';
import { commitInput, contentOf, randomChunk } from './test/fixtures';

/**
 * A commit stages, checks and persists only the chunks its base epoch does not list (DESIGN §5),
 * and WATCHes the pointer alone (commit-scripts.ts says why): counted with Redis's own command
 * statistics — which count the commands a script calls — on a Redis of this test's own so that
 * nobody else's commands are counted.
 */
describe('commit of new chunks only (private Redis, command statistics)', () => {
  let server: PrivateRedis;
  let redis: Redis;
  let store: RedisStore;
  beforeAll(async () => {
    server = await startPrivateRedis();
    redis = new Redis(server.url);
    store = new RedisStore({ redis: { url: server.url }, settings: { prefix: 'nc', retention: 3, requestTtlSeconds: 60, stageTtlSeconds: 600 } });
  });
  afterAll(async () => {
    await store.close();
    redis.disconnect();
    await server.stop();
  });

  /** Calls of each command since the last reset. */
  async function calls(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const m of (await redis.info('commandstats')).matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)) out[m[1]!] = Number(m[2]);
    return out;
  }

  it('a save sharing 38 of its 40 chunks with its base stages, checks and persists 2', async () => {
    const shared = Array.from({ length: 38 }, () => randomChunk(128));
    expect(await store.commit(commitInput('w', contentOf([...shared, randomChunk(128), randomChunk(128)]), { expectedEpoch: 0n }))).toMatchObject({ kind: 'committed' });
    await redis.config('RESETSTAT');
    const fresh = [randomChunk(128), randomChunk(128)];
    expect(await store.commit(commitInput('w', contentOf([...shared, ...fresh]), { expectedEpoch: 1n }))).toMatchObject({ kind: 'committed' });
    const c = await calls();
    expect(c.persist).toBe(2);
    // Staging SET NX of the 2 new chunks, then SET meta, SET epoch, SET req.
    expect(c.set).toBe(5);
    expect(c.exists).toBe(2);
    expect(c.watch).toBe(1);
    // One staging script and one commit script.
    expect(c.eval).toBe(2);
    for (const chunk of [...shared, ...fresh]) expect(await redis.ttl(`nc:{w}:chunk:${chunk.id}`)).toBe(-1);
    // The 2 chunks of epoch 1 that epoch 2 dropped stay: epoch 1 is still retained.
    expect((await redis.keys('nc:{w}:chunk:*')).length).toBe(42);
  });
});
