import * as grpc from '@grpc/grpc-js';
import { worldKeys } from '@persistd/store-redis';
import { smallWorld } from '@persistd/testkit';
import { collect } from './test/restore-helpers';
import { refusalOf, saveRequest, startTestDaemon, type TestDaemon } from './test/test-daemon';

/**
 * A deletion's sweep that finishes after the world was saved again in stored form 2: the chunks
 * the new epochs list include record chunks named only by their index chunks, and a commit on
 * top of such an epoch does not PERSIST the chunks its base lists — so a sweep that gave one of
 * them an expiry would lose data later. None may be touched.
 */
describe('DeleteWorld sweep over stored form 2', () => {
  let t: TestDaemon;
  beforeAll(async () => {
    t = await startTestDaemon({ PERSISTD_STORED_FORM: '2' });
  });
  afterAll(() => t.stop());

  /** Chunk keys of world `w` without an expiry (what committed epochs keep alive). */
  async function persistentChunks(w: string): Promise<string[]> {
    const keys = await t.redis.keys(worldKeys(t.prefix, w).chunk('x').replace(/x$/, '*'));
    const ttls = await Promise.all(keys.map((k) => t.redis.pttl(k)));
    return keys.filter((_, i) => ttls[i] === -1).sort();
  }

  it('a sweep finished after new form-2 saves leaves every chunk their trees list without an expiry', async () => {
    const w = 'del-form2';
    const first = await t.client.save(saveRequest(w, smallWorld(w, 0n, 1), 0n, `${w}-r0`));
    await t.client.deleteWorld({ worldId: w, expectedEpoch: first.committedEpoch });
    const reborn = await t.client.save(saveRequest(w, smallWorld(w, 0n, 2), 0n, `${w}-r1`));
    const next = await t.client.save(saveRequest(w, smallWorld(w, reborn.committedEpoch, 3), reborn.committedEpoch, `${w}-r2`));
    const live = await persistentChunks(w);
    expect(live.length).toBeGreaterThan(5); // index chunks and the record chunks under them

    // A crash cut the first deletion's sweep short: its marker is still set, and the next
    // DeleteWorld call of the world (here a stale one, refused) finishes it.
    await t.redis.set(worldKeys(t.prefix, w).sweep, String(first.committedEpoch));
    const stale = await refusalOf(t.client.deleteWorld({ worldId: w, expectedEpoch: first.committedEpoch }));
    expect([stale.code, stale.reason]).toEqual([grpc.status.ABORTED, 'EPOCH_CONFLICT']);
    expect(await t.redis.exists(worldKeys(t.prefix, w).sweep)).toBe(0);

    expect(await persistentChunks(w)).toEqual(live);
    const restored = await collect(t.client, w);
    expect(restored.at(-1)?.payload.case).toBe('activation');
    expect(restored.at(-1)?.epoch).toBe(next.committedEpoch);
  });
});
