import type { RedisStore } from '@persistd/store-redis';
import type { InputLimits, VerifyMode } from '@persistd/validation';
import type { Logger } from 'pino';
import type { Authority } from '../auth/authority';
import type { InflightBudget } from '../limits/inflight-budget';
import type { IndexCache } from '../save-changes/index-cache';
import type { RestoreBudget } from '../limits/restore-budget';
import type { SavePool } from '../save-work/save-pool';
import type { StoredFormChoice } from '../save-work/save-steps';
import type { CallSink } from './call-observer';
import type { InflightCalls } from './inflight-calls';
import type { WorldQueue } from './world-queue';

/** What every handler needs: the store, the settings that shape answers, authority, bounds and a logger. */
export interface RpcContext {
  store: RedisStore;
  verifyMode: VerifyMode;
  queue: WorldQueue;
  logger: Logger;
  /** Who may call; runs first on every request (intake.ts). */
  authority: Authority;
  /** PERSISTD_MAX_INFLIGHT_BYTES across all calls. */
  budget: InflightBudget;
  /** PERSISTD_MAX_RESTORE_BYTES across all restores. */
  restoreBudget: RestoreBudget;
  /** PERSISTD_RESTORE_STALL_TIMEOUT: a restore whose client takes nothing this long is cut off. */
  restoreStallMs: number;
  /** Threads that read, check and prepare saves off the event loop. */
  savePool: SavePool;
  /** The base-epoch indexes SaveChanges uses (PERSISTD_INDEX_CACHE_BYTES). */
  indexCache: IndexCache;
  /** Bounds on a decoded request. */
  limits: InputLimits;
  /** How new epochs are stored (PERSISTD_STORED_FORM) and the rules version they are checked under. */
  stored: StoredFormChoice;
  /** Handlers running now (graceful shutdown waits for them). */
  calls: InflightCalls;
  /** Where every finished call is reported (metrics, the call log); see call-observer.ts. */
  callSinks: readonly CallSink[];
}
