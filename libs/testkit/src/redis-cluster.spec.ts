import { existsSync } from 'node:fs';
import { startRedisCluster, nodeCall, type LocalRedisCluster } from './redis-cluster';

describe('LocalRedisCluster', () => {
  let cluster: LocalRedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(() => cluster?.stop());

  it('runs 3 masters with 1 replica each on ports of its own, every slot covered, AOF always', async () => {
    const masters = await cluster.masters();
    expect(masters).toHaveLength(3);
    expect(masters.map((m) => m.replicas.length)).toEqual([1, 1, 1]);
    expect(masters.flatMap((m) => m.ranges).reduce((n, [a, b]) => n + b - a + 1, 0)).toBe(16384);
    expect(cluster.nodes).toHaveLength(6);
    expect(new Set(cluster.nodes.map((n) => n.port)).size).toBe(6);
    expect(cluster.nodes.some((n) => n.port === 6379)).toBe(false);
    for (const n of cluster.nodes) {
      expect(await nodeCall(n.addr, 'CONFIG', 'GET', 'appendfsync')).toEqual(['appendfsync', 'always']);
      expect(await nodeCall(n.addr, 'CONFIG', 'GET', 'save')).toEqual(['save', '']);
    }
  });

  it('reshards slots with redis-cli: the source lowest slots move to the target', async () => {
    const [a, b] = await cluster.masters();
    const first = a!.ranges[0]![0];
    await cluster.reshard({ from: a!.addr, to: b!.addr, slots: 4 });
    expect((await cluster.masterOfSlot(first)).addr).toBe(b!.addr);
    expect((await cluster.masterOfSlot(first + 3)).addr).toBe(b!.addr);
    expect((await cluster.masterOfSlot(first + 4)).addr).toBe(a!.addr);
  });

  it('migrates one slot step by step, keys included', async () => {
    const [, , c] = await cluster.masters();
    const slot = Number(await nodeCall(c!.addr, 'CLUSTER', 'KEYSLOT', '{mig}'));
    const owner = await cluster.masterOfSlot(slot);
    await nodeCall(owner.addr, 'SET', 'k:{mig}:1', 'v1');
    const target = (await cluster.masters()).find((m) => m.addr !== owner.addr)!;
    const migration = await cluster.migrateSlot(slot, target.addr);
    expect(await migration.moveKeys()).toBe(1);
    await migration.finish();
    expect((await cluster.masterOfSlot(slot)).addr).toBe(target.addr);
    expect(await nodeCall(target.addr, 'GET', 'k:{mig}:1')).toBe('v1');
  });

  it('fails a master over gracefully: its replica serves its slots', async () => {
    const [a] = await cluster.masters();
    const promoted = await cluster.failover(a!.addr);
    const now = (await cluster.masters()).find((m) => m.addr === promoted.addr);
    expect(now?.ranges).toEqual(a!.ranges);
    expect(now?.replicas).toEqual([a!.addr]);
  });

  it('a killed master is failed over, and once restarted rejoins as a replica', async () => {
    const [, b] = await cluster.masters();
    await cluster.kill(b!.addr);
    const promoted = await cluster.awaitFailover(b!.addr);
    expect(promoted.addr).not.toBe(b!.addr);
    expect((await cluster.masterOfSlot(b!.ranges[0]![0])).addr).toBe(promoted.addr);
    await cluster.restart(b!.addr);
    const now = (await cluster.masters()).find((m) => m.addr === promoted.addr);
    expect(now?.replicas).toEqual([b!.addr]);
  });

  it('stop ends every node and removes the directory', async () => {
    const other = await startRedisCluster({ masters: 3, replicasPerMaster: 0 });
    expect(existsSync(other.root)).toBe(true);
    const procs = other.nodes.map((n) => n.process!);
    await other.stop();
    expect(existsSync(other.root)).toBe(false);
    expect(procs.every((p) => p.exitCode !== null || p.signalCode !== null)).toBe(true);
  });
});
