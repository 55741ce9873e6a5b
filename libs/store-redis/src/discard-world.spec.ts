import { worldKeys } from './keys';
import type { RedisStore } from './redis-store';
import { Harness, commitInput, randomContent } from './test/fixtures';

describe('discardWorld (the daemon warm-up save\'s scratch world)', () => {
  let h: Harness;
  let store: RedisStore;
  beforeEach(() => {
    h = new Harness();
    store = h.store();
  });
  afterEach(() => h.cleanup());

  it('removes every key of a world of one epoch — pointer, meta, chunks, request record — and no other world\'s', async () => {
    await store.commit(commitInput('game-world', randomContent(4), { expectedEpoch: 0n }));
    const others = await h.keys();
    await store.commit(commitInput('scratch', randomContent(6), { expectedEpoch: 0n, requestId: 'warm-up' }));
    expect((await h.keys()).length).toBe(others.length + 9);

    expect(await store.discardWorld('scratch', 'warm-up')).toEqual({ keysDeleted: 9 });
    expect(await h.keys()).toEqual(others);
  });

  it('a world never committed deletes nothing; a world past its first epoch is refused and kept', async () => {
    expect(await store.discardWorld('never-saved', 'warm-up')).toEqual({ keysDeleted: 0 });
    await store.commit(commitInput('two-epochs', randomContent(), { expectedEpoch: 0n }));
    await store.commit(commitInput('two-epochs', randomContent(), { expectedEpoch: 1n }));
    const before = await h.dump();
    await expect(store.discardWorld('two-epochs', 'warm-up')).rejects.toThrow(/past its first epoch/);
    expect(await h.dump()).toEqual(before);
    expect(await h.redis.get(worldKeys(h.prefix, 'two-epochs').epoch)).toBe('2');
  });
});
