import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { FaultProxy } from './fault-proxy';
import { TEST_REDIS_URL, uniquePrefix } from './redis';

const target = new URL(TEST_REDIS_URL);

describe('FaultProxy', () => {
  let proxy: FaultProxy;
  let redis: Redis;
  beforeEach(async () => {
    proxy = new FaultProxy({ host: target.hostname, port: Number(target.port) });
    await proxy.listen();
    redis = new Redis(proxy.url, { retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true });
    await redis.connect();
  });
  afterEach(async () => {
    redis.disconnect();
    await proxy.close();
  });

  it('passes traffic through', async () => {
    expect(await redis.ping()).toBe('PONG');
    expect(proxy.counts.bytesUp).toBeGreaterThan(0);
    expect(proxy.counts.bytesDown).toBeGreaterThan(0);
  });

  it('cuts before a pattern reaches Redis, so the command never runs', async () => {
    const key = `${uniquePrefix()}:k`;
    proxy.cutOn({ direction: 'up', pattern: key, when: 'before' });
    await expect(redis.set(key, 'v')).rejects.toThrow();
    expect(proxy.counts.cuts).toBe(1);
    const direct = new Redis(TEST_REDIS_URL);
    expect(await direct.get(key)).toBeNull();
    direct.disconnect();
  });

  it('cuts after a pattern reaches Redis, so the command ran but its reply is lost', async () => {
    const key = `${uniquePrefix()}:k`;
    proxy.cutOn({ direction: 'up', pattern: key, when: 'after' });
    await expect(redis.set(key, 'v')).rejects.toThrow();
    const direct = new Redis(TEST_REDIS_URL);
    for (let i = 0; i < 50 && (await direct.get(key)) === null; i++) await sleep(10);
    expect(await direct.get(key)).toBe('v');
    await direct.del(key);
    direct.disconnect();
  });

  it('stalls traffic until released', async () => {
    proxy.stall(true);
    let answered = false;
    const p = redis.ping().then((r) => ((answered = true), r));
    await sleep(100);
    expect(answered).toBe(false);
    proxy.stall(false);
    expect(await p).toBe('PONG');
  });
});
