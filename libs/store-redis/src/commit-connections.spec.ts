import { startPrivateRedis, type PrivateRedis } from '@persistd/testkit';
import Redis from 'ioredis';
import { RedisStore } from './redis-store';

/** Commit connections a Redis of our own sees open. */
async function commitClients(redis: Redis): Promise<number> {
  const list = (await redis.client('LIST')) as string;
  return list.split('\n').filter((line) => line.includes('name=persistd-commit')).length;
}

describe('commit connections opened ahead of the first saves', () => {
  let server: PrivateRedis;
  let admin: Redis;
  beforeAll(async () => {
    server = await startPrivateRedis();
    admin = new Redis(server.url);
  });
  afterAll(async () => {
    admin.disconnect();
    await server.stop();
  });

  it('opens that many, keeps them idle for commits, and survives a Redis that is not there', async () => {
    const store = new RedisStore({ redis: { url: server.url }, settings: { prefix: 'cc', retention: 3, requestTtlSeconds: 60, stageTtlSeconds: 60 } });
    try {
      expect(await commitClients(admin)).toBe(0);
      await store.openCommitConnections(3);
      expect(await commitClients(admin)).toBe(3);
    } finally {
      await store.close();
    }

    const nowhere = new RedisStore({ redis: { url: 'redis://127.0.0.1:1', connectTimeoutMs: 300 }, settings: { prefix: 'cc', retention: 3, requestTtlSeconds: 60, stageTtlSeconds: 60 } });
    try {
      await expect(nowhere.openCommitConnections(2)).resolves.toBeUndefined();
    } finally {
      await nowhere.close();
    }
  });
});
