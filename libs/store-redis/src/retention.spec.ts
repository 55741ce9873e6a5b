import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { EpochMetaSchema } from '@persistd/contract';
import { worldKeys } from './keys';
import { metaWindow, planRetention, LEFTOVER_WINDOW } from './retention';
import { Harness, commitInput, contentOf, randomChunk, randomContent, type Content } from './test/fixtures';

const W = 'world-r';

describe('retention (real Redis)', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness();
  });
  afterEach(() => h.cleanup());

  /** Commits contents one after another from epoch 0. */
  async function commitAll(retention: number, contents: Content[], from = 0n): Promise<void> {
    const store = h.store({ retention });
    for (const [i, content] of contents.entries()) {
      expect(await store.commit(commitInput(W, content, { expectedEpoch: from + BigInt(i) }))).toMatchObject({ kind: 'committed' });
    }
  }

  /** Chunk ids listed by the metas stored now, per epoch. */
  async function listedByMetas(): Promise<Map<bigint, string[]>> {
    const k = worldKeys(h.prefix, W);
    const out = new Map<bigint, string[]>();
    for (const key of await h.keys()) {
      const m = /:meta:(\d+)$/.exec(key);
      if (!m) continue;
      const meta = fromBinary(EpochMetaSchema, (await h.redis.getBuffer(k.meta(BigInt(m[1]!))))!);
      out.set(BigInt(m[1]!), meta.sections.flatMap((s) => s.chunkIds));
    }
    return out;
  }

  async function chunkKeyIds(): Promise<string[]> {
    return (await h.keys()).filter((key) => key.includes(':chunk:')).map((key) => key.split(':chunk:')[1]!);
  }

  it('after K+2 commits keeps the last K metas, only chunks they list, none with a TTL', async () => {
    const K = 3;
    // each epoch shares one chunk with the previous one, so drops must spare shared chunks
    const contents: Content[] = [];
    let carried = randomChunk();
    for (let i = 0; i < K + 2; i++) {
      const next = randomChunk();
      contents.push(contentOf([carried, randomChunk(), randomChunk(), next]));
      carried = next;
    }
    await commitAll(K, contents);

    const metas = await listedByMetas();
    expect([...metas.keys()].sort()).toEqual([3n, 4n, 5n]);
    const listed = new Set([...metas.values()].flat());
    const stored = await chunkKeyIds();
    expect(new Set(stored)).toEqual(listed);
    const k = worldKeys(h.prefix, W);
    for (const id of stored) expect(await h.redis.ttl(k.chunk(id))).toBe(-1);
    // the chunks of epochs 1 and 2 that no retained epoch shares are gone
    expect(stored).not.toContain(contents[0]!.chunks[1]!.id);
    expect(stored).not.toContain(contents[1]!.chunks[2]!.id);
    // the chunk epoch 2 shares with epoch 3 survived
    expect(stored).toContain(contents[2]!.chunks[0]!.id);
    expect(await h.store({ retention: K }).retainedEpochs(W)).toEqual([3n, 4n, 5n]);
  });

  it('stores a chunk shared by epochs once and keeps it while any retained epoch lists it', async () => {
    const shared = randomChunk(4096);
    const contents = [0, 1, 2].map(() => contentOf([shared, randomChunk()]));
    await commitAll(2, contents);
    const k = worldKeys(h.prefix, W);
    expect((await h.keys()).filter((key) => key === k.chunk(shared.id))).toHaveLength(1);
    expect(await h.redis.ttl(k.chunk(shared.id))).toBe(-1);
    // epoch 1 is gone, its private chunk too; epochs 2 and 3 read back the shared bytes
    expect(await h.redis.exists(k.meta(1n), k.chunk(contents[0]!.chunks[1]!.id))).toBe(0);
    const store = h.store({ retention: 2 });
    for (const e of [2n, 3n]) {
      expect(Buffer.from((await store.readEpoch(W, e)).chunks.get(shared.id)!).equals(Buffer.from(shared.bytes))).toBe(true);
    }
  });

  it('drops metas and chunks left over from a larger retention on the next commit', async () => {
    const contents = Array.from({ length: 6 }, () => randomContent(2));
    await commitAll(6, contents);
    expect((await listedByMetas()).size).toBe(6);
    await commitAll(2, [randomContent(2)], 6n);
    const metas = await listedByMetas();
    expect([...metas.keys()].sort()).toEqual([6n, 7n]);
    expect(new Set(await chunkKeyIds())).toEqual(new Set([...metas.values()].flat()));
  });

  it('keeps every epoch while fewer than K exist', async () => {
    await commitAll(3, [randomContent(), randomContent()]);
    expect([...(await listedByMetas()).keys()].sort()).toEqual([1n, 2n]);
  });
});

describe('planRetention', () => {
  const key = (e: bigint) => `m:${e}`;
  const metaOf = (epoch: bigint, ids: string[]) => toBinary(EpochMetaSchema, create(EpochMetaSchema, { epoch, sections: [{ chunkIds: ids }] }));

  it('drops epochs at or below newEpoch - retention and chunks only they list', () => {
    const plan = planRetention({
      newEpoch: 4n,
      retention: 2,
      newChunkIds: ['d'],
      metas: new Map([
        [1n, metaOf(1n, ['a', 'x'])],
        [2n, metaOf(2n, ['b', 'x'])],
        [3n, metaOf(3n, ['c', 'b'])],
      ]),
      keyOf: key,
    });
    expect(plan.dropMetas).toEqual([1n, 2n]);
    expect(plan.dropChunks.sort()).toEqual(['a', 'x']);
    expect(plan.chunksKept).toBe(false);
  });

  it('deletes no chunk when a kept meta cannot be read (a leak, never a loss)', () => {
    const plan = planRetention({
      newEpoch: 3n,
      retention: 2,
      newChunkIds: [],
      metas: new Map([
        [1n, metaOf(1n, ['a'])],
        [2n, new Uint8Array([0xff, 0xff, 0xff])],
      ]),
      keyOf: key,
    });
    expect(plan.dropMetas).toEqual([1n]);
    expect(plan.dropChunks).toEqual([]);
    expect(plan.chunksKept).toBe(true);
  });

  it('looks a bounded window below the cut', () => {
    expect(metaWindow(1n, 3)).toEqual([]);
    expect(metaWindow(4n, 3)).toEqual([1n, 2n, 3n]);
    const w = metaWindow(1000n, 3);
    expect(w[0]).toBe(1000n - 3n - LEFTOVER_WINDOW);
    expect(w.at(-1)).toBe(999n);
    expect(w).toHaveLength(Number(3n + LEFTOVER_WINDOW)); // 2 kept, 1 cut, 64 leftovers
  });
});
