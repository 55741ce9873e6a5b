import { status as GrpcStatus } from '@grpc/grpc-js';
import { SAVE_CODES, STORE_CODES, statusOf, type ErrorCode, type RichError } from '@persistd/contract';

/** How persistd answered one hostile input. */
export interface HostileAnswer {
  status: number;
  /** The rich status, when the answer carried an ErrorInfo. */
  rich?: RichError;
  details: string;
  /** Bytes sent, to tell grpc-js's own size refusal from a handler's. */
  inputBytes: number;
}

const KNOWN_CODES: ReadonlySet<string> = new Set([...SAVE_CODES, ...STORE_CODES]);

/**
 * Judges an answer against DESIGN §3/§4: OK, or a refusal with one ErrorInfo whose reason is a
 * listed code carried under that code's status; the only bare status allowed is grpc-js's own
 * RESOURCE_EXHAUSTED for a message over the size limit. Returns what is wrong, or undefined.
 */
export function judgeAnswer(a: HostileAnswer, maxMessageBytes: number): string | undefined {
  if (a.status === GrpcStatus.OK) return undefined;
  const name = GrpcStatus[a.status] ?? String(a.status);
  if (!a.rich) {
    if (a.status === GrpcStatus.RESOURCE_EXHAUSTED && a.inputBytes > maxMessageBytes) return undefined;
    if (a.status === GrpcStatus.DEADLINE_EXCEEDED) return `no answer before the deadline (a hang): ${a.details}`;
    return `${name} without an ErrorInfo: ${a.details}`;
  }
  const reason = a.rich.reason;
  if (!KNOWN_CODES.has(reason)) return `${name} with reason ${JSON.stringify(reason)}, which DESIGN §4 does not list`;
  const allowed = new Set([statusOf(reason as ErrorCode, 'request'), statusOf(reason as ErrorCode, 'stored')]);
  if (reason === 'LIMIT_EXCEEDED') allowed.add(GrpcStatus.RESOURCE_EXHAUSTED);
  if (!allowed.has(a.status)) return `${reason} carried under ${name}; DESIGN §4 gives it ${[...allowed].map((s) => GrpcStatus[s]).join(' or ')}`;
  if (a.status === GrpcStatus.INTERNAL || a.status === GrpcStatus.UNKNOWN) return `${name} is never an answer (${reason})`;
  return undefined;
}
