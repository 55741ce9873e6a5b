import { RedisStore } from '@persistd/store-redis';
import { stringOpt, type OptionDef, type ParsedArgs } from './args';
import { UsageError } from './cli-error';

/**
 * How to read the daemon's Redis directly (export, verify). The variables are the daemon's own
 * (DESIGN §6), so on the daemon's host the same environment serves both.
 */
export const REDIS_OPTIONS: OptionDef[] = [
  { name: 'redis-url', type: 'string', value: 'URL', doc: "the daemon's Redis (redis:// or rediss://)", env: 'PERSISTD_REDIS_URL' },
  { name: 'redis-cluster', type: 'string', value: 'HOST:PORT,...', doc: "the daemon's Redis Cluster seeds (instead of --redis-url)", env: 'PERSISTD_REDIS_CLUSTER' },
  { name: 'key-prefix', type: 'string', value: 'PREFIX', doc: "the daemon's key prefix", env: 'PERSISTD_KEY_PREFIX', default: 'caelmor' },
  { name: 'retention', type: 'string', value: 'N', doc: "the daemon's retention: which epochs count as retained", env: 'PERSISTD_RETENTION', default: '3' },
  { name: 'redis-username', type: 'string', value: 'USER', doc: 'Redis ACL user', env: 'PERSISTD_REDIS_USERNAME' },
  { name: 'redis-password', type: 'string', value: 'PASSWORD', doc: 'Redis password (prefer the variable)', env: 'PERSISTD_REDIS_PASSWORD' },
];

/**
 * A read-only use of RedisStore: only its read methods are called, so nothing is ever written
 * (imports and rollbacks go through the Save RPC).
 */
export function openStore(args: ParsedArgs, why: string): RedisStore {
  const url = stringOpt(args, 'redis-url');
  const clusterSeeds = (stringOpt(args, 'redis-cluster') ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (!url && clusterSeeds.length === 0) throw new UsageError(`--redis-url (or PERSISTD_REDIS_URL) or --redis-cluster is required: ${why}`);
  const retention = Number(stringOpt(args, 'retention'));
  if (!Number.isSafeInteger(retention) || retention < 1) throw new UsageError(`--retention must be a positive integer, got ${JSON.stringify(stringOpt(args, 'retention'))}`);
  try {
    return new RedisStore({
      redis: { url: url ?? '', clusterSeeds: clusterSeeds.length > 0 ? clusterSeeds : undefined, username: stringOpt(args, 'redis-username') || undefined, password: stringOpt(args, 'redis-password') || undefined },
      // TTLs matter to commits only, which this store never makes.
      settings: { prefix: stringOpt(args, 'key-prefix')!, retention, requestTtlSeconds: 1, stageTtlSeconds: 1 },
    });
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
}
