import { randomUUID } from 'node:crypto';
import { captureSnapshot, isPersistdError, type PersistdClient, type SaveInit, type SaveResult, type SnapshotOwners } from '@persistd/client';
import { StateSource } from '@persistd/contract';

/**
 * Saves one world, one save at a time, each descending from the last committed epoch.
 *
 * - The snapshot is taken by captureSnapshot, synchronously, when save() is called (after a
 *   pending save settled, when there was one), so the game keeps ticking while it is sent.
 * - The SDK retries an unknown outcome with the same request id. If it still cannot tell, the
 *   request is kept and sent again — same id, same snapshot — before any newer save, so a save
 *   that did commit is answered `replayed` instead of turning the next one into EPOCH_CONFLICT.
 * - The SDK decides how each save travels (`auto`): a change set against the epoch it saved or
 *   restored when that is smaller, the whole snapshot otherwise; `sent` says which.
 * - EPOCH_CONFLICT (EpochConflictError) means another writer moved the world: it is thrown and
 *   the owner of this saver must stop running the world.
 */
export class WorldSaver {
  #epoch: bigint;
  #pending: SaveInit | undefined;
  #inFlight: Promise<SaveResult> | undefined;

  constructor(
    private readonly client: PersistdClient,
    epoch: bigint,
  ) {
    this.#epoch = epoch;
  }

  /** The last committed epoch this world descends from. */
  get epoch(): bigint {
    return this.#epoch;
  }

  /** True while a save is on its way. */
  get busy(): boolean {
    return this.#inFlight !== undefined;
  }

  /** Waits for the save on its way, if any; its failure is the caller's of save(). */
  async idle(): Promise<void> {
    await this.#inFlight?.catch(() => undefined);
  }

  /**
   * Captures the world now (`owners` at the current epoch) and saves it. Refuses to overlap:
   * call idle() first, or skip this round (a timer does).
   */
  save(ownersAt: (epoch: bigint) => SnapshotOwners): Promise<SaveResult> {
    if (this.#inFlight) throw new Error('WorldSaver: a save is already on its way');
    const run = this.#run(ownersAt);
    this.#inFlight = run;
    return run.finally(() => (this.#inFlight = undefined));
  }

  async #run(ownersAt: (epoch: bigint) => SnapshotOwners): Promise<SaveResult> {
    if (this.#pending) {
      await this.#send(this.#pending); // settles the unknown outcome first (replayed, or committed now)
    }
    // Captured after the pending one settled: it must descend from the epoch that one made.
    const snapshot = captureSnapshot(ownersAt(this.#epoch));
    const worldId = snapshot.world!.worldId;
    return this.#send({ worldId, expectedEpoch: this.#epoch, requestId: randomUUID(), source: StateSource.AUTHORITATIVE_RUNTIME, snapshot });
  }

  async #send(request: SaveInit): Promise<SaveResult> {
    try {
      const saved = await this.client.save(request);
      this.#pending = undefined;
      this.#epoch = saved.committedEpoch;
      return saved;
    } catch (e) {
      this.#pending = isPersistdError(e) && e.outcomeUnknown ? request : undefined;
      throw e;
    }
  }
}
