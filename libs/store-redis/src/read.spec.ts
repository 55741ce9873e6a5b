import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { EpochMetaSchema, metaDigestOf, packChunkIds } from '@persistd/contract';
import { worldKeys } from './keys';
import type { RedisStore } from './redis-store';
import { Harness, SYSTEMS, commitInput, randomChunk, randomContent, sha256, type Content } from './test/fixtures';

describe('reads', () => {
  let h: Harness;
  let store: RedisStore;
  const W = 'world-read';
  beforeEach(() => {
    h = new Harness();
    store = h.store({ retention: 2 });
  });
  afterEach(() => h.cleanup());

  async function commitMany(n: number, chunksEach = 3): Promise<Content[]> {
    const contents: Content[] = [];
    for (let i = 0; i < n; i++) {
      const content = randomContent(chunksEach);
      expect((await store.commit(commitInput(W, content, { expectedEpoch: BigInt(i) }))).kind).toBe('committed');
      contents.push(content);
    }
    return contents;
  }

  it('a world never saved: epoch 0n, nothing retained, WORLD_NOT_FOUND', async () => {
    expect(await store.readCommittedEpoch(W)).toBe(0n);
    expect(await store.retainedEpochs(W)).toEqual([]);
    await expect(store.readEpoch(W, 0n)).rejects.toMatchObject({ code: 'WORLD_NOT_FOUND' });
    await expect(store.readEpoch(W, 1n)).rejects.toMatchObject({ code: 'WORLD_NOT_FOUND' });
    expect(await store.readRequest(W, 'nope')).toBeUndefined();
  });

  it('reads the latest and an older retained epoch with their own chunks', async () => {
    const contents = await commitMany(3);
    expect(await store.retainedEpochs(W)).toEqual([2n, 3n]);
    const latest = await store.readEpoch(W, 0n);
    expect(latest.epoch).toBe(3n);
    expect([...latest.chunks.keys()].sort()).toEqual(contents[2]!.chunks.map((c) => c.id).sort());
    const older = await store.readEpoch(W, 2n);
    expect(older.epoch).toBe(2n);
    expect(older.meta.epoch).toBe(2n);
    for (const c of contents[1]!.chunks) expect(Buffer.from(older.chunks.get(c.id)!).equals(Buffer.from(c.bytes))).toBe(true);
  });

  it('reads an epoch of more chunks than one MGET batch holds', async () => {
    const [content] = await commitMany(1, 40);
    const stored = await store.readEpoch(W, 1n);
    expect(stored.chunks.size).toBe(40);
    for (const c of content!.chunks) expect(Buffer.from(stored.chunks.get(c.id)!).equals(Buffer.from(c.bytes))).toBe(true);
  });

  it('tells a reserve the chunks\' stored bytes before reading them, and stops when it throws', async () => {
    const [content] = await commitMany(1, 40);
    const unique = new Map(content!.chunks.map((c) => [c.id, c.bytes.byteLength]));
    const sizes: number[] = [];
    const stored = await store.readEpoch(W, 1n, async (bytes) => {
      sizes.push(bytes);
    });
    expect(sizes).toEqual([[...unique.values()].reduce((a, b) => a + b, 0)]);
    expect(stored.chunks.size).toBe(unique.size);

    const full = new Error('budget full');
    await expect(store.readEpoch(W, 1n, () => Promise.reject(full))).rejects.toBe(full);
  });

  it('reserves the stored size its meta declares, in one step, without sizing the chunks', async () => {
    const content = randomContent(40);
    const actual = content.chunks.reduce((n, c) => n + c.bytes.byteLength, 0);
    expect((await store.commit(commitInput(W, content, { expectedEpoch: 0n, storedBytes: BigInt(actual + 1000) }))).kind).toBe('committed');
    const sizes: number[] = [];
    const stored = await store.readEpoch(W, 1n, async (bytes) => {
      sizes.push(bytes);
    });
    expect(sizes).toEqual([actual + 1000]); // the meta's number, not a measured one
    expect(stored.chunks.size).toBe(40);
  });

  it('reserves what it really read when the meta declares less (damage the verification reports)', async () => {
    const content = randomContent(40);
    const actual = content.chunks.reduce((n, c) => n + c.bytes.byteLength, 0);
    expect((await store.commit(commitInput(W, content, { expectedEpoch: 0n, storedBytes: 10n }))).kind).toBe('committed');
    const sizes: number[] = [];
    await store.readEpoch(W, 1n, async (bytes) => {
      sizes.push(bytes);
    });
    expect(sizes).toEqual([10, actual]);
  });

  it('does not trust the size a meta declares when its digest does not verify: the chunks are sized instead', async () => {
    const content = randomContent(40);
    const actual = content.chunks.reduce((n, c) => n + c.bytes.byteLength, 0);
    expect((await store.commit(commitInput(W, content, { expectedEpoch: 0n, storedBytes: BigInt(actual) }))).kind).toBe('committed');
    // Damage: a meta that claims a terabyte, its digest left as the commit sealed it.
    const key = worldKeys(h.prefix, W).meta(1n);
    const meta = fromBinary(EpochMetaSchema, (await h.redis.getBuffer(key))!);
    meta.storedBytes = 1n << 40n;
    await h.redis.set(key, Buffer.from(toBinary(EpochMetaSchema, meta)));
    const sizes: number[] = [];
    await store.readEpoch(W, 1n, async (bytes) => {
      sizes.push(bytes);
    });
    expect(sizes).toEqual([actual]);
  });

  it('holds a chunk that form-2 index chunks list more than once once, and reserves only what its meta declares', async () => {
    const keys = worldKeys(h.prefix, W);
    const shared = randomChunk(300);
    const own = SYSTEMS.map(() => randomChunk(100));
    const index = own.map((c) => {
      const bytes = packChunkIds([shared.id, c.id, shared.id]);
      return { id: sha256(bytes), bytes };
    });
    const chunks = [shared, ...own, ...index];
    const storedBytes = chunks.reduce((n, c) => n + c.bytes.byteLength, 0);
    const meta = create(EpochMetaSchema, {
      worldId: W,
      epoch: 1n,
      schemaVersion: 1,
      storedForm: 2,
      contentVersion: 'c1',
      sections: SYSTEMS.map((system, i) => ({ system, indexChunkIds: [index[i]!.id] })),
      storedBytes: BigInt(storedBytes),
    });
    meta.digest = metaDigestOf(meta);
    await h.redis.set(keys.epoch, '1');
    await h.redis.set(keys.meta(1n), Buffer.from(toBinary(EpochMetaSchema, meta)));
    for (const c of chunks) await h.redis.set(keys.chunk(c.id), Buffer.from(c.bytes));

    const reserved: number[] = [];
    const stored = await store.readEpoch(W, 0n, async (bytes) => {
      reserved.push(bytes);
    });
    expect(reserved).toEqual([storedBytes]);
    expect([...stored.chunks.keys()].sort()).toEqual(chunks.map((c) => c.id).sort());
  });

  it('EPOCH_NOT_FOUND for an epoch above the pointer', async () => {
    await commitMany(1);
    await expect(store.readEpoch(W, 2n)).rejects.toMatchObject({ code: 'EPOCH_NOT_FOUND', metadata: { epoch: '2' } });
  });

  it('EPOCH_NOT_FOUND for an epoch dropped by retention', async () => {
    await commitMany(3);
    await expect(store.readEpoch(W, 1n)).rejects.toMatchObject({ code: 'EPOCH_NOT_FOUND', metadata: { epoch: '1' } });
  });

  it('MISSING_COMPONENT when a chunk of a retained epoch is gone', async () => {
    const contents = await commitMany(2);
    const lost = contents[0]!.chunks[1]!.id;
    expect(await h.redis.del(worldKeys(h.prefix, W).chunk(lost))).toBe(1);
    await expect(store.readEpoch(W, 1n)).rejects.toMatchObject({ code: 'MISSING_COMPONENT', metadata: { component: 'chunk', chunk_id: lost } });
    expect((await store.readEpoch(W, 2n)).epoch).toBe(2n);
  });

  it('MISSING_COMPONENT when the meta of a retained epoch is gone', async () => {
    await commitMany(2);
    expect(await h.redis.del(worldKeys(h.prefix, W).meta(2n))).toBe(1);
    await expect(store.readEpoch(W, 0n)).rejects.toMatchObject({ code: 'MISSING_COMPONENT', metadata: { component: 'meta', epoch: '2' } });
    expect(await store.retainedEpochs(W)).toEqual([1n]);
  });

  it('DIGEST_MISMATCH when stored meta bytes do not decode', async () => {
    await commitMany(1);
    await h.redis.set(worldKeys(h.prefix, W).meta(1n), Buffer.from([0xff, 0xff, 0xff, 0xff]));
    await expect(store.readEpoch(W, 1n)).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
  });

  it('DIGEST_MISMATCH when the pointer is not a number', async () => {
    await h.redis.set(worldKeys(h.prefix, W).epoch, 'garbage');
    await expect(store.readCommittedEpoch(W)).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
  });

  it('returns the request record of a commit', async () => {
    const content = randomContent();
    const input = commitInput(W, content, { expectedEpoch: 0n, requestId: 'rq' });
    await store.commit(input);
    expect(await store.readRequest(W, 'rq')).toEqual({ epoch: 1n, contentDigest: content.contentDigest, digest: input.sealed.get(1n)!.digest });
  });

  it('ping answers while Redis is up', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
});

describe('reads with bad arguments', () => {
  it('reject (never throw synchronously) on a world id that cannot be a key part', async () => {
    const h = new Harness();
    try {
      const store = h.store();
      let p: Promise<unknown> | undefined;
      expect(() => (p = store.readEpoch('bad}id', 0n))).not.toThrow();
      await expect(p).rejects.toThrow(RangeError);
      await expect(store.readEpoch('w', -1n)).rejects.toThrow(RangeError);
    } finally {
      await h.cleanup();
    }
  });
});

describe('reads racing commits', () => {
  it('a reader of the latest epoch never sees a torn or falsely missing epoch while retention drops the previous one', async () => {
    const h = new Harness();
    try {
      const writer = h.store({ retention: 1 });
      const reader = h.store({ retention: 1 });
      const W = 'world-race';
      expect((await writer.commit(commitInput(W, randomContent(4), { expectedEpoch: 0n }))).kind).toBe('committed');
      let done = false;
      const seen: bigint[] = [];
      const failures: string[] = [];
      const readLoop = (async () => {
        while (!done) {
          try {
            const e = await reader.readEpoch(W, 0n);
            expect(e.meta.epoch).toBe(e.epoch);
            expect(e.chunks.size).toBe(4);
            seen.push(e.epoch);
          } catch (err) {
            failures.push(`${(err as { code?: string }).code}:${(err as { metadata?: Record<string, string> }).metadata?.failure}`);
          }
        }
      })();
      for (let n = 1n; n <= 20n; n++) {
        expect((await writer.commit(commitInput(W, randomContent(4), { expectedEpoch: n }))).kind).toBe('committed');
      }
      done = true;
      await readLoop;
      expect(seen.length).toBeGreaterThan(0);
      // the only failure a racing reader may meet is "the pointer kept moving": never data loss
      expect(failures.filter((f) => f !== 'STORE_UNAVAILABLE:pointer-moving')).toEqual([]);
      expect([...seen].sort((a, b) => (a < b ? -1 : 1))).toEqual(seen); // never goes back
    } finally {
      await h.cleanup();
    }
  });
});
