import type { BaseIndex } from '../base-index';
import { claimOwner, digestOf, holds, incomingOf, parentOf, refsOf } from '../index-rows';

/**
 * Expects two indexes of the same records to answer every question alike — sizes, sums, leaves,
 * and for each of `ids` (per section, ids held or not) whether it is held, its digest, references,
 * parent and incoming count, and who claims each claim — however their rows are laid out.
 */
export function expectSameAnswers(actual: BaseIndex, expected: BaseIndex, ids: string[][]): void {
  expected.sections.forEach((f, k) => {
    const a = actual.sections[k];
    expect(a.size).toBe(f.size);
    expect(a.sum).toBe(f.sum);
    expect(a.claims.count).toBe(f.claims.count);
    expect(a.leaves).toEqual(f.leaves);
    for (const id of ids[k]) {
      expect([holds(a, id), digestOf(a, id), refsOf(actual.sections, k, id), parentOf(a, id), incomingOf(a, id)]).toEqual([holds(f, id), digestOf(f, id), refsOf(expected.sections, k, id), parentOf(f, id), incomingOf(f, id)]);
    }
    for (const c of f.claimAt) if (c !== undefined) expect(claimOwner(a, c)).toBe(claimOwner(f, c));
  });
}
