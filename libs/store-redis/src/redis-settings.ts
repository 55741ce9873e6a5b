import { bool, def, hostPorts, integer, optional, pattern, text } from './setting-def';

/**
 * The settings that say where the daemon's Redis is, how to log in to it and how its keys are
 * laid out. The daemon reads them among its own settings; the operator CLI reads the same ones,
 * so on the daemon's host one environment serves both, with the same defaults.
 */
export const REDIS_SETTINGS = {
  redisUrl: def({ env: 'PERSISTD_REDIS_URL', default: 'redis://127.0.0.1:6379', doc: 'single Redis (`rediss://` for TLS); logged with its password redacted', secret: true, parse: text }),
  redisCluster: def({ env: 'PERSISTD_REDIS_CLUSTER', default: undefined, doc: 'comma list of `host:port` seeds of a Redis Cluster; set = cluster mode (`PERSISTD_REDIS_URL` unused; credentials and `PERSISTD_REDIS_TLS` apply to every node)', parse: hostPorts }),
  keyPrefix: def({ env: 'PERSISTD_KEY_PREFIX', default: 'caelmor', doc: 'first part of every key; `^[A-Za-z0-9._-]{1,32}$`', parse: pattern(/^[A-Za-z0-9._-]{1,32}$/) }),
  retention: def({ env: 'PERSISTD_RETENTION', default: '3', doc: 'committed epochs kept per world', parse: integer(1, 1000) }),
  redisUsername: def({ env: 'PERSISTD_REDIS_USERNAME', default: undefined, doc: 'Redis ACL user; never logged', secret: true, parse: optional }),
  redisPassword: def({ env: 'PERSISTD_REDIS_PASSWORD', default: undefined, doc: 'Redis password; never logged', secret: true, parse: optional }),
  redisTls: def({ env: 'PERSISTD_REDIS_TLS', default: undefined, doc: '`true`: TLS to Redis even for a `redis://` URL (extra CAs via `NODE_EXTRA_CA_CERTS`)', parse: bool }),
} as const;
