import fc from 'fast-check';
import { emptyTable, tableDelete, tableGet, tableSet } from './slot-table';

/**
 * The slot table answers as a Map would through any sequence of sets and deletes, its keys read
 * back through a side array as the index does. Few distinct keys over a small table, so probe
 * runs collide, wrap around the end and get shifted back by deletes.
 */
describe('slot table', () => {
  it('answers as a Map through sets and deletes', () => {
    const op = fc.record({ del: fc.boolean(), key: fc.integer({ min: 0, max: 40 }) });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const keys: (string | undefined)[] = [];
        const keyAt = (v: number) => keys[v];
        const table = emptyTable();
        const model = new Map<string, number>();
        ops.forEach(({ del, key }, n) => {
          const k = `k${key}`;
          if (del) {
            tableDelete(table, k, keyAt);
            model.delete(k);
          } else {
            keys[n] = k;
            tableSet(table, k, n, keyAt);
            model.set(k, n);
          }
          expect(table.count).toBe(model.size);
        });
        for (let key = 0; key <= 40; key++) expect(tableGet(table, `k${key}`, keyAt)).toBe(model.get(`k${key}`));
      }),
      { numRuns: 300 },
    );
  });
});
