/**
 * The chunk listings of the epochs this store committed last, one per world, each under the very
 * meta bytes it was committed with. A commit must know what its base epoch lists (commit.ts step
 * 0): in stored form 2 that means unpacking every index chunk of the base, ~15,000 ids for an L
 * world, some 8 ms on the event loop for a change set that touched a few chunks. A world's next
 * commit usually descends from the epoch this store committed last, and the listing it checked
 * then is the base's listing now.
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

  /** Holds the listing of the epoch a commit just made visible (in place of the world's earlier one). */
  remember(worldId: string, metaBytes: Uint8Array, ids: ReadonlySet<string>): void {
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
