import { clone, create, fromBinary } from '@bufbuild/protobuf';
import { GroundLocationSchema, ItemRecordSchema, WorldSnapshotSchema, type WorldSnapshot } from '@persistd/contract';
import { generateWorld } from '@persistd/testkit';
import fc from 'fast-check';
import { COMPILED_MODULES } from '../owner-modules';
import { prepareEpoch } from '../stored-form/prepare-epoch';
import { advanceIndex } from './advance-index';
import { checkAgainstIndex, type SectionChange } from './fast-check';
import { indexOfStoredChunks, splitChunks } from './index-of-epoch';
import { recordDigest } from './record-digest';
import { factsOf } from './record-facts';
import { expectSameAnswers } from './test/same-answers';

/**
 * An index advanced change after change (rows freed and reused, claims passed between records,
 * references moved) answers every question exactly as the index built afresh from the result's
 * stored chunks does, and the fast check accepts each valid change on it.
 */

const stamp = { worldId: 'w', requestId: 'r', principal: 'p', committedAtMs: 0n };
const chunksOf = (w: WorldSnapshot) => prepareEpoch(clone(WorldSnapshotSchema, w), stamp).sections.map((s) => s.chunks);

/** Each section's records by id: digest and facts, as the stored chunks give them. */
function recordsOf(w: WorldSnapshot) {
  return chunksOf(w).map((chunks, k) => {
    const { records } = splitChunks(k, chunks);
    const compiled = COMPILED_MODULES[k];
    return new Map(
      records.ids.map((id, i) => {
        const body = records.entries[i].subarray(records.bodyAt[i]);
        return [id, { digest: recordDigest(body), facts: factsOf(compiled, fromBinary(compiled.recordDesc, body)), entry: records.entries[i] }];
      }),
    );
  });
}

/** The change from `base` to `next`, as the fast path takes it. */
function changeOf(base: WorldSnapshot, next: WorldSnapshot): SectionChange[] {
  const before = recordsOf(base);
  return recordsOf(next).map((after, k) => ({
    upserts: [...after].filter(([id, r]) => before[k].get(id)?.digest !== r.digest).map(([id, r]) => ({ id, ...r })),
    deletes: [...before[k].keys()].filter((id) => !after.has(id)),
    expectedDigest: '',
  }));
}

/** Items dropped, moved between inventory slots (a claim passing on), re-homed and added; an NPC and what it holds dropped. */
function mutate(w: WorldSnapshot, seed: number, step: number): WorldSnapshot {
  const next = clone(WorldSnapshotSchema, w);
  const items = next.items!.items;
  const pick = (n: number) => (seed * (n + 7) + step * 13) % items.length;
  const inventory = items.filter((i) => i.location.case === 'inventory');
  if (inventory.length >= 2) {
    const [a, b] = [inventory[seed % inventory.length], inventory[(seed + 1) % inventory.length]];
    if (a.location.case === 'inventory' && b.location.case === 'inventory' && a.location.value.playerId === b.location.value.playerId) {
      [a.location.value.slot, b.location.value.slot] = [b.location.value.slot, a.location.value.slot];
    }
  }
  items[pick(1)].durability += 1;
  const zone = next.world!.zones[seed % next.world!.zones.length].zoneId;
  const onGround = (from: (typeof items)[number], itemId: string) => {
    const item = clone(ItemRecordSchema, from);
    item.itemId = itemId;
    item.location = { case: 'ground', value: create(GroundLocationSchema, { zoneId: zone, position: { x: 1, y: 2, z: step } }) };
    return item;
  };
  items[pick(2)] = onGround(items[pick(2)], items[pick(2)].itemId);
  items.push(onGround(items[pick(3)], `added-${step}-${seed}`));
  items.splice(pick(4), 1);
  const npcs = next.npcs!.npcs;
  if (npcs.length > 1 && seed % 2 === 0) {
    const gone = npcs.splice(seed % npcs.length, 1)[0].npcId;
    next.items!.items = items.filter((i) => !(i.location.case === 'heldByNpc' && i.location.value.npcId === gone));
  }
  return next;
}

describe('advanceIndex', () => {
  it('answers as the index built afresh from the result, change after change', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 1_000 }), { minLength: 1, maxLength: 6 }), (seeds) => {
        let world = generateWorld({ worldId: 'w', players: 6, zones: 8, npcs: 10, items: 60, quests: 6, seed: 3, ids: 'by-owner' });
        const index = indexOfStoredChunks('w', 1n, 'd', chunksOf(world));
        const everId = recordsOf(world).map((m) => new Set(m.keys()));
        seeds.forEach((seed, step) => {
          const next = mutate(world, seed, step);
          const changes = changeOf(world, next);
          const fresh = indexOfStoredChunks('w', BigInt(step + 2), 'd', chunksOf(next));
          const verdict = checkAgainstIndex(index, changes, 1_000_000);
          expect(verdict).toEqual({ accept: true, counts: fresh.sections.map((s) => s.size), sums: fresh.sections.map((s) => s.sum) });
          advanceIndex(index, changes, { epoch: fresh.epoch, digest: 'd', sums: fresh.sections.map((s) => s.sum), leaves: fresh.sections.map((s) => s.leaves) });
          recordsOf(next).forEach((m, k) => m.forEach((_, id) => everId[k].add(id)));
          expectSameAnswers(index, fresh, everId.map((s) => [...s]));
          world = next;
        });
      }),
      { numRuns: 25 },
    );
  });
});
