import { status, type ServerErrorResponse, type StatusObject } from '@grpc/grpc-js';
import { cutUtf8, REFUSAL_BOUNDS, statusOf, toStatusObject, type ErrorCode } from '@persistd/contract';
import { describe, type RuleViolation } from '@persistd/validation';
import { isStoreError } from '@persistd/store-redis';

/**
 * The RPC edge: the one place where a refusal — a violation list, a store failure, a bad request
 * — becomes a gRPC status with one ErrorInfo and, for violations, one BadRequest (DESIGN §3).
 * Handlers throw Refusal; nothing else builds a status.
 */
export class Refusal extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: { violations?: readonly RuleViolation[]; metadata?: Record<string, string>; stored?: boolean; status?: status } = {},
  ) {
    super(message);
  }

  /**
   * A refusal for a complete, sorted violation list: the first violation's code is the reason.
   * The first violation is cut so the count after it survives the message's bound.
   */
  static ofViolations(violations: readonly RuleViolation[], stored = false): Refusal {
    const first = violations[0];
    const more = violations.length > 1 ? ` (and ${violations.length - 1} more)` : '';
    return new Refusal(first.code, `${cutUtf8(describe(first), REFUSAL_BOUNDS.messageBytes - Buffer.byteLength(more))}${more}`, { violations, stored });
  }
}

/**
 * The deadline passed before the commit, so nothing was committed. grpc-js has already answered
 * DEADLINE_EXCEEDED by then; this status only reaches a client if the timers race, and a client
 * treats it as an unknown outcome and retries with the same request id, which is safe.
 */
export class DeadlinePassed extends Error {}

/** The gRPC status a refusal is answered with. */
function statusCodeOf(r: Refusal): status {
  return r.options.status ?? statusOf(r.code, r.options.stored ? 'stored' : 'request');
}

/** The grpc-js status object of a refusal; equal refusals give equal bytes. */
export function statusOfRefusal(r: Refusal): Partial<StatusObject> {
  return toStatusObject({
    code: statusCodeOf(r),
    message: r.message,
    reason: r.code,
    metadata: r.options.metadata ?? {},
    violations: (r.options.violations ?? []).map((v) => ({ field: v.path, description: describe(v) })),
  });
}

/**
 * Maps anything a handler threw to a status. Store failures carry their own code; anything else
 * is a bug, answered INTERNAL without detail (the log has it).
 */
export function toServerError(err: unknown): Partial<StatusObject> & { internal?: unknown } {
  if (err instanceof Refusal) return statusOfRefusal(err);
  if (err instanceof DeadlinePassed) return { code: status.DEADLINE_EXCEEDED, details: err.message };
  if (isStoreError(err)) return statusOfRefusal(new Refusal(err.code, err.message, { stored: true, metadata: err.metadata }));
  return { code: status.INTERNAL, details: 'internal error', internal: err };
}

/**
 * What a failure is answered with, for metrics and the call log: the status, and the reason a
 * client switches on — the §4 code of the ErrorInfo, or the status's name when the answer has
 * none (a deadline, a bug). The same mapping toServerError makes, without building the status.
 */
export function answerOf(err: unknown): { status: status; reason: string } {
  if (err instanceof Refusal) return { status: statusCodeOf(err), reason: err.code };
  if (err instanceof DeadlinePassed) return { status: status.DEADLINE_EXCEEDED, reason: status[status.DEADLINE_EXCEEDED] };
  if (isStoreError(err)) return { status: statusOf(err.code, 'stored'), reason: err.code };
  return { status: status.INTERNAL, reason: status[status.INTERNAL] };
}

export type { ServerErrorResponse };
