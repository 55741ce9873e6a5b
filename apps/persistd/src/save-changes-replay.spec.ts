import { clone } from '@bufbuild/protobuf';
import { createClient, PersistenceService, SaveChangesRequestSchema, WorldSnapshotSchema } from '@persistd/contract';
import { worldKeys } from '@persistd/store-redis';
import { FaultProxy, smallWorld } from '@persistd/testkit';
import { changesRequest, diffSnapshots, resultOf } from './test/change-sets';
import { refusalOf, saveRequest, startTestDaemon, type TestDaemon } from './test/test-daemon';

describe('SaveChanges request ids', () => {
  let t: TestDaemon;
  beforeAll(async () => {
    t = await startTestDaemon();
  });
  afterAll(() => t.stop());

  /** World `worldId` saved whole at epoch 1, and a change request on it (two records changed, one deleted). */
  async function changed(worldId: string, requestId: string) {
    const base = smallWorld(worldId);
    await t.client.save(saveRequest(worldId, base, 0n));
    const target = clone(WorldSnapshotSchema, base);
    target.items!.items[0].durability += 1;
    target.quests!.quests[1].stage += 1;
    target.items!.items.pop();
    return { base, req: changesRequest(worldId, 1n, requestId, diffSnapshots(base, target), { contentVersion: base.world!.contentVersion }) };
  }

  it('a retry after later epochs answers replayed with the original answer, whatever the order of its changes', async () => {
    const { base, req } = await changed('rp-later', 'rp-later-1');
    const first = await t.client.saveChanges(req);
    const next = resultOf(base, req);
    for (const s of [next.players, next.world, next.npcs, next.items, next.quests]) s!.sourceEpoch = 2n;
    next.npcs!.npcs[0].health += 1;
    await t.client.save(saveRequest('rp-later', next, 2n));
    const retry = clone(SaveChangesRequestSchema, req);
    retry.changes!.items!.upserts.reverse();
    retry.changes!.items!.deletes.reverse();
    const again = await t.client.saveChanges(retry);
    expect(again).toEqual({ ...first, replayed: true });
    expect((await t.client.getWorldStatus({ worldId: 'rp-later' })).committedEpoch).toBe(3n);
  });

  it('a retry after a connection cut before the answer reached the client answers replayed, also after a later epoch', async () => {
    const { base, req } = await changed('rp-cut', 'rp-cut-1');
    const proxy = new FaultProxy({ host: '127.0.0.1', port: Number(t.daemon.address.split(':').pop()) });
    const port = await proxy.listen();
    const viaProxy = createClient(PersistenceService, `127.0.0.1:${port}`);
    try {
      // The answer carries the world id in clear: cut the connection before it reaches the client.
      proxy.cutOn({ direction: 'down', pattern: 'rp-cut', when: 'before' });
      await expect(viaProxy.saveChanges(req, { deadline: Date.now() + 10_000 })).rejects.toMatchObject({ code: 14 });
      expect(proxy.counts.cuts).toBe(1);
      const status = await t.client.getWorldStatus({ worldId: 'rp-cut' });
      expect(status.committedEpoch).toBe(2n);
      const next = resultOf(base, req);
      for (const s of [next.players, next.world, next.npcs, next.items, next.quests]) s!.sourceEpoch = 2n;
      next.npcs!.npcs[0].health += 1;
      await t.client.save(saveRequest('rp-cut', next, 2n));
      const again = await viaProxy.saveChanges(req, { deadline: Date.now() + 10_000 });
      expect(again).toMatchObject({ committedEpoch: 2n, digest: status.digest, contentDigest: status.contentDigest, replayed: true });
    } finally {
      viaProxy.close();
      await proxy.close();
    }
  });

  it('the same id with another change set is REQUEST_ID_REUSED, at the committed epoch and after it', async () => {
    const { req } = await changed('rp-other', 'rp-other-1');
    await t.client.saveChanges(req);
    const other = clone(SaveChangesRequestSchema, req);
    other.changes!.quests!.upserts[0].stage += 5;
    expect((await refusalOf(t.client.saveChanges(other))).reason).toBe('REQUEST_ID_REUSED');
    other.expectedEpoch = 2n;
    for (const s of [other.changes!.players, other.changes!.world, other.changes!.npcs, other.changes!.items, other.changes!.quests]) s!.sourceEpoch = 2n;
    other.changes!.items!.deletes = [];
    expect((await refusalOf(t.client.saveChanges(other))).reason).toBe('REQUEST_ID_REUSED');
  });

  it('one request id names one request across Save and SaveChanges', async () => {
    const { base, req } = await changed('rp-cross', 'rp-cross-1');
    await t.client.saveChanges(req);
    // A Save of the very result, under the SaveChanges' id: another request.
    expect((await refusalOf(t.client.save(saveRequest('rp-cross', resultOf(base, req), 1n, 'rp-cross-1')))).reason).toBe('REQUEST_ID_REUSED');
    // A SaveChanges under the id of the Save that made epoch 1: another request too.
    const firstSaveId = 'rp-cross-0';
    await t.client.save(saveRequest('rp-cross-b', smallWorld('rp-cross-b'), 0n, firstSaveId));
    const onB = changesRequest('rp-cross-b', 1n, firstSaveId, diffSnapshots(smallWorld('rp-cross-b'), smallWorld('rp-cross-b')));
    expect((await refusalOf(t.client.saveChanges(onB))).reason).toBe('REQUEST_ID_REUSED');
  });

  it('honours a request record written before SaveChanges existed (three fields)', async () => {
    const base = smallWorld('rp-old');
    const first = await t.client.save(saveRequest('rp-old', base, 0n, 'rp-old-1'));
    const key = worldKeys(t.prefix, 'rp-old').req('rp-old-1');
    // What daemons from before SaveChanges wrote: `<epoch> <content_digest> <digest>`.
    await t.redis.set(key, `1 ${first.contentDigest} ${first.digest}`, 'EX', 3600);
    await t.client.save(saveRequest('rp-old', smallWorld('rp-old', 1n, 9), 1n, 'rp-old-2'));
    expect(await t.client.save(saveRequest('rp-old', base, 0n, 'rp-old-1'))).toMatchObject({ committedEpoch: 1n, digest: first.digest, replayed: true });
    expect((await refusalOf(t.client.saveChanges(changesRequest('rp-old', 1n, 'rp-old-1', diffSnapshots(base, base))))).reason).toBe('REQUEST_ID_REUSED');
    expect(await t.redis.get(key)).toBe(`1 ${first.contentDigest} ${first.digest}`);
  });
});
