import { testRedis } from '@persistd/testkit';
import type Redis from 'ioredis';
import { isSupportedVersion, MIN_REDIS_VERSION, versionFromInfo, versionRisk } from './redis-version';

/**
 * No redis-server older than 6.0.9 can be had here, so the rule is a pure function over the INFO
 * reply: tested on the running server's own reply, and on that same reply with the version line
 * replaced by crafted ones.
 */
describe('Redis version rule (DESIGN §5: 6.0.9 or newer)', () => {
  let redis: Redis;
  let info: string;
  beforeAll(async () => {
    redis = testRedis();
    info = String(await redis.call('INFO', 'server'));
  });
  afterAll(() => redis.disconnect());

  const withVersion = (text: string) => info.replace(/^redis_version:.*$/m, `redis_version:${text}`);

  it('reads the running server: its version, supported, no risk', () => {
    const v = versionFromInfo(info);
    expect(v).toEqual({ readable: true, version: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
    expect(info).toContain(`redis_version:${(v as { version: string }).version}`);
    expect(versionRisk(v)).toBeUndefined();
  });

  it('reads the version out of the whole INFO reply too', async () => {
    expect(versionFromInfo(String(await redis.call('INFO')))).toEqual(versionFromInfo(info));
  });

  it.each([
    ['6.0.8', false],
    ['6.0.9', true],
    ['5.0.14', false],
    ['7.2.4', true],
    ['255.255.255', true],
    ['6.0.10', true],
    ['6.1', true],
    ['6', false],
    ['4.0.9', false],
    ['0.0.0', false],
  ])('redis_version:%s supported: %s', (version, supported) => {
    const v = versionFromInfo(withVersion(version));
    expect(v).toEqual({ readable: true, version });
    expect(isSupportedVersion(version)).toBe(supported);
    const risk = versionRisk(v);
    if (supported) expect(risk).toBeUndefined();
    else expect(risk).toBe(`Redis ${version} is older than ${MIN_REDIS_VERSION}: a watched chunk that expires does not abort EXEC there, so a commit can acknowledge an epoch with a chunk missing`);
  });

  it('a version it cannot read is a risk, named as such', () => {
    const missing = versionFromInfo(info.replace(/^redis_version:.*\r?\n/m, ''));
    expect(missing).toEqual({ readable: false, error: 'INFO server has no redis_version field' });
    const garbled = versionFromInfo(withVersion('7.x-custom'));
    expect(garbled).toEqual({ readable: false, error: 'redis_version "7.x-custom" is not a version number' });
    for (const v of [missing, garbled]) expect(versionRisk(v)).toMatch(/^the Redis version cannot be read \(.+\), so commit safety cannot be verified \(Redis 6\.0\.9 or newer is required\)$/);
  });
});
