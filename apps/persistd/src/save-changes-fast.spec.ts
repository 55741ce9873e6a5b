import { clone } from '@bufbuild/protobuf';
import { WorldSnapshotSchema, type SaveChangesRequest, type WorldSnapshot } from '@persistd/contract';
import { status } from '@grpc/grpc-js';
import { worldKeys } from '@persistd/store-redis';
import { generateWorld, scrapeMetrics } from '@persistd/testkit';
import { recordChunkIdsOf } from '@persistd/validation';
import { changesRequest, diffSnapshots, expectationsOf } from './test/change-sets';
import { canonicalBytes, collect, reassemble } from './test/restore-helpers';
import { refusalOf, saveRequest, startTestDaemon, type TestDaemon } from './test/test-daemon';

/**
 * SaveChanges' fast path (save-changes/fast-path.ts): an accepted change set reads from Redis only
 * the record chunks its changes fall in, and commits byte for byte the epoch a Save of the
 * resulting records makes (chunk ids, index chunks, content_digest, restored records). A change
 * that breaks a cross-record rule, or a base the fast path may not trust, takes the full path and
 * gets the answer a Save of the result gets.
 */

const SHAPE = { players: 40, zones: 12, npcs: 150, items: 3000, quests: 150, seed: 21 };
const SECTIONS = ['players', 'world', 'npcs', 'items', 'quests'] as const;

/** SaveChanges by path and the record chunks the fast path read (metrics). */
async function counters(t: TestDaemon): Promise<{ fast: number; rebuilt: number; full: number; chunksRead: number }> {
  const samples = await scrapeMetrics(t.daemon.metricsUrl!);
  return {
    fast: samples.value('persistd_save_changes_total', { path: 'fast' }) ?? 0,
    rebuilt: samples.value('persistd_save_changes_total', { path: 'rebuilt' }) ?? 0,
    full: samples.value('persistd_save_changes_total', { path: 'full' }) ?? 0,
    chunksRead: samples.value('persistd_save_changes_chunks_read_total', {}) ?? 0,
  };
}

const restamp = (w: WorldSnapshot, worldId: string, epoch: bigint) => {
  const out = clone(WorldSnapshotSchema, w);
  out.world!.worldId = worldId;
  for (const s of SECTIONS) out[s]!.sourceEpoch = epoch;
  return out;
};

/** A change request from `base` at `epoch` to `edit` of it (restamped to that epoch), with the expectations a game server sends. */
function changeOf(worldId: string, base: WorldSnapshot, epoch: bigint, requestId: string, edit: (w: WorldSnapshot) => void): { req: SaveChangesRequest; target: WorldSnapshot } {
  const target = restamp(base, worldId, epoch);
  edit(target);
  const req = changesRequest(worldId, epoch, requestId, diffSnapshots(base, target), { contentVersion: base.world!.contentVersion });
  for (const [k, name] of SECTIONS.entries()) Object.assign(req.changes![name]!, expectationsOf(target, k));
  return { req, target };
}

/**
 * An epoch's meta without what names its world and request (and the digest over them): what the
 * fast path must write exactly as a Save of the same records — sections, counts, digests, stored
 * form and bytes, rules version, the bookkeeping against its base.
 */
async function storedMeta(t: TestDaemon, worldId: string): Promise<object> {
  const { meta } = await t.daemon.store.readEpochMeta(worldId, 0n);
  return { ...meta, worldId: '', requestId: '', principal: '', committedAtMs: 0n, digest: '' };
}

/**
 * A world and its twin saved whole; the world then sends a change set with no change (so the
 * daemon holds the index of its epoch 2, as for a game server saving changes in turn) and the
 * twin saves again. Returns the base and a change request from it to `edit(base)` at epoch 2.
 */
async function prepared(t: TestDaemon, worldId: string, edit: (w: WorldSnapshot) => void): Promise<{ req: SaveChangesRequest; target: WorldSnapshot; twinId: string }> {
  const twinId = `${worldId}-twin`;
  const base = generateWorld({ worldId, ...SHAPE });
  await t.client.save(saveRequest(worldId, base, 0n));
  await t.client.save(saveRequest(twinId, restamp(base, twinId, 0n), 0n));
  await t.client.saveChanges(changesRequest(worldId, 1n, `${worldId}-none`, diffSnapshots(base, base), { contentVersion: base.world!.contentVersion }));
  await t.client.save(saveRequest(twinId, restamp(base, twinId, 1n), 1n));
  return { ...changeOf(worldId, base, 2n, `${worldId}-change`, edit), twinId };
}

