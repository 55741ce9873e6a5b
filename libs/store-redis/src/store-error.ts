import type { ErrorCode } from '@persistd/contract';

/** The codes the store itself can raise (DESIGN §4); everything else is decided above it. */
export type StoreErrorCode = Extract<
  ErrorCode,
  'WORLD_NOT_FOUND' | 'EPOCH_NOT_FOUND' | 'MISSING_COMPONENT' | 'DIGEST_MISMATCH' | 'STORE_UNAVAILABLE' | 'COMMIT_OUTCOME_UNKNOWN'
>;

/**
 * The one error type store-redis throws for expected failures. The RPC edge turns `code` into a
 * gRPC status + ErrorInfo (`metadata` becomes ErrorInfo.metadata), so nothing in between needs to
 * understand ioredis errors. `cause` keeps the foreign error for logs.
 */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: StoreErrorCode;
  readonly metadata?: Record<string, string>;

  constructor(code: StoreErrorCode, message: string, options: { metadata?: Record<string, string>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.metadata) this.metadata = options.metadata;
  }
}

/** True for a StoreError (also one from another copy of this module: checks the shape, not the prototype). */
export function isStoreError(e: unknown): e is StoreError {
  return (
    e instanceof StoreError ||
    (e instanceof Error && e.name === 'StoreError' && typeof (e as { code?: unknown }).code === 'string')
  );
}
