import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { fromServiceError, type SaveResponse } from '@persistd/contract';
import type { Outcome } from './types';

/** Statuses that, without an ErrorInfo, leave a save's outcome unknown (DESIGN §3). */
const UNKNOWN_WITHOUT_INFO: ReadonlySet<number> = new Set([GrpcStatus.UNAVAILABLE, GrpcStatus.DEADLINE_EXCEEDED, GrpcStatus.CANCELLED]);

/** The outcome of an answered Save. */
export function acknowledged(res: SaveResponse): Outcome {
  return { kind: 'acknowledged', epoch: res.committedEpoch, digest: res.digest, contentDigest: res.contentDigest, replayed: res.replayed };
}

/**
 * The outcome of a failed Save, read from the status alone (independently of the SDK, whose
 * classification is itself under test): an ErrorInfo names a refusal, except
 * COMMIT_OUTCOME_UNKNOWN; no ErrorInfo with UNAVAILABLE, DEADLINE_EXCEEDED or CANCELLED is
 * unknown; anything else is a status DESIGN does not allow a Save to answer.
 */
export function outcomeOfError(e: unknown): Outcome {
  const err = e as Partial<ServiceError>;
  if (typeof err?.code !== 'number') return { kind: 'undeclared', status: GrpcStatus.UNKNOWN, message: `not a gRPC status: ${String(e)}` };
  const rich = fromServiceError(err as ServiceError);
  if (rich) {
    if (rich.reason === 'COMMIT_OUTCOME_UNKNOWN') return { kind: 'unknown', status: err.code, reason: rich.reason, message: rich.message };
    return { kind: 'refused', code: rich.reason, status: err.code };
  }
  if (UNKNOWN_WITHOUT_INFO.has(err.code)) return { kind: 'unknown', status: err.code, message: err.details ?? '' };
  return { kind: 'undeclared', status: err.code, message: err.details ?? '' };
}
