import { nodeCall, smallWorld } from '@persistd/testkit';
import { worldKeys, worldSlot } from '@persistd/store-redis';
import { saveRequest, type TestDaemon } from '../test-daemon';
import { describeVerdict, Fleet } from './fleet';
import { collectRaw } from '../restore-helpers';
import { WorldLoad } from './world-load';

/**
 * Two persistd instances on one local Redis Cluster (3 masters, 3 replicas): worlds spread over
 * the masters, writers on both instances race on one world, and the world's slot is resharded
 * and its master failed over while they do. The history checker must find nothing wrong.
 */
describe('two persistd instances on one Redis Cluster', () => {
  let fleet: Fleet;
  let daemons: TestDaemon[];
  const clients = () => daemons.map((d) => d.client);
  const routing = () => JSON.stringify(daemons.map((d) => d.daemon.store.routingStats()?.redirections));

  beforeAll(async () => {
    fleet = await Fleet.start();
    daemons = await fleet.addDaemons(2);
  });
  afterAll(() => fleet?.stop());

  it('spreads 100 worlds over all three masters, each stored on the master of its slot', async () => {
    const masters = await fleet.cluster.masters();
    const ids = Array.from({ length: 100 }, (_, i) => `world-${String(i).padStart(3, '0')}`);
    const ownerOf = (w: string) => masters.find((m) => m.ranges.some(([a, b]) => a <= worldSlot(w) && worldSlot(w) <= b))!;
    const perMaster = new Map(masters.map((m) => [m.addr, ids.filter((w) => ownerOf(w) === m)]));
    console.log(
      `slot distribution of 100 world ids:\n${masters.map((m) => `  ${m.addr} slots ${m.ranges.map(([a, b]) => `${a}-${b}`).join(',')}: ${perMaster.get(m.addr)!.length} worlds`).join('\n')}`,
    );
    for (const m of masters) expect(perMaster.get(m.addr)!.length).toBeGreaterThan(0);

    await Promise.all(ids.map((w, i) => daemons[i % 2]!.client.save(saveRequest(w, smallWorld(w, 0n)))));
    for (const w of ids) expect(await nodeCall(ownerOf(w).addr, 'GET', worldKeys(fleet.prefix, w).epoch)).toBe('1');
    // Both instances committed on all three masters, each through a commit pool of that master.
    for (const d of daemons) expect(d.daemon.store.routingStats()?.masters).toEqual(masters.map((m) => m.addr).sort());
  });

  it('16 writers split over both instances on one world: one winner per epoch, nothing lost or doubled, identical restores', async () => {
    const worldId = 'shared-world';
    const load = new WorldLoad({ worldId, clients: clients(), writers: 16 });
    await load.moreCommits(25);
    const ops = await load.stop();
    const verdict = await fleet.check(worldId, ops);
    console.log(describeVerdict('two instances, 16 writers', verdict));
    expect(verdict.violations).toEqual([]);
    expect(verdict.committedEpochs).toBeGreaterThanOrEqual(25);
    expect(ops.filter((o) => o.outcome.kind === 'refused' && o.outcome.code === 'EPOCH_CONFLICT').length).toBeGreaterThan(0); // they did race
    const [a, b] = await Promise.all(daemons.map((d) => collectRaw(d.client, worldId)));
    expect(b!.map((x) => x.toString('hex'))).toEqual(a!.map((x) => x.toString('hex')));
  });

  it('resharding the hot world’s slot away and back while saves run: zero violations', async () => {
    const masters = await fleet.cluster.masters();
    const owner = masters[0]!;
    const target = masters[masters.length - 1]!;
    const worldId = fleet.hotWorldOf(owner, 'reshard');
    const slot = worldSlot(worldId);
    const load = new WorldLoad({ worldId, clients: clients(), writers: 16 });
    await load.moreCommits(6);
    await fleet.cluster.reshard({ from: owner.addr, to: target.addr, slots: 8 });
    expect((await fleet.cluster.masterOfSlot(slot)).addr).toBe(target.addr);
    await load.moreCommits(6);
    await fleet.cluster.reshard({ from: target.addr, to: owner.addr, slots: 8 });
    expect((await fleet.cluster.masterOfSlot(slot)).addr).toBe(owner.addr);
    await load.moreCommits(6);
    const ops = await load.stop();
    const verdict = await fleet.check(worldId, ops);
    console.log(`${describeVerdict('reshard under load', verdict)}; redirections per instance ${routing()}`);
    expect(verdict.violations).toEqual([]);
    expect(verdict.committedEpochs).toBeGreaterThanOrEqual(18);
  });

  it('a graceful CLUSTER FAILOVER of the hot world’s master under load: zero violations', async () => {
    const worldId = 'failover-world';
    const old = await fleet.cluster.masterOfSlot(worldSlot(worldId));
    const load = new WorldLoad({ worldId, clients: clients(), writers: 16 });
    await load.moreCommits(6);
    const promoted = await fleet.cluster.failover(old.addr);
    expect((await fleet.cluster.masterOfSlot(worldSlot(worldId))).addr).toBe(promoted.addr);
    await load.moreCommits(6);
    const ops = await load.stop();
    const verdict = await fleet.check(worldId, ops);
    console.log(`${describeVerdict('graceful failover under load', verdict)}; redirections per instance ${routing()}`);
    expect(verdict.violations).toEqual([]);
    expect(verdict.committedEpochs).toBeGreaterThanOrEqual(12);
  });

  it('the durability guard reads every master: strict refuses to start while one of them fsyncs every second, naming it', async () => {
    const masters = await fleet.cluster.masters();
    const weak = masters[1]!.addr;
    await nodeCall(weak, 'CONFIG', 'SET', 'appendfsync', 'everysec');
    try {
      await expect(fleet.addDaemons(1, { PERSISTD_DURABILITY: 'strict' })).rejects.toThrow(`refusing to start, an acknowledged save could be lost: master ${weak}: appendfsync is everysec`);
    } finally {
      await nodeCall(weak, 'CONFIG', 'SET', 'appendfsync', 'always');
    }
    const [strict] = await fleet.addDaemons(1, { PERSISTD_DURABILITY: 'strict' });
    expect(strict!.daemon.durability.masters?.map((m) => m.node)).toEqual(masters.map((m) => m.addr).sort());
    await fleet.stopDaemons([strict!]);
  });
});
