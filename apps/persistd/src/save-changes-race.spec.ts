import { clone } from '@bufbuild/protobuf';
import { WorldSnapshotSchema, type WorldSnapshot } from '@persistd/contract';
import { smallWorld } from '@persistd/testkit';
import { changesRequest, diffSnapshots, resultOf } from './test/change-sets';
import { refusalOf, saveRequest, startTestDaemon, type TestDaemon } from './test/test-daemon';

describe('SaveChanges racing Save on one world', () => {
  let a: TestDaemon;
  let b: TestDaemon;
  beforeAll(async () => {
    a = await startTestDaemon();
    b = await startTestDaemon({ PERSISTD_KEY_PREFIX: a.prefix });
  });
  afterAll(async () => {
    await b.daemon.stop();
    b.client.close();
    b.redis.disconnect();
    await a.stop();
  });

  it('exactly one wins each epoch, the other gets EPOCH_CONFLICT, and the winner is what is stored', async () => {
    const worldId = 'race';
    let current: WorldSnapshot = smallWorld(worldId);
    await a.client.save(saveRequest(worldId, current, 0n));
    for (let epoch = 1n; epoch <= 8n; epoch++) {
      const edited = clone(WorldSnapshotSchema, current);
      edited.items!.items[0].durability += 1;
      const req = changesRequest(worldId, epoch, `race-c-${epoch}`, diffSnapshots(current, edited), { contentVersion: current.world!.contentVersion });
      const byChanges = resultOf(current, req);
      const whole = clone(WorldSnapshotSchema, current);
      for (const s of [whole.players, whole.world, whole.npcs, whole.items, whole.quests]) s!.sourceEpoch = epoch;
      whole.npcs!.npcs[0].health += 1;
      // Alternate which daemon sends which, so each kind of call meets the other from both sides.
      const [c, s] = epoch % 2n === 0n ? [a, b] : [b, a];
      const outcomes = await Promise.allSettled([c.client.saveChanges(req), s.client.save(saveRequest(worldId, whole, epoch, `race-s-${epoch}`))]);
      const won = outcomes.map((o) => o.status === 'fulfilled');
      expect(won.filter(Boolean)).toHaveLength(1);
      const lost = outcomes.find((o) => o.status === 'rejected')!;
      expect((await refusalOf(Promise.reject((lost as PromiseRejectedResult).reason))).reason).toBe('EPOCH_CONFLICT');
      const winner = outcomes.find((o) => o.status === 'fulfilled') as PromiseFulfilledResult<{ committedEpoch: bigint; contentDigest: string }>;
      expect(winner.value.committedEpoch).toBe(epoch + 1n);
      expect((await a.client.getWorldStatus({ worldId })).contentDigest).toBe(winner.value.contentDigest);
      current = won[0] ? byChanges : whole;
      for (const sec of [current.players, current.world, current.npcs, current.items, current.quests]) sec!.sourceEpoch = epoch + 1n;
    }
    expect((await b.client.getWorldStatus({ worldId })).committedEpoch).toBe(9n);
  });
});
