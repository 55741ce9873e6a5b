import type { WorldSnapshot } from '@persistd/contract';
import { generateWorld, shuffleWorld, worldShapeArbitrary } from '@persistd/testkit';
import fc from 'fast-check';
import { canonicalSections } from './canonical';
import { sealEpochMeta } from './digests';
import { prepareEpoch } from './prepare-epoch';
import { decodeStoredSnapshot, verifyStoredEpoch, type StoredEpochView } from './verify-stored';

/**
 * Properties of the stored form (DESIGN §5): whatever valid world goes in comes back out of the
 * stored bytes record for record and passes full verification; the content digest depends on the
 * records alone, never on their order or the order maps were filled in. Run counts stay modest:
 * the machine is small and each run builds a whole world.
 */

/** Shapes generateWorld makes valid worlds of, empty sections included. */
const anyShape = worldShapeArbitrary({ players: { max: 25 }, zones: { max: 12 }, npcs: { max: 25 }, items: { max: 40 }, quests: { max: 20 }, worldIdMaxLength: 24, contentVersions: ['content-1.0.0', 'c2', ''] });

const anyEpoch = fc.bigInt({ min: 1n, max: (1n << 64n) - 1n });

const stamp = (worldId: string) => ({ worldId, requestId: 'req-1', principal: 'prop', committedAtMs: 1_700_000_000_000n });

/** A world as the store holds it after a save at `epoch`. */
function store(world: WorldSnapshot, worldId: string, epoch: bigint): StoredEpochView {
  const prepared = prepareEpoch(world, stamp(worldId));
  const { meta } = sealEpochMeta(prepared.unsealed, epoch);
  return { worldId, epoch, meta, chunks: new Map(prepared.chunks.map((c) => [c.id, c.bytes])) };
}

/** Each section's canonical record bytes, to compare two worlds record for record. */
const canonicalRecords = (world: WorldSnapshot) => canonicalSections(world).map((s) => s.records.map((r) => Buffer.from(r).toString('base64')));

/** The same maps, filled in the opposite order. */
function reverseMaps(world: WorldSnapshot): WorldSnapshot {
  const reversed = <V>(m: Record<string, V>) => Object.fromEntries(Object.entries(m).reverse());
  for (const p of world.players!.players) p.save!.attributes = reversed(p.save!.attributes);
  for (const z of world.world!.zones) z.flags = reversed(z.flags);
  for (const n of world.npcs!.npcs) n.flags = reversed(n.flags);
  for (const q of world.quests!.quests) q.objectives = reversed(q.objectives);
  return world;
}

describe('property: the stored form round-trips', () => {
  it('any generated valid world decodes back from its chunks to the same canonical records and passes full verification', () => {
    fc.assert(
      fc.property(anyShape, anyEpoch, fc.integer(), (shape, epoch, order) => {
        const stored = store(shuffleWorld(generateWorld(shape), order), shape.worldId, epoch);
        expect(verifyStoredEpoch(stored, 'digest')).toBeUndefined();
        expect(verifyStoredEpoch(stored, 'full')).toBeUndefined();

        const decoded = decodeStoredSnapshot(stored);
        expect(canonicalRecords(decoded)).toEqual(canonicalRecords(generateWorld(shape)));
        expect({ worldId: decoded.world!.worldId, contentVersion: decoded.world!.contentVersion }).toEqual({ worldId: shape.worldId, contentVersion: shape.contentVersion });
        for (const section of [decoded.players, decoded.world, decoded.npcs, decoded.items, decoded.quests]) {
          expect({ sourceEpoch: section!.sourceEpoch, schemaVersion: section!.schemaVersion }).toEqual({ sourceEpoch: epoch, schemaVersion: 1 });
        }
        // Stored again, the decoded world gives the very same chunks and content digest.
        const again = store(decoded, shape.worldId, epoch);
        expect(again.meta.contentDigest).toBe(stored.meta.contentDigest);
        expect(again.meta.digest).toBe(stored.meta.digest);
      }),
      { numRuns: 40 },
    );
  });
});

describe('property: content_digest depends on the records alone', () => {
  it('shuffling records and refilling maps in another order never changes it', () => {
    fc.assert(
      fc.property(anyShape, fc.integer(), (shape, order) => {
        const base = prepareEpoch(generateWorld(shape), stamp(shape.worldId)).contentDigest;
        expect(prepareEpoch(shuffleWorld(generateWorld(shape), order), stamp(shape.worldId)).contentDigest).toBe(base);
        expect(prepareEpoch(reverseMaps(shuffleWorld(generateWorld(shape), order)), stamp(shape.worldId)).contentDigest).toBe(base);
        // The same records under another world id and stamp: still the same value (DESIGN §5).
        const elsewhere = generateWorld({ ...shape, worldId: `${shape.worldId}-x`, epoch: 5n });
        expect(prepareEpoch(elsewhere, { ...stamp(`${shape.worldId}-x`), requestId: 'other' }).contentDigest).toBe(base);
      }),
      { numRuns: 40 },
    );
  });

  it('changing one record always changes it', () => {
    fc.assert(
      fc.property(
        anyShape.filter((s) => s.items > 0),
        fc.nat(),
        (shape, pick) => {
          const base = prepareEpoch(generateWorld(shape), stamp(shape.worldId)).contentDigest;
          const changed = generateWorld(shape);
          changed.items!.items[pick % shape.items].quantity += 1;
          expect(prepareEpoch(changed, stamp(shape.worldId)).contentDigest).not.toBe(base);
        },
      ),
      { numRuns: 20 },
    );
  });
});
