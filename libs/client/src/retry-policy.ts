import { setTimeout as sleep } from 'node:timers/promises';
import { isPersistdError } from './persistd-error';

/**
 * How the SDK retries a call whose outcome is unknown (DESIGN §3): `UNAVAILABLE`,
 * `DEADLINE_EXCEEDED` or `CANCELLED` without an ErrorInfo, and `COMMIT_OUTCOME_UNKNOWN`. A save
 * is retried with the SAME request id, so the daemon answers the original commit (`replayed`)
 * or commits once; reads are retried as they are. A refusal with an ErrorInfo (a violation,
 * `EPOCH_CONFLICT`, `STORE_UNAVAILABLE`, ...) is an answer and is never retried.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included; 1 turns retries off. */
  maxAttempts: number;
  /** Pause before the second attempt, in ms. */
  initialBackoffMs: number;
  /** Longest pause between two attempts, in ms. */
  maxBackoffMs: number;
  /** Growth of the pause from one attempt to the next. */
  multiplier: number;
}

/**
 * Four attempts, pauses of about 0.1 s, 0.2 s, 0.4 s: a daemon restart or a failover that
 * finishes within a second is ridden out, and a dead daemon is reported within
 * `maxAttempts × deadline + ~0.7 s`.
 */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({ maxAttempts: 4, initialBackoffMs: 100, maxBackoffMs: 2000, multiplier: 2 });

/** What a client or a call may give: a partial policy over the defaults, or `false` for one attempt only. */
export type RetryOption = Partial<RetryPolicy> | false;

/** Fills a policy from its layers (defaults, then the client's, then the call's) and checks it. */
export function resolveRetryPolicy(...layers: (RetryOption | undefined)[]): RetryPolicy {
  let policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY };
  for (const layer of layers) {
    if (layer === undefined) continue;
    policy = layer === false ? { ...policy, maxAttempts: 1 } : { ...policy, ...definedOnly(layer) };
  }
  const { maxAttempts, initialBackoffMs, maxBackoffMs, multiplier } = policy;
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 100) throw new RangeError(`retry: maxAttempts must be an integer from 1 to 100, got ${maxAttempts}`);
  for (const [name, v] of [['initialBackoffMs', initialBackoffMs], ['maxBackoffMs', maxBackoffMs], ['multiplier', multiplier]] as const) {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`retry: ${name} must be a finite number ≥ 0, got ${v}`);
  }
  return policy;
}

function definedOnly(p: Partial<RetryPolicy>): Partial<RetryPolicy> {
  return Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as Partial<RetryPolicy>;
}

/**
 * The pause before attempt `attempt + 1` (attempt counts from 1): exponential, capped, with
 * "equal jitter" (half fixed, half random) so clients that failed together do not retry together.
 */
export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.multiplier ** (attempt - 1));
  return base / 2 + (base / 2) * random();
}

/** True when a failure leaves the outcome unknown, the only case a retry is for. */
export function isRetryable(e: unknown): boolean {
  return isPersistdError(e) && e.outcomeUnknown;
}

/**
 * @internal Runs `attempt(n)` until it succeeds, fails with something that is not an unknown
 * outcome, or the attempts run out; the last failure is thrown as it is. `stop()` true (the
 * client was closed) ends the retries at once.
 */
export async function withRetries<T>(policy: RetryPolicy, attempt: (n: number) => Promise<T>, stop: () => boolean = () => false): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (e) {
      if (n >= policy.maxAttempts || !isRetryable(e) || stop()) throw e;
      await sleep(backoffMs(policy, n));
      if (stop()) throw e; // closed while waiting: the last answer stands
    }
  }
}
