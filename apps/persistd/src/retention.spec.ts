import { generateWorld, keysUnder } from '@persistd/testkit';
import { chunksListedBy } from './test/stored-tree';
import { saveRequest, startTestDaemon, type TestDaemon } from './test/test-daemon';

describe('retention', () => {
  let t: TestDaemon;
  const K = 3;
  beforeAll(async () => {
    t = await startTestDaemon({ PERSISTD_RETENTION: String(K) });
  });
  afterAll(() => t.stop());

  it(`after K+2 saves only K metas remain, and every chunk left is listed by one of them`, async () => {
    for (let i = 0; i < K + 2; i++) {
      const w = generateWorld({ worldId: 'ret', players: 10, zones: 4, npcs: 10, items: 30, quests: 6, epoch: BigInt(i), seed: i + 1 });
      await t.client.save(saveRequest('ret', w, BigInt(i)));
    }
    const keys = await keysUnder(t.redis, `${t.prefix}:{ret}`);
    const metaKeys = keys.filter((k) => k.includes(':meta:'));
    expect(metaKeys.map((k) => k.split(':').pop()).sort()).toEqual(['3', '4', '5']);
    const listed = new Set<string>();
    for (const k of metaKeys) for (const id of await chunksListedBy(t.redis, t.prefix, 'ret', k)) listed.add(id);
    const chunkIds = keys.filter((k) => k.includes(':chunk:')).map((k) => k.split(':').pop()!);
    expect(new Set(chunkIds)).toEqual(listed);
    for (const k of keys.filter((k) => k.includes(':chunk:') || k.includes(':meta:'))) expect(await t.redis.ttl(k)).toBe(-1);
    expect((await t.client.getWorldStatus({ worldId: 'ret' })).retainedEpochs).toEqual([3n, 4n, 5n]);
  });
});
