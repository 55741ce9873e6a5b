import type { RedisStore } from '@persistd/store-redis';
import type { VerifyMode } from '@persistd/validation';
import type { Logger } from 'pino';
import type { WorldQueue } from './world-queue';

/** What every handler needs: the store, the settings that shape answers, and a logger. */
export interface RpcContext {
  store: RedisStore;
  verifyMode: VerifyMode;
  queue: WorldQueue;
  logger: Logger;
  /** Who is calling, for the meta; authority checks come before any decode. */
  principalOf(metadata: unknown): string;
}
