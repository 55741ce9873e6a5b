import { parseExposition } from './exposition';
import { summarize, windowQuantile } from './rates';

describe('parseExposition', () => {
  it('reads names, labels with escapes, special values and timestamps; skips comments', () => {
    const samples = parseExposition(
      ['# HELP x help', '# TYPE x counter', 'x{a="1",b="q\\"uote\\\\ \\n"} 3 1700000000000', 'y +Inf', 'z{le="+Inf"} NaN', 'w 1.5e3', ''].join('\n'),
    );
    expect(samples.map((s) => [s.name, s.labels, s.value])).toEqual([
      ['x', { a: '1', b: 'q"uote\\ \n' }, 3],
      ['y', {}, Infinity],
      ['z', { le: '+Inf' }, NaN],
      ['w', {}, 1500],
    ]);
  });

  it("reads NaN and infinities whatever their case, as prom-client writes them (its NaN is 'Nan')", () => {
    const values = parseExposition('a Nan\nb NaN\nc +Inf\nd -inf\n').map((s) => s.value);
    expect(values.slice(0, 2).every(Number.isNaN)).toBe(true);
    expect(values.slice(2)).toEqual([Infinity, -Infinity]);
  });

  it('refuses a page that is not an exposition', () => {
    expect(() => parseExposition('<html><body>hello</body></html>')).toThrow(/line 1 is not a sample/);
    expect(() => parseExposition('x{a=1} 3')).toThrow(/malformed labels/);
  });
});

describe('summarize', () => {
  const at = (s: number) => s * 1000;
  it('treats a counter that went down as reset (the daemon restarted)', () => {
    const prev = { at: at(0), samples: parseExposition('persistd_saves_total{outcome="ok",reason=""} 100') };
    const cur = { at: at(2), samples: parseExposition('persistd_saves_total{outcome="ok",reason=""} 6') };
    expect(summarize(prev, cur).saves.total).toBe(3);
  });

  it('counts a series first seen in full', () => {
    const prev = { at: at(0), samples: [] };
    const cur = { at: at(1), samples: parseExposition('persistd_restores_total{outcome="refused",reason="WORLD_NOT_FOUND"} 2') };
    expect(summarize(prev, cur)).toMatchObject({ restores: { total: 2, byOutcome: { refused: 2 } }, reasons: { WORLD_NOT_FOUND: 2 } });
  });

  it('takes the quantile of the window only, interpolating in the bucket, as histogram_quantile does', () => {
    const h = (a: number, b: number, inf: number) => parseExposition([`h_bucket{le="0.1"} ${a}`, `h_bucket{le="0.2"} ${b}`, `h_bucket{le="+Inf"} ${inf}`].join('\n'));
    const prev = new Map(h(1000, 1000, 1000).map((s) => [`h_bucket{le=${JSON.stringify(s.labels.le)}}`, s.value]));
    // in the window: 0 calls ≤ 0.1 s, 10 in (0.1, 0.2]; the old 1000 fast calls do not count
    expect(windowQuantile(prev, h(1000, 1010, 1010), 'h', 0.5)).toBeCloseTo(0.15);
    expect(windowQuantile(prev, h(1000, 1000, 1000), 'h', 0.5)).toBeUndefined();
    expect(windowQuantile(prev, h(1000, 1000, 1004), 'h', 0.5)).toBe(0.2); // beyond the last bound
  });
});
