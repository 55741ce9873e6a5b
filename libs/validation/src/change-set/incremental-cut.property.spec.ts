import fc from 'fast-check';
import { contentDefinedRanges, RECORD_CHUNK_RULE } from '../stored-form/boundaries';
import { compareIds } from '../stored-form/canonical';
import { chunkOf } from '../stored-form/chunks';
import { leafOf, type Leaf } from './base-index';
import { LeavesNeeded, recutSection, type LeafRecords } from './incremental-cut';
import type { UpsertFacts } from './upsert-facts';

/**
 * The re-cut of a section from its base chunks and a change gives the very chunks a whole cut of
 * the result gives (stored form 2's promise: the same records, the same chunks), reading only the
 * base chunks it must. Entries here are opaque bytes: the cut looks at ids and sizes alone. Some
 * entries are larger than the cap, so chunks that ended by the cap (not by an id) are met too.
 */

type Entry = { id: string; entry: Uint8Array };

const entryOf = (id: string, size: number, salt: number): Entry => ({ id, entry: new Uint8Array(size).fill((salt % 251) + 1) });

/** A section cut whole: its leaves and each leaf's records. */
function cutWhole(entries: readonly Entry[]): { leaves: Leaf[]; records: LeafRecords[]; ids: string[] } {
  const ranges = contentDefinedRanges(entries.length, (k) => entries[k].entry.byteLength, (k) => entries[k].id, RECORD_CHUNK_RULE);
  const leaves: Leaf[] = [];
  const records: LeafRecords[] = [];
  for (const [from, to, bytes] of ranges) {
    const run = entries.slice(from, to);
    const chunk = chunkOf(Buffer.concat(run.map((e) => e.entry)), run.length);
    leaves.push(run.length === 0 ? { id: chunk.id, lastId: '', records: 0, bytes: 0, endsById: false } : leafOf(chunk.id, bytes, run.length, run[run.length - 1].id, run[run.length - 1].entry.byteLength));
    records.push({ ids: run.map((e) => e.id), entries: run.map((e) => e.entry) });
  }
  return { leaves, records, ids: leaves.map((l) => l.id) };
}

const size = fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 20, max: 400 }) }, { weight: 1, arbitrary: fc.integer({ min: 30_000, max: 70_000 }) });
const idOf = (n: number) => `r${String(n).padStart(6, '0')}`;

const scenario = fc.record({
  base: fc.uniqueArray(fc.integer({ min: 0, max: 3000 }), { maxLength: 400 }).chain((ns) => fc.tuple(fc.constant(ns), fc.array(size, { minLength: ns.length, maxLength: ns.length }))),
  upserts: fc.array(fc.tuple(fc.integer({ min: 0, max: 3100 }), size), { maxLength: 30 }),
  deletes: fc.array(fc.nat(), { maxLength: 30 }),
  run: fc.option(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 60 }))),
});

describe('property: recutSection', () => {
  it('gives the chunks of a whole cut of the result, reading only the base chunks it needs', () => {
    fc.assert(
      fc.property(scenario, ({ base: [ns, sizes], upserts, deletes, run }) => {
        const baseEntries = ns.map((n, i) => entryOf(idOf(n), sizes[i], n)).sort((x, y) => compareIds(x.id, y.id));
        const baseIds = new Set(baseEntries.map((e) => e.id));
        const ups = new Map<string, UpsertFacts>();
        for (const [n, s] of upserts) ups.set(idOf(n), { id: idOf(n), entry: entryOf(idOf(n), s, n + 7).entry, digest: 0n, facts: { refs: [], claims: [] } });
        // A contiguous run of replacements, as a game server that changed a stretch of ids sends.
        if (run && baseEntries.length > 0) {
          const [at, len] = run;
          for (const e of baseEntries.slice(at % baseEntries.length, (at % baseEntries.length) + len)) ups.set(e.id, { id: e.id, entry: entryOf(e.id, e.entry.byteLength + 3, 99).entry, digest: 0n, facts: { refs: [], claims: [] } });
        }
        const dels = [...new Set(deletes.filter(() => baseEntries.length > 0).map((d) => baseEntries[d % baseEntries.length].id))].filter((id) => !ups.has(id));
        const upserted = [...ups.values()].sort((x, y) => compareIds(x.id, y.id));

        const whole = cutWhole(baseEntries);
        const result = new Map(baseEntries.map((e) => [e.id, e]));
        for (const id of dels) result.delete(id);
        for (const u of upserted) result.set(u.id, { id: u.id, entry: u.entry });
        const expected = cutWhole([...result.values()].sort((x, y) => compareIds(x.id, y.id)));

        const read = new Set<number>();
        let cut;
        for (;;) {
          try {
            cut = recutSection(whole.leaves, upserted, dels, (leaf) => (read.has(leaf) ? whole.records[leaf] : undefined));
            break;
          } catch (e) {
            if (!(e instanceof LeavesNeeded)) throw e;
            for (const leaf of e.leaves) read.add(leaf);
          }
        }
        expect(cut.leaves.map((l) => l.id)).toEqual(expected.ids);
        expect(cut.leaves).toEqual(expected.leaves);
        expect(cut.records).toBe(result.size);
        // Chunks it made carry their bytes; those it kept are the base's, unread.
        const baseListed = new Set(whole.ids);
        for (const c of cut.chunks) if (!c.inBase) expect(chunkOf(c.bytes, c.records).id).toBe(c.id);
        for (const c of cut.chunks) if (c.inBase) expect(baseListed.has(c.id)).toBe(true);
        if (baseIds.size > 0 && ups.size + dels.length === 0) expect(read.size).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
