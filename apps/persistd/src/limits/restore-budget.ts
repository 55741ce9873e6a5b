import { status } from '@grpc/grpc-js';
import { Refusal } from '../rpc/refusal';

/**
 * How long a restore waits for room in the budget before it is refused (less when its deadline
 * comes sooner). Long enough to ride out a burst of restores after a fleet restart — an M world
 * streams in well under a second — short enough that a client is told "busy" while it can still
 * act on it rather than at its own deadline.
 */
export const RESTORE_BUDGET_WAIT_MS = 10_000;

interface Waiter {
  holding: RestoreHolding;
  bytes: number;
  grant(): void;
  fail(err: unknown): void;
}

/**
 * PERSISTD_MAX_RESTORE_BYTES (DESIGN §6, §7): the stored bytes that restores — and SaveChanges
 * reading their base epoch (rpc/base-read-budget.ts) — hold at once, across every call. A restore reserves its chunks' size before it reads them from Redis and holds it
 * until its call ends — all of it sent and flushed, refused, cancelled or cut off as a reader
 * that stopped reading. Past the budget a restore waits, first come first served, up to
 * RESTORE_BUDGET_WAIT_MS (or its deadline), then is refused RESOURCE_EXHAUSTED with
 * LIMIT_EXCEEDED and `metadata.limit` = `max_restore_bytes`; one larger than the whole budget is
 * refused at once (it could never fit: raise the setting).
 */
export class RestoreBudget {
  private used = 0;
  private readonly queue: Waiter[] = [];

  constructor(
    readonly max: number,
    readonly waitMs = RESTORE_BUDGET_WAIT_MS,
  ) {
    if (!(max >= 0)) throw new RangeError('RestoreBudget: max must be ≥ 0');
  }

  /** Stored bytes held by restores now. */
  get inUse(): number {
    return this.used;
  }

  /** Restores waiting for room now. */
  get waiting(): number {
    return this.queue.length;
  }

  /** One restore's share: empty until it reserves, returned whole by `release`. */
  holding(options: { deadlineMs?: number; signal?: AbortSignal } = {}): RestoreHolding {
    return new RestoreHolding(this, options.deadlineMs, options.signal);
  }

  /** @internal RestoreHolding's way in: resolves once `bytes` more are held for `holding`. */
  take(holding: RestoreHolding, bytes: number, deadlineMs: number | undefined, signal: AbortSignal | undefined): Promise<void> {
    if (bytes > this.max) return Promise.reject(this.refusal(`a read of ${bytes} stored bytes can never fit`));
    if (this.queue.length === 0 && this.used + bytes <= this.max) {
      this.used += bytes;
      return Promise.resolve();
    }
    const waitMs = Math.max(0, Math.min(this.waitMs, (deadlineMs ?? Infinity) - Date.now()));
    return new Promise<void>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const at = this.queue.indexOf(waiter);
        if (at >= 0) this.queue.splice(at, 1);
      };
      const waiter: Waiter = {
        holding,
        bytes,
        grant: () => {
          settle();
          resolve();
        },
        fail: (err) => {
          settle();
          reject(err);
          this.pump(); // a large waiter leaving may let smaller ones behind it in
        },
      };
      const timer = setTimeout(() => waiter.fail(this.refusal(`${this.used} of ${this.max} bytes stayed held for ${waitMs} ms`)), waitMs);
      const onAbort = () => waiter.fail(new Refusal('STORE_UNAVAILABLE', 'client cancelled the call while it waited for memory'));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  /** @internal Returns `bytes` and fails any wait of `holding` (its call ended). */
  give(holding: RestoreHolding, bytes: number): void {
    this.used -= bytes;
    for (const w of this.queue.filter((q) => q.holding === holding)) w.fail(new Refusal('STORE_UNAVAILABLE', 'the call ended while it waited for memory'));
    this.pump();
  }

  /** Grants waiters in arrival order while the first one fits. */
  private pump(): void {
    while (this.queue.length > 0 && this.used + this.queue[0]!.bytes <= this.max) {
      const next = this.queue[0]!;
      this.used += next.bytes;
      next.grant();
    }
  }

  private refusal(why: string): Refusal {
    return new Refusal('LIMIT_EXCEEDED', `the daemon is at max_restore_bytes: ${why}; try again later`, {
      status: status.RESOURCE_EXHAUSTED,
      metadata: { limit: 'max_restore_bytes', max: String(this.max) },
    });
  }
}

/**
 * The bytes one restore holds. `reserve(n)` makes it hold at least n (a read that started over on
 * another epoch asks again); `release()` returns everything, once, from any path — and a reserve
 * still waiting then fails instead of taking room for a call that is gone.
 */
export class RestoreHolding {
  private held = 0;
  private released = false;

  constructor(
    private readonly budget: RestoreBudget,
    private readonly deadlineMs: number | undefined,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** Bytes held now. */
  get bytes(): number {
    return this.held;
  }

  /** Resolves once at least `bytes` are held; rejects with the refusal (or the call's end) otherwise. */
  async reserve(bytes: number): Promise<void> {
    if (this.released) throw new Refusal('STORE_UNAVAILABLE', 'the call ended before it reserved memory');
    const more = bytes - this.held;
    if (more <= 0) return;
    await this.budget.take(this, more, this.deadlineMs, this.signal);
    if (this.released) {
      // Granted just as the call ended: hand it straight back.
      this.budget.give(this, more);
      throw new Refusal('STORE_UNAVAILABLE', 'the call ended while it waited for memory');
    }
    this.held += more;
  }

  /** Returns every byte held (idempotent). */
  release(): void {
    if (this.released) return;
    this.released = true;
    const bytes = this.held;
    this.held = 0;
    this.budget.give(this, bytes);
  }
}
