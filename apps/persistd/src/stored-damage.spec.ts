import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { status, type ServiceError } from '@grpc/grpc-js';
import { EpochMetaSchema, fromServiceError, REFUSAL_BOUNDS, SectionManifestSchema, STATUS_DETAILS_KEY, type EpochMeta, type RichError, type WorldSnapshot } from '@persistd/contract';
import { worldKeys } from '@persistd/store-redis';
import { refusedWorld, smallWorld } from '@persistd/testkit';
import { canonicalSections, contentDigestOf, countsOf, cutChunks, metaDigestOf, sealEpochMeta, sha256Hex, type VerifyMode } from '@persistd/validation';
import { dumpStore, saveRequest, startTestDaemon, type TestDaemon } from './test/test-daemon';

/**
 * Damage at rest, made by writing to Redis behind the daemon's back, seen through gRPC: the
 * restore refuses before its first message with DESIGN §4's restore-side code, in both verify
 * modes, and changes nothing (no repair). A meta rewritten with a recomputed digest passes the
 * digest check only to meet the check before it in §4's order (MIXED_VERSION, MIXED_EPOCH);
 * without one, the first check its change breaks answers — the same codes, since every
 * field-level check comes before DIGEST_MISMATCH.
 */

interface RestoreOutcome {
  /** Messages received before the stream ended. */
  received: number;
  error?: RichError;
  /** The raw `grpc-status-details-bin` trailer. */
  details?: Buffer;
}

async function restoreOutcome(t: TestDaemon, worldId: string, epoch = 0n): Promise<RestoreOutcome> {
  let received = 0;
  try {
    for await (const message of t.client.restore({ worldId, epoch })) received += message ? 1 : 0;
  } catch (e) {
    const se = e as ServiceError;
    const error = fromServiceError(se);
    if (!error) throw new Error(`restore failed without ErrorInfo: ${se.message}`);
    return { received, error, details: se.metadata.get(STATUS_DETAILS_KEY)[0] as Buffer };
  }
  return { received };
}

let worldSeq = 0;

/** Saves a fresh small world through gRPC (twice when asked, for an older retained epoch). */
async function savedWorld(t: TestDaemon, saves = 1): Promise<{ worldId: string; keys: ReturnType<typeof worldKeys> }> {
  const worldId = `dmg-${++worldSeq}`;
  for (let e = 0; e < saves; e++) await t.client.save(saveRequest(worldId, smallWorld(worldId, BigInt(e), e + 1), BigInt(e)));
  const keys = worldKeys(t.prefix, worldId);
  expect(await restoreOutcome(t, worldId)).toEqual({ received: 6 }); // intact: five sections of one chunk each, then activation
  return { worldId, keys };
}

async function readMeta(t: TestDaemon, key: string): Promise<EpochMeta> {
  return fromBinary(EpochMetaSchema, (await t.redis.getBuffer(key))!);
}

/** Rewrites a stored meta; `reseal` recomputes its digest so the digest check passes. */
async function rewriteMeta(t: TestDaemon, key: string, change: (m: EpochMeta) => void, reseal: boolean): Promise<void> {
  const meta = await readMeta(t, key);
  change(meta);
  if (reseal) meta.digest = metaDigestOf(meta);
  await t.redis.set(key, Buffer.from(toBinary(EpochMetaSchema, meta)));
}

/** Rewrites a meta's epoch; resealed through sealEpochMeta as a commit would seal it. */
async function rewriteMetaEpoch(t: TestDaemon, key: string, epoch: bigint, reseal: boolean): Promise<void> {
  const meta = await readMeta(t, key);
  if (reseal) {
    await t.redis.set(key, Buffer.from(sealEpochMeta(meta, epoch).bytes)); // a new epoch and digest over the rest
  } else {
    meta.epoch = epoch;
    await t.redis.set(key, Buffer.from(toBinary(EpochMetaSchema, meta)));
  }
}

/** The id of the first non-empty chunk the meta of `epoch` lists for the items section. */
async function itemsChunkKey(t: TestDaemon, keys: ReturnType<typeof worldKeys>, epoch = 1n): Promise<string> {
  const meta = await readMeta(t, keys.meta(epoch));
  return keys.chunk(meta.sections[3].chunkIds[0]);
}

