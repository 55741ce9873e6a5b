import type * as grpc from '@grpc/grpc-js';
import { RedisStore } from '@persistd/store-redis';
import pino, { type Logger } from 'pino';
import { assertListenAllowed } from './config/listen-address';
import type { Settings } from './config/settings';
import { WorldQueue } from './rpc/world-queue';
import { bind, createGrpcServer } from './server';

/** A running daemon: its bound port and a way to stop it. */
export interface Daemon {
  port: number;
  address: string;
  server: grpc.Server;
  store: RedisStore;
  stop(): Promise<void>;
}

/** The logger of the daemon: JSON lines, or readable lines for development. */
export function createLogger(settings: Pick<Settings, 'logLevel' | 'logFormat'>): Logger {
  return pino({
    level: settings.logLevel,
    base: { service: 'persistd' },
    ...(settings.logFormat === 'pretty' ? { transport: { target: 'pino-pretty', options: { colorize: false } } } : {}),
  });
}

/**
 * Starts persistd: connects the store, binds the gRPC server and serves. Used by `main` and by
 * tests, which bind 127.0.0.1:0 and read the port back.
 */
export async function startDaemon(settings: Settings, logger: Logger = createLogger(settings)): Promise<Daemon> {
  assertListenAllowed(settings.listen, false);
  const store = new RedisStore({
    redis: { url: settings.redisUrl, username: settings.redisUsername, password: settings.redisPassword },
    settings: { prefix: settings.keyPrefix, retention: settings.retention, requestTtlSeconds: settings.requestTtl, stageTtlSeconds: settings.stageTtl },
  });
  const server = createGrpcServer(
    { store, verifyMode: settings.restoreVerify, queue: new WorldQueue(), logger, principalOf: () => 'anonymous' },
    { maxMessageBytes: settings.maxMessageBytes },
  );
  let port: number;
  try {
    port = await bind(server, settings.listen);
  } catch (e) {
    await store.close();
    throw e;
  }
  const host = settings.listen.slice(0, settings.listen.lastIndexOf(':'));
  const address = `${host}:${port}`;
  logger.info({ address, keyPrefix: settings.keyPrefix, retention: settings.retention, restoreVerify: settings.restoreVerify }, 'persistd listening (loopback only: no TLS or tokens configured)');
  return {
    port,
    address,
    server,
    store,
    async stop() {
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      await store.close();
    },
  };
}
