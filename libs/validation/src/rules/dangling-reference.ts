import { formatPath } from '@persistd/ownership';
import type { SnapshotRule } from './rule';
import { shown } from './rule';

/**
 * Every module `references` entry must name a record present in the same snapshot (never
 * inferred). An empty value is no reference: fine when optional, and an INVALID_FIELD, not a
 * dangling reference, when required. References into an absent section are not checked: that
 * section's PARTIAL_SAVE already says what is wrong, and listing every record that points into
 * it would bury it.
 */
export const danglingReference: SnapshotRule = {
  code: 'DANGLING_REFERENCE',
  check({ systems, bySystem }, report) {
    for (const { compiled, records, labels } of systems) {
      const { entry, references } = compiled;
      for (const { ref, read } of references) {
        const target = bySystem.get(ref.target)!;
        if (!target.section) continue;
        const targetKind = target.compiled.recordDesc.name;
        const field = ref.path.join('.');
        for (let i = 0; i < records.length; i++) {
          const value = read(records[i]);
          if (typeof value !== 'string' || value === '' || target.idIndex.has(value)) continue;
          report('DANGLING_REFERENCE', entry.system, labels[i], formatPath(entry.recordField, labels[i], ref.path), `${field} names ${targetKind} ${shown(value)}, which is not in the snapshot`);
        }
      }
    }
  },
};
