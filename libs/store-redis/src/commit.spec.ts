import { setTimeout as sleep } from 'node:timers/promises';
import { fromBinary } from '@bufbuild/protobuf';
import { EpochMetaSchema } from '@persistd/contract';
import { worldKeys } from './keys';
import type { RedisStore } from './redis-store';
import { StoreError } from './store-error';
import { Harness, commitInput, contentOf, randomChunk, randomContent } from './test/fixtures';

describe('commit', () => {
  let h: Harness;
  let store: RedisStore;
  const W = 'world-1';
  beforeEach(() => {
    h = new Harness();
    store = h.store();
  });
  afterEach(() => h.cleanup());

  it('commits epoch 1 and reads back the same bytes', async () => {
    const content = randomContent(7, 1000);
    const input = commitInput(W, content, { expectedEpoch: 0n });
    const result = await store.commit(input);
    const sealed = input.sealed.get(1n)!;
    expect(result).toEqual({ kind: 'committed', epoch: 1n, digest: sealed.digest });

    const stored = await store.readEpoch(W, 0n);
    expect(stored.epoch).toBe(1n);
    expect(Buffer.from(stored.metaBytes).equals(Buffer.from(sealed.bytes))).toBe(true);
    expect(stored.meta.contentDigest).toBe(content.contentDigest);
    expect(stored.chunks.size).toBe(7);
    for (const c of content.chunks) expect(Buffer.from(stored.chunks.get(c.id)!).equals(Buffer.from(c.bytes))).toBe(true);
    expect(await store.readCommittedEpoch(W)).toBe(1n);
  });

  it('writes exactly the keys of the layout: pointer, meta, persistent chunks, request record with TTL', async () => {
    const content = randomContent(3);
    const input = commitInput(W, content, { expectedEpoch: 0n, requestId: 'req-1' });
    await store.commit(input);
    const k = worldKeys(h.prefix, W);
    expect(await h.keys()).toEqual([k.chunk(content.chunks[0]!.id), k.chunk(content.chunks[1]!.id), k.chunk(content.chunks[2]!.id), k.epoch, k.meta(1n), k.req('req-1')].sort());
    expect(await h.redis.get(k.epoch)).toBe('1');
    for (const c of content.chunks) expect(await h.redis.ttl(k.chunk(c.id))).toBe(-1);
    expect(await h.redis.ttl(k.meta(1n))).toBe(-1);
    const reqTtl = await h.redis.ttl(k.req('req-1'));
    expect(reqTtl).toBeGreaterThan(3500);
    expect(reqTtl).toBeLessThanOrEqual(3600);
    expect(await h.redis.get(k.req('req-1'))).toBe(`1 ${content.contentDigest} ${input.sealed.get(1n)!.digest}`);
    expect(await store.readRequest(W, 'req-1')).toEqual({ epoch: 1n, contentDigest: content.contentDigest, digest: input.sealed.get(1n)!.digest });
  });

  it('commits the next epoch on top of the last one', async () => {
    await store.commit(commitInput(W, randomContent(), { expectedEpoch: 0n }));
    const second = commitInput(W, randomContent(), { expectedEpoch: 1n });
    expect(await store.commit(second)).toEqual({ kind: 'committed', epoch: 2n, digest: second.sealed.get(2n)!.digest });
    expect(fromBinary(EpochMetaSchema, (await store.readEpoch(W, 0n)).metaBytes).epoch).toBe(2n);
  });

  it('refuses a stale or future expected epoch as a conflict and writes nothing', async () => {
    await store.commit(commitInput(W, randomContent(), { expectedEpoch: 0n }));
    const before = await h.dump();
    expect(await store.commit(commitInput(W, randomContent(), { expectedEpoch: 0n }))).toEqual({ kind: 'conflict', committedEpoch: 1n });
    expect(await store.commit(commitInput(W, randomContent(), { expectedEpoch: 5n }))).toEqual({ kind: 'conflict', committedEpoch: 1n });
    expect(await h.dump()).toEqual(before);
  });

  it('refuses a first save that expects an epoch the world never had', async () => {
    expect(await store.commit(commitInput(W, randomContent(), { expectedEpoch: 3n }))).toEqual({ kind: 'conflict', committedEpoch: 0n });
    expect(await h.keys()).toEqual([]);
  });

  it('of 12 concurrent commits on one expected epoch exactly one commits; the rest conflict', async () => {
    const inputs = Array.from({ length: 12 }, () => commitInput(W, randomContent(5, 2000), { expectedEpoch: 0n }));
    const results = await Promise.all(inputs.map((i) => store.commit(i)));
    const winners = results.flatMap((r, i) => (r.kind === 'committed' ? [i] : []));
    expect(winners).toHaveLength(1);
    for (const r of results) if (r.kind !== 'committed') expect(r).toEqual({ kind: 'conflict', committedEpoch: 1n });

    const winner = inputs[winners[0]!]!;
    const k = worldKeys(h.prefix, W);
    expect(await h.redis.get(k.epoch)).toBe('1');
    expect((await h.redis.getBuffer(k.meta(1n)))!.equals(Buffer.from(winner.sealed.get(1n)!.bytes))).toBe(true);
    expect(await h.redis.get(k.req(winner.requestId))).not.toBeNull();
    for (const loser of inputs.filter((i) => i !== winner)) {
      expect(await h.redis.exists(k.req(loser.requestId))).toBe(0);
      // a loser's chunks were staged at most: they expire, they are never made persistent
      for (const c of loser.chunks) expect(await h.redis.ttl(k.chunk(c.id))).not.toBe(-1);
    }
    for (const c of winner.chunks) expect(await h.redis.ttl(k.chunk(c.id))).toBe(-1);
  });

  it('answers the same request id with the same content as replayed, with the original epoch and digest, writing nothing', async () => {
    const content = randomContent();
    const first = commitInput(W, content, { expectedEpoch: 0n, requestId: 'same' });
    await store.commit(first);
    const before = await h.dump();
    const retry = commitInput(W, content, { expectedEpoch: 0n, requestId: 'same' });
    expect(await store.commit(retry)).toMatchObject({ kind: 'replayed', epoch: 1n, digest: first.sealed.get(1n)!.digest });
    expect(retry.sealed.size).toBe(0);
    expect(await h.dump()).toEqual(before);
  });

  it('answers a replay even after later epochs moved the pointer on', async () => {
    const content = randomContent();
    const first = commitInput(W, content, { expectedEpoch: 0n, requestId: 'old' });
    await store.commit(first);
    await store.commit(commitInput(W, randomContent(), { expectedEpoch: 1n }));
    expect(await store.commit(commitInput(W, content, { expectedEpoch: 0n, requestId: 'old' }))).toMatchObject({
      kind: 'replayed',
      epoch: 1n,
      digest: first.sealed.get(1n)!.digest,
    });
  });

  it('refuses the same request id with other content as request-id-reused', async () => {
    await store.commit(commitInput(W, randomContent(), { expectedEpoch: 0n, requestId: 'same' }));
    const before = await h.dump();
    expect(await store.commit(commitInput(W, randomContent(), { expectedEpoch: 1n, requestId: 'same' }))).toEqual({
      kind: 'request-id-reused',
      epoch: 1n,
    });
    expect(await h.dump()).toEqual(before);
  });

  it('recognizes a Save by its request digest across content digests, and answers the original one', async () => {
    const rd = 'd'.repeat(64);
    const original = randomContent();
    await store.commit(commitInput(W, original, { expectedEpoch: 0n, requestId: 'by-rd', requestDigest: rd }));
    const reqKey = worldKeys(h.prefix, W).req('by-rd');
    expect(await h.redis.get(reqKey)).toMatch(new RegExp(`^1 ${original.contentDigest} [0-9a-f]{64} save:${rd}$`));
    const before = await h.dump();
    // The same request cut in another stored form: other chunks, another content digest.
    const replay = await store.commit(commitInput(W, randomContent(), { expectedEpoch: 0n, requestId: 'by-rd', requestDigest: rd }));
    expect(replay).toMatchObject({ kind: 'replayed', epoch: 1n, record: { contentDigest: original.contentDigest, requestDigest: rd } });
    // The same content asked by another request (another request digest).
    expect(await store.commit(commitInput(W, original, { expectedEpoch: 0n, requestId: 'by-rd', requestDigest: 'e'.repeat(64) }))).toEqual({ kind: 'request-id-reused', epoch: 1n });
    expect(await h.dump()).toEqual(before);
  });

  it('recognizes a Save by content digest when its record has no request digest (written before Save had one)', async () => {
    const content = randomContent();
    await store.commit(commitInput(W, content, { expectedEpoch: 0n, requestId: 'no-rd' }));
    expect(await h.redis.get(worldKeys(h.prefix, W).req('no-rd'))).toMatch(/^1 [0-9a-f]{64} [0-9a-f]{64}$/);
    expect(await store.commit(commitInput(W, content, { expectedEpoch: 0n, requestId: 'no-rd', requestDigest: 'd'.repeat(64) }))).toMatchObject({ kind: 'replayed', epoch: 1n });
    expect(await store.commit(commitInput(W, randomContent(), { expectedEpoch: 0n, requestId: 'no-rd', requestDigest: 'd'.repeat(64) }))).toEqual({ kind: 'request-id-reused', epoch: 1n });
  });

  it('stages again a chunk removed after staging and before WATCH', async () => {
    const content = randomContent(5);
    const victim = worldKeys(h.prefix, W).chunk(content.chunks[2]!.id);
    const attempts: number[] = [];
    const input = commitInput(W, content, {
      expectedEpoch: 0n,
      onStaged: async ({ attempt }) => {
        attempts.push(attempt);
        if (attempt === 1) {
          expect(await h.redis.del(victim)).toBe(1);
        }
      },
    });
    expect((await store.commit(input)).kind).toBe('committed');
    expect(attempts).toEqual([1, 2]);
    expect(await h.redis.ttl(victim)).toBe(-1);
    expect((await store.readEpoch(W, 1n)).chunks.size).toBe(5);
  });

  it('stages again a new chunk that vanishes between WATCH and EXEC (the commit script writes nothing, epoch unchanged)', async () => {
    const content = randomContent(5);
    const victim = worldKeys(h.prefix, W).chunk(content.chunks[0]!.id);
    const watched: number[] = [];
    const input = commitInput(W, content, {
      expectedEpoch: 0n,
      onWatched: async ({ attempt }) => {
        watched.push(attempt);
        if (attempt === 1) await h.redis.del(victim);
      },
    });
    expect((await store.commit(input)).kind).toBe('committed');
    expect(watched).toEqual([1, 2]);
    expect(await h.redis.ttl(victim)).toBe(-1);
    expect(Buffer.from((await store.readEpoch(W, 0n)).chunks.get(content.chunks[0]!.id)!).equals(Buffer.from(content.chunks[0]!.bytes))).toBe(true);
  });

  it('turns a commit that lands between WATCH and EXEC into a conflict (nil EXEC, epoch moved)', async () => {
    const other = commitInput(W, randomContent(), { expectedEpoch: 0n });
    const mine = commitInput(W, randomContent(), {
      expectedEpoch: 0n,
      onWatched: async ({ attempt }) => {
        if (attempt === 1) expect((await store.commit(other)).kind).toBe('committed');
      },
    });
    expect(await store.commit(mine)).toEqual({ kind: 'conflict', committedEpoch: 1n });
    expect((await h.redis.getBuffer(worldKeys(h.prefix, W).meta(1n)))!.equals(Buffer.from(other.sealed.get(1n)!.bytes))).toBe(true);
  });

  it('answers replayed when the same request committed between WATCH and EXEC', async () => {
    const content = randomContent();
    const twin = commitInput(W, content, { expectedEpoch: 0n, requestId: 'twin' });
    const mine = commitInput(W, content, {
      expectedEpoch: 0n,
      requestId: 'twin',
      onWatched: async () => {
        expect((await store.commit(twin)).kind).toBe('committed');
      },
    });
    expect(await store.commit(mine)).toMatchObject({ kind: 'replayed', epoch: 1n, digest: twin.sealed.get(1n)!.digest });
  });

  it('gives up with STORE_UNAVAILABLE when every attempt is disturbed', async () => {
    const content = randomContent(2);
    const victim = worldKeys(h.prefix, W).chunk(content.chunks[0]!.id);
    const input = commitInput(W, content, { expectedEpoch: 0n, onWatched: async () => void (await h.redis.del(victim)) });
    await expect(store.commit(input)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', metadata: { failure: 'retries-exhausted' } });
    expect(await h.redis.exists(worldKeys(h.prefix, W).epoch)).toBe(0);
  });

  it('commits nothing and stages nothing when the deadline has already passed', async () => {
    const input = commitInput(W, randomContent(), { expectedEpoch: 0n, deadlineMs: Date.now() - 1 });
    expect(await store.commit(input)).toEqual({ kind: 'deadline-exceeded' });
    expect(await h.keys()).toEqual([]);
  });

  it('commits nothing when the deadline passes between WATCH and EXEC', async () => {
    const content = randomContent();
    const input = commitInput(W, content, {
      expectedEpoch: 0n,
      deadlineMs: Date.now() + 300,
      onWatched: () => sleep(400),
    });
    expect(await store.commit(input)).toEqual({ kind: 'deadline-exceeded' });
    const k = worldKeys(h.prefix, W);
    expect(await h.redis.exists(k.epoch, k.meta(1n), k.req(input.requestId))).toBe(0);
    for (const c of content.chunks) expect(await h.redis.ttl(k.chunk(c.id))).toBeGreaterThan(0);
    // the connection was released clean (UNWATCH): the next commit goes through
    expect((await store.commit(commitInput(W, content, { expectedEpoch: 0n }))).kind).toBe('committed');
  });

  it('stores a chunk listed twice once', async () => {
    const c = randomChunk();
    const content = contentOf([c, c, randomChunk()]);
    expect((await store.commit(commitInput(W, content, { expectedEpoch: 0n }))).kind).toBe('committed');
    expect((await store.readEpoch(W, 1n)).chunks.size).toBe(2);
  });

  it('refuses a sealMeta that lists other chunks than it was given, before anything commits', async () => {
    const content = randomContent(3);
    const liar = commitInput(W, contentOf(content.chunks.slice(0, 2)), { expectedEpoch: 0n });
    await expect(store.commit({ ...liar, chunks: content.chunks })).rejects.toThrow(/other chunk ids/);
    expect(await h.redis.exists(worldKeys(h.prefix, W).epoch)).toBe(0);
    expect(await store.commit(commitInput(W, content, { expectedEpoch: 0n }))).toMatchObject({ kind: 'committed' });
  });

  it('keeps worlds apart', async () => {
    await store.commit(commitInput('world-a', randomContent(), { expectedEpoch: 0n }));
    expect(await store.commit(commitInput('world-b', randomContent(), { expectedEpoch: 0n }))).toMatchObject({ kind: 'committed', epoch: 1n });
    await expect(store.readEpoch('world-c', 0n)).rejects.toBeInstanceOf(StoreError);
  });
});
