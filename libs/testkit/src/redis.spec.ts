import { deletePrefix, keysUnder, testRedis, uniquePrefix } from './redis';

describe('per-test Redis prefixes', () => {
  const redis = testRedis();
  afterAll(() => redis.disconnect());

  it('makes valid, distinct prefixes', () => {
    const a = uniquePrefix();
    expect(a).toMatch(/^[A-Za-z0-9._-]{1,32}$/);
    expect(uniquePrefix()).not.toBe(a);
  });

  it('deletes its own keys and nothing else', async () => {
    const mine = uniquePrefix('mine');
    const other = uniquePrefix('other');
    await redis.set(`${mine}:{w}:a`, '1');
    await redis.set(`${mine}:{w}:b`, '2');
    await redis.set(`${other}:{w}:a`, '3');
    expect(await keysUnder(redis, mine)).toEqual([`${mine}:{w}:a`, `${mine}:{w}:b`]);
    await deletePrefix(redis, mine);
    expect(await keysUnder(redis, mine)).toEqual([]);
    expect(await redis.get(`${other}:{w}:a`)).toBe('3');
    await deletePrefix(redis, other);
  });
});
