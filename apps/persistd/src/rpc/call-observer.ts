import { status } from '@grpc/grpc-js';
import { isStoreError } from '@persistd/store-redis';
import { answerOf, Refusal } from './refusal';

/** The PersistenceService methods, by their proto names. */
export type RpcMethod = 'Save' | 'SaveChanges' | 'Restore' | 'Validate' | 'GetWorldStatus' | 'DeleteWorld';

/**
 * How a call ended: `ok`; `refused` — the daemon answered with a §4 refusal the caller can act
 * on (a violation, a conflict, not found, no credentials, a limit); `failed` — the daemon could
 * not do it (Redis unreachable, an unknown commit outcome, damage at rest, a deadline, a bug).
 */
export type CallOutcome = 'ok' | 'refused' | 'failed';

/** Statuses that say "the daemon could not", as opposed to "the daemon would not". */
const FAILED = new Set<status>([status.UNAVAILABLE, status.DATA_LOSS, status.FAILED_PRECONDITION, status.INTERNAL, status.DEADLINE_EXCEEDED, status.CANCELLED, status.UNKNOWN]);

/**
 * One finished call as metrics and the call log see it. Identifiers, epochs, sizes and codes
 * only: never a payload, never a credential.
 */
export interface CallRecord {
  method: RpcMethod;
  outcome: CallOutcome;
  /** The §4 code (ErrorInfo reason), or the status name when there is none; '' when ok. */
  reason: string;
  status: status;
  seconds: number;
  /** Request bytes as received. */
  bytesIn: number;
  /** Response bytes sent (every message of a stream). */
  bytesOut: number;
  peer: string;
  /** Who authority admitted; undefined when it refused. */
  principal?: string;
  worldId?: string;
  requestId?: string;
  expectedEpoch?: bigint;
  /** Committed (Save, SaveChanges, GetWorldStatus), restored (Restore) or deleted (DeleteWorld) epoch. */
  epoch?: bigint;
  replayed?: boolean;
  /** Validate's answer. */
  accepted?: boolean;
  /** The client cancelled, or its deadline passed, before the handler ended. */
  cancelled: boolean;
  /** Violations in the answer (a refusal's BadRequest, or Validate's list). */
  violations?: number;
  /** Path of the first violation: records are named by id, values never. */
  field?: string;
  /** Why a call without violations was refused or failed (messages of the daemon's own making). */
  detail?: string;
  /** The ErrorInfo metadata (limit names, committed epoch, Redis error class). */
  metadata?: Record<string, string>;
}

/** Where finished calls go (metrics, the call log). A sink that throws is ignored. */
export type CallSink = (record: CallRecord) => void;

/** The part of a grpc-js server call the observer reads. */
export interface ObservedCall {
  readonly request: Buffer;
  readonly cancelled: boolean;
  getPeer(): string;
  getDeadline(): Date | number;
}

/** Cuts a string the caller chose: valid ids are at most 128 characters, so anything longer is cut, never logged whole. */
const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max)}…` : s);

/**
 * Measures one call from arrival to answer: the one place calls are observed (server.ts wraps
 * every handler in one). Intake reports who was admitted and what was decoded, the handler's
 * output counts bytes, and the end hands one CallRecord to every sink.
 */
export class CallWatch {
  private readonly started = process.hrtime.bigint();
  private principal?: string;
  private req?: Record<string, unknown>;
  private bytesOut = 0;
  private ended = false;

  constructor(
    private readonly method: RpcMethod,
    private readonly call: ObservedCall,
    private readonly sinks: readonly CallSink[],
  ) {}

  /** Authority admitted the call as `principal`. */
  authorized(principal: string): void {
    this.principal = principal;
  }

  /** The request decoded. */
  decoded(req: object): void {
    this.req = req as Record<string, unknown>;
  }

  /** Response bytes went out. */
  sent(bytes: number): void {
    this.bytesOut += bytes;
  }

  /** The handler answered; `result` is its response (or Restore's summary). */
  succeeded(result: unknown): void {
    const res = (result ?? {}) as Record<string, unknown>;
    // Validate lists the first violations only; the log counts them all
    const violations = typeof res.violationsTotal === 'number' ? res.violationsTotal : Array.isArray(res.violations) ? res.violations.length : undefined;
    this.end({
      outcome: 'ok',
      reason: '',
      status: status.OK,
      epoch: bigintOf(res.committedEpoch) ?? bigintOf(res.epoch) ?? bigintOf(res.deletedEpoch),
      replayed: typeof res.replayed === 'boolean' ? res.replayed : undefined,
      accepted: typeof res.accepted === 'boolean' ? res.accepted : undefined,
      violations: violations === 0 ? undefined : violations,
    });
  }

  /** The handler (or intake) threw `err`. */
  failed(err: unknown): void {
    if (this.call.cancelled) {
      const deadline = this.call.getDeadline();
      const passed = Number.isFinite(+deadline) && +deadline <= Date.now();
      const code = passed ? status.DEADLINE_EXCEEDED : status.CANCELLED;
      this.end({ outcome: 'failed', reason: status[code], status: code });
      return;
    }
    const answer = answerOf(err);
    const refusal = err instanceof Refusal ? err : undefined;
    const list = refusal?.options.violations ?? [];
    const requested = bigintOf(this.req?.epoch);
    this.end({
      outcome: FAILED.has(answer.status) ? 'failed' : 'refused',
      reason: answer.reason,
      status: answer.status,
      epoch: requested === 0n ? undefined : requested,
      violations: list.length > 0 ? list.length : undefined,
      field: list[0] === undefined ? undefined : clip(list[0].path, 256),
      detail: list.length > 0 ? undefined : clip(refusal || isStoreError(err) ? (err as Error).message : 'internal error', 512),
      metadata: clipped(refusal?.options.metadata ?? (isStoreError(err) ? err.metadata : undefined)),
    });
  }

  private end(part: Pick<CallRecord, 'outcome' | 'reason' | 'status'> & Partial<CallRecord>): void {
    if (this.ended) return;
    this.ended = true;
    const req = this.req;
    const record: CallRecord = {
      method: this.method,
      seconds: Number(process.hrtime.bigint() - this.started) / 1e9,
      bytesIn: this.call.request.byteLength,
      bytesOut: this.bytesOut,
      peer: this.call.getPeer(),
      principal: this.principal,
      worldId: typeof req?.worldId === 'string' ? clip(req.worldId, 128) : undefined,
      requestId: typeof req?.requestId === 'string' && req.requestId !== '' ? clip(req.requestId, 128) : undefined,
      expectedEpoch: bigintOf(req?.expectedEpoch),
      cancelled: this.call.cancelled,
      ...part,
    };
    for (const sink of this.sinks) {
      try {
        sink(record);
      } catch {
        // Observability never changes an answer.
      }
    }
  }
}

const bigintOf = (v: unknown): bigint | undefined => (typeof v === 'bigint' ? v : undefined);

/** ErrorInfo metadata with every value cut to 256 characters (a limit's `field` path can name an oversized map key). */
const clipped = (m: Record<string, string> | undefined) => m && Object.fromEntries(Object.entries(m).map(([k, v]) => [k, clip(v, 256)]));
