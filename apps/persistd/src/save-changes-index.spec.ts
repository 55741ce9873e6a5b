import { setTimeout as sleep } from 'node:timers/promises';
import { clone } from '@bufbuild/protobuf';
import { WorldSnapshotSchema, type WorldSnapshot } from '@persistd/contract';
import { generateWorld, scrapeMetrics, smallWorld } from '@persistd/testkit';
import { prepareEpoch, sealEpochMeta } from '@persistd/validation';
import { changesRequest, diffSnapshots, expectationsOf, resultOf } from './test/change-sets';
import { collect } from './test/restore-helpers';
import { refusalOf, saveRequest, startTestDaemon, type TestDaemon } from './test/test-daemon';

/** The index cache's counters as metrics show them. */
async function cacheStats(t: TestDaemon): Promise<Record<string, number>> {
  const samples = await scrapeMetrics(t.daemon.metricsUrl!);
  return Object.fromEntries(['hits', 'misses', 'evictions', 'entries'].map((stat) => [stat, samples.value('persistd_index_cache', { stat }) ?? -1]));
}

/** A change request from `base` at `epoch` to a copy changed by `edit`, with the expectations a game server sends. */
function step(worldId: string, base: WorldSnapshot, epoch: bigint, requestId: string, edit: (w: WorldSnapshot) => void) {
  const target = clone(WorldSnapshotSchema, base);
  edit(target);
  const req = changesRequest(worldId, epoch, requestId, diffSnapshots(base, target), { contentVersion: base.world!.contentVersion });
  for (const [k, name] of (['players', 'world', 'npcs', 'items', 'quests'] as const).entries()) Object.assign(req.changes![name]!, expectationsOf(target, k));
  const result = resultOf(base, req);
  return { req, result };
}

