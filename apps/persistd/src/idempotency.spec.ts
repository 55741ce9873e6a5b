import { smallWorld } from '@persistd/testkit';
import { dumpStore, saveRequest, startTestDaemon, type TestDaemon } from './test/test-daemon';

describe('request ids', () => {
  let t: TestDaemon;
  beforeAll(async () => {
    t = await startTestDaemon();
  });
  afterAll(() => t.stop());

  it('a retry with the same request id returns the original commit, replayed, and writes nothing', async () => {
    const req = saveRequest('idem', smallWorld('idem', 0n), 0n, 'retry-me');
    const first = await t.client.save(req);
    const before = await dumpStore(t.redis, t.prefix);
    const again = await t.client.save(saveRequest('idem', smallWorld('idem', 0n), 0n, 'retry-me'));
    expect(again).toMatchObject({ committedEpoch: first.committedEpoch, digest: first.digest, contentDigest: first.contentDigest, replayed: true });
    expect(first.replayed).toBe(false);
    expect(await dumpStore(t.redis, t.prefix)).toEqual(before);
    expect((await t.client.getWorldStatus({ worldId: 'idem' })).committedEpoch).toBe(1n);
  });

  it('a replay still answers after later commits moved the epoch on', async () => {
    const first = await t.client.save(saveRequest('idem2', smallWorld('idem2', 0n), 0n, 'early'));
    await t.client.save(saveRequest('idem2', smallWorld('idem2', 1n, 5), 1n, 'later'));
    const again = await t.client.save(saveRequest('idem2', smallWorld('idem2', 0n), 0n, 'early'));
    expect(again).toMatchObject({ committedEpoch: 1n, digest: first.digest, replayed: true });
  });
});
