import { worldSlot } from '@persistd/store-redis';
import { describeVerdict, Fleet } from './fleet';
import { WorldLoad } from './world-load';

/**
 * A master killed (SIGKILL) while two persistd instances save one of its worlds, 16 writers:
 * its replica takes over, the killed node comes back as a replica. Asynchronous replication can
 * lose an acknowledged save (acknowledged by the master, not yet on the replica): that is counted
 * and reported. With PERSISTD_DURABILITY=strict every answer waits for `WAIT 1`, and none may be
 * lost. In both, no epoch is ever mixed or committed twice.
 */
describe('a master killed under load (crash failover)', () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await Fleet.start();
  });
  afterAll(() => fleet?.stop());

  /** Kills the world's master once the load committed a few epochs; waits for the failover and brings the node back. */
  async function crashUnderLoad(worldId: string, load: WorldLoad): Promise<{ killed: string; promoted: string }> {
    const killed = (await fleet.cluster.masterOfSlot(worldSlot(worldId))).addr;
    await load.moreCommits(6);
    await fleet.cluster.kill(killed);
    const promoted = (await fleet.cluster.awaitFailover(killed)).addr;
    await fleet.cluster.restart(killed); // rejoins as a replica of the promoted node
    await load.moreCommits(6);
    return { killed, promoted };
  }

  it('warn (asynchronous replication): no mixed or double commit; acknowledged saves lost are counted', async () => {
    const daemons = await fleet.addDaemons(2);
    const worldId = 'crash-warn';
    const load = new WorldLoad({ worldId, clients: daemons.map((d) => d.client), writers: 16 });
    const { killed, promoted } = await crashUnderLoad(worldId, load);
    const ops = await load.stop();
    const verdict = await fleet.check(worldId, ops, { allowLostAcks: true });
    console.log(`${describeVerdict(`crash of ${killed} (warn)`, verdict)}${verdict.lostAcks.length ? `: ${verdict.lostAcks.map((o) => `${o.requestId}@${o.outcome.kind === 'acknowledged' ? o.outcome.epoch : '?'}`).join(', ')}` : ''}`);
    expect(verdict.violations).toEqual([]);
    expect(verdict.committedEpochs).toBeGreaterThanOrEqual(12);
    expect((await fleet.cluster.masterOfSlot(worldSlot(worldId))).addr).toBe(promoted);
    await fleet.stopDaemons(daemons);
  });

  it('strict (WAIT 1 before every answer): no acknowledged save is lost, no mixed or double commit', async () => {
    const daemons = await fleet.addDaemons(2, { PERSISTD_DURABILITY: 'strict', PERSISTD_REPLICA_ACK_TIMEOUT: '500' });
    // Strict started (every master safe) and waits for replicas: every master has one.
    for (const d of daemons) expect(d.daemon.durability).toMatchObject({ safe: true, replication: { readable: true, connectedReplicas: 1 } });
    const worldId = 'crash-strict';
    const load = new WorldLoad({ worldId, clients: daemons.map((d) => d.client), writers: 16 });
    const { killed } = await crashUnderLoad(worldId, load);
    const ops = await load.stop();
    const verdict = await fleet.check(worldId, ops);
    console.log(describeVerdict(`crash of ${killed} (strict)`, verdict));
    expect(verdict.lostAcks).toEqual([]);
    expect(verdict.violations).toEqual([]);
    expect(verdict.committedEpochs).toBeGreaterThanOrEqual(12);
    await fleet.stopDaemons(daemons);
  });
});
