import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { fromServiceError, type ErrorCode, type FieldViolation } from '@persistd/contract';

/** A DESIGN §4 code; a newer daemon may send one this SDK does not list, so any string fits. */
export type PersistdReason = ErrorCode | (string & {});

/**
 * Statuses that, without an ErrorInfo, mean the call may or may not have reached the daemon
 * (DESIGN §3): the client cannot tell whether a save committed.
 */
const UNKNOWN_OUTCOME_STATUSES: ReadonlySet<GrpcStatus> = new Set([GrpcStatus.UNAVAILABLE, GrpcStatus.DEADLINE_EXCEEDED, GrpcStatus.CANCELLED]);

/** Everything a PersistdError carries; see the class for what each part means. */
export interface PersistdErrorInit {
  code: GrpcStatus;
  message: string;
  reason?: PersistdReason;
  metadata?: Record<string, string>;
  violations?: FieldViolation[];
  outcomeUnknown: boolean;
  requestId?: string;
}

/**
 * A call the daemon refused, or that failed on the way. The one error type of the SDK's RPC edge:
 * the gRPC status, the §4 `reason` from the status's ErrorInfo (undefined when there was none:
 * a transport failure, a TLS refusal, a message over the size limit), its metadata (such as
 * `limit`), and the BadRequest violations in canonical order.
 *
 * `outcomeUnknown` says a save may have committed or not. Retry it with the same `requestId`:
 * the daemon answers the original commit (`replayed`) or commits once.
 */
export class PersistdError extends Error {
  override readonly name = 'PersistdError';
  readonly code: GrpcStatus;
  readonly reason: PersistdReason | undefined;
  readonly metadata: Readonly<Record<string, string>>;
  readonly violations: readonly FieldViolation[];
  readonly outcomeUnknown: boolean;
  /** The request id the save was sent with (generated when the caller gave none). */
  readonly requestId: string | undefined;

  constructor(init: PersistdErrorInit, options?: { cause?: unknown }) {
    super(`${init.reason ?? GrpcStatus[init.code] ?? init.code}: ${init.message}`, options);
    this.code = init.code;
    this.reason = init.reason;
    this.metadata = Object.freeze({ ...init.metadata });
    this.violations = Object.freeze([...(init.violations ?? [])]);
    this.outcomeUnknown = init.outcomeUnknown;
    this.requestId = init.requestId;
  }
}

/** Type guard for PersistdError. */
export function isPersistdError(e: unknown): e is PersistdError {
  return e instanceof PersistdError;
}

function isServiceError(e: unknown): e is ServiceError {
  return e instanceof Error && typeof (e as ServiceError).code === 'number' && 'metadata' in e;
}

/**
 * The one place a grpc-js failure becomes a PersistdError; undefined for anything that is not
 * a gRPC status (a handler's own error, a programming error), which callers rethrow as it is.
 * COMMIT_OUTCOME_UNKNOWN is flagged `outcomeUnknown` too: the daemon itself says so.
 */
export function toPersistdError(e: unknown, context: { requestId?: string } = {}): PersistdError | undefined {
  if (e instanceof PersistdError) return e;
  if (!isServiceError(e)) return undefined;
  const rich = fromServiceError(e);
  if (!rich) {
    return new PersistdError({ code: e.code, message: e.details, outcomeUnknown: UNKNOWN_OUTCOME_STATUSES.has(e.code), requestId: context.requestId }, { cause: e });
  }
  return new PersistdError(
    {
      code: rich.code,
      message: rich.message,
      reason: rich.reason,
      metadata: rich.metadata,
      violations: rich.violations,
      outcomeUnknown: rich.reason === 'COMMIT_OUTCOME_UNKNOWN',
      requestId: context.requestId,
    },
    { cause: e },
  );
}
