import { addDigest, recordDigest, setDigestHex, subtractDigest } from './set-digest';

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
});
