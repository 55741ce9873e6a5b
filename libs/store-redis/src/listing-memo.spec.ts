import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { EpochMetaSchema, unpackChunkIds, type ChunkLedger } from '@persistd/contract';
import type { Chunk, CommitInput } from './commit';
import { worldKeys } from './keys';
import { ListingMemo } from './listing-memo';
import { Harness, SYSTEMS, randomChunk, sha256 } from './test/fixtures';

const meta = (n: number) => Buffer.from(`meta-${n}`);
const ids = (n: number, tag = 'x') => new Set(Array.from({ length: n }, (_, i) => `${tag}${i}`));

describe('ListingMemo', () => {
  it('holds a world once a change set commits it, and finds its listing only under the very meta bytes committed', () => {
    const memo = new ListingMemo(10);
    memo.remember('w', meta(1), ids(3), false); // a whole Save of a world not held
    expect(memo.holds('w')).toBe(false);
    memo.remember('w', meta(1), ids(3), true);
    expect(memo.holds('w')).toBe(true);
    expect(memo.find('w', meta(2))).toBeUndefined();
    expect(memo.find('v', meta(1))).toBeUndefined();
    expect(memo.find('w', meta(1))).toEqual(ids(3));
    expect(memo.hits).toBe(1);
  });

  it("holds one listing per world: a world's next commit replaces its last", () => {
    const memo = new ListingMemo(10);
    memo.remember('w', meta(1), ids(3), true);
    memo.remember('w', meta(2), ids(4), false); // a whole Save of a world held: held in turn
    expect(memo.find('w', meta(1))).toBeUndefined();
    expect(memo.find('w', meta(2))?.size).toBe(4);
    expect(memo.heldIds).toBe(4);
  });

  it('stays within its bound of ids, giving up the least recently used worlds first', () => {
    const memo = new ListingMemo(10);
    memo.remember('a', meta(1), ids(4), true);
    memo.remember('b', meta(1), ids(4), true);
    expect(memo.find('a', meta(1))).toBeDefined(); // a is now the more recently used
    memo.remember('c', meta(1), ids(4), true);
    expect(memo.heldIds).toBe(8);
    expect(memo.find('b', meta(1))).toBeUndefined();
    expect(memo.find('a', meta(1))).toBeDefined();
    expect(memo.find('c', meta(1))).toBeDefined();
    memo.remember('d', meta(1), ids(11), true); // larger than the bound: not held, and nothing given up for it
    expect(memo.find('d', meta(1))).toBeUndefined();
    expect(memo.heldIds).toBe(8);
  });
});

describe('a commit takes its base listing from the memo only when the base is the meta it committed (real Redis)', () => {
  const W = 'world-memo';
  const POOL = Array.from({ length: 6 }, () => randomChunk(64));

  /** A stored-form-1 commit of `chunks` whose meta records the bookkeeping it is given; a change set's (`changes`) unless `whole`. */
  function input(chunks: Chunk[], expectedEpoch: bigint, requestId: string, ledgers: Map<bigint, ChunkLedger | undefined>, whole = false): CommitInput {
    const sections = SYSTEMS.map((system, s) => ({ system, chunkIds: chunks.filter((_, i) => i % SYSTEMS.length === s).map((c) => c.id) }));
    const contentDigest = sha256(JSON.stringify(sections));
    return {
      worldId: W,
      expectedEpoch,
      requestId,
      contentDigest,
      chunks,
      ...(whole ? {} : { changes: { requestDigest: sha256(requestId), counts: [0, 0, 0, 0, 0] } }),
      sealMeta(epoch, ledger) {
        ledgers.set(epoch, ledger);
        const bytes = toBinary(EpochMetaSchema, create(EpochMetaSchema, { worldId: W, epoch, schemaVersion: 1, contentDigest, sections, storedForm: 1, ledger }));
        return { bytes, digest: sha256(bytes) };
      },
    };
  }

  const added = (ledger: ChunkLedger | undefined) => [...(unpackChunkIds(ledger!.added) ?? [])].sort();

  it('a base it committed itself is found, for worlds saved through change sets; its bookkeeping is what a store listing it from Redis writes', async () => {
    // A whole Save, two change sets, a whole Save: by a store that holds what it committed, and by fresh stores each time.
    const history: Array<[chunks: Chunk[], whole: boolean]> = [
      [POOL.slice(0, 4), true],
      [POOL.slice(1, 5), false],
      [POOL.slice(2, 6), false],
      [POOL.slice(0, 3), true],
    ];
    const h = new Harness();
    const twin = new Harness();
    try {
      const mine = h.store();
      const held = new Map<bigint, ChunkLedger | undefined>();
      const fresh = new Map<bigint, ChunkLedger | undefined>();
      for (const [n, [chunks, whole]] of history.entries()) {
        expect(await mine.commit(input(chunks, BigInt(n), `r${n}`, held, whole))).toMatchObject({ kind: 'committed', epoch: BigInt(n + 1) });
        expect(await twin.store().commit(input(chunks, BigInt(n), `r${n}`, fresh, whole))).toMatchObject({ kind: 'committed', epoch: BigInt(n + 1) });
        // Only saved whole so far: nothing held. Then held, and found from the second change set on.
        expect(mine.listings.holds(W)).toBe(n >= 1);
        expect(mine.listings.hits).toBe(Math.max(0, n - 1));
      }
      const ledgerBytes = (ledger: ChunkLedger | undefined) => toBinary(EpochMetaSchema, create(EpochMetaSchema, { ledger }));
      for (const epoch of [2n, 3n, 4n]) expect(ledgerBytes(held.get(epoch))).toEqual(ledgerBytes(fresh.get(epoch)));
      expect(added(held.get(3n))).toEqual([POOL[5]!.id]);
      expect(added(held.get(4n))).toEqual([POOL[0]!.id, POOL[1]!.id].sort());
    } finally {
      await twin.cleanup();
      await h.cleanup();
    }
  });

  it('a base another store committed since, or a meta rewritten in Redis, is listed from Redis', async () => {
    const h = new Harness();
    try {
      const mine = h.store();
      const ledgers = new Map<bigint, ChunkLedger | undefined>();
      expect(await mine.commit(input(POOL.slice(0, 4), 0n, 'r1', ledgers))).toMatchObject({ kind: 'committed', epoch: 1n });
      const other = h.store();
      expect(await other.commit(input(POOL.slice(0, 5), 1n, 'r2', ledgers))).toMatchObject({ kind: 'committed', epoch: 2n });
      expect(await mine.commit(input(POOL.slice(0, 6), 2n, 'r3', ledgers))).toMatchObject({ kind: 'committed', epoch: 3n });
      expect(mine.listings.hits).toBe(0);
      expect(added(ledgers.get(3n))).toEqual([POOL[5]!.id]);

      // Epoch 3 as stored, rewritten to list one chunk fewer: the next commit must see that base, not the listing it held.
      const key = worldKeys(h.prefix, W).meta(3n);
      const stored = fromBinary(EpochMetaSchema, (await h.redis.getBuffer(key))!);
      const dropped = stored.sections[0]!.chunkIds.shift()!;
      await h.redis.set(key, Buffer.from(toBinary(EpochMetaSchema, stored)));
      expect(await mine.commit(input(POOL.slice(0, 6), 3n, 'r4', ledgers))).toMatchObject({ kind: 'committed', epoch: 4n });
      expect(mine.listings.hits).toBe(0);
      expect(added(ledgers.get(4n))).toEqual([dropped]);
    } finally {
      await h.cleanup();
    }
  });
});
