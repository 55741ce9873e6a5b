import type { ChangeRow } from '../changes/change-rows';
import type { BenchResults, TargetCheck } from './results';
import { ratio } from './stats';

const pct = (v: number) => `${(100 * v).toFixed(2)}%`;

/**
 * The targets for saves of what changed, checked on this run's change rows. The whole Save they
 * are compared with is this build's, of the same world, in the same run — but for the two L p50
 * targets, which issue 14 sets against the build it started from: with `--base-daemon`, that
 * build's whole L Save, measured in this run alternating with this build's.
 */
export function checkChangeTargets(r: Omit<BenchResults, 'targets'>): TargetCheck[] {
  const out: TargetCheck[] = [];
  const rowsOf = (size: string) => r.changes?.find((c) => c.size === size)?.rows;
  const row = (rows: ChangeRow[] | undefined, workload: ChangeRow['workload'], cached: boolean | null) => rows?.find((x) => x.workload === workload && x.indexCached === cached);
  const check = (target: string, measure: () => { measured: string; met: boolean } | undefined) => {
    const m = measure();
    out.push(m ? { target, ...m } : { target, measured: 'not measured in this run', met: 'unavailable' });
  };

  const L = rowsOf('L');
  const lWhole = row(L, 'whole-save', null);
  const lRun = row(L, 'run-1pct', true);
  const lRunCold = row(L, 'run-1pct', false);
  const bytesRatio = (a: ChangeRow | undefined, field: 'requestBytes' | 'redisBytesWritten', max: number) => {
    if (!a || !lWhole) return undefined;
    const q = ratio(a[field], lWhole[field]);
    return { measured: `${Math.round(a[field]).toLocaleString('en-US')} vs ${Math.round(lWhole[field]).toLocaleString('en-US')} B = ${pct(q)}`, met: q <= max };
  };
  const base = r.baseWholeSave?.size === 'L' ? r.baseWholeSave : undefined;
  const p50Ratio = (a: ChangeRow | undefined, max: number) => {
    if (!a || !lWhole) return undefined;
    const wholeMs = base ? base.baseP50Ms : lWhole.cells[0].p50Ms;
    const q = ratio(a.cells[0].p50Ms, wholeMs);
    const of = base ? ` (the base build's whole Save; this build's: ${lWhole.cells[0].p50Ms.toFixed(1)} ms in its row, ${base.thisP50Ms.toFixed(1)} ms alternating with the base)` : " (this build's whole Save; --base-daemon compares with the starting build)";
    return { measured: `${a.cells[0].p50Ms.toFixed(1)} vs ${wholeMs.toFixed(1)} ms = ${q.toFixed(3)}x${of}`, met: q <= max };
  };
  check('L 1% changed in one run of ids: request <= 2% of a whole Save', () => bytesRatio(lRun, 'requestBytes', 0.02));
  check('L 1% changed in one run of ids: Redis bytes written <= 5% of a whole save', () => bytesRatio(lRun, 'redisBytesWritten', 0.05));
  check('L 1% changed in one run of ids, index cached: save p50 c=1 <= 1/10 of a whole L save', () => p50Ratio(lRun, 0.1));
  check('L 1% changed in one run of ids, index rebuilt: save p50 c=1 <= 1.5x a whole L save', () => p50Ratio(lRunCold, 1.5));
  check('L 1% changed at random: Redis bytes written <= 25% of a whole save', () => bytesRatio(row(L, 'random-1pct', true), 'redisBytesWritten', 0.25));
  check('L one record inserted at the start: Redis bytes written <= 1% of a whole save', () => bytesRatio(row(L, 'insert-start', true), 'redisBytesWritten', 0.01));

  check('M 1% changed at random, c=8: worlds/s x whole size >= 1x the raw whole-world commit (MB/s)', () => {
    const M = rowsOf('M');
    const random = row(M, 'random-1pct', true)?.cells.find((c) => c.concurrency === 8);
    const whole = row(M, 'whole-save', null);
    const raw = r.sizes.find((s) => s.name === 'M')?.save.find((c) => c.persistd.concurrency === 8)?.rawCommit.mbPerSec;
    if (!random || !whole || raw === undefined) return undefined;
    const effective = (random.opsPerSec * whole.requestBytes) / 1e6;
    return { measured: `${random.opsPerSec.toFixed(2)} worlds/s x ${(whole.requestBytes / 1e6).toFixed(2)} MB = ${effective.toFixed(1)} MB/s vs raw ${raw.toFixed(1)} MB/s = ${(effective / raw).toFixed(2)}x`, met: effective >= raw };
  });
  return out;
}
