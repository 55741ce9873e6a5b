import type { Logger } from 'pino';
import type { CallRecord, CallSink } from '../rpc/call-observer';

/** Refusals by authority: logged at warn. */
const AUTHORITY = new Set(['UNAUTHENTICATED', 'CLIENT_AUTHORED']);

/**
 * One structured line per call (DESIGN §6 logs): method, world id, request id, epochs, outcome,
 * reason, duration, bytes in and out, principal, peer. Fields are picked one by one from the
 * CallRecord, which holds identifiers and numbers only, so no payload and no credential can reach
 * a line; the logger's redaction (logger.ts) stays on as a second guard. `ok` and `refused` are
 * info; `failed` and authority's refusals (someone without the right credentials is knocking)
 * are warn.
 */
export function callLog(logger: Logger): CallSink {
  return (c: CallRecord) => {
    const line = {
      method: c.method,
      worldId: c.worldId,
      requestId: c.requestId,
      expectedEpoch: c.expectedEpoch === undefined ? undefined : String(c.expectedEpoch),
      epoch: c.epoch === undefined ? undefined : String(c.epoch),
      replayed: c.replayed,
      accepted: c.accepted,
      outcome: c.outcome,
      reason: c.reason === '' ? undefined : c.reason,
      durationMs: Math.round(c.seconds * 1e4) / 10,
      bytesIn: c.bytesIn,
      bytesOut: c.bytesOut,
      principal: c.principal,
      peer: c.peer,
      cancelled: c.cancelled || undefined,
      violations: c.violations,
      field: c.field,
      detail: c.detail,
      metadata: c.metadata,
    };
    const msg = `${c.method} ${c.outcome}${c.reason ? `: ${c.reason}` : ''}`;
    if (c.outcome === 'failed' || AUTHORITY.has(c.reason)) logger.warn(line, msg);
    else logger.info(line, msg);
  };
}
