import { assembleEpoch, type CommitStamp, type PreparedEpoch } from '../stored-form/prepare-epoch';
import { withIndex } from '../stored-form/chunks';
import type { BaseIndex, Leaf } from './base-index';
import type { SectionChange } from './fast-check';
import { LeavesNeeded, recutSection, type LeafRecords } from './incremental-cut';
import { CHANGES_LAYOUT } from './layout';

/**
 * The stored form 2 epoch of a change set's result from its base index and the change alone:
 * each changed section re-cut where the change falls (incremental-cut.ts), every section's index
 * chunks rebuilt from its whole leaf list (O(chunks)), then the epoch assembled by the one
 * function a Save uses (assembleEpoch): the same chunks, counts and content_digest as a Save of
 * the result. Chunks the base lists and the change left alone carry no bytes (`inBase`).
 * Throws LeavesNeeded when a base chunk it must read is not given.
 */
export function incrementalEpoch(
  index: BaseIndex,
  changes: readonly SectionChange[],
  read: (k: number, leaf: number) => LeafRecords | undefined,
  versions: { schemaVersion: number; contentVersion: string },
  stamp: CommitStamp,
): { prepared: PreparedEpoch; leaves: Leaf[][] } {
  const leaves: Leaf[][] = [];
  const sections = CHANGES_LAYOUT.map((layout, k) => {
    const base = index.sections[k].leaves;
    const c = changes[k];
    let cut;
    try {
      cut = recutSection(base, c.upserts, c.deletes, (leaf) => read(k, leaf));
    } catch (e) {
      throw e instanceof LeavesNeeded ? new LeavesNeeded(e.leaves, k) : e;
    }
    leaves.push(cut.leaves);
    return withIndex({ system: layout.compiled.entry.system, chunks: cut.chunks, records: cut.records });
  });
  return { prepared: assembleEpoch(sections, versions, { ...stamp, storedForm: 2 }), leaves };
}
