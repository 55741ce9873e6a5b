import type { ServiceError } from '@grpc/grpc-js';
import { createClient, fromServiceError, PersistenceService, StateSource, type ClientOptions, type RichError, type TypedClient, type WorldSnapshot } from '@persistd/contract';
import { deletePrefix, TEST_REDIS_URL, testRedis, uniquePrefix } from '@persistd/testkit';
import type Redis from 'ioredis';
import pino, { type Logger } from 'pino';
import { loadSettings, type Settings } from '../config/settings';
import { startDaemon, type Daemon } from '../daemon';

/** A daemon on 127.0.0.1:<free port> with a key prefix of its own, a client, and a Redis to inspect. */
export interface TestDaemon {
  daemon: Daemon;
  client: TypedClient<typeof PersistenceService>;
  redis: Redis;
  prefix: string;
  settings: Settings;
  stop(): Promise<void>;
}

/** Options of a test daemon beyond its settings. */
export interface TestDaemonOptions {
  /** Credentials and channel options of `client` (TLS tests). */
  client?: ClientOptions;
  /** Default: silent. */
  logger?: Logger;
  /** Health PING interval in ms (default 1000). */
  healthIntervalMs?: number;
}

/**
 * Starts an in-process daemon for a test; `env` overrides settings by variable name (a
 * PERSISTD_KEY_PREFIX given there is used, and cleaned up, instead of a fresh one). Metrics
 * listen on a free loopback port (`daemon.metricsUrl`), so daemons of parallel tests never clash.
 */
export async function startTestDaemon(env: Record<string, string> = {}, options: TestDaemonOptions = {}): Promise<TestDaemon> {
  const prefix = env.PERSISTD_KEY_PREFIX ?? uniquePrefix('pd');
  const settings = loadSettings([], { PERSISTD_LISTEN: '127.0.0.1:0', PERSISTD_REDIS_URL: TEST_REDIS_URL, PERSISTD_METRICS_LISTEN: '127.0.0.1:0', ...env, PERSISTD_KEY_PREFIX: prefix });
  const daemon = await startDaemon(settings, options.logger ?? pino({ level: 'silent' }), { healthIntervalMs: options.healthIntervalMs });
  const client = createClient(PersistenceService, daemon.address, options.client);
  const redis = testRedis();
  return {
    daemon,
    client,
    redis,
    prefix,
    settings,
    async stop() {
      client.close();
      await daemon.stop();
      await deletePrefix(redis, prefix);
      redis.disconnect();
    },
  };
}

/** A save request for a snapshot, with the usual defaults. */
export function saveRequest(worldId: string, snapshot: WorldSnapshot, expectedEpoch = 0n, requestId = `req-${Math.random().toString(36).slice(2)}`) {
  return { worldId, expectedEpoch, requestId, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot };
}

/** The rich status of a failed call; fails the test if the call succeeded or carried none. */
export async function refusalOf(p: Promise<unknown>): Promise<RichError> {
  try {
    await p;
  } catch (e) {
    const rich = fromServiceError(e as ServiceError);
    if (!rich) throw new Error(`call failed without ErrorInfo: ${(e as Error).message}`);
    return rich;
  }
  throw new Error('call succeeded; a refusal was expected');
}

/** Every key under the prefix with its value and whether it expires: to prove nothing changed. */
export async function dumpStore(redis: Redis, prefix: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    for (const k of keys) {
      const [v, ttl] = await Promise.all([redis.getBuffer(k), redis.ttl(k)]);
      out[k] = `${v?.toString('hex')}|${ttl < 0 ? 'persist' : 'expires'}`;
    }
  } while (cursor !== '0');
  return out;
}
