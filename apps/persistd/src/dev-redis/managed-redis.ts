import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { launchRedisServer, portAnswers, RedisServerMissingError } from '@persistd/redis-process';
import type { Logger } from 'pino';
import { ConfigError, SETTINGS, type Settings } from '../config/settings';
import { lockDataDir } from './data-dir-lock';

/** Where the development Redis keeps its data, under the working directory (`npm start` runs in the checkout; git ignores it). */
export const DEV_REDIS_DIR = '.persistd/redis';

/** DESIGN §5's durable configuration: an acknowledged save is on disk, and never evicted. */
const DURABLE = ['--appendonly', 'yes', '--appendfsync', 'always', '--maxmemory-policy', 'noeviction', '--save', ''];

/** A redis-server this daemon started and must stop. */
export interface ManagedRedis {
  url: string;
  pid: number;
  dataDir: string;
  /** Resolves when the server exits, on purpose or not. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM and wait (AOF flushed), then release the data folder. */
  stop(): Promise<void>;
  /** At process exit, where nothing can be awaited: SIGTERM and release. */
  stopNow(): void;
}

/**
 * The development Redis of PERSISTD_DEV_REDIS. Starts one only when asked, only when no Redis
 * is configured (PERSISTD_REDIS_URL at its default, no cluster) and only when nothing answers
 * at that default address; otherwise returns undefined and the daemon connects as usual. The
 * decision is taken once, at start: a daemon whose Redis later becomes unreachable never forks
 * one. Refused in strict mode, which is for production.
 */
export async function startManagedRedis(settings: Settings, logger: Logger, cwd = process.cwd()): Promise<ManagedRedis | undefined> {
  if (!settings.devRedis) return undefined;
  if (settings.durability === 'strict') {
    throw new ConfigError('PERSISTD_DEV_REDIS is for development and PERSISTD_DURABILITY=strict refuses it: point PERSISTD_REDIS_URL or PERSISTD_REDIS_CLUSTER at a Redis set up for durability');
  }
  if (settings.redisCluster || settings.redisUrl !== SETTINGS.redisUrl.default) return undefined;
  const { hostname, port } = new URL(settings.redisUrl);
  if (await portAnswers(hostname, Number(port))) {
    logger.info(`development Redis not needed: a Redis answers at ${hostname}:${port}`);
    return undefined;
  }

  const dataDir = resolve(cwd, DEV_REDIS_DIR);
  mkdirSync(dataDir, { recursive: true });
  const lock = lockDataDir(dataDir);
  let server;
  try {
    server = await launchRedisServer({
      bin: 'redis-server',
      // Its own session: a terminal's Ctrl-C reaches the daemon, which stops Redis after its calls.
      detached: true,
      watchParent: true,
      args: (p) => ['--port', String(p), '--bind', '127.0.0.1', '--dir', dataDir, ...DURABLE, '--daemonize', 'no', '--logfile', '', '--loglevel', 'warning'],
    });
  } catch (e) {
    lock.release();
    if (e instanceof RedisServerMissingError) {
      throw new ConfigError('PERSISTD_DEV_REDIS: no redis-server on PATH; install one (Debian/Ubuntu: apt-get install redis-server; Homebrew: brew install redis) or run docker compose up');
    }
    throw e;
  }
  logger.info(
    { redisPid: server.pid, port: server.port, dataDir },
    `development Redis: started redis-server pid ${server.pid} on 127.0.0.1:${server.port}, data in ${dataDir} (AOF always, noeviction); it stops with persistd`,
  );
  return {
    url: server.url,
    pid: server.pid,
    dataDir,
    exited: server.exited,
    async stop() {
      await server.stop(10_000);
      lock.release();
    },
    stopNow() {
      if (server.running()) server.process.kill('SIGTERM');
      lock.release();
    },
  };
}
