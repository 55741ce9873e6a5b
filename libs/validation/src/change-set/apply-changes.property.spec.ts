import { clone, create, fromBinary } from '@bufbuild/protobuf';
import { ItemRecordSchema, SaveChangesRequestSchema, SaveRequestSchema, StateSource, WorldSnapshotSchema, type ItemRecord, type SaveChangesRequest, type WorldSnapshot } from '@persistd/contract';
import { generateWorld } from '@persistd/testkit';
import fc from 'fast-check';
import { sealEpochMeta } from '../stored-form/digests';
import { restoreFrames } from '../stored-form/framing';
import { prepareEpoch } from '../stored-form/prepare-epoch';
import { applyChanges } from './apply-changes';
import { digestSection } from './base-index';
import { baseSectionsOfFrames, type BaseRecords } from './base-records';
import { changeRequestDigest } from './request-digest';

const stamp = { worldId: 'w', requestId: 'r', principal: 'p', committedAtMs: 1n };

/** A stored epoch of `w` as a change set's base: its restore messages read back. */
function baseOf(w: WorldSnapshot, epoch: bigint): BaseRecords {
  const prepared = prepareEpoch(clone(WorldSnapshotSchema, w), stamp);
  const { meta } = sealEpochMeta(prepared.unsealed, epoch);
  const chunks = new Map(prepared.chunks.map((c) => [c.id, c.bytes]));
  const frames = [...restoreFrames(epoch, meta, chunks)].filter((f) => f.payloadCase !== 'activation').map((f) => f.bytes);
  return { epoch, schemaVersion: 1, sections: baseSectionsOfFrames(frames) };
}

/** Item changes at `epoch`: `changed` items get durability + 1, `added` new items, `deleted` ids removed. */
function itemChanges(w: WorldSnapshot, epoch: bigint, picks: { changed: number[]; added: number; deleted: number[] }): { req: SaveChangesRequest; result: WorldSnapshot } {
  const items = w.items!.items;
  const deletes = [...new Set(picks.deleted.map((p) => items[p % items.length].itemId))];
  const upserts: ItemRecord[] = [...new Set(picks.changed.map((p) => p % items.length))]
    .filter((i) => !deletes.includes(items[i].itemId))
    .map((i) => ({ ...clone(ItemRecordSchema, items[i]), durability: items[i].durability + 1 }));
  for (let n = 0; n < picks.added; n++) upserts.push({ ...clone(ItemRecordSchema, items[n % items.length]), itemId: `added-${epoch}-${n}` });
  const part = { sourceEpoch: epoch, schemaVersion: 1 };
  const req = create(SaveChangesRequestSchema, {
    worldId: 'w',
    expectedEpoch: epoch,
    requestId: `r-${epoch}`,
    source: StateSource.AUTHORITATIVE_RUNTIME,
    changes: { schemaVersion: 1, players: part, world: { ...part, worldId: 'w', contentVersion: w.world!.contentVersion }, npcs: part, items: { ...part, upserts, deletes }, quests: part },
  });
  const result = clone(WorldSnapshotSchema, w);
  const replaced = new Set([...deletes, ...upserts.map((u) => u.itemId)]);
  result.items!.items = [...result.items!.items.filter((r) => !replaced.has(r.itemId)), ...upserts.map((u) => clone(ItemRecordSchema, u))];
  for (const s of [result.players, result.world, result.npcs, result.items, result.quests]) s!.sourceEpoch = epoch;
  return { req, result };
}

const picks = fc.record({ changed: fc.array(fc.nat(), { maxLength: 6 }), added: fc.nat({ max: 3 }), deleted: fc.array(fc.nat(), { maxLength: 3 }) });

describe('property: a change set applied to its base', () => {
  it('is the SaveRequest of the result, and a cached index gives exactly what the base read gives', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), picks, picks, (seed, first, second) => {
        const w = generateWorld({ worldId: 'w', players: 4, zones: 4, npcs: 3, items: 15, quests: 4, seed, epoch: 1n });
        const one = itemChanges(w, 1n, first);
        const applied = applyChanges(one.req, baseOf(w, 1n), undefined);
        expect(applied.violations).toEqual([]);
        const snapshot = fromBinary(SaveRequestSchema, applied.saveRequest).snapshot!;
        expect(prepareEpoch(snapshot, stamp).contentDigest).toBe(prepareEpoch(clone(WorldSnapshotSchema, one.result), stamp).contentDigest);

        const two = itemChanges(one.result, 2n, second);
        const base2 = baseOf(one.result, 2n);
        const uncached = applyChanges(two.req, base2, undefined);
        // What a cached index holds of the base: its records' digests.
        const cached = applyChanges(two.req, base2, base2.sections.map(digestSection));
        expect(cached).toEqual(uncached);
      }),
      { numRuns: 40 },
    );
  });

  it('has a request digest that ignores the order of upserts and deletes and the request id, and no other difference', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), picks, (seed, p) => {
        const w = generateWorld({ worldId: 'w', players: 4, zones: 4, npcs: 3, items: 15, quests: 4, seed, epoch: 1n });
        const { req } = itemChanges(w, 1n, { ...p, added: p.added + 1 });
        const reordered = clone(SaveChangesRequestSchema, req);
        reordered.changes!.items!.upserts.reverse();
        reordered.changes!.items!.deletes.reverse();
        reordered.requestId = 'another-id';
        expect(changeRequestDigest(reordered)).toBe(changeRequestDigest(req));
        const other = clone(SaveChangesRequestSchema, req);
        other.changes!.items!.upserts[0].quantity += 1;
        expect(changeRequestDigest(other)).not.toBe(changeRequestDigest(req));
        const elsewhere = clone(SaveChangesRequestSchema, req);
        elsewhere.expectedEpoch = 2n;
        expect(changeRequestDigest(elsewhere)).not.toBe(changeRequestDigest(req));
      }),
      { numRuns: 40 },
    );
  });
});
