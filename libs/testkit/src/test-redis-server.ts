import { portAnswers } from '@persistd/redis-process';
import { startPrivateRedis, type PrivateRedis } from './redis-server';

/** Where the test Redis is expected unless PERSISTD_TEST_REDIS_URL says otherwise. */
export const DEFAULT_TEST_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * The Redis a test run uses: the one answering at `url` if any (CI's, a developer's), otherwise
 * a private throwaway started for the run (no RDB, no AOF, a temporary directory removed by
 * `stop`), so `npm test` needs only `redis-server` installed. Undefined when one answered.
 */
export async function ensureTestRedis(url: string): Promise<PrivateRedis | undefined> {
  const { hostname, port } = new URL(url);
  if (await portAnswers(hostname, Number(port || 6379))) return undefined;
  return startPrivateRedis();
}
