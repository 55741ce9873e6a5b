import { status as GrpcStatus } from '@grpc/grpc-js';
import { isPersistdError, isRestoreRefusedError, VIOLATIONS_SENT_KEY, VIOLATIONS_TOTAL_KEY } from '@persistd/client';
import { isStoreError } from '@persistd/store-redis';
import { CliError } from './cli-error';
import { EXIT, type ExitCode } from './exit-codes';

/** Statuses that, without an ErrorInfo, mean the daemon was not (fully) reached. */
const TRANSPORT = new Set<GrpcStatus>([GrpcStatus.UNAVAILABLE, GrpcStatus.DEADLINE_EXCEEDED, GrpcStatus.CANCELLED]);

/** ErrorInfo metadata printed as the "showing" line rather than as keys. */
const COUNT_KEYS: ReadonlySet<string> = new Set([VIOLATIONS_TOTAL_KEY, VIOLATIONS_SENT_KEY]);

/** The line under a listed refusal: a refusal carries only its first violations, so say how many there were. */
export function showing(listed: number, total: number): string {
  return `showing ${listed} of ${total} violations`;
}

/** The one place a failure becomes an exit code; a one-line reason per mapping. */
export function exitCodeOf(e: unknown): ExitCode {
  if (e instanceof CliError) return e.exitCode;
  if (isPersistdError(e)) {
    if (e.outcomeUnknown) return EXIT.USAGE; // the daemon was not reached, or its answer was lost
    if (e.reason === undefined && TRANSPORT.has(e.code)) return EXIT.USAGE; // transport failure
    if (e.reason === 'STORE_UNAVAILABLE') return EXIT.USAGE; // the daemon cannot reach Redis: a connection problem
    if (e.reason === 'UNAUTHENTICATED' || e.code === GrpcStatus.UNAUTHENTICATED) return EXIT.USAGE; // credentials are a connection option
    return EXIT.REFUSED; // an answer: a §4 refusal, not found, permission denied
  }
  if (isRestoreRefusedError(e)) return EXIT.REFUSED; // the daemon streamed something the SDK refuses
  if (isStoreError(e)) return e.code === 'STORE_UNAVAILABLE' ? EXIT.USAGE : EXIT.REFUSED; // Redis down vs. what is stored
  return EXIT.INTERNAL;
}

/** The message printed for a failure: the §4 code first when there is one, then the violations. */
export function describeFailure(e: unknown): string {
  if (isPersistdError(e)) {
    const lines = [e.message];
    if (e.outcomeUnknown) {
      lines.push(`the outcome is unknown after ${e.attempts} attempt(s)${e.requestId ? `; the save was sent with request id ${e.requestId}` : ''}`);
    }
    for (const [k, v] of Object.entries(e.metadata)) if (!COUNT_KEYS.has(k)) lines.push(`  ${k}: ${v}`);
    for (const v of e.violations) lines.push(`  ${v.field}: ${v.description}`);
    if (e.violationsTotal > 0) lines.push(showing(e.violationsSent, e.violationsTotal));
    return lines.join('\n');
  }
  if (isStoreError(e)) return `${e.code}: ${e.message}`;
  if (e instanceof CliError) return e.code ? `${e.code}: ${e.message}` : e.message;
  if (e instanceof Error) return e.stack ?? e.message;
  return String(e);
}