/**
 * A stored epoch written straight to Redis: records cut into chunks and a meta sealed exactly as a
 * commit would (correct chunk ids, content digest and digest), from records no Save would accept.
 * `tamper` may replace chunk bytes first; the ids and digests are then computed over those bytes.
 */
async function writeForgedEpoch(t: TestDaemon, worldId: string, snapshot: WorldSnapshot, epoch: bigint, tamper = (chunks: Uint8Array[][]) => chunks): Promise<void> {
  const keys = worldKeys(t.prefix, worldId);
  const sections = canonicalSections(snapshot).map((s) => cutChunks(s));
  const chunks = tamper(sections.map((s) => s.chunks.map((c) => c.bytes)));
  const manifests = sections.map((s, i) => create(SectionManifestSchema, { system: s.system, chunkIds: chunks[i].map(sha256Hex) }));
  const contentVersion = snapshot.world!.contentVersion;
  const { bytes } = sealEpochMeta(
    {
      worldId,
      schemaVersion: 1,
      contentVersion,
      contentDigest: contentDigestOf(contentVersion, manifests),
      sections: manifests,
      counts: countsOf(sections),
      requestId: 'forged-1',
      principal: 'test',
      committedAtMs: 1n,
    },
    epoch,
  );
  for (const c of chunks.flat()) await t.redis.set(keys.chunk(sha256Hex(c)), Buffer.from(c));
  await t.redis.set(keys.meta(epoch), Buffer.from(bytes));
  await t.redis.set(keys.epoch, String(epoch));
}

interface DamageCase {
  name: string;
  /** Saves needed (2 when an older retained epoch is damaged) and the epoch restored. */
  saves?: number;
  restoreEpoch?: bigint;
  damage(t: TestDaemon, keys: ReturnType<typeof worldKeys>): Promise<void>;
  expected: { code: status; reason: string };
}

const DATA_LOSS = (reason: string) => ({ code: status.DATA_LOSS, reason });

