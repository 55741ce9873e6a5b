import { status } from '@grpc/grpc-js';

/**
 * The closed list of refusal codes (DESIGN §4), in precedence order: when a save breaks several
 * rules, the earliest code in this list is the status's reason. Stable strings: clients switch
 * on them.
 */
export const SAVE_CODES = [
  'UNAUTHENTICATED',
  'CLIENT_AUTHORED',
  'MALFORMED_REQUEST',
  'LIMIT_EXCEEDED',
  'FORBIDDEN_SOURCE',
  'PARTIAL_SAVE',
  'UNSUPPORTED_VERSION',
  'MIXED_VERSION',
  'MIXED_EPOCH',
  'WORLD_MISMATCH',
  'RUNTIME_STATE',
  'INVALID_FIELD',
  'DUPLICATE_ID',
  'OWNERSHIP_OVERLAP',
  'DANGLING_REFERENCE',
  'REQUEST_ID_REUSED',
  'EPOCH_CONFLICT',
] as const;

/** Codes that only reads of stored state and the store itself produce. */
export const STORE_CODES = [
  'WORLD_NOT_FOUND',
  'EPOCH_NOT_FOUND',
  'MISSING_COMPONENT',
  'DIGEST_MISMATCH',
  'STORE_UNAVAILABLE',
  'COMMIT_OUTCOME_UNKNOWN',
] as const;

export type SaveCode = (typeof SAVE_CODES)[number];
export type ErrorCode = SaveCode | (typeof STORE_CODES)[number];

/**
 * Codes that a snapshot itself can break; they are collected together, never short-circuited.
 * EPOCH_CONFLICT is one too in a Validate answer, where a stale epoch is listed, not a status.
 */
export type ViolationCode = Extract<
  SaveCode,
  | 'FORBIDDEN_SOURCE'
  | 'PARTIAL_SAVE'
  | 'UNSUPPORTED_VERSION'
  | 'MIXED_VERSION'
  | 'MIXED_EPOCH'
  | 'WORLD_MISMATCH'
  | 'RUNTIME_STATE'
  | 'INVALID_FIELD'
  | 'DUPLICATE_ID'
  | 'OWNERSHIP_OVERLAP'
  | 'DANGLING_REFERENCE'
  | 'EPOCH_CONFLICT'
>;

/** The domain every ErrorInfo carries. */
export const ERROR_DOMAIN = 'persist.caelmor';

const SAVE_STATUS: Record<SaveCode, status> = {
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  CLIENT_AUTHORED: status.PERMISSION_DENIED,
  MALFORMED_REQUEST: status.INVALID_ARGUMENT,
  LIMIT_EXCEEDED: status.INVALID_ARGUMENT,
  FORBIDDEN_SOURCE: status.INVALID_ARGUMENT,
  PARTIAL_SAVE: status.INVALID_ARGUMENT,
  UNSUPPORTED_VERSION: status.INVALID_ARGUMENT,
  MIXED_VERSION: status.INVALID_ARGUMENT,
  MIXED_EPOCH: status.INVALID_ARGUMENT,
  WORLD_MISMATCH: status.INVALID_ARGUMENT,
  RUNTIME_STATE: status.INVALID_ARGUMENT,
  INVALID_FIELD: status.INVALID_ARGUMENT,
  DUPLICATE_ID: status.INVALID_ARGUMENT,
  OWNERSHIP_OVERLAP: status.INVALID_ARGUMENT,
  DANGLING_REFERENCE: status.INVALID_ARGUMENT,
  REQUEST_ID_REUSED: status.INVALID_ARGUMENT,
  EPOCH_CONFLICT: status.ABORTED,
};

/**
 * The status of a refusal under a code. On the `stored` path (a restore, a verification) the
 * same names mean damage at rest: DATA_LOSS, except a newer schema (FAILED_PRECONDITION: upgrade
 * the daemon, nothing is lost) and the not-found and store codes, which keep their own status.
 */
export function statusOf(code: ErrorCode, path: 'request' | 'stored' = 'request'): status {
  switch (code) {
    case 'WORLD_NOT_FOUND':
    case 'EPOCH_NOT_FOUND':
      return status.NOT_FOUND;
    case 'MISSING_COMPONENT':
    case 'DIGEST_MISMATCH':
      return status.DATA_LOSS;
    case 'STORE_UNAVAILABLE':
    case 'COMMIT_OUTCOME_UNKNOWN':
      return status.UNAVAILABLE;
  }
  if (path === 'stored') return code === 'UNSUPPORTED_VERSION' ? status.FAILED_PRECONDITION : status.DATA_LOSS;
  return SAVE_STATUS[code];
}

/** Position of a code in the precedence order (unknown codes sort last). */
export function codeRank(code: string): number {
  const i = (SAVE_CODES as readonly string[]).indexOf(code);
  return i < 0 ? SAVE_CODES.length : i;
}
