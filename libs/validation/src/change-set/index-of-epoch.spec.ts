import { clone, fromBinary } from '@bufbuild/protobuf';
import { WorldSnapshotSchema, type WorldSnapshot } from '@persistd/contract';
import { generateWorld, worldShapeArbitrary } from '@persistd/testkit';
import fc from 'fast-check';
import { COMPILED_MODULES } from '../owner-modules';
import { prepareEpoch } from '../stored-form/prepare-epoch';
import type { BaseIndex } from './base-index';
import { indexOfStoredChunks, splitChunks } from './index-of-epoch';
import { emptySection, learnFacts, putRecord, rowOf } from './index-rows';
import { addDigest, recordDigest } from './record-digest';
import { factsOf } from './record-facts';
import { expectSameAnswers } from './test/same-answers';

/**
 * indexOfStoredChunks builds an epoch's index in one pass, each record scanned and hashed once
 * with its digest written from SHA-256's bytes. It must answer as the index built the plain way:
 * each record decoded typed, its digest a bigint, every row made before any fact is learned.
 */

const stamp = { worldId: 'w', requestId: 'r', principal: 'p', committedAtMs: 0n };
const chunksOf = (w: WorldSnapshot) => prepareEpoch(clone(WorldSnapshotSchema, w), stamp).sections.map((s) => s.chunks);

/** The plain way, and every id each section holds or is referenced by. */
function plainIndex(sections: ReturnType<typeof chunksOf>): { index: BaseIndex; ids: string[][] } {
  const split = sections.map((chunks, k) => splitChunks(k, chunks));
  const ids = split.map(({ records }) => [...records.ids]);
  const out = split.map(({ records, leaves }, k) => {
    const s = emptySection(COMPILED_MODULES[k].entry.system, 0, 0, 0);
    records.ids.forEach((id, i) => {
      const d = recordDigest(records.entries[i].subarray(records.bodyAt[i]));
      putRecord(s, id, d);
      s.sum = addDigest(s.sum, d);
    });
    s.leaves = leaves;
    return s;
  });
  split.forEach(({ records }, k) => {
    const compiled = COMPILED_MODULES[k];
    records.ids.forEach((id, i) => {
      const f = factsOf(compiled, fromBinary(compiled.recordDesc, records.entries[i].subarray(records.bodyAt[i])));
      for (const r of f.refs) {
        const [system, target] = r.split('\u0000');
        const t = out.findIndex((s) => s.system === Number(system));
        if (t >= 0) ids[t].push(target);
      }
      if (f.refs.length > 0 || f.claims.length > 0 || f.parent !== undefined) learnFacts(out, k, rowOf(out[k], id)!, f);
    });
  });
  return { index: { worldId: 'w', epoch: 1n, digest: 'd', sections: out }, ids };
}

const shape = worldShapeArbitrary({ players: { max: 6 }, zones: { min: 1, max: 8 }, npcs: { max: 8 }, items: { max: 40 }, quests: { max: 8 } });

describe('indexOfStoredChunks', () => {
  it('answers as the index built the plain way, for generated worlds', () => {
    fc.assert(
      fc.property(shape, fc.constantFrom('by-owner' as const, undefined), (s, ids) => {
        const sections = chunksOf(generateWorld({ ...s, worldId: 'w', ids }));
        const plain = plainIndex(sections);
        expectSameAnswers(indexOfStoredChunks('w', 1n, 'd', sections), plain.index, plain.ids);
      }),
      { numRuns: 40 },
    );
  });

  it('answers as the index built the plain way for a base whose records name ids it lacks (committed under other rules), across many chunks', () => {
    const world = generateWorld({ worldId: 'w', players: 30, zones: 10, npcs: 200, items: 3_000, quests: 100, seed: 9, ids: 'by-owner' });
    world.quests!.quests[0].playerId = 'nobody';
    world.quests!.quests[1].playerId = 'nobody';
    const sections = chunksOf(world);
    const plain = plainIndex(sections);
    expect(sections[3].length).toBeGreaterThan(10);
    expect(plain.ids[0]).toContain('nobody');
    const index = indexOfStoredChunks('w', 1n, 'd', sections);
    expectSameAnswers(index, plain.index, plain.ids);
    expect(index.sections[0].size).toBe(30);
  });
});