const CASES: DamageCase[] = [
  {
    name: 'one chunk byte altered',
    damage: async (t, keys) => {
      const key = await itemsChunkKey(t, keys);
      const bytes = (await t.redis.getBuffer(key))!;
      bytes[bytes.length >> 1] ^= 0x01;
      await t.redis.set(key, bytes);
    },
    expected: DATA_LOSS('DIGEST_MISMATCH'),
  },
  { name: 'a chunk deleted', damage: async (t, keys) => void (await t.redis.del(await itemsChunkKey(t, keys))), expected: DATA_LOSS('MISSING_COMPONENT') },
  { name: 'the committed meta deleted', damage: async (t, keys) => void (await t.redis.del(keys.meta(1n))), expected: DATA_LOSS('MISSING_COMPONENT') },
  { name: 'an older retained meta deleted', saves: 2, restoreEpoch: 1n, damage: async (t, keys) => void (await t.redis.del(keys.meta(1n))), expected: DATA_LOSS('MISSING_COMPONENT') },
  { name: "a meta's epoch rewritten, digest kept", damage: (t, keys) => rewriteMetaEpoch(t, keys.meta(1n), 7n, false), expected: DATA_LOSS('MIXED_EPOCH') },
  { name: "a meta's epoch rewritten, digest recomputed", damage: (t, keys) => rewriteMetaEpoch(t, keys.meta(1n), 7n, true), expected: DATA_LOSS('MIXED_EPOCH') },
  { name: "a meta's world rewritten, digest recomputed", damage: (t, keys) => rewriteMeta(t, keys.meta(1n), (m) => (m.worldId = 'elsewhere'), true), expected: DATA_LOSS('MIXED_EPOCH') },
  { name: "a meta's schema version set to 0, digest kept", damage: (t, keys) => rewriteMeta(t, keys.meta(1n), (m) => (m.schemaVersion = 0), false), expected: DATA_LOSS('MIXED_VERSION') },
  { name: "a meta's schema version set to 0, digest recomputed", damage: (t, keys) => rewriteMeta(t, keys.meta(1n), (m) => (m.schemaVersion = 0), true), expected: DATA_LOSS('MIXED_VERSION') },
  {
    name: "a meta's schema version set to 2, digest kept",
    damage: (t, keys) => rewriteMeta(t, keys.meta(1n), (m) => (m.schemaVersion = 2), false),
    expected: { code: status.FAILED_PRECONDITION, reason: 'UNSUPPORTED_VERSION' },
  },
  {
    name: "a meta's schema version set to 2, digest recomputed",
    damage: (t, keys) => rewriteMeta(t, keys.meta(1n), (m) => (m.schemaVersion = 2), true),
    expected: { code: status.FAILED_PRECONDITION, reason: 'UNSUPPORTED_VERSION' },
  },
  {
    name: 'a field only the digest binds rewritten (committed_at_ms), digest kept',
    damage: (t, keys) => rewriteMeta(t, keys.meta(1n), (m) => (m.committedAtMs += 1n), false),
    expected: DATA_LOSS('DIGEST_MISMATCH'),
  },
  {
    name: "a meta's content digest rewritten, meta digest recomputed",
    damage: (t, keys) => rewriteMeta(t, keys.meta(1n), (m) => (m.contentDigest = 'f'.repeat(64)), true),
    expected: DATA_LOSS('DIGEST_MISMATCH'),
  },
  {
    name: "a meta's chunk list pointed at another stored chunk, meta digest recomputed",
    damage: (t, keys) => rewriteMeta(t, keys.meta(1n), (m) => (m.sections[3].chunkIds = [...m.sections[2].chunkIds]), true),
    expected: DATA_LOSS('DIGEST_MISMATCH'),
  },
  {
    // Past any restore budget: a size the meta's digest does not vouch for is not trusted, so the
    // damage is reported as such instead of a refusal for want of memory.
    name: "a meta's stored size rewritten to a terabyte, digest kept",
    damage: (t, keys) => rewriteMeta(t, keys.meta(1n), (m) => (m.storedBytes = 1n << 40n), false),
    expected: DATA_LOSS('DIGEST_MISMATCH'),
  },
  { name: 'meta bytes that do not decode', damage: async (t, keys) => void (await t.redis.set(keys.meta(1n), Buffer.from([0x0a, 0xff]))), expected: DATA_LOSS('DIGEST_MISMATCH') },
];

