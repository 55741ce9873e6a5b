import { randomBytes } from 'node:crypto';
import { createClient, PersistenceService, type TypedClient } from '@persistd/contract';
import { daemonBundle, DaemonChildProcess, deletePrefix, removeDaemonBundle, smallWorld, testRedis, uniquePrefix } from '@persistd/testkit';
import { worldKeys } from '@persistd/store-redis';
import type Redis from 'ioredis';
import { collect } from './test/restore-helpers';
import { refusalOf, saveRequest, startTestDaemon } from './test/test-daemon';

/** Chunk keys beyond the saved epochs' own: a world large enough that its sweep takes many batches. */
const EXTRA_CHUNK_KEYS = 60_000;

/** DESIGN §3 DeleteWorld: a SIGKILL between the sweep's batches leaves nothing restorable and no live chunk at risk. */
describe('DeleteWorld under SIGKILL', () => {
  const prefix = uniquePrefix('dk');
  const W = 'large-doomed';
  let redis: Redis;
  let daemon: DaemonChildProcess;
  let client: TypedClient<typeof PersistenceService>;

  beforeAll(async () => {
    redis = testRedis();
    daemon = DaemonChildProcess.launch({ entry: await daemonBundle(), env: { PERSISTD_LISTEN: '127.0.0.1:0', PERSISTD_KEY_PREFIX: prefix } });
    client = createClient(PersistenceService, await daemon.listening());
  }, 60_000);
  afterAll(async () => {
    client.close();
    if (daemon) await daemon.stop();
    await deletePrefix(redis, prefix);
    redis.disconnect();
    await removeDaemonBundle();
  });

  const chunkTtls = async (): Promise<number[]> => {
    const k = worldKeys(prefix, W);
    const ttls: number[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${k.chunkHead}*`, 'COUNT', 5000);
      cursor = next;
      const p = redis.pipeline();
      for (const key of keys) p.ttl(key);
      for (const [, t] of (await p.exec()) ?? []) ttls.push(Number(t));
    } while (cursor !== '0');
    return ttls;
  };

  it('is killed mid-sweep: not restorable, a repeat finishes the sweep, and a new save keeps the chunks it lists', async () => {
    await client.save(saveRequest(W, smallWorld(W, 0n, 1), 0n));
    await client.save(saveRequest(W, smallWorld(W, 1n, 2), 1n));
    const k = worldKeys(prefix, W);
    const extra: string[] = [];
    for (let i = 0; i < EXTRA_CHUNK_KEYS; i += 5000) {
      const p = redis.pipeline();
      for (let j = i; j < Math.min(EXTRA_CHUNK_KEYS, i + 5000); j++) {
        const key = k.chunk(randomBytes(32).toString('hex'));
        extra.push(key);
        p.set(key, 'x');
      }
      await p.exec();
    }
    // Watched to see the sweep's first batches land: a sample spread over the keys.
    const sample = extra.filter((_, i) => i % 250 === 0);

    const pending = client.deleteWorld({ worldId: W, expectedEpoch: 2n }).catch((e: Error) => e);
    const deadline = Date.now() + 20_000;
    const sweptSome = async () => {
      const p = redis.pipeline();
      for (const key of sample) p.ttl(key);
      return ((await p.exec()) ?? []).some(([, t]) => Number(t) > 0);
    };
    while ((await redis.get(k.epoch)) !== 'deleted:2' || !(await sweptSome())) {
      if (Date.now() > deadline) throw new Error('the tombstone and a first swept batch never appeared');
    }
    daemon.signal('SIGKILL');
    expect((await daemon.exited).signal).toBe('SIGKILL');
    await pending;

    // Killed between batches: some chunks were given an expiry, some not yet.
    const ttls = await chunkTtls();
    expect(ttls.filter((t) => t === -1).length).toBeGreaterThan(0);
    expect(ttls.filter((t) => t > 0).length).toBeGreaterThan(0);

    const t = await startTestDaemon({ PERSISTD_KEY_PREFIX: prefix });
    try {
      expect((await refusalOf(collect(t.client, W))).reason).toBe('WORLD_NOT_FOUND');
      expect(await t.client.getWorldStatus({ worldId: W })).toMatchObject({ committedEpoch: 0n, deletedEpoch: 2n });
      // The repeat answers as the first would have, and finishes the sweep.
      expect(await t.client.deleteWorld({ worldId: W, expectedEpoch: 2n })).toMatchObject({ deletedEpoch: 2n });
      expect((await chunkTtls()).every((x) => x > 0)).toBe(true);
      // A new world with epoch 1's content lists expiring chunks: its commit makes them live again.
      const reborn = await t.client.save(saveRequest(W, smallWorld(W, 0n, 1), 0n));
      expect(reborn.committedEpoch).toBe(3n);
      // Every chunk the new epoch lists (form 2: index chunks and the record chunks they name) is live.
      const { chunks } = await t.daemon.store.readEpoch(W, 0n);
      expect(chunks.size).toBeGreaterThan(0);
      for (const id of chunks.keys()) expect(await redis.ttl(k.chunk(id))).toBe(-1);
      expect((await collect(t.client, W)).at(-1)!.epoch).toBe(3n);
    } finally {
      // Not t.stop() alone: the prefix is this file's, cleaned in afterAll.
      t.client.close();
      t.redis.disconnect();
      await t.daemon.stop();
    }
  }, 120_000);
});
