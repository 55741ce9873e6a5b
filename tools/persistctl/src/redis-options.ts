import { ConfigError, flagOf, RedisStore, REDIS_SETTINGS, type RedisConnectionConfig, type SettingDef } from '@persistd/store-redis';
import { stringOpt, type OptionDef, type ParsedArgs } from './args';
import { UsageError } from './cli-error';

/** An option read from one of the daemon's own settings: the same variable, the same default. */
function settingOption(setting: SettingDef<unknown>, value: string, doc: string): OptionDef {
  return { name: flagOf(setting.env).slice(2), type: 'string', value, doc, env: setting.env, default: setting.default };
}

/**
 * How to read the daemon's Redis directly (export, verify, validate, worlds, find-player). They
 * are the daemon's settings (DESIGN §6), read from the daemon's definitions, so on the daemon's
 * host the same environment serves both, and an unset one means what it means to the daemon.
 */
export const REDIS_OPTIONS: OptionDef[] = [
  settingOption(REDIS_SETTINGS.redisUrl, 'URL', "the daemon's Redis (redis:// or rediss://)"),
  settingOption(REDIS_SETTINGS.redisCluster, 'HOST:PORT,...', "the daemon's Redis Cluster seeds; set = cluster mode, --redis-url unused"),
  settingOption(REDIS_SETTINGS.keyPrefix, 'PREFIX', "the daemon's key prefix"),
  settingOption(REDIS_SETTINGS.retention, 'N', "the daemon's retention: which epochs count as retained"),
  settingOption(REDIS_SETTINGS.redisUsername, 'USER', 'Redis ACL user'),
  settingOption(REDIS_SETTINGS.redisPassword, 'PASSWORD', 'Redis password (prefer the variable: flags show in `ps`)'),
  settingOption(REDIS_SETTINGS.redisTls, 'true|false', 'TLS to Redis even for a redis:// URL'),
];

/** The Redis options as the daemon would read them; a bad one is a usage error naming its flag or variable. */
export interface RedisTarget {
  connection: RedisConnectionConfig;
  keyPrefix: string;
  retention: number;
  /** Where the data is read, for reports and errors: never with credentials. */
  shown: string;
}

function setting<T>(args: ParsedArgs, d: SettingDef<T>): T {
  const name = flagOf(d.env).slice(2);
  try {
    return d.parse(stringOpt(args, name), args.given.has(name) ? `--${name}` : d.env);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
}

/** Reads the Redis options: the cluster seeds win over the URL, as in the daemon. */
export function redisTarget(args: ParsedArgs): RedisTarget {
  const clusterSeeds = setting(args, REDIS_SETTINGS.redisCluster);
  const url = setting(args, REDIS_SETTINGS.redisUrl);
  if (!clusterSeeds && !/^rediss?:\/\/\S+$/.test(url)) throw new UsageError('--redis-url must be a redis:// or rediss:// URL');
  const connection: RedisConnectionConfig = {
    url,
    clusterSeeds,
    username: setting(args, REDIS_SETTINGS.redisUsername),
    password: setting(args, REDIS_SETTINGS.redisPassword),
    tls: setting(args, REDIS_SETTINGS.redisTls) || undefined,
  };
  return {
    connection,
    keyPrefix: setting(args, REDIS_SETTINGS.keyPrefix),
    retention: setting(args, REDIS_SETTINGS.retention),
    shown: clusterSeeds ? `cluster ${clusterSeeds.join(',')}` : urlWithoutCredentials(url),
  };
}

/**
 * A read-only use of RedisStore: only its read methods are called, so nothing is ever written
 * (imports and rollbacks go through the Save RPC).
 */
export function openStore(args: ParsedArgs): RedisStore {
  const target = redisTarget(args);
  try {
    return new RedisStore({
      redis: target.connection,
      // TTLs matter to commits only, which this store never makes.
      settings: { prefix: target.keyPrefix, retention: target.retention, requestTtlSeconds: 1, stageTtlSeconds: 1 },
    });
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
}

/** The URL without user or password: reports and errors never carry credentials. */
export function urlWithoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '(unparsable Redis URL)';
  }
}
