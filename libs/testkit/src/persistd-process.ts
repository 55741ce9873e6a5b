import { bundleDaemon } from './daemon-bundle';
import { startDaemon } from './daemon-launcher';
import { deleteTestPrefix, TEST_REDIS_URL, uniquePrefix } from './redis';
import { freePort } from './redis-server';

/** A persistd process for a test: its own port, its own key prefix on the shared Redis. */
export interface DaemonProcess {
  address: string;
  prefix: string;
  redisUrl: string;
  /** Everything the process wrote so far (for failure messages). */
  output(): string;
  /** SIGTERM, wait for the exit, delete the prefix's keys. */
  stop(): Promise<void>;
}

/**
 * Starts the daemon of this tree as a real process (no project may import the app: module
 * boundaries; a process needs no import) and waits, bounded, until it answers. It runs a bundle
 * of `apps/persistd/src/main.ts` of its own (bundleDaemon, removed by `stop`), not the sources
 * through tsx: the process and each of its save threads then load one file, some 1.5 s of CPU
 * less per start. `env` overrides the daemon's variables; metrics are off so parallel daemons do
 * not collide.
 */
export async function startDaemonProcess(env: Record<string, string> = {}, label = 'dp'): Promise<DaemonProcess> {
  const address = `127.0.0.1:${await freePort()}`;
  const prefix = env.PERSISTD_KEY_PREFIX ?? uniquePrefix(label);
  const bundle = await bundleDaemon();
  const launch = { entry: bundle.path, inherit: 'all' as const, env: { PERSISTD_LISTEN: address, PERSISTD_REDIS_URL: TEST_REDIS_URL, PERSISTD_KEY_PREFIX: prefix, PERSISTD_LOG_LEVEL: 'warn', ...env } };
  const daemon = await startDaemon(launch, 30_000, 250).catch(async (e: unknown) => {
    await bundle.cleanup();
    await deleteTestPrefix(prefix);
    throw e;
  });
  const stop = async () => {
    await daemon.stop(15_000);
    await bundle.cleanup();
    await deleteTestPrefix(prefix);
  };
  return { address, prefix, redisUrl: TEST_REDIS_URL, output: () => daemon.output(), stop };
}
