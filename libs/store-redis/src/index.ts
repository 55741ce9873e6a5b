/**
 * store-redis: persistd's Redis persistence — the epoch key layout, the WATCH/MULTI/EXEC commit,
 * atomic reads and retention (DESIGN §5). It stores bytes and epochs and never looks inside a
 * chunk; game rules live elsewhere.
 */
export { type StoreSettings } from './settings';
export { worldKeys, tombstoneValue, pointerPattern, worldOfPointerKey, type WorldKeys } from './keys';
export { StoreError, isStoreError, type StoreErrorCode } from './store-error';
export { mapRedisFailure, type FailurePhase } from './redis-failures';
export { createReadConnection, createCommitConnection, whenReady, CONNECTION_DEFAULTS, type RedisConnectionConfig } from './connections';
export { CommitPool, type CommitPoolOptions, type CommitLease } from './commit-pool';
export { type CommitRoute } from './commit-route';
export { keySlot, worldSlot, CLUSTER_SLOTS } from './cluster-slot';
export { redirectionOf, type Redirection, type RedirectionKind } from './cluster-redirect';
export { parseNodeAddress, createClusterReadConnection, type NodeAddress } from './cluster-connections';
export { ClusterCommitRoute, type RoutingStats } from './cluster-commit-route';
export {
  commitEpoch,
  MAX_COMMIT_ATTEMPTS,
  MAX_REROUTES,
  type Chunk,
  type CommitInput,
  type CommitResult,
  type AttemptInfo,
  type WatchedInfo,
  type ReplicaAck,
} from './commit';
export { inspectDurability, describeDurability, type DurabilityReport } from './durability';
export { MIN_REDIS_VERSION, type RedisVersion } from './redis-version';
export { redactRedisUrl } from './redact';
export { readCommittedEpoch, readEpoch, retainedEpochs, readRequest, MAX_READ_PASSES, type StoredEpoch, type ReadContext, type ReserveChunkBytes } from './read';
export { type RequestRecord, sameRequest } from './request-record';
export { deleteWorld, SWEEP_BATCH_KEYS, type DeleteInput, type DeleteResult, type SweepReport } from './delete-world';
export { type UnlistedSweep, type UnlistedSweepInput } from './sweep-unlisted';
export { discardWorld, type DiscardReport } from './discard-world';
export { listWorlds, type WorldSummary, type ListWorldsOptions, type ListProgress } from './list-worlds';
export { readWorldStatus, type WorldStatus } from './world-status';
export { parseWorldPointer, type WorldPointer } from './epoch-pointer';
export { LEFTOVER_WINDOW } from './retention';
export { BATCH_LIMITS } from './batches';
export { RedisStore, type RedisStoreOptions } from './redis-store';
export { type SettingDef, ConfigError, def, text, optional, integer, oneOf, pattern, bool, hostPorts, flagOf } from './setting-def';
export { REDIS_SETTINGS } from './redis-settings';
