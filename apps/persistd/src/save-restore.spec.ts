import { ActivationState, RestorePhase } from '@persistd/contract';
import { generateWorld, keysUnder, shuffleWorld } from '@persistd/testkit';
import { canonicalBytes, collect, collectRaw, reassemble } from './testing/restore-helpers';
import { saveRequest, startTestDaemon, type TestDaemon } from './testing/test-daemon';

describe('save and restore through gRPC', () => {
  let t: TestDaemon;
  beforeAll(async () => {
    t = await startTestDaemon();
  });
  afterAll(() => t.stop());

  it('saves and restores a world of 71,050 records, whole, in phase order', async () => {
    const shape = { worldId: 'big', players: 1000, zones: 50, npcs: 5000, items: 60_000, quests: 5000, seed: 11 };
    const saved = await t.client.save(saveRequest('big', shuffleWorld(generateWorld(shape), 2)), { deadline: Date.now() + 60_000 });
    expect(saved.committedEpoch).toBe(1n);
    expect(saved.replayed).toBe(false);
    expect(saved.counts).toMatchObject({ players: 1000, zones: 50, npcs: 5000, items: 60_000, quests: 5000 });

    const raw = await collectRaw(t.client, 'big');
    const messages = await collect(t.client, 'big');
    expect(messages.map((m) => m.phase)).toEqual([...messages.map((m) => m.phase)].sort((a, b) => a - b));
    const bound = messages.filter((m) => m.phase === RestorePhase.BOUND);
    expect(bound.map((m) => m.payload.case).filter((c, i, a) => c !== a[i - 1])).toEqual(['npcs', 'items', 'quests']);
    expect(bound.length).toBeGreaterThan(3);
    for (const b of raw) expect(b.length).toBeLessThan(4 * 1024 * 1024);

    const last = messages[messages.length - 1];
    expect(messages.filter((m) => m.payload.case === 'activation')).toHaveLength(1);
    if (last.payload.case !== 'activation') throw new Error('activation is not last');
    expect(last.payload.value.digest).toBe(saved.digest);
    expect(last.payload.value.contentDigest).toBe(saved.contentDigest);
    expect(last.payload.value.systems.map((s) => s.state)).toEqual(Array(5).fill(ActivationState.INACTIVE));
    for (const m of messages.slice(0, -1)) {
      const section = m.payload.value as { sourceEpoch: bigint; schemaVersion: number };
      expect(section.sourceEpoch).toBe(1n);
      expect(section.schemaVersion).toBe(1);
    }
    expect(canonicalBytes(reassemble(messages))).toEqual(canonicalBytes(generateWorld(shape)));

    const sizes = await Promise.all((await keysUnder(t.redis, t.prefix)).map((k) => t.redis.strlen(k)));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1_048_576);
  });

  it('restores the same epoch byte-identically, message for message', async () => {
    await t.client.save(saveRequest('twice', generateWorld({ worldId: 'twice', players: 50, zones: 5, npcs: 60, items: 300, quests: 40 })));
    const a = await collectRaw(t.client, 'twice');
    const b = await collectRaw(t.client, 'twice');
    expect(a.length).toBeGreaterThan(5);
    expect(b.map((x) => x.toString('hex'))).toEqual(a.map((x) => x.toString('hex')));
  });

  it('gives the same content digest to the same records in any order, in any world', async () => {
    const shape = { players: 20, zones: 6, npcs: 30, items: 90, quests: 15, seed: 4, contentVersion: 'c1' };
    const one = await t.client.save(saveRequest('order-a', generateWorld({ ...shape, worldId: 'order-a' })));
    const two = await t.client.save(saveRequest('order-b', shuffleWorld(generateWorld({ ...shape, worldId: 'order-b' }), 9)));
    expect(two.contentDigest).toBe(one.contentDigest);
    expect(two.digest).not.toBe(one.digest);
  });

  it('writes no new chunk when the same records are saved again', async () => {
    const world = () => generateWorld({ worldId: 'same', players: 20, zones: 5, npcs: 20, items: 50, quests: 10, epoch: 0n });
    await t.client.save(saveRequest('same', world()));
    const chunkKeys = async () => (await keysUnder(t.redis, `${t.prefix}:{same}`)).filter((k) => k.includes(':chunk:'));
    const before = await chunkKeys();
    const again = world();
    for (const s of [again.players, again.world, again.npcs, again.items, again.quests]) s!.sourceEpoch = 1n;
    const second = await t.client.save(saveRequest('same', again, 1n));
    expect(second.committedEpoch).toBe(2n);
    expect(await chunkKeys()).toEqual(before);
  });

  it('restores an older retained epoch on request', async () => {
    const w = (epoch: bigint, seed: number) => generateWorld({ worldId: 'older', players: 3, zones: 2, npcs: 2, items: 4, quests: 2, epoch, seed });
    const first = await t.client.save(saveRequest('older', w(0n, 1)));
    await t.client.save(saveRequest('older', w(1n, 2), 1n));
    const messages = await collect(t.client, 'older', 1n);
    const act = messages[messages.length - 1].payload;
    expect(act.case === 'activation' && act.value.contentDigest).toBe(first.contentDigest);
    expect(messages.every((m) => m.epoch === 1n)).toBe(true);
  });

  it('reports status: committed epoch, retained epochs and digests', async () => {
    const none = await t.client.getWorldStatus({ worldId: 'never-saved' });
    expect(none.committedEpoch).toBe(0n);
    expect(none.retainedEpochs).toEqual([]);
    expect(none.digest).toBe('');
    const w = (epoch: bigint) => generateWorld({ worldId: 'stat', players: 2, zones: 2, npcs: 1, items: 2, quests: 1, epoch, seed: Number(epoch) + 1 });
    await t.client.save(saveRequest('stat', w(0n)));
    const second = await t.client.save(saveRequest('stat', w(1n), 1n));
    const st = await t.client.getWorldStatus({ worldId: 'stat' });
    expect(st).toMatchObject({ worldId: 'stat', committedEpoch: 2n, retainedEpochs: [1n, 2n], digest: second.digest, contentDigest: second.contentDigest });
  });
});
