import { tombstoneValue, worldKeys } from './keys';
import type { RedisStore } from './redis-store';
import { Harness, commitInput, randomContent } from './test/fixtures';

describe('worldStatus', () => {
  let h: Harness;
  let store: RedisStore;
  const W = 'status-1';
  beforeEach(() => {
    h = new Harness();
    store = h.store();
  });
  afterEach(() => h.cleanup());

  it('reports a world never saved, a committed one and a deleted one', async () => {
    expect(await store.worldStatus(W)).toEqual({ committedEpoch: 0n, retainedEpochs: [], digest: '', contentDigest: '', deletedEpoch: 0n, storedForm: 0 });
    const content = randomContent();
    const input = commitInput(W, content, { expectedEpoch: 0n });
    await store.commit(input);
    expect(await store.worldStatus(W)).toEqual({ committedEpoch: 1n, retainedEpochs: [1n], digest: input.sealed.get(1n)!.digest, contentDigest: content.contentDigest, deletedEpoch: 0n, storedForm: 1 });
    await h.redis.set(worldKeys(h.prefix, W).epoch, tombstoneValue(1n));
    expect(await store.worldStatus(W)).toMatchObject({ committedEpoch: 0n, retainedEpochs: [], deletedEpoch: 1n });
  });

  it('is one snapshot under a racing writer: never epoch N with N+1 retained, and the digest is always epoch N’s', async () => {
    const content = new Map<bigint, string>();
    let writing = true;
    const writer = (async () => {
      for (let e = 0n; writing && e < 400n; e++) {
        const c = randomContent(2, 64);
        content.set(e + 1n, c.contentDigest);
        const input = commitInput(W, c, { expectedEpoch: e });
        const r = await store.commit(input);
        expect(r.kind).toBe('committed');
      }
    })();
    const seen: bigint[] = [];
    const deadline = Date.now() + 5000;
    try {
      while (seen.length < 300 && Date.now() < deadline) {
        const s = await store.worldStatus(W);
        seen.push(s.committedEpoch);
        if (s.committedEpoch === 0n) continue;
        expect(s.retainedEpochs[s.retainedEpochs.length - 1]).toBe(s.committedEpoch);
        expect(s.retainedEpochs.every((e) => e <= s.committedEpoch && e > s.committedEpoch - 3n)).toBe(true);
        expect(s.retainedEpochs.length).toBe(s.committedEpoch >= 3n ? 3 : Number(s.committedEpoch));
        expect(s.contentDigest).toBe(content.get(s.committedEpoch));
      }
    } finally {
      writing = false;
      await writer;
    }
    // The reads did overlap the writes (several distinct epochs seen).
    expect(new Set(seen).size).toBeGreaterThan(3);
  });
});
