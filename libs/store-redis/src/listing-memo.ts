/**
 * The chunk listings of the epochs this store committed last, one per world, each under the very
 * meta bytes it was committed with. A commit must know what its base epoch lists (commit.ts step
 * 0): in stored form 2 that means unpacking every index chunk of the base, ~15,000 ids for an L
 * world, some 8 ms on the event loop for a change set that touched a few chunks. A world's next
 * commit usually descends from the epoch this store committed last, and the listing it checked
 * then is the base's listing now.
 *
 * Held for worlds saved through change sets only (a commit with `changes`, then every commit of
 * a world held), as the daemon's index is: a whole Save costs some 2 s for an L world, where 8 ms
 * is noise, and a daemon of worlds only ever saved whole would hold them for nothing (100 M
 * worlds saved and restored, peak RSS 1,014 MiB without it, 1,036 MiB holding every listing).
 *
 * Found only when the base meta read from Redis is byte for byte the meta committed: the meta
 * names its index chunks by their hashes, so the same bytes list the same chunks. Any other
 * base — another daemon's commit, a rollback, a meta rewritten — is listed from Redis as before.
 * Correctness never depends on it.
 */

/** One world's last committed epoch: its meta bytes as stored, and every chunk id it lists. */
interface Listing {
  metaBytes: Buffer;
  ids: ReadonlySet<string>;
}

/**
 * Chunk ids held at most, over every world: 100,000 ids are some 11 MB of heap (a Set of 64-char
 * hex ids measured 109 bytes per id), the listings of 6 L worlds or 30 M worlds. A world past
 * the bound alone is not held; the least recently used go first.
 */
export const LISTING_MEMO_MAX_IDS = 100_000;

export class ListingMemo {
  private readonly byWorld = new Map<string, Listing>();
  private held = 0;
  /** Listings found, for tests. */
  hits = 0;

  constructor(private readonly maxIds = LISTING_MEMO_MAX_IDS) {}

  /** What the epoch whose meta is `metaBytes` lists, if it is this world's listing held. */
  find(worldId: string, metaBytes: Uint8Array): ReadonlySet<string> | undefined {
    const listing = this.byWorld.get(worldId);
    if (!listing || !listing.metaBytes.equals(metaBytes)) return undefined;
    this.byWorld.delete(worldId); // most recently used last
    this.byWorld.set(worldId, listing);
    this.hits += 1;
    return listing.ids;
  }

  /** Whether a listing of this world is held (its commits keep it current). */
  holds(worldId: string): boolean {
    return this.byWorld.has(worldId);
  }

  /**
   * Holds the listing of the epoch a commit just made visible, in place of the world's earlier
   * one, when the commit was a change set's (`changeSet`) or the world's listing is held already.
   */
  remember(worldId: string, metaBytes: Uint8Array, ids: ReadonlySet<string>, changeSet: boolean): void {
    if (!changeSet && !this.holds(worldId)) return;
    this.forget(worldId);
    if (ids.size > this.maxIds) return;
    this.byWorld.set(worldId, { metaBytes: Buffer.from(metaBytes), ids });
    this.held += ids.size;
    for (const [oldest, listing] of this.byWorld) {
      if (this.held <= this.maxIds) break;
      this.byWorld.delete(oldest);
      this.held -= listing.ids.size;
    }
  }

  private forget(worldId: string): void {
    const listing = this.byWorld.get(worldId);
    if (!listing) return;
    this.byWorld.delete(worldId);
    this.held -= listing.ids.size;
  }

  /** Chunk ids held, over every world. */
  get heldIds(): number {
    return this.held;
  }
}
