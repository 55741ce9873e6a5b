/**
 * The TypeScript SDK of persistd for game servers: typed save, validate, status and restore,
 * a RestoreDriver that applies restores in phase order only, and one error type per boundary.
 */
export { PersistdClient, type CallOptions, type PersistdClientOptions, type RestoreOptions, type SaveInit, type ValidateInit } from './persistd-client';
export { PersistdError, isPersistdError, toPersistdError, type PersistdErrorInit, type PersistdReason } from './persistd-error';
export { RestoreDriver, type RestoreDriverOptions } from './restore-driver';
export type { RestoreHandlers, SectionContext } from './restore-handlers';
export { RestoreRefusedError, isRestoreRefusedError, RESTORE_REFUSALS, type RestoreRefusal } from './restore-refusal';
export { RestoredWorld, type RestoredCounts, type RestoredWorldInit } from './restored-world';
