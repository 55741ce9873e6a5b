import type { PrivateRedis } from '../redis-server';

/** Jest globalTeardown: stops the test Redis globalSetup started, if any, and removes its directory and the save worker bundle. */
export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as { persistdTestRedis?: PrivateRedis; persistdSaveWorkerBundle?: () => Promise<void> };
  await holder.persistdTestRedis?.stop();
  delete holder.persistdTestRedis;
  await holder.persistdSaveWorkerBundle?.();
  delete holder.persistdSaveWorkerBundle;
}
