import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { EpochMetaSchema, packChunkIds, unpackChunkIds, type ChunkLedger } from '@persistd/contract';
import fc from 'fast-check';
import type { Chunk, CommitInput } from './commit';
import { worldKeys } from './keys';
import type { RedisStore } from './redis-store';
import { Harness, SYSTEMS, randomChunk, sha256 } from './test/fixtures';

/**
 * Retention from the per-epoch bookkeeping (added/dropped against the base) against the truth:
 * after every commit of a random history, the chunk keys in Redis are exactly the chunks that
 * the retained epochs list, found by walking every retained tree (form 2 through its index
 * chunks) — nothing a retained epoch lists is ever deleted, and nothing else is left. Histories
 * mix stored form 1, form 2, and form-1 epochs without bookkeeping (written before it existed,
 * as an upgraded fleet finds them), under a retention that changes between commits. One store
 * per retention commits its steps, so a store meets bases it committed itself (their listing
 * held, listing-memo.ts) and bases another store committed since (listed from Redis).
 */

const W = 'world-ledger';
const POOL = Array.from({ length: 14 }, () => randomChunk(64));

type Kind = 'legacy' | 'form1' | 'form2';

interface Step {
  kind: Kind;
  picks: number[];
  retention: number;
}

/** A commit of the pool chunks `picks`, in `kind`, at `expectedEpoch`. */
function stepInput(step: Step, expectedEpoch: bigint, n: number): CommitInput {
  const records = [...new Set(step.picks)].map((i) => POOL[i]!);
  const chunks: Chunk[] = [...records];
  const form2 = step.kind === 'form2';
  // Form 2: each section's records listed by index chunks of up to two ids each.
  const sections = SYSTEMS.map((system, s) => {
    const ids = records.filter((_, i) => i % SYSTEMS.length === s).map((c) => c.id);
    if (!form2) return { system, chunkIds: ids };
    const index: string[] = [];
    for (let i = 0; i < ids.length; i += 2) {
      const bytes = packChunkIds(ids.slice(i, i + 2));
      const chunk = { id: sha256(bytes), bytes };
      if (!chunks.some((c) => c.id === chunk.id)) chunks.push(chunk);
      index.push(chunk.id);
    }
    return { system, indexChunkIds: index };
  });
  const contentDigest = sha256(JSON.stringify(sections));
  return {
    worldId: W,
    expectedEpoch,
    requestId: `r${n}`,
    contentDigest,
    chunks,
    // Form-2 steps as change sets: a store then holds the listing of what it commits (listing-memo.ts).
    ...(form2 ? { changes: { requestDigest: contentDigest, counts: [0, 0, 0, 0, 0] } } : {}),
    sealMeta(epoch: bigint, ledger?: ChunkLedger) {
      const meta = create(EpochMetaSchema, {
        worldId: W,
        epoch,
        schemaVersion: 1,
        contentDigest,
        sections,
        storedForm: form2 ? 2 : 1,
        ledger: step.kind === 'legacy' ? undefined : ledger,
      });
      const bytes = toBinary(EpochMetaSchema, meta);
      return { bytes, digest: sha256(bytes) };
    },
  };
}

/** Every chunk the retained epochs list, walking each tree, and the chunk keys present. */
async function walk(h: Harness): Promise<{ listed: Set<string>; present: Set<string>; ttl: number[] }> {
  const keys = worldKeys(h.prefix, W);
  const all = await h.keys();
  const listed = new Set<string>();
  for (const key of all.filter((k) => k.includes(':meta:'))) {
    const meta = fromBinary(EpochMetaSchema, (await h.redis.getBuffer(key))!);
    for (const s of meta.sections) {
      for (const id of s.chunkIds) listed.add(id);
      for (const id of s.indexChunkIds) {
        listed.add(id);
        const bytes = await h.redis.getBuffer(keys.chunk(id));
        for (const child of bytes ? unpackChunkIds(bytes)! : []) listed.add(child);
      }
    }
  }
  const chunkKeys = all.filter((k) => k.includes(':chunk:'));
  const ttl = await Promise.all(chunkKeys.map((k) => h.redis.ttl(k)));
  return { listed, present: new Set(chunkKeys.map((k) => k.split(':chunk:')[1]!)), ttl };
}

const stepArb = (kind: fc.Arbitrary<Kind>) =>
  fc.record({ kind, picks: fc.array(fc.integer({ min: 0, max: POOL.length - 1 }), { maxLength: 8 }), retention: fc.integer({ min: 1, max: 4 }) });

describe('retention bookkeeping against a full walk of every retained tree (real Redis)', () => {
  it('deletes exactly the chunks no retained epoch lists, over mixed form-1/form-2 histories', async () => {
    let held = 0;
    await fc.assert(
      fc.asyncProperty(
        // Epochs without bookkeeping come first, as when a fleet upgrades; then both forms mix.
        fc.array(stepArb(fc.constant<Kind>('legacy')), { maxLength: 3 }),
        fc.array(stepArb(fc.constantFrom<Kind>('form1', 'form2')), { minLength: 1, maxLength: 9 }),
        async (legacy, steps) => {
          const h = new Harness();
          const stores = new Map<number, RedisStore>();
          try {
            for (const [n, step] of [...legacy, ...steps].entries()) {
              const store = stores.get(step.retention) ?? h.store({ retention: step.retention });
              stores.set(step.retention, store);
              expect(await store.commit(stepInput(step, BigInt(n), n))).toMatchObject({ kind: 'committed' });
              const { listed, present, ttl } = await walk(h);
              expect([...present].sort()).toEqual([...listed].sort());
              expect(ttl.every((t) => t === -1)).toBe(true);
            }
          } finally {
            for (const store of stores.values()) {
              held += store.listings.hits;
              await store.close();
            }
            await h.cleanup();
          }
        },
      ),
      { numRuns: 40 },
    );
    // The held listings were taken as bases, not only the listings read from Redis.
    expect(held).toBeGreaterThan(0);
  }, 120_000);
});
