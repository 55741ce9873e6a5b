import { formatPath } from '@persistd/ownership';
import type { SnapshotRule } from './rule';
import { repeatedIds } from './repeated-ids';

/** The same record sent twice (same id, identical canonical bytes): each extra copy, once. */
export const duplicateId: SnapshotRule = {
  code: 'DUPLICATE_ID',
  check({ systems }, report) {
    for (const s of systems) {
      const { entry, recordDesc } = s.compiled;
      const kind = recordDesc.name;
      for (const { id, copies } of repeatedIds(s)) {
        copies.forEach((n, j) => {
          const content = copies.length > 1 ? `, content ${j + 1} of ${copies.length}` : '';
          for (let k = 2; k <= n; k++) {
            report('DUPLICATE_ID', entry.system, id, formatPath(entry.recordField, id, []), `${kind} ${id} appears ${n} times with identical content (copy ${k} of ${n}${content})`);
          }
        });
      }
    }
  },
};
