/**
 * The TypeScript SDK of persistd for game servers: typed save, validate, status and restore
 * with deadlines, automatic request ids and bounded retries of unknown outcomes; a one-pass
 * snapshot capture; a RestoreDriver that applies restores in phase order only; and one error
 * type per boundary.
 */
export {
  PersistdClient,
  DEFAULT_DEADLINES,
  type CallOptions,
  type PersistdClientOptions,
  type RestoreOptions,
  type SaveChangesInit,
  type SaveInit,
  type SaveMode,
  type SaveOptions,
  type SaveResult,
  type SaveSent,
  type ValidateInit,
} from './persistd-client';
export {
  PersistdError,
  EpochConflictError,
  WorldDeletedError,
  isPersistdError,
  isEpochConflictError,
  isWorldDeleted,
  toPersistdError,
  parseViolation,
  type ParsedViolation,
  type PersistdErrorInit,
  type PersistdReason,
} from './persistd-error';
export { DEFAULT_RETRY_POLICY, backoffMs, isRetryable, resolveRetryPolicy, type RetryOption, type RetryPolicy } from './retry-policy';
export { NoChangeBaseError, isNoChangeBaseError, sectionExpectations, type TrackedChanges, type TrackedSection } from './changes';
/** The change-set building blocks PersistdClient uses, for tools that send change sets of their own (the bench). */
export { applyToMemory, changesRequest, diffSnapshot, trackedChangeSet, type ChangesHeader, type SectionChangeSet, type WorldMemory } from './changes';
export { captureSnapshot, SNAPSHOT_SCHEMA_VERSION, type RecordInit, type RecordProvider, type SnapshotOwners } from './capture-snapshot';
export { RestoreDriver, type RestoreDriverOptions } from './restore-driver';
export type { RestoreHandlers, SectionContext } from './restore-handlers';
export { RestoreRefusedError, isRestoreRefusedError, RESTORE_REFUSALS, type RestoreRefusal } from './restore-refusal';
export { RestoredWorld, type RestoredCounts, type RestoredWorldInit } from './restored-world';
/**
 * The contract's messages, enums, codes and status helpers, so a game server needs this one
 * package (`StateSource`, `WorldSnapshot`, `PlayerRecordSchema`, ...).
 */
export * from '@persistd/contract';
