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
  /** Attempts made before this failure was given up on (1 when the call was not retried). */
  attempts?: number;
}

/** A BadRequest field violation split into its parts: `description` is `CODE: message`. */
export interface ParsedViolation {
  /** Record path, e.g. `items[i0001].location.inventory.player_id`. */
  path: string;
  /** A DESIGN §4 code, e.g. `DANGLING_REFERENCE`. */
  code: PersistdReason;
  message: string;
}

/** Splits a violation's `CODE: message` description; a description without a code keeps it whole. */
export function parseViolation(v: FieldViolation): ParsedViolation {
  const m = /^([A-Z][A-Z0-9_]*): ([\s\S]*)$/.exec(v.description);
  return m ? { path: v.field, code: m[1], message: m[2] } : { path: v.field, code: '', message: v.description };
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
  override readonly name: string = 'PersistdError';
  readonly code: GrpcStatus;
  readonly reason: PersistdReason | undefined;
  readonly metadata: Readonly<Record<string, string>>;
  /** The first violations in canonical order: a refusal's details are bounded (DESIGN §3 Errors). */
  readonly violations: readonly FieldViolation[];
  /** How many violations the daemon found, listed or not (ErrorInfo `violations_total`). */
  readonly violationsTotal: number;
  /** How many of them `violations` holds (ErrorInfo `violations_sent`). */
  readonly violationsSent: number;
  readonly outcomeUnknown: boolean;
  /** The request id the save was sent with (generated when the caller gave none). */
  readonly requestId: string | undefined;
  /** Attempts made: more than 1 when the SDK retried an unknown outcome before giving up. */
  readonly attempts: number;

  constructor(init: PersistdErrorInit, options?: { cause?: unknown }) {
    super(`${init.reason ?? GrpcStatus[init.code] ?? init.code}: ${init.message}`, options);
    this.code = init.code;
    this.reason = init.reason;
    this.metadata = Object.freeze({ ...init.metadata });
    this.violations = Object.freeze([...(init.violations ?? [])]);
    this.violationsSent = countOf(this.metadata.violations_sent) ?? this.violations.length;
    this.violationsTotal = countOf(this.metadata.violations_total) ?? this.violationsSent;
    this.outcomeUnknown = init.outcomeUnknown;
    this.requestId = init.requestId;
    this.attempts = init.attempts ?? 1;
  }

  /**
   * The epoch the world was deleted at, when the daemon says the world is deleted (ErrorInfo
   * `deleted_epoch`, on EPOCH_CONFLICT of a save and WORLD_NOT_FOUND of a restore); else undefined.
   */
  get deletedEpoch(): bigint | undefined {
    return epochOf(this.metadata.deleted_epoch);
  }

  /** The violations split into path, code and message, in the daemon's (canonical) order. */
  get parsedViolations(): ParsedViolation[] {
    return this.violations.map(parseViolation);
  }
}

/**
 * `EPOCH_CONFLICT` (`ABORTED`): the save's `expected_epoch` is not the committed epoch — another
 * save won, or this server's state descends from an older epoch. Nothing was committed. Never
 * retried by the SDK: the game server must re-read (or stop, if another server owns the world).
 */
export class EpochConflictError extends PersistdError {
  override readonly name: string = 'EpochConflictError';
  /** The committed epoch the daemon reported, when it did (ErrorInfo `committed_epoch`). */
  readonly committedEpoch: bigint | undefined;
  /** The epoch the save expected (ErrorInfo `expected_epoch`). */
  readonly expectedEpoch: bigint | undefined;

  constructor(init: PersistdErrorInit, options?: { cause?: unknown }) {
    super(init, options);
    this.committedEpoch = epochOf(this.metadata.committed_epoch);
    this.expectedEpoch = epochOf(this.metadata.expected_epoch);
  }
}

/**
 * A save refused because an operator deleted the world (DeleteWorld): `EPOCH_CONFLICT` whose
 * ErrorInfo names `deleted_epoch`. The world's state is gone on purpose. The SDK never saves
 * it again at epoch 0 on its own; a game server that means to re-create it must decide so.
 */
export class WorldDeletedError extends EpochConflictError {
  override readonly name = 'WorldDeletedError';
}

/**
 * True when the daemon said the world was deleted: a save refused with WorldDeletedError, or a
 * restore refused WORLD_NOT_FOUND with `deleted_epoch` (as opposed to a world never saved).
 */
export function isWorldDeleted(e: unknown): e is PersistdError & { deletedEpoch: bigint } {
  return e instanceof PersistdError && e.deletedEpoch !== undefined && (e.reason === 'EPOCH_CONFLICT' || e.reason === 'WORLD_NOT_FOUND');
}

/** Type guard for EpochConflictError. */
export function isEpochConflictError(e: unknown): e is EpochConflictError {
  return e instanceof EpochConflictError;
}

/** A count from ErrorInfo metadata; undefined when absent (an older daemon) or not a count. */
function countOf(text: string | undefined): number | undefined {
  return text !== undefined && /^\d{1,15}$/.test(text) ? Number(text) : undefined;
}

function epochOf(text: string | undefined): bigint | undefined {
  return text !== undefined && /^\d{1,20}$/.test(text) ? BigInt(text) : undefined;
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
 * EPOCH_CONFLICT becomes its own subclass, EpochConflictError, with the epochs parsed, and
 * WorldDeletedError when the world was deleted.
 */
export function toPersistdError(e: unknown, context: { requestId?: string; attempts?: number } = {}): PersistdError | undefined {
  if (e instanceof PersistdError) return e;
  if (!isServiceError(e)) return undefined;
  const rich = fromServiceError(e);
  if (!rich) {
    return new PersistdError(
      { code: e.code, message: e.details, outcomeUnknown: UNKNOWN_OUTCOME_STATUSES.has(e.code), requestId: context.requestId, attempts: context.attempts },
      { cause: e },
    );
  }
  const conflict = rich.reason === 'EPOCH_CONFLICT';
  const ErrorType = conflict && rich.metadata.deleted_epoch !== undefined ? WorldDeletedError : conflict ? EpochConflictError : PersistdError;
  return new ErrorType(
    {
      code: rich.code,
      message: rich.message,
      reason: rich.reason,
      metadata: rich.metadata,
      violations: rich.violations,
      outcomeUnknown: rich.reason === 'COMMIT_OUTCOME_UNKNOWN',
      requestId: context.requestId,
      attempts: context.attempts,
    },
    { cause: e },
  );
}