/** Accepted on the fast path, reading at most `maxReads` chunks, and stored as the twin's Save of the same records. */
async function expectFastAndIdentical(t: TestDaemon, worldId: string, edit: (w: WorldSnapshot) => void, maxReads: number): Promise<number> {
  const { req, target, twinId } = await prepared(t, worldId, edit);
  const before = await counters(t);
  const res = await t.client.saveChanges(req);
  const after = await counters(t);
  expect(after.fast - before.fast).toBe(1);
  expect(after.full - before.full).toBe(0);
  const reads = after.chunksRead - before.chunksRead;
  expect(reads).toBeLessThanOrEqual(maxReads);
  const whole = await t.client.save(saveRequest(twinId, restamp(target, twinId, 2n), 2n));
  expect(res.contentDigest).toBe(whole.contentDigest);
  expect(res.counts).toEqual(whole.counts);
  expect(await storedMeta(t, worldId)).toEqual(await storedMeta(t, twinId));
  const [a, b] = [reassemble(await collect(t.client, worldId)), reassemble(await collect(t.client, twinId))];
  expect(canonicalBytes(a)).toEqual(canonicalBytes(b));
  // The next change set still finds the index it advanced: the fast path again.
  await t.client.saveChanges(changeOf(worldId, target, 3n, `${worldId}-again`, (w) => (w.items!.items[7].durability += 1)).req);
  expect((await counters(t)).fast - after.fast).toBe(1);
  return reads;
}

/** The same answer as a Save of the result, by the full path. */
async function expectFullAndSameRefusal(t: TestDaemon, worldId: string, edit: (w: WorldSnapshot) => void): Promise<string[]> {
  const { req, target, twinId } = await prepared(t, worldId, edit);
  const before = await counters(t);
  const changes = await refusalOf(t.client.saveChanges(req));
  expect((await counters(t)).full - before.full).toBe(1);
  const whole = await refusalOf(t.client.save(saveRequest(twinId, restamp(target, twinId, 2n), 2n)));
  const answer = (e: typeof whole) => ({ reason: e.reason, violations: e.violations.map((v) => `${v.description.split(':')[0]} ${v.field}`) });
  expect(answer(changes)).toEqual(answer(whole));
  return whole.violations.map((v) => v.description.split(':')[0]);
}

describe('SaveChanges fast path', () => {
  let t: TestDaemon;
  beforeAll(async () => {
    t = await startTestDaemon();
  });
  afterAll(() => t.stop());

  it('1% of the records changed at random: reads about the chunks they fall in, stores what a Save stores', async () => {
    const picks = Array.from({ length: 33 }, (_, i) => (i * 2654435761) % 3000);
    const reads = await expectFastAndIdentical(t, 'fast-random', (w) => picks.forEach((p) => (w.items!.items[p].durability += 1)), 33 * 3);
    expect(reads).toBeGreaterThan(0);
  });

  it('a contiguous run of changes reads a handful of chunks', async () => {
    await expectFastAndIdentical(t, 'fast-run', (w) => w.items!.items.slice(1200, 1233).forEach((item) => (item.durability += 1)), 12);
  });

  it('an insert at the start of a section', async () => {
    await expectFastAndIdentical(
      t,
      'fast-first',
      (w) => {
        const first = clone(WorldSnapshotSchema, w).items!.items.find((i) => i.location.case === 'ground')!;
        first.itemId = 'a-first';
        w.items!.items.push(first);
      },
      // The chunk it falls in, and the next ones read ahead while boundaries realign.
      6,
    );
  });

  it('a delete', async () => {
    await expectFastAndIdentical(t, 'fast-delete', (w) => w.items!.items.splice(1500, 1), 3);
  });

  it('a section emptied: its one empty chunk', async () => {
    await expectFastAndIdentical(t, 'fast-empty', (w) => (w.quests!.quests = []), 200);
  });

  it('a change that strands a reference, collides a slot or closes a zone cycle: the full path, the refusal of a Save of the result', async () => {
    // A player deleted whom quests and items still name.
    expect(await expectFullAndSameRefusal(t, 'fast-strand', (w) => w.players!.players.splice(3, 1))).toContain('DANGLING_REFERENCE');
    // An item moved into a slot another item holds.
    const slot = await expectFullAndSameRefusal(t, 'fast-slot', (w) => {
      const held = w.items!.items.filter((i) => i.location.case === 'inventory');
      held[1].location = clone(WorldSnapshotSchema, w).items!.items.find((i) => i.itemId === held[0].itemId)!.location;
    });
    expect(slot).toContain('OWNERSHIP_OVERLAP');
    // A zone made the parent of its own parent.
    const cycle = await expectFullAndSameRefusal(t, 'fast-cycle', (w) => {
      const child = w.world!.zones.find((z) => z.parentZoneId !== '')!;
      w.world!.zones.find((z) => z.zoneId === child.parentZoneId)!.parentZoneId = child.zoneId;
    });
    expect(cycle).toContain('OWNERSHIP_OVERLAP');
  });

  it('a delete of a record still referenced through a replaced record is judged on the result: the replacement no longer names it, accepted fast', async () => {
    await expectFastAndIdentical(
      t,
      'fast-rehome',
      (w) => {
        const player = w.players!.players[5].playerId;
        const ground = clone(WorldSnapshotSchema, w).items!.items.find((i) => i.location.case === 'ground')!.location;
        for (const q of w.quests!.quests) if (q.playerId === player) q.playerId = w.players!.players[6].playerId;
        for (const i of w.items!.items) if (i.location.case === 'inventory' && i.location.value.playerId === player) i.location = ground;
        w.players!.players.splice(5, 1);
      },
      400,
    );
  });
});

