import { OwnerSystem } from '@persistd/contract';
import fc from 'fast-check';
import { cutChunks } from '../stored-form/chunks';
import { cutCanonical } from './wire-prepare';

const hex = (s: ReturnType<typeof cutChunks>) => s.chunks.map((c) => ({ id: c.id, hex: Buffer.from(c.bytes).toString('hex'), records: c.records }));

describe('cutCanonical', () => {
  it('cuts exactly as cutChunks: same boundaries, bytes and ids, at any bound and record sizes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 300 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 2000 }),
        fc.integer({ min: 1, max: 300 }),
        (records, maxBytes, fieldNo) => {
          const section = { system: OwnerSystem.ITEM, recordFieldNo: fieldNo, ids: records.map((_, i) => `r${i}`), records };
          const expected = cutChunks(section, maxBytes);
          const actual = cutCanonical(section, maxBytes);
          expect(actual.records).toBe(expected.records);
          expect(hex(actual)).toEqual(hex(expected));
        },
      ),
      { numRuns: 200 },
    );
  });
});
