import type { BaseIndex, Leaf } from './base-index';
import type { SectionChange } from './fast-check';
import { dropRecord, forgetFacts, learnFacts, putRecord, rowOf } from './index-rows';

/**
 * The next epoch's index from its base's and the change (DESIGN §5: the daemon keeps the index of
 * the epochs it commits), in O(change) and in place: called only once the commit landed, on the
 * index of the base it was checked against, so no reader sees it half advanced.
 */
export function advanceIndex(index: BaseIndex, changes: readonly SectionChange[], next: { epoch: bigint; digest: string; sums: readonly bigint[]; leaves: readonly Leaf[][] }): BaseIndex {
  const { sections } = index;
  // Every record that goes or is replaced first, so a claim passed from one record to another stays with the new one.
  changes.forEach((c, k) => {
    const s = sections[k];
    for (const id of [...c.deletes, ...c.upserts.map((u) => u.id)]) {
      const row = rowOf(s, id);
      if (row !== undefined) forgetFacts(sections, k, row);
    }
    for (const id of c.deletes) dropRecord(s, id);
  });
  changes.forEach((c, k) => {
    const s = sections[k];
    for (const u of c.upserts) {
      const row = putRecord(s, u.id, u.digest);
      if (u.facts.refs.length > 0 || u.facts.claims.length > 0 || u.facts.parent !== undefined) learnFacts(sections, k, row, u.facts);
    }
    s.sum = next.sums[k];
    s.leaves = next.leaves[k];
  });
  index.epoch = next.epoch;
  index.digest = next.digest;
  return index;
}
