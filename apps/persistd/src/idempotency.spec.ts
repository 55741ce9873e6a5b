import { clone } from '@bufbuild/protobuf';
import { WorldSnapshotSchema, type SaveResponse } from '@persistd/contract';
import { worldKeys } from '@persistd/store-redis';
import { generateWorld, shuffleWorld, smallWorld, uniquePrefix } from '@persistd/testkit';
import { dumpStore, refusalOf, saveRequest, startTestDaemon, type TestDaemon } from './test/test-daemon';

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

/**
 * A retry is recognized by its request digest (DESIGN §3, §5), which does not depend on the
 * stored form: a fleet that switched PERSISTD_STORED_FORM between a commit and its retry still
 * answers `replayed`, and request records written before Save had a request digest still replay.
 */
describe('request ids across a stored-form switch', () => {
  /** Enough items that forms 1 and 2 cut them into different chunks, so content digests differ. */
  const shape = { players: 6, zones: 5, npcs: 8, items: 3000, quests: 5 };
  const prefix = uniquePrefix('pd');
  let form2: TestDaemon | undefined;
  afterAll(() => form2?.stop());

  /** Stops a daemon and its clients, leaving its keys for the next one on the prefix (a restart). */
  async function stopKeepingKeys(t: TestDaemon): Promise<void> {
    t.client.close();
    // Nothing is in flight: no grace to wait out for the closed client's connection.
    await t.daemon.stop({ graceMs: 500 });
    t.redis.disconnect();
  }

  it('a Save committed under form 1 and retried after a restart under form 2 answers replayed, with the original epoch and digests', async () => {
    const world = generateWorld({ worldId: 'sw-a', ...shape, seed: 1 });
    const form1 = await startTestDaemon({ PERSISTD_STORED_FORM: '1', PERSISTD_KEY_PREFIX: prefix });
    let first: SaveResponse;
    try {
      first = await form1.client.save(saveRequest('sw-a', clone(WorldSnapshotSchema, world), 0n, 'sw-a-1'));
      // A second save of another world, whose retry below must be refused as another request.
      await form1.client.save(saveRequest('sw-b', generateWorld({ worldId: 'sw-b', ...shape, seed: 2 }), 0n, 'sw-b-1'));
    } finally {
      await stopKeepingKeys(form1);
    }
    expect(first.replayed).toBe(false);
    form2 = await startTestDaemon({ PERSISTD_STORED_FORM: '2', PERSISTD_KEY_PREFIX: prefix });
    const before = await dumpStore(form2.redis, prefix);
    // The same request, its records in another order.
    const again = await form2.client.save(saveRequest('sw-a', shuffleWorld(clone(WorldSnapshotSchema, world), 3), 0n, 'sw-a-1'));
    expect(again).toEqual({ ...first, replayed: true });
    expect(await dumpStore(form2.redis, prefix)).toEqual(before);
    // Form 2 would have stored the same records under another content digest: the replay did not compare those.
    const twin = await form2.client.save(saveRequest('sw-twin', generateWorld({ worldId: 'sw-twin', ...shape, seed: 1 }), 0n));
    expect(twin.contentDigest).not.toBe(first.contentDigest);
    expect(await form2.redis.get(worldKeys(prefix, 'sw-a').req('sw-a-1'))).toMatch(new RegExp(`^1 ${first.contentDigest} ${first.digest} save:[0-9a-f]{64}$`));
  });

  it('another request under a committed id is REQUEST_ID_REUSED at the daemon writing the other form', async () => {
    const other = generateWorld({ worldId: 'sw-b', ...shape, seed: 2 });
    other.items!.items[10].durability += 1;
    const refusal = await refusalOf(form2!.client.save(saveRequest('sw-b', other, 0n, 'sw-b-1')));
    expect(refusal.reason).toBe('REQUEST_ID_REUSED');
    // The same records at another expected epoch are another request too.
    const later = generateWorld({ worldId: 'sw-b', ...shape, seed: 2, epoch: 1n });
    expect((await refusalOf(form2!.client.save(saveRequest('sw-b', later, 1n, 'sw-b-1')))).reason).toBe('REQUEST_ID_REUSED');
    expect((await form2!.client.getWorldStatus({ worldId: 'sw-b' })).committedEpoch).toBe(1n);
  });

  it('a request record written before Save had a request digest still replays, by content digest', async () => {
    const world = smallWorld('sw-old');
    const first = await form2!.client.save(saveRequest('sw-old', clone(WorldSnapshotSchema, world), 0n, 'sw-old-1'));
    const key = worldKeys(prefix, 'sw-old').req('sw-old-1');
    expect(await form2!.redis.get(key)).toMatch(/ save:[0-9a-f]{64}$/);
    // What daemons wrote for a Save before: `<epoch> <content_digest> <digest>`.
    await form2!.redis.set(key, `1 ${first.contentDigest} ${first.digest}`, 'KEEPTTL');
    expect(await form2!.client.save(saveRequest('sw-old', clone(WorldSnapshotSchema, world), 0n, 'sw-old-1'))).toEqual({ ...first, replayed: true });
    const other = clone(WorldSnapshotSchema, world);
    other.npcs!.npcs[0].health += 1;
    expect((await refusalOf(form2!.client.save(saveRequest('sw-old', other, 0n, 'sw-old-1')))).reason).toBe('REQUEST_ID_REUSED');
    expect(await form2!.redis.get(key)).toBe(`1 ${first.contentDigest} ${first.digest}`);
  });
});
