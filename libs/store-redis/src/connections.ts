import Redis, { type Cluster, type RedisOptions } from 'ioredis';
import { mapRedisFailure, unavailable } from './redis-failures';

/** How to reach Redis (DESIGN §6: PERSISTD_REDIS_URL, PERSISTD_REDIS_CLUSTER, _USERNAME, _PASSWORD, _TLS). */
export interface RedisConnectionConfig {
  /** `redis://host:port` (or `rediss://` for TLS). Not used when `clusterSeeds` is set. */
  url: string;
  /**
   * Redis Cluster mode: `host:port` seeds (any nodes of the cluster; the rest is discovered).
   * Credentials, `tls` and the timeouts apply to every node. Unset or empty = one standalone Redis.
   */
  clusterSeeds?: readonly string[];
  /** ACL user; never logged. */
  username?: string;
  /** Password; never logged. */
  password?: string;
  /** Use TLS even when the URL says `redis://`. */
  tls?: boolean;
  /** Longest wait for a connection to become ready, in ms (default 2000). */
  connectTimeoutMs?: number;
  /** Longest wait for any one reply, in ms (default 10000): a stalled Redis fails instead of hanging. */
  commandTimeoutMs?: number;
}

/** Defaults, filled in one place. */
export const CONNECTION_DEFAULTS = { connectTimeoutMs: 2000, commandTimeoutMs: 10_000 } as const;

/** Options every connection shares, standalone or to a cluster node (cluster-connections.ts). @internal */
export function baseOptions(config: RedisConnectionConfig): RedisOptions {
  const options: RedisOptions = {
    connectTimeout: config.connectTimeoutMs ?? CONNECTION_DEFAULTS.connectTimeoutMs,
    commandTimeout: config.commandTimeoutMs ?? CONNECTION_DEFAULTS.commandTimeoutMs,
    // Refuse instead of queueing while the socket is down: a caller learns "unavailable" now,
    // not after an unbounded wait.
    enableOfflineQueue: false,
    enableReadyCheck: true,
    // A discarded socket is destroyed soon after its FIN rather than ioredis's 2 s later (that
    // timer also outlives sockets that were never open, holding the process up).
    disconnectTimeout: 200,
  };
  if (config.username !== undefined) options.username = config.username;
  if (config.password !== undefined) options.password = config.password;
  if (config.tls) options.tls = {};
  return options;
}

/**
 * The shared connection for reads. Reads change nothing, so one multiplexed connection serves all
 * of them; it fails fast while Redis is down (no offline queue, one retry per request) and
 * reconnects in the background with a backoff capped at 500 ms, so restores come back within
 * half a second of Redis (saves use fresh connections and come back at once).
 */
export function createReadConnection(config: RedisConnectionConfig): Redis {
  const conn = new Redis(config.url, {
    ...baseOptions(config),
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 500),
    connectionName: 'persistd-read',
  });
  // Failures reach callers as rejected commands; without a listener ioredis would print every
  // reconnect failure to stderr.
  conn.on('error', () => undefined);
  return conn;
}

/**
 * A connection for one commit attempt. WATCH state belongs to a connection, so a connection that
 * silently reconnected between WATCH and EXEC would run MULTI/EXEC unwatched (ioredis issue
 * 1686). This one cannot: it never reconnects (`retryStrategy` → null), never queues offline,
 * never resends, never retries; a dropped connection is dead and is discarded.
 */
export function createCommitConnection(config: RedisConnectionConfig): Redis {
  const conn = new Redis(config.url, {
    ...baseOptions(config),
    lazyConnect: true,
    retryStrategy: () => null,
    reconnectOnError: () => false,
    autoResendUnfulfilledCommands: false,
    autoResubscribe: false,
    maxRetriesPerRequest: 0,
    connectionName: 'persistd-commit',
  });
  conn.on('error', () => undefined);
  return conn;
}

/**
 * Resolves once `conn` is ready, or throws STORE_UNAVAILABLE: at once when the connection is
 * down (reconnecting or ended), or after `timeoutMs` while it is still connecting. With the
 * offline queue off, a command sent before `ready` would be refused, so callers wait here first.
 *
 * The timeout counts time the event loop was free to hear Redis: a timer that fires late because
 * other saves held the loop (decoding, validating) is re-armed for the time it lost, a bounded
 * number of times, so a busy daemon does not refuse a save on a Redis that answered meanwhile.
 */
export async function whenReady(conn: Redis | Cluster, timeoutMs: number): Promise<void> {
  const status = conn.status;
  if (status === 'ready') return;
  if (status !== 'wait' && status !== 'connecting' && status !== 'connect') {
    throw unavailable('offline', `the Redis connection is ${status}`);
  }
  await new Promise<void>((resolve, reject) => {
    let lastError: unknown;
    const cleanup = () => {
      clearTimeout(timer);
      conn.off('ready', onReady);
      conn.off('error', onError);
      conn.off('close', onClose);
      conn.off('end', onClose);
    };
    const onReady = () => {
      cleanup();
      resolve();
    };
    const onError = (err: unknown) => {
      lastError = err;
    };
    const onClose = () => {
      cleanup();
      const cause = lastError ?? new Error('Connection is closed.');
      reject(mapRedisFailure(cause, 'before-exec') ?? unavailable('connect-failed', `Redis connection failed: ${String(cause)}`, cause));
    };
    let timer: NodeJS.Timeout;
    let extensions = 0;
    const arm = (ms: number) => {
      const due = Date.now() + ms;
      timer = setTimeout(() => {
        const late = Date.now() - due;
        if (late > LOOP_STALL_MS && extensions++ < MAX_STALL_EXTENSIONS) return arm(Math.min(late, timeoutMs));
        cleanup();
        reject(unavailable('connect-timeout', `Redis did not become ready within ${timeoutMs} ms`, lastError));
      }, ms);
    };
    arm(timeoutMs);
    conn.on('ready', onReady);
    conn.on('error', onError);
    conn.on('close', onClose);
    conn.on('end', onClose);
    if (status === 'wait') conn.connect().catch(() => undefined);
  });
}

/** A timer this late means the event loop was held, not that Redis was slow. */
const LOOP_STALL_MS = 100;
/** How many times a stalled connect timeout is re-armed before it counts. */
const MAX_STALL_EXTENSIONS = 3;

/** Closes a connection without waiting on a Redis that may be gone. */
export function discard(conn: Redis | Cluster): void {
  conn.disconnect(false);
}