describe('SaveChanges without the fast path', () => {
  for (const [why, env] of [
    ['a base in stored form 1', { PERSISTD_STORED_FORM: '1' }],
    ['no index held (evicted, or never kept)', { PERSISTD_INDEX_CACHE_BYTES: '0' }],
  ] as const) {
    it(`${why}: the full path, the answer and the stored meta of a Save of the result`, async () => {
      const t = await startTestDaemon(env);
      try {
        const { req, target, twinId } = await prepared(t, 'slow', (w) => (w.items!.items[100].durability += 1));
        const before = await counters(t);
        const res = await t.client.saveChanges(req);
        const after = await counters(t);
        expect({ fast: after.fast - before.fast, full: after.full - before.full }).toEqual({ fast: 0, full: 1 });
        expect(res.contentDigest).toBe((await t.client.save(saveRequest(twinId, restamp(target, twinId, 2n), 2n))).contentDigest);
        expect(await storedMeta(t, 'slow')).toEqual(await storedMeta(t, twinId));
      } finally {
        await t.stop();
      }
    });
  }
});

describe('SaveChanges whose base index is not held', () => {
  let t: TestDaemon;
  let other: TestDaemon;
  beforeAll(async () => {
    t = await startTestDaemon();
    // A second daemon on the same keys: what it commits, t holds no index of.
    other = await startTestDaemon({ PERSISTD_KEY_PREFIX: t.prefix });
  });
  afterAll(async () => {
    await other.daemon.stop();
    other.client.close();
    other.redis.disconnect();
    await t.stop();
  });

  /** A world saved whole by the other daemon, its twin by t; a change request from it at epoch 1. */
  async function savedByOther(worldId: string, edit: (w: WorldSnapshot) => void) {
    const twinId = `${worldId}-twin`;
    const base = generateWorld({ worldId, ...SHAPE });
    await other.client.save(saveRequest(worldId, base, 0n));
    await t.client.save(saveRequest(twinId, restamp(base, twinId, 0n), 0n));
    return { ...changeOf(worldId, base, 1n, `${worldId}-change`, edit), twinId };
  }

  it('rebuilds the index from the base, takes the fast path, stores what a Save stores, and keeps the index advanced', async () => {
    const { req, target, twinId } = await savedByOther('rebuilt', (w) => {
      w.items!.items.slice(600, 630).forEach((item) => (item.durability += 1));
      w.quests!.quests.pop();
    });
    const before = await counters(t);
    const res = await t.client.saveChanges(req);
    const after = await counters(t);
    expect({ fast: after.fast - before.fast, rebuilt: after.rebuilt - before.rebuilt, full: after.full - before.full }).toEqual({ fast: 0, rebuilt: 1, full: 0 });
    const whole = await t.client.save(saveRequest(twinId, restamp(target, twinId, 1n), 1n));
    expect(res.contentDigest).toBe(whole.contentDigest);
    expect(await storedMeta(t, 'rebuilt')).toEqual(await storedMeta(t, twinId));
    expect(canonicalBytes(reassemble(await collect(t.client, 'rebuilt')))).toEqual(canonicalBytes(reassemble(await collect(t.client, twinId))));
    // The rebuilt index was advanced to the committed epoch: the next change set is fast.
    expect((await t.client.saveChanges(changeOf('rebuilt', target, 2n, 'rebuilt-again', (w) => (w.items!.items[7].durability += 1)).req)).committedEpoch).toBe(3n);
    expect((await counters(t)).fast - after.fast).toBe(1);
  });

  it('refuses a change set whose base chunk is damaged with DATA_LOSS/DIGEST_MISMATCH, indexing nothing and committing nothing', async () => {
    const { req } = await savedByOther('rebuilt-damaged', (w) => (w.items!.items[5].durability += 1));
    const stored = await t.daemon.store.readEpoch('rebuilt-damaged', 1n);
    const itemChunk = recordChunkIdsOf(stored.meta, stored.chunks)[3][0];
    const key = worldKeys(t.prefix, 'rebuilt-damaged').chunk(itemChunk);
    const bytes = (await t.redis.getBuffer(key))!;
    bytes[bytes.length - 1] ^= 0x01;
    await t.redis.set(key, bytes);
    const before = await counters(t);
    const err = await refusalOf(t.client.saveChanges(req));
    expect({ code: err.code, reason: err.reason }).toEqual({ code: status.DATA_LOSS, reason: 'DIGEST_MISMATCH' });
    expect(await counters(t)).toEqual(before);
    expect(t.daemon.indexCache.holdsWorld('rebuilt-damaged')).toBe(false);
    expect((await t.daemon.store.readWorldPointer('rebuilt-damaged')).committed).toBe(1n);
  });
});
