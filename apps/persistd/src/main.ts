import { ConfigError, loadSettings } from './config/settings';
import { createLogger, startDaemon, type Daemon } from './daemon';
import { startManagedRedis, type ManagedRedis } from './dev-redis/managed-redis';
import { isSaveWorkerThread, serveSaveJobs } from './save-work/save-worker';

/**
 * persistd's entry point: settings from flags and environment, then serve until SIGTERM/SIGINT,
 * which stop gracefully (daemon.stop). A second signal exits at once. A setting that forbids
 * starting exits 2 with its reason on stderr (and in the log); any other start failure exits 1.
 * Health (grpc.health.v1), reflection, metrics and the per-call log are built into the daemon.
 * With PERSISTD_DEV_REDIS (development) it may run a Redis of its own, which lives exactly as long
 * as the daemon: stopped after the daemon's graceful stop, at any exit, and by its watcher when
 * the daemon is killed; if that Redis dies, the daemon exits.
 */
async function main(): Promise<void> {
  let settings;
  let logger;
  try {
    settings = loadSettings(process.argv.slice(2), process.env);
    logger = createLogger(settings);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`persistd: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  // Handlers before the start: the "listening" line must never be seen by someone whose SIGTERM
  // then meets Node's default action (exit without a graceful stop). A signal during the start
  // stops the daemon as soon as it is up.
  let daemon: Daemon | undefined;
  let managed: ManagedRedis | undefined;
  let signalled = false;
  const stop = (running: Daemon) =>
    running
      .stop()
      .then(() => managed?.stop())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    signalled = true;
    logger.info({ signal }, 'shutting down');
    if (daemon) void stop(daemon);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    managed = await startManagedRedis(settings, logger);
    if (managed) {
      const own = managed;
      process.once('exit', () => own.stopNow());
      void own.exited.then(({ code, signal }) => {
        if (signalled) return;
        logger.fatal({ redisPid: own.pid, code, signal }, `development Redis (pid ${own.pid}) exited (${signal ?? `code ${code}`}): persistd stops with it`);
        logger.flush?.();
        process.exit(1);
      });
    }
    daemon = await startDaemon(managed ? { ...settings, redisUrl: managed.url } : settings, logger);
  } catch (e) {
    logger.fatal({ err: { message: (e as Error).message } }, `persistd cannot start: ${(e as Error).message}`);
    if (e instanceof ConfigError) {
      process.stderr.write(`persistd: ${e.message}\n`);
      logger.flush?.();
      process.exit(2);
    }
    process.exit(1);
  }
  if (signalled) void stop(daemon);
}

// The save pool's threads run this same file (save-work/save-pool.ts).
if (isSaveWorkerThread()) serveSaveJobs();
else void main();
