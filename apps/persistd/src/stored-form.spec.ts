import { clone, fromBinary } from '@bufbuild/protobuf';
import { EpochMetaSchema, WorldSnapshotSchema, type WorldSnapshot } from '@persistd/contract';
import { keysUnder } from '@persistd/testkit';
import { restampedWorld } from './test/stored-form-worlds';
import { canonicalBytes, collect, reassemble } from './test/restore-helpers';
import { refusalOf, saveRequest, startTestDaemon, type TestDaemon } from './test/test-daemon';

/**
 * Stored form 2 through the daemon (DESIGN §5): a small change writes few new chunks, the form
 * an epoch was written in never changes what it restores to, and PERSISTD_STORED_FORM decides
 * only how new epochs are written.
 */

const shape = { players: 40, zones: 8, npcs: 40, items: 4000, quests: 20, seed: 7 };

async function chunkKeys(t: TestDaemon, world: string): Promise<Set<string>> {
  return new Set((await keysUnder(t.redis, `${t.prefix}:{${world}}`)).filter((k) => k.includes(':chunk:')));
}

async function metaOf(t: TestDaemon, world: string, epoch: bigint) {
  return fromBinary(EpochMetaSchema, (await t.redis.getBuffer(`${t.prefix}:{${world}}:meta:${epoch}`))!);
}

/** The world with `count` items from `from` on (contiguous ids) changed. */
function changeItems(w: WorldSnapshot, from: number, count: number): WorldSnapshot {
  const out = clone(WorldSnapshotSchema, w);
  for (const item of out.items!.items.slice(from, from + count)) item.quantity += 1;
  return out;
}

describe('stored form 2 through the daemon', () => {
  let form2: TestDaemon;
  let form1: TestDaemon;
  beforeAll(async () => {
    form2 = await startTestDaemon({ PERSISTD_RETENTION: '4' });
    // A second daemon on the same prefix writing form 1: a fleet in the middle of its switch.
    form1 = await startTestDaemon({ PERSISTD_RETENTION: '4', PERSISTD_STORED_FORM: '1', PERSISTD_KEY_PREFIX: form2.prefix });
  });
  afterAll(async () => {
    await form1.stop();
    await form2.stop();
  });

  it('writes form 2 by default, with index chunks, empty chunk_ids and a rules version', async () => {
    await form2.client.save(saveRequest('f2-default', restampedWorld('f2-default', shape, 0n), 0n));
    const meta = await metaOf(form2, 'f2-default', 1n);
    expect(meta.storedForm).toBe(2);
    expect(meta.sections.every((s) => s.chunkIds.length === 0 && s.indexChunkIds.length > 0)).toBe(true);
    expect(meta.rulesVersion).toMatch(/^[0-9a-f]{64}$/);
    expect(meta.ledger?.baseEpoch).toBe(0n);
    expect((await metaOf(form1, 'f2-default', 1n)).storedForm).toBe(2);
  });

  it('a 1% change in one run of ids writes a few new chunks, not the world', async () => {
    const world = 'f2-change';
    const base = restampedWorld(world, shape, 0n);
    await form2.client.save(saveRequest(world, base, 0n));
    const before = await chunkKeys(form2, world);
    await form2.client.save(saveRequest(world, restampedWorld(world, shape, 1n, (w) => changeItems(w, 2000, 40)), 1n));
    const added = [...(await chunkKeys(form2, world))].filter((k) => !before.has(k));
    // 40 of 4,000 items: the chunks holding them and the index chunks on their path.
    expect(added.length).toBeGreaterThan(0);
    expect(added.length).toBeLessThanOrEqual(8);
    expect(before.size).toBeGreaterThan(60);
    const meta = await metaOf(form2, world, 2n);
    expect(meta.ledger?.baseEpoch).toBe(1n);
    expect(meta.ledger!.added.length / 32).toBe(added.length);
  });

  it('the same records give the same chunks and content_digest whatever the history', async () => {
    const final = restampedWorld('f2-hist-a', shape, 0n, (w) => changeItems(w, 100, 5));
    const direct = await form2.client.save(saveRequest('f2-hist-a', final, 0n));
    await form2.client.save(saveRequest('f2-hist-b', restampedWorld('f2-hist-b', shape, 0n), 0n));
    await form2.client.save(saveRequest('f2-hist-b', restampedWorld('f2-hist-b', { ...shape, seed: 8 }, 1n), 1n));
    const via = await form2.client.save(saveRequest('f2-hist-b', restampedWorld('f2-hist-b', shape, 2n, (w) => changeItems(w, 100, 5)), 2n));
    expect(via.contentDigest).toBe(direct.contentDigest);
    const a = await metaOf(form2, 'f2-hist-a', 1n);
    const b = await metaOf(form2, 'f2-hist-b', 3n);
    expect(b.sections.map((s) => s.indexChunkIds)).toEqual(a.sections.map((s) => s.indexChunkIds));
  });

  it('a mixed form-1/form-2 history restores byte-identically from either daemon', async () => {
    const world = 'f2-mixed';
    const saved: WorldSnapshot[] = [];
    const writers = [form1, form2, form1, form2];
    for (const [i, writer] of writers.entries()) {
      const w = restampedWorld(world, { ...shape, items: 600, seed: 20 + i }, BigInt(i));
      saved.push(clone(WorldSnapshotSchema, w));
      await writer.client.save(saveRequest(world, w, BigInt(i)));
    }
    expect((await metaOf(form2, world, 1n)).storedForm).toBe(1);
    expect((await metaOf(form2, world, 2n)).storedForm).toBe(2);
    for (const [i, snapshot] of saved.entries()) {
      for (const reader of [form1, form2]) {
        const restored = reassemble(await collect(reader.client, world, BigInt(i + 1)));
        expect(canonicalBytes(restored)).toEqual(canonicalBytes(snapshot));
      }
    }
    // The same records in form 1 and form 2: same records back, other content digests (DESIGN §5).
    const one = await form1.client.save(saveRequest('f2-twin-1', restampedWorld('f2-twin-1', shape, 0n), 0n));
    const two = await form2.client.save(saveRequest('f2-twin-2', restampedWorld('f2-twin-2', shape, 0n), 0n));
    expect(one.contentDigest).not.toBe(two.contentDigest);
    expect(canonicalBytes(reassemble(await collect(form2.client, 'f2-twin-1')))).toEqual(canonicalBytes(reassemble(await collect(form2.client, 'f2-twin-2'))));
  });

  it('frames many small chunks into restore messages of up to about 1 MiB', async () => {
    const world = 'f2-frames';
    await form2.client.save(saveRequest(world, restampedWorld(world, { ...shape, items: 30000 }, 0n), 0n));
    const messages = await collect(form2.client, world);
    const items = messages.filter((m) => m.payload.case === 'items');
    // ~1.5 MB of items in chunks of a few KiB: two messages, not hundreds.
    expect(items.length).toBeGreaterThanOrEqual(1);
    expect(items.length).toBeLessThanOrEqual(3);
  });

  it('a form-2 epoch whose index chunk is gone is refused MISSING_COMPONENT before the first record', async () => {
    const world = 'f2-missing';
    await form2.client.save(saveRequest(world, restampedWorld(world, shape, 0n), 0n));
    const meta = await metaOf(form2, world, 1n);
    await form2.redis.del(`${form2.prefix}:{${world}}:chunk:${meta.sections[3].indexChunkIds[0]}`);
    const refusal = await refusalOf(collect(form2.client, world));
    expect(refusal.reason).toBe('MISSING_COMPONENT');
  });
});

