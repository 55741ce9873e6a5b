import { setTimeout as sleep } from 'node:timers/promises';
import { nodeCall, startRedisCluster, uniquePrefix, type LocalRedisCluster } from '@persistd/testkit';
import Redis from 'ioredis';
import { redirectionOf } from './cluster-redirect';
import { keySlot, worldSlot } from './cluster-slot';
import { combineReports } from './cluster-durability';
import { describeDurability, inspectDurability, type DurabilityReport } from './durability';
import { worldKeys } from './keys';
import { RedisStore } from './redis-store';
import { MAX_REROUTES } from './commit';
import { commitInput, DEFAULT_SETTINGS, randomContent } from './test/fixtures';

/** Store behaviour on a real local Redis Cluster (3 masters, 3 replicas), one per file. */
describe('store on a Redis Cluster', () => {
  let cluster: LocalRedisCluster;
  const stores: RedisStore[] = [];
  const prefix = uniquePrefix('cl');
  const storeOf = (retention = DEFAULT_SETTINGS.retention) => {
    const s = new RedisStore({ redis: { url: 'redis://unused:1', clusterSeeds: cluster.seeds.slice(0, 2) }, settings: { ...DEFAULT_SETTINGS, retention, prefix } });
    stores.push(s);
    return s;
  };
  /** The value of a key read on one node directly (a node that does not own the slot answers MOVED). */
  const onNode = (addr: string, key: string) => nodeCall(addr, 'GET', key);
  /** A world id whose slot another test did not use yet. */
  let n = 0;
  const world = (label: string) => `${label}-${n++}`;

  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await cluster?.stop();
  });

  it('computes slots as Redis Cluster does (CLUSTER KEYSLOT), by the {world} hash tag', async () => {
    const keys = Array.from({ length: 300 }, (_, i) => worldKeys(prefix, `w-${i}`).epoch).concat(['123456789', 'a{}b', '{x', 'x{y}z{w}', 'héllo']);
    const c = new Redis(cluster.nodes[0]!.port, '127.0.0.1');
    try {
      const p = c.pipeline();
      for (const k of keys) p.call('CLUSTER', 'KEYSLOT', k);
      const redis = (await p.exec())!.map(([, v]) => Number(v));
      expect(keys.map(keySlot)).toEqual(redis);
    } finally {
      c.disconnect();
    }
    const k = worldKeys(prefix, 'w-1');
    expect(new Set([k.epoch, k.meta(3n), k.chunk('ab'), k.req('r'), worldKeys('other', 'w-1').epoch].map(keySlot))).toEqual(new Set([worldSlot('w-1')]));
  });

  it('reads a real MOVED reply as a redirection naming the owner', async () => {
    const w = world('moved');
    const owner = await cluster.masterOfSlot(worldSlot(w));
    const other = (await cluster.masters()).find((m) => m.addr !== owner.addr)!;
    const err = await onNode(other.addr, worldKeys(prefix, w).epoch).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(redirectionOf(err)).toEqual({ kind: 'MOVED', slot: worldSlot(w), node: owner.addr });
    expect(redirectionOf(new Error('MOVED 1 x:1'))).toBeUndefined(); // not a Redis reply
  });

  it('commits each world on the master of its slot, with one commit pool per master, and reads it back', async () => {
    const store = storeOf();
    const ids = Array.from({ length: 24 }, () => world('spread'));
    const inputs = ids.map((w) => commitInput(w, randomContent(3), { expectedEpoch: 0n }));
    const results = await Promise.all(inputs.map((i) => store.commit(i)));
    expect(results.map((r) => r.kind)).toEqual(ids.map(() => 'committed'));
    const masters = await cluster.masters();
    for (const w of ids) {
      const owner = await cluster.masterOfSlot(worldSlot(w));
      expect(await onNode(owner.addr, worldKeys(prefix, w).epoch)).toBe('1');
      expect((await store.readEpoch(w, 0n)).meta.worldId).toBe(w);
    }
    expect(new Set(ids.map((w) => masters.find((m) => m.ranges.some(([a, b]) => a <= worldSlot(w) && worldSlot(w) <= b))!.addr)).size).toBe(3);
    expect(store.routingStats()?.masters).toEqual(masters.map((m) => m.addr).sort());
  });

  it('a migration that moves the world while its commit holds the WATCH: redirected, committed on the new owner, never a conflict', async () => {
    const store = storeOf();
    const w = world('mig');
    expect(await store.commit(commitInput(w, randomContent(4), { expectedEpoch: 0n }))).toMatchObject({ kind: 'committed', epoch: 1n });
    const from = await cluster.masterOfSlot(worldSlot(w));
    const to = (await cluster.masters()).find((m) => m.addr !== from.addr)!;
    const before = store.routingStats()!.redirections.MOVED;
    const input = commitInput(w, randomContent(4), {
      expectedEpoch: 1n,
      onWatched: async ({ attempt }) => {
        if (attempt !== 1) return;
        const migration = await cluster.migrateSlot(worldSlot(w), to.addr);
        expect(await migration.moveKeys()).toBeGreaterThan(4); // the watched keys leave the master holding the WATCH
        await migration.finish();
      },
    });
    expect(await store.commit(input)).toEqual({ kind: 'committed', epoch: 2n, digest: input.sealed.get(2n)!.digest });
    expect(store.routingStats()!.redirections.MOVED).toBeGreaterThan(before);
    expect(await onNode(to.addr, worldKeys(prefix, w).epoch)).toBe('2');
    expect((await store.readEpoch(w, 0n)).epoch).toBe(2n);
  });

  it('while the slot is migrating, attempts wait (ASK) and commit on the new owner once it is done', async () => {
    const store = storeOf();
    const w = world('ask');
    await store.commit(commitInput(w, randomContent(2), { expectedEpoch: 0n }));
    const from = await cluster.masterOfSlot(worldSlot(w));
    const to = (await cluster.masters()).find((m) => m.addr !== from.addr)!;
    const migration = await cluster.migrateSlot(worldSlot(w), to.addr);
    await migration.moveKeys();
    const asksBefore = store.routingStats()!.redirections.ASK;
    const pending = store.commit(commitInput(w, randomContent(2), { expectedEpoch: 1n }));
    await sleep(150);
    await migration.finish();
    expect(await pending).toMatchObject({ kind: 'committed', epoch: 2n });
    expect(store.routingStats()!.redirections.ASK).toBeGreaterThan(asksBefore);
    expect(await onNode(to.addr, worldKeys(prefix, w).epoch)).toBe('2');
  });

  it(`a migration that never ends: STORE_UNAVAILABLE after ${MAX_REROUTES} reroutes, nothing committed`, async () => {
    const store = storeOf();
    const w = world('stuck');
    await store.commit(commitInput(w, randomContent(2), { expectedEpoch: 0n }));
    const from = await cluster.masterOfSlot(worldSlot(w));
    const to = (await cluster.masters()).find((m) => m.addr !== from.addr)!;
    const migration = await cluster.migrateSlot(worldSlot(w), to.addr);
    await migration.moveKeys();
    const failure = await store.commit(commitInput(w, randomContent(2), { expectedEpoch: 1n, requestId: 'stuck-1' })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toMatchObject({ name: 'StoreError', code: 'STORE_UNAVAILABLE', metadata: { failure: 'redis-error-reply', redis_error: 'ASK' } });
    await migration.finish();
    expect(await store.readCommittedEpoch(w)).toBe(1n);
    expect(await store.readRequest(w, 'stuck-1')).toBeUndefined();
  });

  it('a graceful CLUSTER FAILOVER between commits: the next commit lands on the promoted replica', async () => {
    const store = storeOf();
    const w = world('fo');
    await store.commit(commitInput(w, randomContent(2), { expectedEpoch: 0n }));
    const old = await cluster.masterOfSlot(worldSlot(w));
    const promoted = await cluster.failover(old.addr);
    expect(await store.commit(commitInput(w, randomContent(2), { expectedEpoch: 1n }))).toMatchObject({ kind: 'committed', epoch: 2n });
    expect(await onNode(promoted.addr, worldKeys(prefix, w).epoch)).toBe('2');
  });

  it('every master is inspected by the durability guard: one with fsync everysec is named', async () => {
    const config = { url: 'redis://unused:1', clusterSeeds: [cluster.seeds[3]!] };
    const safe = await inspectDurability(config);
    const masters = await cluster.masters();
    expect(safe).toMatchObject({ reachable: true, safe: true, risks: [], replication: { readable: true, role: 'master', connectedReplicas: 1 } });
    expect(safe.masters?.map((m) => m.node)).toEqual(masters.map((m) => m.addr).sort());
    expect(describeDurability(safe)).toMatch(/^durability: cluster of 3 masters \(.+\) redis_version=\d+\.\d+\.\d+ appendonly=yes appendfsync=always maxmemory-policy=noeviction role=master replicas=1: an acknowledged save survives/);

    const weak = masters[1]!.addr;
    await nodeCall(weak, 'CONFIG', 'SET', 'appendfsync', 'everysec');
    try {
      const r = await inspectDurability(config);
      expect(r.safe).toBe(false);
      expect(r.risks).toEqual([expect.stringMatching(new RegExp(`^master ${weak.replace(/\./g, '\\.')}: appendfsync is everysec`))]);
      expect(r.config).toMatchObject({ readable: true, appendfsync: 'always/everysec' });
    } finally {
      await nodeCall(weak, 'CONFIG', 'SET', 'appendfsync', 'always');
    }
    const down = await inspectDurability({ url: 'redis://unused:1', clusterSeeds: ['127.0.0.1:1'] });
    expect(down).toMatchObject({ reachable: false, safe: false });
  });

  it('a cluster whose masters have replicas unevenly is reported: a failover could lose acknowledged saves', () => {
    const node = (replicas: number): DurabilityReport => ({
      reachable: true,
      credentialsRefused: false,
      config: { readable: true, appendonly: 'yes', appendfsync: 'always', maxmemoryPolicy: 'noeviction' },
      replication: { readable: true, role: 'master', connectedReplicas: replicas },
      version: { readable: true, version: replicas > 0 ? '7.2.4' : '6.2.14' },
      risks: [],
      safe: true,
    });
    const r = combineReports([
      { node: 'a:1', report: node(1) },
      { node: 'b:2', report: node(0) },
    ]);
    expect(r).toMatchObject({ safe: false, replication: { connectedReplicas: 0 }, version: { readable: true, version: '6.2.14/7.2.4' } });
    expect(r.risks).toEqual([expect.stringMatching(/^masters b:2 have no replica while others do/)]);
    expect(combineReports([{ node: 'a:1', report: node(1) }, { node: 'b:2', report: node(2) }]).safe).toBe(true);
  });

  it('a killed master: commits fail as STORE_UNAVAILABLE until its replica took over, then land there', async () => {
    const store = storeOf();
    const w = world('crash');
    await store.commit(commitInput(w, randomContent(2), { expectedEpoch: 0n }));
    const old = await cluster.masterOfSlot(worldSlot(w));
    await cluster.kill(old.addr);
    await expect(store.commit(commitInput(w, randomContent(2), { expectedEpoch: 1n, requestId: 'during' }))).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    const promoted = await cluster.awaitFailover(old.addr);
    expect(await store.commit(commitInput(w, randomContent(2), { expectedEpoch: 1n, requestId: 'after' }))).toMatchObject({ kind: 'committed', epoch: 2n });
    expect(await onNode(promoted.addr, worldKeys(prefix, w).epoch)).toBe('2');
    expect(store.routingStats()!.unreachable).toBeGreaterThan(0);
    await cluster.restart(old.addr);
  });
});
