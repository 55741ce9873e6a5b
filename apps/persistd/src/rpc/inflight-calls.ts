/**
 * The handlers running now. A handler can outlive its call (grpc-js answers DEADLINE_EXCEEDED or
 * CANCELLED on its own while a commit is still under way), so shutdown waits for this count to
 * reach zero before it closes the store, and tests wait here before they inspect it.
 */
export class InflightCalls {
  private running = 0;
  private waiters: Array<() => void> = [];

  /** Counts `work` as running until it settles; returns it unchanged. */
  track<T>(work: Promise<T>): Promise<T> {
    this.running++;
    return work.finally(() => {
      this.running--;
      if (this.running === 0) for (const wake of this.waiters.splice(0)) wake();
    });
  }

  get count(): number {
    return this.running;
  }

  /** Resolves when no handler runs (at once if none does). */
  idle(): Promise<void> {
    return this.running === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}
