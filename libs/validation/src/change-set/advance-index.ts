import { factsBytes, INDEX_COST, type BaseIndex, type Leaf } from './base-index';
import type { SectionChange } from './fast-check';
import type { RecordFacts } from './record-facts';

/**
 * The next epoch's index from its base's and the change (DESIGN §5: the daemon keeps the index of
 * the epochs it commits), in O(change) and in place: called only once the commit landed, on the
 * index of the base it was checked against, so no reader sees it half advanced.
 */
export function advanceIndex(index: BaseIndex, changes: readonly SectionChange[], next: { epoch: bigint; digest: string; sums: readonly bigint[]; leaves: readonly Leaf[][] }): BaseIndex {
  const forget = (k: number, id: string) => {
    const s = index.sections[k];
    const f = s.facts.get(id);
    if (!f) return;
    s.facts.delete(id);
    index.bytes -= factsBytes(f);
    for (const c of f.claims) if (s.claims.get(c) === id) s.claims.delete(c);
    for (const r of f.refs) {
      const n = (index.incoming.get(r) ?? 1) - 1;
      if (n > 0) index.incoming.set(r, n);
      else {
        index.incoming.delete(r);
        index.bytes -= INDEX_COST.entry + 2 * r.length;
      }
    }
  };
  const learn = (k: number, id: string, f: RecordFacts) => {
    if (f.refs.length === 0 && f.claims.length === 0 && f.parent === undefined) return;
    const s = index.sections[k];
    s.facts.set(id, f);
    index.bytes += factsBytes(f);
    for (const c of f.claims) s.claims.set(c, id);
    for (const r of f.refs) {
      const n = index.incoming.get(r);
      if (n === undefined) index.bytes += INDEX_COST.entry + 2 * r.length;
      index.incoming.set(r, (n ?? 0) + 1);
    }
  };
  // Every record that goes or is replaced first, so a claim passed from one record to another stays with the new one.
  changes.forEach((c, k) => {
    const s = index.sections[k];
    for (const id of c.deletes) {
      forget(k, id);
      if (s.digests.delete(id)) index.bytes -= INDEX_COST.record + 2 * id.length;
    }
    for (const u of c.upserts) forget(k, u.id);
  });
  changes.forEach((c, k) => {
    const s = index.sections[k];
    for (const u of c.upserts) {
      if (!s.digests.has(u.id)) index.bytes += INDEX_COST.record + 2 * u.id.length;
      s.digests.set(u.id, u.digest);
      learn(k, u.id, u.facts);
    }
    s.sum = next.sums[k];
    index.bytes += (next.leaves[k].length - s.leaves.length) * INDEX_COST.leaf;
    s.leaves = next.leaves[k];
  });
  index.epoch = next.epoch;
  index.digest = next.digest;
  return index;
}
