/**
 * Saves of one world run one at a time inside a daemon (DESIGN §7): a second save of the same
 * world would only lose the epoch race after paying for its staging. Different worlds run side
 * by side. Correctness never depends on this queue (the epoch WATCH does that); it saves work.
 */
export class WorldQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(worldId: string, task: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(worldId) ?? Promise.resolve();
    const next = prev.then(task, task);
    const tail = next.catch(() => undefined);
    this.tails.set(worldId, tail);
    void tail.then(() => {
      if (this.tails.get(worldId) === tail) this.tails.delete(worldId);
    });
    return next;
  }

  /** Worlds with a save running or waiting. */
  get size(): number {
    return this.tails.size;
  }
}
