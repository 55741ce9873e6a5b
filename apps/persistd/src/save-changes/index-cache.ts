import { indexBytes, type BaseIndex } from '@persistd/validation';

/** Counters of the cache, for metrics and tests. */
export interface IndexCacheStats {
  hits: number;
  misses: number;
  evictions: number;
  entries: number;
  bytes: number;
  /** SaveChanges judged against their base epoch, by path (SaveChangesPath), and the record chunks the fast path read. */
  fast: number;
  rebuilt: number;
  full: number;
  chunksRead: number;
}

/**
 * How a SaveChanges reached its result: `fast`, the base index held; `rebuilt`, the index rebuilt
 * from the whole base first (rebuild-index.ts), then the fast path; `full`, the whole base read
 * and the result checked as a Save.
 */
export type SaveChangesPath = 'fast' | 'rebuilt' | 'full';

/**
 * The base-epoch indexes SaveChanges uses (DESIGN §5 "Change sets"), once per daemon: one per
 * world, for the epoch this daemon last committed there, bounded by PERSISTD_INDEX_CACHE_BYTES
 * with the least recently used evicted. A lookup names the epoch and its meta digest, so an
 * index of any other epoch (another daemon saved the world) is a miss. Correctness never
 * depends on it: a miss only means the change set reads the whole base and rebuilds its index
 * (rebuild-index.ts) before it takes the fast path.
 */
export class IndexCache {
  /** Map order is recency order: the first entry is the least recently used. */
  private readonly byWorld = new Map<string, { index: BaseIndex; bytes: number }>();
  private used = 0;
  private hits = 0;
  private misses = 0;
  private evictions = 0;
  private fast = 0;
  private rebuilt = 0;
  private full = 0;
  private chunksRead = 0;

  constructor(readonly maxBytes: number) {}

  /** The index of `worldId`'s epoch `epoch` whose meta digest is `digest`, if held. */
  get(worldId: string, epoch: bigint, digest: string): BaseIndex | undefined {
    const held = this.byWorld.get(worldId);
    if (!held || held.index.epoch !== epoch || held.index.digest !== digest) {
      this.misses++;
      return undefined;
    }
    this.byWorld.delete(worldId);
    this.byWorld.set(worldId, held);
    this.hits++;
    return held.index;
  }

  /**
   * Holds `index` as its world's, replacing one of an older epoch (never a newer one: a restore's
   * index may finish after a commit's); evicts the least recently used past the bound.
   */
  put(index: BaseIndex): void {
    const held = this.byWorld.get(index.worldId);
    if (held && held.index.epoch > index.epoch) return;
    this.drop(index.worldId);
    const bytes = indexBytes(index);
    if (bytes > this.maxBytes) return;
    this.byWorld.set(index.worldId, { index, bytes });
    this.used += bytes;
    for (const [worldId] of this.byWorld) {
      if (this.used <= this.maxBytes) break;
      this.drop(worldId);
      this.evictions++;
    }
  }

  /** Forgets a world's index (its epoch moved without this daemon). */
  drop(worldId: string): void {
    const held = this.byWorld.get(worldId);
    if (!held) return;
    this.byWorld.delete(worldId);
    this.used -= held.bytes;
  }

  /** Whether an index of any epoch of `worldId` is held (no lookup counted): the world is saved through change sets. */
  holdsWorld(worldId: string): boolean {
    return this.byWorld.has(worldId);
  }

  /** Whether the index of this very epoch is held (no lookup counted). */
  holds(worldId: string, epoch: bigint, digest: string): boolean {
    const held = this.byWorld.get(worldId)?.index;
    return held !== undefined && held.epoch === epoch && held.digest === digest;
  }

  /** Counts a SaveChanges judged against its base epoch, by the path it took, and the chunks it read. */
  notePath(path: SaveChangesPath, chunksRead: number): void {
    this[path]++;
    this.chunksRead += chunksRead;
  }

  stats(): IndexCacheStats {
    return { hits: this.hits, misses: this.misses, evictions: this.evictions, entries: this.byWorld.size, bytes: this.used, fast: this.fast, rebuilt: this.rebuilt, full: this.full, chunksRead: this.chunksRead };
  }
}
