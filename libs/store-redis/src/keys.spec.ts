import { worldKeys } from './keys';

describe('worldKeys', () => {
  const k = worldKeys('caelmor', 'w-1');

  it('lays keys out as P:{w}:epoch|meta:<N>|chunk:<id>|req:<id>', () => {
    expect(k.epoch).toBe('caelmor:{w-1}:epoch');
    expect(k.meta(7n)).toBe('caelmor:{w-1}:meta:7');
    expect(k.meta(18446744073709551615n)).toBe('caelmor:{w-1}:meta:18446744073709551615');
    expect(k.chunk('ab12')).toBe('caelmor:{w-1}:chunk:ab12');
    expect(k.req('req.1_x')).toBe('caelmor:{w-1}:req:req.1_x');
  });

  it('puts the world id in one hash tag, so every key of a world maps to one cluster slot', () => {
    for (const key of [k.epoch, k.meta(1n), k.chunk('ff'), k.req('r')]) {
      expect(key.match(/\{([^}]*)\}/)?.[1]).toBe('w-1');
      expect(key.indexOf('{')).toBe(key.lastIndexOf('{'));
    }
  });

  it('refuses key parts that could escape the layout', () => {
    expect(() => worldKeys('caelmor', 'w}x')).toThrow(RangeError);
    expect(() => worldKeys('a:b', 'w')).toThrow(RangeError);
    expect(() => worldKeys('caelmor', '')).toThrow(RangeError);
    expect(() => k.chunk('a b')).toThrow(RangeError);
    expect(() => k.req('r:1')).toThrow(RangeError);
    expect(() => k.meta(0n)).toThrow(RangeError);
  });
});
