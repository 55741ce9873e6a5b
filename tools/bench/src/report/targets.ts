import { checkChangeTargets } from './change-targets';
import type { BenchResults, SizeResult, TargetCheck } from './results';

const GIB = 2 ** 30;

/**
 * The capacity targets, checked on this run (M world at concurrency 8 unless said otherwise). A
 * target whose figure this run did not measure is 'unavailable'.
 */
export function checkTargets(r: Omit<BenchResults, 'targets'>): TargetCheck[] {
  const size = (n: string): SizeResult | undefined => r.sizes.find((s) => s.name === n);
  const out: TargetCheck[] = [];
  const M = size('M');
  const mSave8 = M?.save.find((c) => c.persistd.concurrency === 8);
  const mRestore8 = M?.restore.find((c) => c.persistd.concurrency === 8);
  const unavailable = (target: string) => out.push({ target, measured: 'not measured in this run', met: 'unavailable' });

  if (M && mSave8) {
    const save = mSave8.persistd.mbPerSec;
    const floor = M.inProcess.decodeFloor.mbPerSec;
    out.push({ target: 'M save c=8 >= 2x the decode floor (MB/s)', measured: `${save.toFixed(2)} vs ${floor.toFixed(2)} = ${(save / floor).toFixed(2)}x`, met: save >= 2 * floor });
    const raw = mSave8.rawCommit.mbPerSec;
    out.push({ target: 'M save c=8 >= 0.15x the raw commit (MB/s)', measured: `${save.toFixed(2)} vs ${raw.toFixed(1)} = ${(save / raw).toFixed(3)}x`, met: save >= 0.15 * raw });
    const delay = mSave8.persistd.loopDelayP99Ms;
    if (delay === undefined) out.push({ target: 'event-loop delay p99 < 50 ms during M saves', measured: 'the daemon exposes no event-loop metrics yet', met: 'unavailable' });
    else out.push({ target: 'event-loop delay p99 < 50 ms during M saves', measured: `${delay.toFixed(1)} ms`, met: delay < 50 });
  } else {
    unavailable('M save c=8 >= 2x the decode floor (MB/s)');
    unavailable('M save c=8 >= 0.15x the raw commit (MB/s)');
  }
  if (r.restoreForms) {
    const { ratio, forms } = r.restoreForms;
    out.push({ target: 'L restore in stored form 2 >= 0.75x form 1 (MB/s)', measured: `${forms[1].medianMBps.toFixed(1)} vs ${forms[0].medianMBps.toFixed(1)} = ${ratio.toFixed(2)}x`, met: ratio >= 0.75 });
  } else unavailable('L restore in stored form 2 >= 0.75x form 1');
  if (M && mRestore8) {
    const restore = mRestore8.persistd.mbPerSec;
    const limit = Math.min(mRestore8.rawRead.mbPerSec, mRestore8.stream.mbPerSec);
    out.push({ target: 'M restore c=8 >= 0.6x min(raw read, grpc-js stream) (MB/s)', measured: `${restore.toFixed(1)} vs ${limit.toFixed(1)} = ${(restore / limit).toFixed(2)}x`, met: restore >= 0.6 * limit });
  } else unavailable('M restore c=8 >= 0.6x min(raw read, grpc-js stream)');
  const first = r.startUp?.runs.find((u) => u.gameServers === 1);
  if (r.startUp && first) {
    const warm = r.startUp.warmSaveP50Ms;
    const eight = r.startUp.runs.find((u) => u.gameServers === 8);
    out.push({
      target: 'first save after the port opens <= 2x a warm save p50 (S, one game server)',
      measured: `${first.listeningToFirstSaveMs.toFixed(1)} ms vs warm p50 ${warm.toFixed(1)} ms = ${(first.listeningToFirstSaveMs / warm).toFixed(2)}x${eight ? `; 8 at once: slowest ${eight.listeningToFirstSaveMs.toFixed(1)} ms` : ''}`,
      met: first.listeningToFirstSaveMs <= 2 * warm,
    });
  } else unavailable('first save after the port opens <= 2x a warm save p50');
  const S = size('S');
  const s1 = S?.save.find((c) => c.persistd.concurrency === 1);
  if (s1) {
    const others = S!.save.filter((c) => c.persistd.concurrency !== 1).map((c) => `c=${c.persistd.concurrency} ${c.persistd.p99Ms.toFixed(1)} ms`);
    out.push({ target: 'S save p99 < 10 ms at c=1', measured: `${s1.persistd.p99Ms.toFixed(1)} ms (${others.join(', ')})`, met: s1.persistd.p99Ms < 10 });
  } else unavailable('S save p99 < 10 ms at c=1');
  const L = size('L');
  if (L) {
    const failures = [...L.save.map((c) => c.persistd.errors), ...L.restore.map((c) => c.persistd.errors)].reduce((a, b) => a + b, 0);
    const peak = Math.max(...L.save.map((c) => c.persistd.peakRssBytes), ...L.restore.map((c) => c.persistd.peakRssBytes));
    out.push({ target: 'L save and restore succeed with persistd RSS < 1.5 GiB', measured: `${failures} failed calls, peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB`, met: failures === 0 && peak < 1.5 * GIB });
  } else unavailable('L save and restore succeed with persistd RSS < 1.5 GiB');
  if (r.churn) {
    out.push({ target: 'no Redis value over about 1 MiB', measured: `largest ${r.churn.largestValueBytes.toLocaleString('en-US')} bytes`, met: r.churn.largestValueBytes <= 1_048_576 + 64 * 1024 });
    out.push({ target: 'save after 1% change writes <= 10% of a full save', measured: `${(100 * r.churn.onePercent.fraction).toFixed(1)}%`, met: r.churn.onePercent.fraction <= 0.1 });
    const today = r.churn.schemes[0];
    out.push({
      target: 'save after one early insert writes <= 10% of a full save',
      measured: `${(100 * r.churn.earlyInsert.fraction).toFixed(1)}% on the store for an insert at the start; today's rule in-process over ${8} places: mean ${(100 * today.insertMeanFraction).toFixed(1)}%, worst ${(100 * today.insertWorstFraction).toFixed(1)}%`,
      met: r.churn.earlyInsert.fraction <= 0.1 && today.insertWorstFraction <= 0.1,
    });
  } else unavailable('no Redis value over about 1 MiB; save cost that follows change');
  out.push(...checkChangeTargets(r));
  return out;
}
