import type { ErrorCode, SaveChangesRequest, SaveRequest, ValidateRequest } from '@persistd/contract';
import type { LimitBreach } from '../limits/input-limits';
import type { RuleViolation } from '../violation';

/**
 * A request the save pipeline refuses: the DESIGN §4 code, what to say, and what the answer
 * carries (the complete sorted violation list, or `metadata` such as a limit's name), with the
 * request's fields when they could be read (the call log names them). The daemon turns it into
 * its gRPC status; the library knows nothing of gRPC.
 */
export class SnapshotRefused extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly header: SaveRequest | ValidateRequest | SaveChangesRequest | undefined,
    readonly detail: { violations?: readonly RuleViolation[]; metadata?: Record<string, string> } = {},
  ) {
    super(message);
  }
}

/** How a limit's breach is said (LIMIT_EXCEEDED): the message and `metadata.limit`, `max`, `field`. */
export function limitExceeded(b: LimitBreach): { message: string; metadata: Record<string, string> } {
  return { message: `${b.field} is over ${b.limit} (${b.actual} > ${b.max})`, metadata: { limit: b.limit, max: String(b.max), field: b.field } };
}
