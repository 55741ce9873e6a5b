import { bundleSaveWorker } from '../save-worker-bundle';
import { DEFAULT_TEST_REDIS_URL, ensureTestRedis } from '../test-redis-server';

/**
 * Jest globalSetup of every project (jest.preset.cjs): when no Redis answers at the test
 * address, start one for this run and point PERSISTD_TEST_REDIS_URL at it; test files, and the
 * processes they start, read the address from there (TEST_REDIS_URL). globalTeardown stops it.
 */
export default async function globalSetup(): Promise<void> {
  const wanted = process.env.PERSISTD_TEST_REDIS_URL ?? DEFAULT_TEST_REDIS_URL;
  const started = await ensureTestRedis(wanted);
  if (!started) return;
  process.env.PERSISTD_TEST_REDIS_URL = started.url;
  (globalThis as { persistdTestRedis?: typeof started }).persistdTestRedis = started;
  process.stderr.write(`\ntest Redis: none answered at ${wanted}; started redis-server pid ${started.process.pid} on ${started.url} for this run (dir ${started.dir}, removed after)\n`);
}

/**
 * The globalSetup of projects whose tests start save worker threads in-process (apps/persistd):
 * the above, and a bundle of the save worker script for the run (save-worker-bundle.ts), which
 * globalTeardown removes.
 */
export async function globalSetupWithSaveWorkers(): Promise<void> {
  await globalSetup();
  (globalThis as { persistdSaveWorkerBundle?: () => Promise<void> }).persistdSaveWorkerBundle = await bundleSaveWorker();
}