describe.each<VerifyMode>(['digest', 'full'])('stored damage, PERSISTD_RESTORE_VERIFY=%s', (mode) => {
  let t: TestDaemon;
  beforeAll(async () => {
    // The damage below bends form 1's inline chunk lists; form 2's trees have their own spec.
    t = await startTestDaemon({ PERSISTD_RESTORE_VERIFY: mode, PERSISTD_STORED_FORM: '1' });
  });
  afterAll(() => t.stop());

  it.each(CASES.map((c) => [c.name, c] as const))('%s: refused before the first record, nothing repaired', async (_name, c) => {
    const { worldId, keys } = await savedWorld(t, c.saves);
    await c.damage(t, keys);
    const damaged = await dumpStore(t.redis, t.prefix);

    const first = await restoreOutcome(t, worldId, c.restoreEpoch ?? 0n);
    expect({ received: first.received, code: first.error?.code, reason: first.error?.reason }).toEqual({ received: 0, ...c.expected });
    expect(first.error?.violations).toEqual([]);
    expect(await dumpStore(t.redis, t.prefix)).toEqual(damaged);
    // Deterministic: the same damage gives the same error bytes.
    const second = await restoreOutcome(t, worldId, c.restoreEpoch ?? 0n);
    expect(second.details).toEqual(first.details);
  });

  it('a field only the digest binds, rewritten with a recomputed digest, is not damage: the world restores', async () => {
    const { worldId, keys } = await savedWorld(t);
    await rewriteMeta(t, keys.meta(1n), (m) => (m.committedAtMs += 1n), true);
    expect(await restoreOutcome(t, worldId)).toEqual({ received: 6 });
  });

  it('damage to an older epoch leaves the committed one restorable', async () => {
    const { worldId, keys } = await savedWorld(t, 2);
    await t.redis.del(keys.meta(1n));
    expect(await restoreOutcome(t, worldId)).toEqual({ received: 6 });
  });

  it('an intact epoch whose quest names an absent player: restored in digest mode, DATA_LOSS/DANGLING_REFERENCE in full mode', async () => {
    const worldId = `dmg-${++worldSeq}`;
    const snapshot = smallWorld(worldId);
    const quest = snapshot.quests!.quests[0];
    quest.playerId = 'nobody';
    await writeForgedEpoch(t, worldId, snapshot, 1n);
    const stored = await dumpStore(t.redis, t.prefix);

    const outcome = await restoreOutcome(t, worldId);
    if (mode === 'digest') {
      expect(outcome).toEqual({ received: 6 });
      const quests: string[] = [];
      for await (const m of t.client.restore({ worldId, epoch: 0n })) if (m.payload.case === 'quests') quests.push(...m.payload.value.quests.map((q) => q.playerId));
      expect(quests).toContain('nobody');
    } else {
      expect({ received: outcome.received, code: outcome.error?.code, reason: outcome.error?.reason }).toEqual({ received: 0, code: status.DATA_LOSS, reason: 'DANGLING_REFERENCE' });
      expect(outcome.error?.violations).toEqual([{ field: `quests[${quest.questId}].player_id`, description: expect.stringMatching(/^DANGLING_REFERENCE: .*nobody/) }]);
    }
    expect(await dumpStore(t.redis, t.prefix)).toEqual(stored);
  });

  it('an intact epoch with 5,000 items of an absent player: full mode refuses DATA_LOSS with the first violations and the total, within 4 KiB of details', async () => {
    const worldId = `dmg-${++worldSeq}`;
    await writeForgedEpoch(t, worldId, refusedWorld('dangling-items', worldId, 5_000).snapshot, 1n);
    const outcome = await restoreOutcome(t, worldId);
    if (mode === 'digest') {
      expect(outcome.error).toBeUndefined();
      return;
    }
    expect({ received: outcome.received, code: outcome.error?.code, reason: outcome.error?.reason }).toEqual({ received: 0, code: status.DATA_LOSS, reason: 'DANGLING_REFERENCE' });
    expect(outcome.error?.metadata).toEqual({ violations_total: '5000', violations_sent: String(outcome.error?.violations.length) });
    expect(outcome.error?.violations.length).toBeGreaterThan(0);
    expect(outcome.error?.violations[0].field).toBe('items[h0000000].location.inventory.player_id');
    expect(outcome.details!.length).toBeLessThanOrEqual(REFUSAL_BOUNDS.detailsBytes);
  });

  it('an epoch whose npc chunk also carries a section header field (hashes right, is no canonical record list): restored in digest mode, DATA_LOSS/DIGEST_MISMATCH in full mode', async () => {
    const worldId = `dmg-${++worldSeq}`;
    const header = new BinaryWriter().tag(1, WireType.Varint).uint64(99n).finish(); // NpcSection.source_epoch = 99
    await writeForgedEpoch(t, worldId, smallWorld(worldId), 1n, (chunks) => chunks.map((c, i) => (i === 2 ? [Buffer.concat([c[0], header])] : c)));
    const outcome = await restoreOutcome(t, worldId);
    if (mode === 'digest') {
      expect(outcome).toEqual({ received: 6 });
    } else {
      expect({ received: outcome.received, code: outcome.error?.code, reason: outcome.error?.reason }).toEqual({ received: 0, code: status.DATA_LOSS, reason: 'DIGEST_MISMATCH' });
      expect(outcome.error?.message).toBe('chunks of the npcs section of epoch 1 are not the canonical encoding of the records they hold');
    }
  });

  it('an epoch pointer that is not a number: DATA_LOSS/DIGEST_MISMATCH before anything is read', async () => {
    const { worldId, keys } = await savedWorld(t);
    await t.redis.set(keys.epoch, 'one');
    const outcome = await restoreOutcome(t, worldId);
    expect({ received: outcome.received, code: outcome.error?.code, reason: outcome.error?.reason }).toEqual({ received: 0, code: status.DATA_LOSS, reason: 'DIGEST_MISMATCH' });
  });
});
