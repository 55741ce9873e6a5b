/**
 * Connections in Redis Cluster mode (DESIGN §5 "Redis Cluster", §6 PERSISTD_REDIS_CLUSTER).
 *
 * Reads use ioredis's `Cluster` client: one shared, multiplexed connection per master, which
 * follows MOVED/ASK/TRYAGAIN on its own — right for reads, which change nothing and are verified
 * before anything is sent. Commits never use it (it shares connections, which WATCH cannot, and
 * resends a redirected pipeline without its WATCH): they get plain connections of their own to
 * the slot's master (`nodeConfig`, cluster-commit-route.ts).
 */
import { Cluster, type ClusterNode, type ClusterOptions } from 'ioredis';
import { baseOptions, type RedisConnectionConfig } from './connections';

/** One `host:port` of a cluster node. */
export interface NodeAddress {
  host: string;
  port: number;
}

/** `host:port` or `[v6]:port` → address; RangeError for anything else. */
export function parseNodeAddress(text: string): NodeAddress {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 1 && port <= 65535)) throw new RangeError(`store-redis: cluster node ${JSON.stringify(text)} is not host:port`);
  return { host: m[1] ?? m[2]!, port };
}

/** The key ioredis and CLUSTER SLOTS use for a node: `host:port` (no brackets). */
export function nodeKey(a: NodeAddress): string {
  return `${a.host}:${a.port}`;
}

/** A node key (`host:port`, last colon) back to an address. */
export function addressOfKey(key: string): NodeAddress {
  const at = key.lastIndexOf(':');
  return { host: key.slice(0, at), port: Number(key.slice(at + 1)) };
}

/** True when `config` asks for Redis Cluster mode. */
export function isClusterConfig(config: RedisConnectionConfig): boolean {
  return (config.clusterSeeds?.length ?? 0) > 0;
}

/** The standalone connection config of one cluster node: same credentials, TLS and timeouts. */
export function nodeConfig(config: RedisConnectionConfig, node: NodeAddress): RedisConnectionConfig {
  const host = node.host.includes(':') ? `[${node.host}]` : node.host;
  const single: RedisConnectionConfig = { ...config, url: `${config.tls ? 'rediss' : 'redis'}://${host}:${node.port}` };
  delete single.clusterSeeds;
  return single;
}

/**
 * The shared read client of a cluster: masters only (a replica may lag behind a commit just
 * acknowledged), no offline queue (fail fast, as the standalone read connection does), bounded
 * redirections, reconnect with a capped backoff.
 */
export function createClusterReadConnection(config: RedisConnectionConfig): Cluster {
  const seeds: ClusterNode[] = (config.clusterSeeds ?? []).map((s) => parseNodeAddress(s));
  if (seeds.length === 0) throw new RangeError('store-redis: cluster mode needs at least one seed');
  const options: ClusterOptions = {
    redisOptions: { ...baseOptions(config), maxRetriesPerRequest: 1, connectionName: 'persistd-read' },
    enableOfflineQueue: false,
    enableReadyCheck: true,
    scaleReads: 'master',
    maxRedirections: 16,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    slotsRefreshTimeout: config.connectTimeoutMs ?? 2000,
    slotsRefreshInterval: 5000,
    clusterRetryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
  };
  // With TLS, keep host names as given so certificates match (ioredis would resolve them to IPs).
  if (config.tls) options.dnsLookup = (address, callback) => callback(null, address);
  const cluster = new Cluster(seeds, options);
  cluster.on('error', () => undefined);
  cluster.on('node error', () => undefined);
  return cluster;
}
