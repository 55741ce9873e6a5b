import type { ChangeSizeResult } from '../changes/change-rows';
import { ratio } from './stats';

const f = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '—');
const n0 = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '—');
const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(v < 0.01 ? 3 : 1)}%` : '—');

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
}

/**
 * The SaveChanges rows of one size: each workload, index cached and not, next to the whole Save
 * of the same world in the same run, with its ratio to it (%).
 */
export function changeBlock(c: ChangeSizeResult): string[] {
  const whole = c.rows.find((r) => r.workload === 'whole-save')!;
  const w = [26, 18, 20, 16, 22, 22];
  const out = [
    '',
    `${c.size} — SaveChanges next to a whole Save (${n0(c.records)} records, ids allocated per owner; Redis bytes = STRLEN of the world's keys new after a save, c=1)`,
    pad(['  workload (index)', 'request B (%)', 'Redis written B (%)', 'CPU ms/op (%)', 'c=1 p50/p99 ms (%)', 'c=8 p50/p99 ms (%)'], w),
  ];
  for (const r of c.rows) {
    const [c1, c8] = r.cells;
    const [w1, w8] = whole.cells;
    const label = r.indexCached === null ? r.workload : `${r.workload} (${r.indexCached ? 'cached' : 'not cached'})`;
    const lat = (x: typeof c1, y: typeof w1) => `${f(x.p50Ms)}/${f(x.p99Ms)} (${pct(ratio(x.p50Ms, y.p50Ms))})`;
    out.push(
      pad(
        [
          `  ${label}`,
          `${n0(r.requestBytes)} (${pct(ratio(r.requestBytes, whole.requestBytes))})`,
          `${n0(r.redisBytesWritten)} (${pct(ratio(r.redisBytesWritten, whole.redisBytesWritten))})`,
          `${f(c1.cpuMsPerOp)} (${pct(ratio(c1.cpuMsPerOp, w1.cpuMsPerOp))})`,
          lat(c1, w1),
          lat(c8, w8),
        ],
        w,
      ),
    );
    for (const cell of r.cells) if (cell.errors) out.push(`      c=${cell.concurrency}: ${cell.errors} failed: ${cell.errorSamples.join(' | ')}`);
  }
  return out;
}