describe('SaveChanges base index', () => {
  let t: TestDaemon;
  beforeAll(async () => {
    t = await startTestDaemon();
  });
  afterAll(() => t.stop());

  it('misses for a base it did not commit, then hits for the epoch it committed; expectations agree both ways', async () => {
    const base = smallWorld('ix-hit');
    await t.client.save(saveRequest('ix-hit', base, 0n));
    const before = await cacheStats(t);
    const one = step('ix-hit', base, 1n, 'ix-hit-1', (w) => (w.items!.items[0].durability += 1));
    expect((await t.client.saveChanges(one.req)).committedEpoch).toBe(2n);
    const afterMiss = await cacheStats(t);
    expect(afterMiss.misses - before.misses).toBe(1);
    expect(afterMiss.hits - before.hits).toBe(0);
    const two = step('ix-hit', one.result, 2n, 'ix-hit-2', (w) => w.npcs!.npcs.pop());
    // The same change with the expectations of the section before it: refused, from the cached index.
    const bad = step('ix-hit', one.result, 2n, 'ix-hit-bad', (w) => w.npcs!.npcs.pop());
    Object.assign(bad.req.changes!.npcs!, expectationsOf(one.result, 2));
    expect((await refusalOf(t.client.saveChanges(bad.req))).violations.map((v) => v.field)).toEqual(['npcs.expected_count', 'npcs.expected_digest']);
    expect((await t.client.saveChanges(two.req)).committedEpoch).toBe(3n);
    const afterHit = await cacheStats(t);
    expect(afterHit.hits - afterMiss.hits).toBe(2);
  });

  it('indexes the latest epoch it restored, so the next SaveChanges hits', async () => {
    const base = smallWorld('ix-restored');
    await t.client.save(saveRequest('ix-restored', base, 0n));
    const before = await cacheStats(t);
    await collect(t.client, 'ix-restored');
    // The index is built on a save worker after the restore answered: wait for it, bounded.
    for (let i = 0; i < 100 && (await cacheStats(t)).entries === before.entries; i++) await sleep(100);
    expect((await cacheStats(t)).entries).toBe(before.entries + 1);
    const one = step('ix-restored', base, 1n, 'ix-restored-1', (w) => w.quests!.quests.pop());
    expect((await t.client.saveChanges(one.req)).committedEpoch).toBe(2n);
    const after = await cacheStats(t);
    expect([after.hits - before.hits, after.misses - before.misses]).toEqual([1, 0]);
  });

  it('misses when a second daemon saved the world, and still commits the right result', async () => {
    const other = await startTestDaemon({ PERSISTD_KEY_PREFIX: t.prefix });
    try {
      const base = smallWorld('ix-second');
      await t.client.save(saveRequest('ix-second', base, 0n));
      const one = step('ix-second', base, 1n, 'ix-second-1', (w) => (w.quests!.quests[0].stage += 1));
      await t.client.saveChanges(one.req);
      // The other daemon moves the world on with a whole Save.
      const moved = clone(WorldSnapshotSchema, one.result);
      for (const s of [moved.players, moved.world, moved.npcs, moved.items, moved.quests]) s!.sourceEpoch = 2n;
      moved.items!.items[1].quantity += 3;
      await other.client.save(saveRequest('ix-second', moved, 2n));
      const before = await cacheStats(t);
      const two = step('ix-second', moved, 3n, 'ix-second-3', (w) => (w.players!.players[0].save!.level += 1));
      const res = await t.client.saveChanges(two.req);
      expect(res.committedEpoch).toBe(4n);
      expect((await cacheStats(t)).misses - before.misses).toBe(1);
      const twin = clone(WorldSnapshotSchema, two.result);
      twin.world!.worldId = 'ix-second-twin';
      for (const s of [twin.players, twin.world, twin.npcs, twin.items, twin.quests]) s!.sourceEpoch = 0n;
      expect((await t.client.save(saveRequest('ix-second-twin', twin, 0n))).contentDigest).toBe(res.contentDigest);
    } finally {
      await other.daemon.stop();
      other.client.close();
      other.redis.disconnect();
    }
  });

  it('evicts the least recently used index past PERSISTD_INDEX_CACHE_BYTES, and an evicted world still saves correctly', async () => {
    // Room for one index of these 36-record worlds (about 15 kB each, indexBytes), not two.
    const small = await startTestDaemon({ PERSISTD_INDEX_CACHE_BYTES: '20000' });
    try {
      const worlds = ['ix-ev-a', 'ix-ev-b'].map((w) => ({ w, base: generateWorld({ worldId: w, players: 4, zones: 4, npcs: 4, items: 20, quests: 4, seed: 7 }) }));
      const next: WorldSnapshot[] = [];
      for (const { w, base } of worlds) {
        await small.client.save(saveRequest(w, base, 0n));
        const one = step(w, base, 1n, `${w}-1`, (x) => (x.items!.items[2].durability += 1));
        await small.client.saveChanges(one.req);
        next.push(one.result);
      }
      // A full path's result is indexed after the answer, off the call's path.
      let stats = await cacheStats(small);
      for (let i = 0; i < 100 && stats.evictions < 1; i++) stats = await sleep(100).then(() => cacheStats(small));
      expect(stats.evictions).toBe(1);
      expect(stats.entries).toBe(1);
      // World a's index was evicted: a miss, rebuilt from the base read (DESIGN §5), and the
      // expectations still hold.
      const rebuilt = async () => (await scrapeMetrics(small.daemon.metricsUrl!)).value('persistd_save_changes_total', { path: 'rebuilt' }) ?? 0;
      const rebuiltBefore = await rebuilt();
      const again = step('ix-ev-a', next[0], 2n, 'ix-ev-a-2', (x) => x.items!.items.shift());
      expect((await small.client.saveChanges(again.req)).committedEpoch).toBe(3n);
      expect((await cacheStats(small)).misses).toBe(stats.misses + 1);
      expect((await rebuilt()) - rebuiltBefore).toBe(1);
    } finally {
      await small.stop();
    }
  });

  it('indexes a whole Save of a world saved through change sets, not of a world only saved whole', async () => {
    const base = smallWorld('ix-saved');
    const before = await cacheStats(t);
    await t.client.save(saveRequest('ix-saved', base, 0n));
    expect(t.daemon.indexCache.holdsWorld('ix-saved')).toBe(false);
    const one = step('ix-saved', base, 1n, 'ix-saved-1', (w) => (w.items!.items[1].durability += 1));
    expect((await t.client.saveChanges(one.req)).committedEpoch).toBe(2n);
    // A whole Save interrupts the change sets: its epoch is indexed off the call's path.
    const whole = clone(WorldSnapshotSchema, one.result);
    whole.quests!.quests.pop();
    for (const section of [whole.players!, whole.world!, whole.npcs!, whole.items!, whole.quests!]) section.sourceEpoch = 2n;
    await t.client.save(saveRequest('ix-saved', whole, 2n));
    const { meta } = await t.daemon.store.readEpochMeta('ix-saved', 0n);
    for (let i = 0; i < 100 && !t.daemon.indexCache.holds('ix-saved', 3n, meta.digest); i++) await sleep(100);
    expect(t.daemon.indexCache.holds('ix-saved', 3n, meta.digest)).toBe(true);
    const two = step('ix-saved', whole, 3n, 'ix-saved-3', (w) => (w.items!.items[2].durability += 1));
    const hitsBefore = (await cacheStats(t)).hits;
    expect((await t.client.saveChanges(two.req)).committedEpoch).toBe(4n);
    const after = await cacheStats(t);
    expect(after.hits - hitsBefore).toBe(1);
    expect(after.misses - before.misses).toBe(1); // only the first change set, after the first whole Save
  });

  it('checks the whole result when the base was not checked under this daemon\'s rules', async () => {
    // A base committed without today's rules (as under an older rules version): a quest of a player that does not exist.
    const base = smallWorld('ix-rules');
    base.quests!.quests[0].playerId = 'nobody';
    const prepared = prepareEpoch(clone(WorldSnapshotSchema, base), { worldId: 'ix-rules', requestId: 'ix-rules-0', principal: 'older', committedAtMs: 1n });
    const committed = await t.daemon.store.commit({
      worldId: 'ix-rules',
      expectedEpoch: 0n,
      requestId: 'ix-rules-0',
      contentDigest: prepared.contentDigest,
      chunks: prepared.chunks,
      sealMeta: (epoch) => sealEpochMeta(prepared.unsealed, epoch),
    });
    expect(committed.kind).toBe('committed');
    const one = step('ix-rules', base, 1n, 'ix-rules-1', (w) => (w.items!.items[0].durability += 1));
    const err = await refusalOf(t.client.saveChanges(one.req));
    const twin = clone(WorldSnapshotSchema, one.result);
    twin.world!.worldId = 'ix-rules-twin';
    for (const s of [twin.players, twin.world, twin.npcs, twin.items, twin.quests]) s!.sourceEpoch = 0n;
    const whole = await refusalOf(t.client.save(saveRequest('ix-rules-twin', twin, 0n)));
    expect(err.reason).toBe('DANGLING_REFERENCE');
    expect(err.violations.map((v) => [v.field, v.description.split(':')[0]])).toEqual(whole.violations.map((v) => [v.field, v.description.split(':')[0]]));
  });
});
