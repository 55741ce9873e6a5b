import { clone } from '@bufbuild/protobuf';
import { WorldSnapshotSchema } from '@persistd/contract';
import { generateWorld, keysUnder } from '@persistd/testkit';
import { changesRequest, diffSnapshots } from './test/change-sets';
import { chunksListedBy } from './test/stored-tree';
import { saveRequest, startTestDaemon, type TestDaemon } from './test/test-daemon';

describe('retention', () => {
  let t: TestDaemon;
  const K = 3;
  beforeAll(async () => {
    t = await startTestDaemon({ PERSISTD_RETENTION: String(K) });
  });
  afterAll(() => t.stop());

  /** The retained metas of a world hold epochs `epochs`, and every chunk key left is listed by one of them, none by none. */
  async function onlyListedChunksLeft(worldId: string, epochs: string[]): Promise<void> {
    const keys = await keysUnder(t.redis, `${t.prefix}:{${worldId}}`);
    const metaKeys = keys.filter((k) => k.includes(':meta:'));
    expect(metaKeys.map((k) => k.split(':').pop()).sort()).toEqual(epochs);
    const listed = new Set<string>();
    for (const k of metaKeys) for (const id of await chunksListedBy(t.redis, t.prefix, worldId, k)) listed.add(id);
    const chunkIds = keys.filter((k) => k.includes(':chunk:')).map((k) => k.split(':').pop()!);
    expect(new Set(chunkIds)).toEqual(listed);
    for (const k of keys.filter((k) => k.includes(':chunk:') || k.includes(':meta:'))) expect(await t.redis.ttl(k)).toBe(-1);
  }

  it(`after K+2 saves only K metas remain, and every chunk left is listed by one of them`, async () => {
    for (let i = 0; i < K + 2; i++) {
      const w = generateWorld({ worldId: 'ret', players: 10, zones: 4, npcs: 10, items: 30, quests: 6, epoch: BigInt(i), seed: i + 1 });
      await t.client.save(saveRequest('ret', w, BigInt(i)));
    }
    await onlyListedChunksLeft('ret', ['3', '4', '5']);
    expect((await t.client.getWorldStatus({ worldId: 'ret' })).retainedEpochs).toEqual([3n, 4n, 5n]);
  });

  it('a world saved through change sets (the full path, then the fast path) leaves no chunk behind either', async () => {
    let w = generateWorld({ worldId: 'ret-changes', players: 10, zones: 4, npcs: 10, items: 300, quests: 6, seed: 7 });
    await t.client.save(saveRequest('ret-changes', w, 0n));
    for (let epoch = 1n; epoch <= BigInt(K + 2); epoch++) {
      const next = clone(WorldSnapshotSchema, w);
      for (const s of [next.players, next.world, next.npcs, next.items, next.quests]) s!.sourceEpoch = epoch;
      for (let i = 0; i < 40; i++) next.items!.items[(Number(epoch) * 53 + i * 7) % 300].durability += 1;
      await t.client.saveChanges(changesRequest('ret-changes', epoch, `ret-changes-${epoch}`, diffSnapshots(w, next), { contentVersion: w.world!.contentVersion }));
      w = next;
    }
    await onlyListedChunksLeft('ret-changes', ['4', '5', '6']);
  });
});
