import type { PrivateRedis } from '../redis-server';

/** Jest globalTeardown: stops the test Redis globalSetup started, if any, and removes its directory. */
export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as { persistdTestRedis?: PrivateRedis };
  await holder.persistdTestRedis?.stop();
  delete holder.persistdTestRedis;
}
