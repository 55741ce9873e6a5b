import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REDIS_SETTINGS, RedisStore, worldSlot } from '@persistd/store-redis';
import { deletePrefix, smallWorld, startRedisCluster, TEST_REDIS_URL, testRedis, uniquePrefix, type LocalRedisCluster } from '@persistd/testkit';
import { commitSnapshot } from './test/commit-snapshot';
import { runCliCaptured } from './test/run-cli';

/** The commands that read the daemon's Redis themselves, each as a command line for `world`. */
const READERS = (world: string, out: string) => [
  ['validate', world],
  ['verify', world],
  ['export', world, '--out', out],
];

describe("persistctl finds the daemon's Redis as the daemon does", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'persistctl-redis-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("with neither --redis-url nor PERSISTD_REDIS_URL, validate, verify and export read the daemon's default Redis", async () => {
    expect(REDIS_SETTINGS.redisUrl.default).toBe('redis://127.0.0.1:6379');
    const prefix = uniquePrefix('ctl-default');
    // The shared test Redis is the daemon's default address unless the run had to start its own elsewhere.
    const atDefault = TEST_REDIS_URL === REDIS_SETTINGS.redisUrl.default;
    const redis = testRedis();
    const store = new RedisStore({ redis: { url: TEST_REDIS_URL }, settings: { prefix, retention: 3, requestTtlSeconds: 60, stageTtlSeconds: 60 } });
    try {
      await commitSnapshot(store, 'w-default', smallWorld('w-default'), 0n);
      for (const argv of READERS('w-default', join(dir, 'default.export'))) {
        const run = await runCliCaptured([...argv, '--key-prefix', prefix], { env: {} });
        if (atDefault) {
          expect([argv, run.code, run.stderr]).toEqual([argv, 0, '']);
        } else {
          expect([argv, run.code]).toEqual([argv, 2]);
          expect(run.stderr).toContain('127.0.0.1:6379');
        }
      }
    } finally {
      await store.close();
      await deletePrefix(redis, prefix);
      redis.disconnect();
    }
  });

  describe('on a Redis Cluster', () => {
    let cluster: LocalRedisCluster;
    let store: RedisStore;
    const prefix = uniquePrefix('ctl-cluster');

    beforeAll(async () => {
      cluster = await startRedisCluster();
      store = new RedisStore({ redis: { url: 'redis://unused:1', clusterSeeds: cluster.seeds }, settings: { prefix, retention: 3, requestTtlSeconds: 60, stageTtlSeconds: 60 } });
      // Worlds on different masters, so a reader that ignored the cluster would miss some.
      for (const w of ['cw-a', 'cw-b', 'cw-c']) {
        await commitSnapshot(store, w, smallWorld(w, 0n, 1), 0n);
        await commitSnapshot(store, w, smallWorld(w, 1n, 2), 1n);
      }
    }, 120_000);
    afterAll(async () => {
      await store?.close();
      await cluster?.stop();
    });

    it('validate, verify and export read it from --redis-cluster and from PERSISTD_REDIS_CLUSTER, the URL unused', async () => {
      const owners = new Set(await Promise.all(['cw-a', 'cw-b', 'cw-c'].map(async (w) => (await cluster.masterOfSlot(worldSlot(w))).addr)));
      expect(owners.size).toBeGreaterThan(1);
      const seeds = cluster.seeds.slice(0, 1).join(',');
      for (const w of ['cw-a', 'cw-b', 'cw-c']) {
        for (const argv of READERS(w, join(dir, `${w}.export`))) {
          const byFlag = await runCliCaptured([...argv, '--redis-cluster', seeds, '--key-prefix', prefix], { env: { PERSISTD_REDIS_URL: 'redis://127.0.0.1:1' } });
          expect([argv, byFlag.code, byFlag.stderr]).toEqual([argv, 0, '']);
          const byEnv = await runCliCaptured([...argv, '--key-prefix', prefix], { env: { PERSISTD_REDIS_CLUSTER: seeds, PERSISTD_REDIS_URL: 'redis://127.0.0.1:1' } });
          expect([argv, byEnv.code, byEnv.stderr]).toEqual([argv, 0, '']);
        }
      }
      const report = await runCliCaptured(['validate', 'cw-b', '--key-prefix', prefix, '--json'], { env: { PERSISTD_REDIS_CLUSTER: seeds } });
      expect(JSON.parse(report.stdout)).toMatchObject({ accepted: true, target: { redis: `cluster ${seeds}`, committedEpoch: '2' }, checks: [{ epoch: '1', status: 'accepted' }, { epoch: '2', status: 'accepted' }] });
      const never = await runCliCaptured(['validate', 'cw-never', '--key-prefix', prefix], { env: { PERSISTD_REDIS_CLUSTER: seeds } });
      expect([never.code, never.stdout]).toEqual([1, '']);
      expect(never.stderr).toContain(`WORLD_NOT_FOUND: world cw-never was never saved under key prefix ${prefix} at cluster ${seeds}`);
    });
  });
});
