import { status } from '@grpc/grpc-js';
import { isPersistdError, isRestoreRefusedError } from '@persistd/client';

/** What an operator needs to read from a failure: which refusal, and what to do about it. */
export function describeError(e: unknown): string {
  if (isPersistdError(e)) {
    // the message already starts with the reason, or with the status when there is no reason
    const lines = [e.reason ? `persistd refused (${status[e.code] ?? e.code}): ${e.message}` : `call to persistd failed: ${e.message}`];
    for (const [k, v] of Object.entries(e.metadata)) lines.push(`  ${k} = ${v}`);
    for (const v of e.violations) lines.push(`  ${v.field}: ${v.description}`);
    if (e.outcomeUnknown) {
      lines.push(`  the outcome is unknown${e.requestId ? `: retry the save with request id ${e.requestId}` : ''} (is persistd running at the address?)`);
    }
    return lines.join('\n');
  }
  if (isRestoreRefusedError(e)) return `the client refused the restore stream (${e.reason}): ${e.message}`;
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}
