import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { DEFAULT_TEST_REDIS_URL } from './test-redis-server';

/** The Redis every test shares (CI's on 6379, or the one the run started: jest/global-setup); tests keep to their own prefixes. */
export const TEST_REDIS_URL = process.env.PERSISTD_TEST_REDIS_URL ?? DEFAULT_TEST_REDIS_URL;

/** A key prefix no other test uses, valid for PERSISTD_KEY_PREFIX. */
export function uniquePrefix(label = 't'): string {
  return `${label}-${randomBytes(6).toString('hex')}`.slice(0, 32);
}

/** Deletes every key under a prefix this test created (never a FLUSH). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

/** All keys under a prefix, sorted: for assertions on what a save wrote. */
export async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return out.sort();
}

/** A plain connection for tests to look at (and damage) what the daemon stored. */
export function testRedis(): Redis {
  return new Redis(TEST_REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 1 });
}

/** `deletePrefix` on the shared test Redis, over a connection of its own (an afterAll's cleanup). */
export async function deleteTestPrefix(prefix: string): Promise<void> {
  const redis = testRedis();
  try {
    await deletePrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}
