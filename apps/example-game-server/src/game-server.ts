import { isEpochConflictError, isPersistdError, isWorldDeleted, type PersistdClient, type RestoredWorld, type SaveResult } from '@persistd/client';
import { ActivationGate } from './game/activation';
import { freshWorld } from './game/fresh-world';
import { randomSource, tickWorld } from './game/tick';
import type { GameWorld } from './game/world-state';
import { stagingHandlers } from './persistence/from-records';
import { WorldSaver } from './persistence/saver';
import { snapshotOwners } from './persistence/to-records';
import { silentLog, type Log } from './log';

export interface GameServerOptions {
  client: PersistdClient;
  worldId: string;
  /** The content a fresh world is built from. */
  contentVersion: string;
  log?: Log;
}

/** How the world came to be: restored from an epoch, or fresh because it was never saved. */
export type Origin = { kind: 'restored'; restored: RestoredWorld } | { kind: 'fresh' };

/**
 * The example game server's lifecycle, around one world:
 *
 *   load()      restore the world (RestoreDriver, phase order) or start fresh if never saved;
 *               the world is INACTIVE
 *   activate()  put it in play; only now do ticks run
 *   tick()      one game step; throws WorldInactiveError before activate() (or after stop())
 *   save()      captureSnapshot + Save with the right expected epoch
 *   start(...)  tick and save on timers
 *   stop()      stop the timers, wait for a save on its way, save one last time
 *
 * An EPOCH_CONFLICT means another server wrote this world: the server is fenced (ticks stop,
 * no further save) and `fenced` resolves with the error.
 */
export class GameServer {
  readonly #options: GameServerOptions;
  readonly #log: Log;
  readonly #gate = new ActivationGate();
  readonly #random: () => number;
  #world: GameWorld | undefined;
  #saver: WorldSaver | undefined;
  #origin: Origin | undefined;
  #timers: NodeJS.Timeout[] = [];
  #ticks = 0;
  #fenced: Error | undefined;
  #onFenced: ((e: Error) => void)[] = [];

  constructor(options: GameServerOptions) {
    this.#options = options;
    this.#log = options.log ?? silentLog;
    this.#random = randomSource([...options.worldId].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7));
  }

  /** The live world (after load()). */
  get world(): GameWorld {
    if (!this.#world) throw new Error('GameServer: load() first');
    return this.#world;
  }

  get isActive(): boolean {
    return this.#gate.isActive;
  }

  /** The committed epoch the world descends from. */
  get epoch(): bigint {
    return this.#saver?.epoch ?? 0n;
  }

  get ticks(): number {
    return this.#ticks;
  }

  /** Restores the world, or makes a fresh one if it was never saved. The world stays inactive. */
  async load(): Promise<Origin> {
    if (this.#world) throw new Error('GameServer: already loaded');
    const { client, worldId, contentVersion } = this.#options;
    const { handlers, world } = stagingHandlers(worldId, contentVersion);
    try {
      const restored = await client.restore(worldId, {}, handlers);
      this.#world = world;
      this.#saver = new WorldSaver(client, restored.epoch);
      this.#origin = { kind: 'restored', restored };
      this.#log('restored', { world: worldId, epoch: restored.epoch, content_digest: restored.contentDigest, counts: restored.counts, active: restored.isActive });
    } catch (e) {
      // Anything else, a deleted world included (an operator removed it on purpose): do not invent a world.
      if (!(isPersistdError(e) && e.reason === 'WORLD_NOT_FOUND') || isWorldDeleted(e)) throw e;
      this.#world = freshWorld(worldId, contentVersion, BigInt(Date.now()));
      this.#saver = new WorldSaver(client, 0n);
      this.#origin = { kind: 'fresh' };
      this.#log('fresh', { world: worldId });
    }
    return this.#origin;
  }

  /** Puts the loaded world in play: the restored world's systems become ACTIVE, ticks may run. */
  activate(): void {
    if (!this.#world) throw new Error('GameServer: load() before activate()');
    if (this.#fenced) throw this.#fenced;
    if (this.#origin?.kind === 'restored') this.#origin.restored.activate();
    this.#gate.open();
    this.#log('activated', { world: this.#options.worldId, epoch: this.epoch });
  }

  /** One game step. Refused (WorldInactiveError) unless the world is active. */
  tick(): void {
    this.#gate.assertActive('tick');
    tickWorld(this.#world!, this.#random);
    this.#ticks++;
  }

  /** Captures the world now and saves it as the next epoch. */
  async save(): Promise<SaveResult> {
    if (!this.#saver || !this.#world) throw new Error('GameServer: load() before save()');
    if (this.#fenced) throw this.#fenced;
    const world = this.#world;
    try {
      const saved = await this.#saver.save((epoch) => snapshotOwners(world, epoch));
      this.#log('saved', {
        world: world.worldId,
        epoch: saved.committedEpoch,
        content_digest: saved.contentDigest,
        replayed: saved.replayed,
        ticks: this.#ticks,
        // What the save carried: a change set (upserts + deletes) or every record of the world.
        change_set: saved.sent.rpc === 'SaveChanges',
        records: saved.sent.records,
        world_records: saved.sent.worldRecords,
        request_bytes: saved.sent.requestBytes,
      });
      return saved;
    } catch (e) {
      if (isEpochConflictError(e)) this.#fence(e);
      throw e;
    }
  }

  /** Ticks every `tickMs` and saves every `saveMs`, until stop(). A failed timed save is logged; the next one retries. */
  start(tickMs: number, saveMs: number): void {
    this.#gate.assertActive('start');
    this.#timers.push(
      setInterval(() => this.tick(), tickMs),
      setInterval(() => {
        if (this.#saver!.busy) return; // one save at a time: this round is skipped
        this.save().catch((e: unknown) => this.#log('save-failed', { error: (e as Error).message, outcome_unknown: isPersistdError(e) && e.outcomeUnknown }));
      }, saveMs),
    );
  }

  /** Resolves when the world is fenced by an EPOCH_CONFLICT. */
  fenced(): Promise<Error> {
    return new Promise((resolve) => (this.#fenced ? resolve(this.#fenced) : this.#onFenced.push(resolve)));
  }

  /**
   * Stops ticking and saving, waits for a save on its way, then saves the final state (unless
   * the world was never activated, or is fenced). Returns the final save, if one was made.
   */
  async stop(): Promise<SaveResult | undefined> {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    const wasActive = this.#gate.isActive;
    this.#gate.close();
    await this.#saver?.idle();
    if (!wasActive || this.#fenced) return undefined;
    const saved = await this.save();
    this.#log('stopped', { world: this.#options.worldId, epoch: saved.committedEpoch, content_digest: saved.contentDigest });
    return saved;
  }

  #fence(e: Error): void {
    this.#fenced = e;
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    this.#gate.close();
    this.#log('fenced', { world: this.#options.worldId, error: e.message });
    for (const f of this.#onFenced.splice(0)) f(e);
  }
}
