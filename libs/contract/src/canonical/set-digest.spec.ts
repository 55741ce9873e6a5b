import fc from 'fast-check';
import { addDigest, DigestSum, recordDigest, setDigestHex, subtractDigest } from './set-digest';
import { sha256Latin1 } from './sha256';

/** The expectations' set digest: a sum modulo 2^256, the same whichever end and order computes it. */
describe('set digest', () => {
  const top = (1n << 256n) - 1n;

  it('wraps at 2^256 both ways', () => {
    expect(addDigest(top, 2n)).toBe(1n);
    expect(subtractDigest(1n, 2n)).toBe(top);
    expect(subtractDigest(0n, top)).toBe(1n);
    expect(setDigestHex(subtractDigest(0n, 1n))).toBe('f'.repeat(64));
  });

  it('is the same in any order, and what left is subtracted exactly', () => {
    const records = ['a', 'b', 'c', 'd'].map((s) => recordDigest(new TextEncoder().encode(s)));
    const forward = records.reduce(addDigest, 0n);
    const backward = [...records].reverse().reduce(addDigest, 0n);
    expect(forward).toBe(backward);
    expect(subtractDigest(forward, records[2])).toBe([records[0], records[1], records[3]].reduce(addDigest, 0n));
    expect(setDigestHex(forward)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('summed from latin1 digests (DigestSum) equals the bigint sum, whatever the records', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 60 }), (records) => {
        const sum = new DigestSum();
        for (const r of records) sum.add(sha256Latin1(r));
        expect(sum.value()).toBe(records.map(recordDigest).reduce(addDigest, 0n));
      }),
    );
  });

  it('summed from latin1 digests carries across limbs and wraps at 2^256, past its carry interval', () => {
    // All ones: every limb overflows on each add. 2^20 + 3 adds pass the carry interval (2^19) twice.
    const ones = String.fromCharCode(...new Array<number>(32).fill(0xff));
    const n = 2 ** 20 + 3;
    const sum = new DigestSum();
    for (let i = 0; i < n; i++) sum.add(ones);
    expect(sum.value()).toBe(BigInt.asUintN(256, BigInt(n) * top));
    // A value taken midway does not disturb the sum that follows.
    const again = new DigestSum();
    again.add(ones);
    expect(again.value()).toBe(top);
    again.add(ones);
    expect(again.value()).toBe(addDigest(top, top));
  });
});
