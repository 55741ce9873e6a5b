import { status } from '@grpc/grpc-js';
import { Refusal } from '../rpc/refusal';

/**
 * PERSISTD_MAX_INFLIGHT_BYTES (DESIGN §6, §7): the request bytes being processed at once, across
 * every call. Decoding is the cost (about 29 MB/s), so a request is admitted to the budget right
 * after authority and before it is decoded; it holds its bytes until its call ends. Past the
 * budget: RESOURCE_EXHAUSTED with LIMIT_EXCEEDED and `metadata.limit` = `max_inflight_bytes`;
 * nothing is decoded and nothing stored, and the caller may try again later.
 */
export class InflightBudget {
  private used = 0;

  constructor(readonly max: number) {
    if (!(max >= 0)) throw new RangeError('InflightBudget: max must be ≥ 0');
  }

  /** Bytes held by calls running now. */
  get inUse(): number {
    return this.used;
  }

  /** Holds `bytes` until the returned release is called (once; later calls do nothing), or throws the refusal. */
  acquire(bytes: number): () => void {
    if (this.used + bytes > this.max) {
      const why = bytes > this.max ? `a request of ${bytes} bytes can never fit` : `${this.used} of ${this.max} bytes are being processed`;
      throw new Refusal('LIMIT_EXCEEDED', `the daemon is at max_inflight_bytes: ${why}; try again later`, {
        status: status.RESOURCE_EXHAUSTED,
        metadata: { limit: 'max_inflight_bytes', max: String(this.max) },
      });
    }
    this.used += bytes;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.used -= bytes;
    };
  }
}
