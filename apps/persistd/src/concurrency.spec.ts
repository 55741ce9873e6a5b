import { status } from '@grpc/grpc-js';
import { fromServiceError } from '@persistd/contract';
import { generateWorld, smallWorld } from '@persistd/testkit';
import { saveRequest, startTestDaemon, type TestDaemon } from './test/test-daemon';

describe('concurrent saves of one world', () => {
  let t: TestDaemon;
  beforeAll(async () => {
    t = await startTestDaemon();
  });
  afterAll(() => t.stop());

  it('twelve saves with the same expected epoch: exactly one commits, the rest are EPOCH_CONFLICT', async () => {
    await t.client.save(saveRequest('race', smallWorld('race', 0n)));
    const contents = Array.from({ length: 12 }, (_, i) => generateWorld({ worldId: 'race', players: 5, zones: 3, npcs: 4, items: 10, quests: 3, epoch: 1n, seed: 100 + i }));
    const outcomes = await Promise.allSettled(contents.map((s) => t.client.save(saveRequest('race', s, 1n))));
    const won = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [{ i, res: o.value }] : []));
    expect(won).toHaveLength(1);
    expect(won[0].res.committedEpoch).toBe(2n);
    for (const o of outcomes) {
      if (o.status === 'rejected') {
        const rich = fromServiceError(o.reason);
        expect({ code: rich?.code, reason: rich?.reason }).toEqual({ code: status.ABORTED, reason: 'EPOCH_CONFLICT' });
      }
    }
    const st = await t.client.getWorldStatus({ worldId: 'race' });
    expect(st.committedEpoch).toBe(2n);
    expect(st.contentDigest).toBe(won[0].res.contentDigest);
  });
});
