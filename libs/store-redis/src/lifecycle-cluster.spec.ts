import { startRedisCluster, uniquePrefix, type LocalRedisCluster } from '@persistd/testkit';
import { worldSlot } from './cluster-slot';
import { RedisStore } from './redis-store';
import { commitInput, DEFAULT_SETTINGS, randomContent } from './test/fixtures';

/** A world's whole life on a real local Redis Cluster: listed on every master, deleted, saved anew. */
describe('world lifecycle on a Redis Cluster', () => {
  let cluster: LocalRedisCluster;
  let store: RedisStore;
  const prefix = uniquePrefix('lc');

  beforeAll(async () => {
    cluster = await startRedisCluster();
    store = new RedisStore({ redis: { url: 'redis://unused:1', clusterSeeds: cluster.seeds.slice(0, 2) }, settings: { ...DEFAULT_SETTINGS, prefix } });
  }, 120_000);
  afterAll(async () => {
    await store?.close();
    await cluster?.stop();
  });

  it('lists and sizes worlds held by every master, deletes one on its slot owner, and re-creates it at N+1', async () => {
    const worlds = Array.from({ length: 12 }, (_, i) => `cw-${i}`);
    for (const w of worlds) {
      for (let e = 0n; e < 2n; e++) expect((await store.commit(commitInput(w, randomContent(3, 100), { expectedEpoch: e }))).kind).toBe('committed');
    }
    const owners = new Set(await Promise.all(worlds.map(async (w) => (await cluster.masterOfSlot(worldSlot(w))).addr)));
    expect(owners.size).toBeGreaterThan(1);

    const listed = await store.listWorlds();
    expect(listed.map((w) => w.worldId)).toEqual([...worlds].sort());
    expect(new Set(listed.map((w) => w.node)).size).toBe(owners.size);
    for (const w of listed) {
      expect(w).toMatchObject({ committedEpoch: 2n, deletedEpoch: 0n, retainedEpochs: [1n, 2n], chunks: 6 });
      // Six chunks of 100 bytes, plus the two metas.
      expect(w.storedBytes).toBeGreaterThan(600);
    }
    expect((await store.listWorlds({ match: 'cw-1*' })).map((w) => w.worldId)).toEqual(['cw-1', 'cw-10', 'cw-11']);

    expect(await store.deleteWorld({ worldId: 'cw-3', expectedEpoch: 1n })).toEqual({ kind: 'conflict', committedEpoch: 2n });
    expect(await store.deleteWorld({ worldId: 'cw-3', expectedEpoch: 2n })).toMatchObject({ kind: 'deleted', deletedEpoch: 2n, sweep: { chunksExpiring: 6 } });
    expect(await store.worldStatus('cw-3')).toMatchObject({ committedEpoch: 0n, deletedEpoch: 2n });
    await expect(store.readEpoch('cw-3', 0n)).rejects.toMatchObject({ code: 'WORLD_NOT_FOUND' });
    expect((await store.listWorlds({ match: 'cw-3' }))[0]).toMatchObject({ committedEpoch: 0n, deletedEpoch: 2n, storedBytes: 0 });

    expect(await store.commit(commitInput('cw-3', randomContent(), { expectedEpoch: 2n }))).toEqual({ kind: 'conflict', committedEpoch: 0n, deletedEpoch: 2n });
    expect(await store.commit(commitInput('cw-3', randomContent(), { expectedEpoch: 0n }))).toMatchObject({ kind: 'committed', epoch: 3n });
    expect(await store.worldStatus('cw-3')).toMatchObject({ committedEpoch: 3n, retainedEpochs: [3n], deletedEpoch: 0n });
    // The tombstone lived on the slot's owner, where the new pointer now is.
    const owner = await cluster.masterOfSlot(worldSlot('cw-3'));
    expect(owner.addr).toBe((await store.listWorlds({ match: 'cw-3' }))[0]!.node);
  }, 60_000);

  it('a delete racing a save on the slot owner: exactly one wins, and a deleted world is never half restorable', async () => {
    for (let i = 0; i < 8; i++) {
      const w = `race-${i}`;
      await store.commit(commitInput(w, randomContent(3, 100), { expectedEpoch: 0n }));
      const [saved, deleted] = await Promise.all([
        store.commit(commitInput(w, randomContent(3, 100), { expectedEpoch: 1n })),
        store.deleteWorld({ worldId: w, expectedEpoch: 1n }),
      ]);
      expect([saved.kind === 'committed', deleted.kind === 'deleted'].filter(Boolean)).toHaveLength(1);
      if (deleted.kind === 'deleted') {
        expect(saved).toEqual({ kind: 'conflict', committedEpoch: 0n, deletedEpoch: 1n });
        await expect(store.readEpoch(w, 0n)).rejects.toMatchObject({ code: 'WORLD_NOT_FOUND' });
      } else {
        expect(deleted).toEqual({ kind: 'conflict', committedEpoch: 2n });
        expect((await store.readEpoch(w, 0n)).chunks.size).toBe(3);
      }
    }
  }, 60_000);
});
