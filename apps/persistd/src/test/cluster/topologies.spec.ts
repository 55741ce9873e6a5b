import { status } from '@grpc/grpc-js';
import { ActivationState, fromServiceError, RestorePhase } from '@persistd/contract';
import { generateWorld, shuffleWorld, smallWorld } from '@persistd/testkit';
import { refusalOf, saveRequest, type TestDaemon } from '../test-daemon';
import { canonicalBytes, collect, collectRaw, reassemble } from '../restore-helpers';
import { chunksListedBy } from '../stored-tree';
import { clusterTopology, standaloneTopology, type Inspector, type Topology } from './topology';

/**
 * The foundation's save, restore, status, conflict, idempotency and retention cases, on both
 * topologies: the shared standalone Redis and a local Redis Cluster (3 masters, 3 replicas). The
 * one place these cases live.
 * Worlds of one suite land on different masters of the cluster.
 */
describe.each<Topology>([standaloneTopology(), clusterTopology()])('on $name Redis', (topology) => {
  const K = 3;
  let t: TestDaemon;
  let inspect: Inspector;
  beforeAll(async () => {
    await topology.setUp();
    t = await topology.daemon({ PERSISTD_RETENTION: String(K) });
    inspect = topology.inspector();
  });
  afterAll(async () => {
    await t?.stop();
    await inspect?.close();
    await topology.tearDown();
  });

  it('saves and restores a world of 29,220 records, whole, in phase order, with its digests', async () => {
    const shape = { worldId: 'big', players: 200, zones: 20, npcs: 500, items: 28_000, quests: 500, seed: 11 };
    const saved = await t.client.save(saveRequest('big', shuffleWorld(generateWorld(shape), 2)), { deadline: Date.now() + 60_000 });
    expect(saved).toMatchObject({ committedEpoch: 1n, replayed: false, counts: { players: 200, zones: 20, npcs: 500, items: 28_000, quests: 500 } });

    const raw = await collectRaw(t.client, 'big');
    for (const bytes of raw) expect(bytes.length).toBeLessThan(4 * 1024 * 1024); // every message fits grpc-js's default receive limit
    const messages = await collect(t.client, 'big');
    expect(messages.map((m) => m.phase)).toEqual([...messages.map((m) => m.phase)].sort((a, b) => a - b));
    const bound = messages.filter((m) => m.phase === RestorePhase.BOUND);
    expect(bound.map((m) => m.payload.case).filter((c, i, a) => c !== a[i - 1])).toEqual(['npcs', 'items', 'quests']);
    expect(messages.filter((m) => m.payload.case === 'items').length).toBeGreaterThan(1);
    expect(messages.filter((m) => m.payload.case === 'activation')).toHaveLength(1);
    for (const m of messages.slice(0, -1)) expect(m.payload.value).toMatchObject({ sourceEpoch: 1n, schemaVersion: 1 });
    const last = messages[messages.length - 1]!;
    if (last.payload.case !== 'activation') throw new Error('activation is not last');
    expect(last.payload.value).toMatchObject({ digest: saved.digest, contentDigest: saved.contentDigest });
    expect(last.payload.value.systems.map((s) => s.state)).toEqual(Array(5).fill(ActivationState.INACTIVE));
    expect(canonicalBytes(reassemble(messages))).toEqual(canonicalBytes(generateWorld(shape)));
    expect(await t.client.getWorldStatus({ worldId: 'big' })).toMatchObject({ committedEpoch: 1n, digest: saved.digest, contentDigest: saved.contentDigest });

    const sizes = await Promise.all((await inspect.keys(`${t.prefix}:{big}:`)).map((k) => inspect.strlen(k)));
    expect(sizes.length).toBeGreaterThan(5);
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
    const chunkKeys = async () => (await inspect.keys(`${t.prefix}:{same}:`)).filter((k) => k.includes(':chunk:'));
    const before = await chunkKeys();
    const again = world();
    for (const s of [again.players, again.world, again.npcs, again.items, again.quests]) s!.sourceEpoch = 1n;
    expect((await t.client.save(saveRequest('same', again, 1n))).committedEpoch).toBe(2n);
    expect(await chunkKeys()).toEqual(before);
  });

  it('restores an older retained epoch on request, and reports status', async () => {
    const w = (epoch: bigint, seed: number) => generateWorld({ worldId: 'older', players: 3, zones: 2, npcs: 2, items: 4, quests: 2, epoch, seed });
    const first = await t.client.save(saveRequest('older', w(0n, 1)));
    const second = await t.client.save(saveRequest('older', w(1n, 2), 1n));
    const messages = await collect(t.client, 'older', 1n);
    const act = messages[messages.length - 1]!.payload;
    expect(act.case === 'activation' && act.value.contentDigest).toBe(first.contentDigest);
    expect(messages.every((m) => m.epoch === 1n)).toBe(true);
    expect(await t.client.getWorldStatus({ worldId: 'older' })).toMatchObject({ committedEpoch: 2n, retainedEpochs: [1n, 2n], digest: second.digest, contentDigest: second.contentDigest });
    expect(await t.client.getWorldStatus({ worldId: 'never-saved' })).toMatchObject({ committedEpoch: 0n, retainedEpochs: [], digest: '' });
  });

  it('twelve saves with the same expected epoch: exactly one commits, the rest are EPOCH_CONFLICT', async () => {
    await t.client.save(saveRequest('race', smallWorld('race', 0n)));
    const contents = Array.from({ length: 12 }, (_, i) => generateWorld({ worldId: 'race', players: 5, zones: 3, npcs: 4, items: 10, quests: 3, epoch: 1n, seed: 100 + i }));
    const outcomes = await Promise.allSettled(contents.map((s) => t.client.save(saveRequest('race', s, 1n))));
    const won = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    expect(won).toHaveLength(1);
    expect(won[0]!.committedEpoch).toBe(2n);
    for (const o of outcomes) {
      if (o.status === 'rejected') expect({ code: fromServiceError(o.reason)?.code, reason: fromServiceError(o.reason)?.reason }).toEqual({ code: status.ABORTED, reason: 'EPOCH_CONFLICT' });
    }
    expect(await t.client.getWorldStatus({ worldId: 'race' })).toMatchObject({ committedEpoch: 2n, contentDigest: won[0]!.contentDigest });
  });

  it('a retry with the same request id returns the original commit, replayed, and writes nothing; also after the epoch moved on', async () => {
    const first = await t.client.save(saveRequest('idem', smallWorld('idem', 0n), 0n, 'retry-me'));
    const before = await inspect.dump(t.prefix);
    const again = await t.client.save(saveRequest('idem', smallWorld('idem', 0n), 0n, 'retry-me'));
    expect(again).toMatchObject({ committedEpoch: first.committedEpoch, digest: first.digest, contentDigest: first.contentDigest, replayed: true });
    expect(first.replayed).toBe(false);
    expect(await inspect.dump(t.prefix)).toEqual(before);

    await t.client.save(saveRequest('idem', smallWorld('idem', 1n, 5), 1n, 'later'));
    expect(await t.client.save(saveRequest('idem', smallWorld('idem', 0n), 0n, 'retry-me'))).toMatchObject({ committedEpoch: 1n, digest: first.digest, replayed: true });
  });

  it('REQUEST_ID_REUSED: a committed request id with other content, before EPOCH_CONFLICT; nothing written', async () => {
    await t.client.save(saveRequest('reused', smallWorld('reused', 0n, 1), 0n, 'once'));
    const before = await inspect.dump(t.prefix);
    const err = await refusalOf(t.client.save(saveRequest('reused', smallWorld('reused', 0n, 7), 0n, 'once')));
    expect({ code: err.code, reason: err.reason }).toEqual({ code: status.INVALID_ARGUMENT, reason: 'REQUEST_ID_REUSED' });
    expect(await inspect.dump(t.prefix)).toEqual(before);
  });

  it(`retention: after K+2 saves only K metas remain, and every chunk left is listed by one of them`, async () => {
    for (let i = 0; i < K + 2; i++) {
      const w = generateWorld({ worldId: 'ret', players: 10, zones: 4, npcs: 10, items: 30, quests: 6, epoch: BigInt(i), seed: i + 1 });
      await t.client.save(saveRequest('ret', w, BigInt(i)));
    }
    const keys = await inspect.keys(`${t.prefix}:{ret}:`);
    const metaKeys = keys.filter((k) => k.includes(':meta:'));
    expect(metaKeys.map((k) => k.split(':').pop()).sort()).toEqual(['3', '4', '5']);
    const listed = new Set<string>();
    for (const k of metaKeys) for (const id of await chunksListedBy(inspect, t.prefix, 'ret', k)) listed.add(id);
    expect(new Set(keys.filter((k) => k.includes(':chunk:')).map((k) => k.split(':').pop()!))).toEqual(listed);
    for (const k of keys.filter((k) => k.includes(':chunk:') || k.includes(':meta:'))) expect(await inspect.ttl(k)).toBe(-1);
    expect((await t.client.getWorldStatus({ worldId: 'ret' })).retainedEpochs).toEqual([3n, 4n, 5n]);
  });

  it('the daemon runs on the topology it was given: its store and its durability report say so', () => {
    expect(t.daemon.store.topology).toBe(topology.name);
    // Cluster: every master inspected, each safe (the test cluster runs AOF always + noeviction).
    expect(t.daemon.durability.masters?.map((m) => m.report.safe)).toEqual(topology.name === 'cluster' ? [true, true, true] : undefined);
  });
});
