import type { DaemonWindow, MeasuredCell } from '../run/cells';
import type { BenchResults, SizeResult } from './results';
import { changeBlock } from './change-table';
import { ratio } from './stats';

const n0 = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '—');
const f = (v: number | undefined, d = 1) => (v !== undefined && Number.isFinite(v) ? v.toFixed(d) : '—');
const x = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}x` : '—');
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;
const mib = (bytes: number | undefined) => (bytes !== undefined && Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(0)} MiB` : '—');

type DaemonCell = MeasuredCell & DaemonWindow;

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
}

function sizeBlock(s: SizeResult): string[] {
  const out: string[] = [];
  const ip = s.inProcess;
  out.push(`${s.name} — ${n0(s.records)} records (${s.shape.players} players), request ${mb(s.requestBytes)}, stored ${mb(s.storedBytes)} in ${s.chunks} chunks`);
  out.push(
    `  in-process, one request (best of the rounds): decode floor ${f(ip.decodeFloor.mbPerSec)} MB/s (${f(ip.decodeFloor.ms)} ms) | typed path ${f(ip.typed.mbPerSec)} MB/s (${f(ip.typed.ms)} ms = decode ${f(ip.typed.decodeMs)} + validate ${f(ip.typed.validateMs)} + prepare ${f(ip.typed.prepareMs)})`,
  );
  out.push(
    `  wire path ${f(ip.wire.mbPerSec)} MB/s (${f(ip.wire.ms)} ms, the daemon's runSnapshotSteps: census, read, limits, rules, stored form): ${x(ratio(ip.wire.mbPerSec, ip.typed.mbPerSec))} the typed path, ${x(ratio(ip.wire.mbPerSec, ip.decodeFloor.mbPerSec))} the decode floor; records passed through ${ip.wire.stats.passedThrough}/${ip.wire.stats.records} (${ip.wire.stats.sorted ?? 0} with map entries sorted at wire level), same digest: ${ip.sameDigest}`,
  );
  // One row per cell: concurrency, ops, rate, MB/s, p50, p99, then the cell's own columns, then the daemon's RSS and loop delay.
  const row = (p: DaemonCell, mbDigits: number, own: string[], widths: number[]) => {
    const cells = [`    c=${p.concurrency}`, `${p.ops}${p.errors ? `+${p.errors}err` : ''}`, f(p.opsPerSec, 2), f(p.mbPerSec, mbDigits), f(p.p50Ms), f(p.p99Ms), ...own];
    out.push(pad([...cells, mib(p.peakRssBytes), p.loopDelayP99Ms === undefined ? 'n/a' : `${f(p.loopDelayP99Ms)} ms`], widths));
    if (p.errors) out.push(`      errors: ${p.errorSamples.join(' | ')}`);
  };
  const versus = (p: DaemonCell, limit: { mbPerSec: number; p50Ms: number }) => `${f(limit.mbPerSec)} (${x(ratio(p.mbPerSec, limit.mbPerSec))}), ${f(limit.p50Ms)}`;
  const sw = [12, 4, 9, 7, 8, 8, 28, 17, 9, 9];
  out.push(pad(['  save', 'ops', 'saves/s', 'MB/s', 'p50 ms', 'p99 ms', 'raw commit MB/s (x), p50 ms', 'decode floor (x)', 'peak RSS', 'loop p99'], sw));
  for (const c of s.save) {
    const p = c.persistd;
    row(p, 2, [versus(p, c.rawCommit), `${f(ip.decodeFloor.mbPerSec)} (${x(ratio(p.mbPerSec, ip.decodeFloor.mbPerSec))})`], sw);
  }
  const rw = [12, 4, 10, 7, 8, 8, 9, 10, 26, 26, 9, 9];
  out.push(pad(['  restore', 'ops', 'restores/s', 'MB/s', 'p50 ms', 'p99 ms', 'first ms', 'activ. ms', 'raw read MB/s (x), p50', 'grpc stream MB/s (x), p50', 'peak RSS', 'loop p99'], rw));
  for (const c of s.restore) {
    const p = c.persistd;
    row(p, 1, [f(p.firstP50Ms), f(p.activationP50Ms), versus(p, c.rawRead), versus(p, c.stream)], rw);
  }
  return out;
}

/** The human-readable report: per size, every persistd figure next to its limits and their ratio. */
export function formatTable(r: BenchResults): string {
  const out: string[] = [];
  out.push(`persistd bench (${r.mode}), ${r.startedAt}, ${r.durationSec.toFixed(0)} s, node ${r.machine.node}, ${r.machine.cpus} cpus, load ${r.machine.loadAverage.map((l) => l.toFixed(2)).join(' ')}`);
  out.push('MB = 10^6 bytes; save MB/s counts request bytes, restore MB/s stored chunk bytes; p50/p99 per operation; (x) = persistd / limit.');
  if (r.startUp) {
    out.push('', `Start-up (built daemon restarted; S world; warm save p50 ${f(r.startUp.warmSaveP50Ms)} ms):`);
    for (const u of r.startUp.runs) {
      out.push(`  ${String(u.gameServers).padStart(2)} game server(s): spawn -> listening ${f(u.startToListeningMs, 0)} ms, listening -> first save acknowledged ${f(u.listeningToFirstSaveMs)} ms (${x(u.listeningToFirstSaveMs / r.startUp.warmSaveP50Ms)} the warm p50)`);
    }
  }
  for (const s of r.sizes) out.push('', ...sizeBlock(s));
  if (r.churn) {
    const c = r.churn;
    out.push('', `Save cost that follows change (L world ${c.worldId}, ${n0(c.records)} records; chunk keys and bytes added on the store):`);
    out.push(`  full save          ${c.full.chunks} chunks, ${mb(c.full.bytes)}`);
    out.push(`  1% changed (${c.onePercent.changedRecords})  ${c.onePercent.chunks} new chunks, ${mb(c.onePercent.bytes)} = ${(100 * c.onePercent.fraction).toFixed(1)}% of a full save`);
    out.push(`  1 record inserted  ${c.earlyInsert.chunks} new chunks, ${mb(c.earlyInsert.bytes)} = ${(100 * c.earlyInsert.fraction).toFixed(1)}% of a full save`);
    out.push(`  largest Redis value of the world: ${n0(c.largestValueBytes)} bytes`);
    out.push('  in-process, by boundary scheme (bytes written, % of the save):  chunks   1% changed   1 inserted, mean / worst of 8 places');
    for (const s of c.schemes) {
      out.push(`    ${s.scheme.padEnd(58)} ${String(s.chunks).padStart(7)} ${(100 * s.onePercentFraction).toFixed(1).padStart(11)}%   ${(100 * s.insertMeanFraction).toFixed(1).padStart(6)}% / ${(100 * s.insertWorstFraction).toFixed(1)}%`);
    }
  }
  for (const c of r.changes ?? []) out.push(...changeBlock(c));
  if (r.baseWholeSave) {
    const b = r.baseWholeSave;
    const list = (ms: number[]) => ms.map((v) => v.toFixed(0)).join(', ');
    out.push('', `Whole ${b.size} Save of the base build (${b.entry}) and of this build, alternating, ${b.rounds} each, c=1:`);
    out.push(`  base build: p50 ${f(b.baseP50Ms)} ms (${list(b.baseMs)})`, `  this build: p50 ${f(b.thisP50Ms)} ms (${list(b.thisMs)})`);
  }
  if (r.restoreForms) {
    const { records, rounds, forms, ratio } = r.restoreForms;
    out.push('', `Restore by stored form (L world, ${n0(records)} records, ${rounds} restores each, two daemons alternating):`);
    for (const fr of forms) out.push(`  form ${fr.form}: ${fr.messages} messages, median ${f([...fr.ms].sort((a, b) => a - b)[fr.ms.length >> 1]!)} ms, ${fr.medianMBps.toFixed(1)} MB/s`);
    out.push(`  form 2 / form 1: ${x(ratio)}`);
  }
  if (r.redisLatencyDuringLSave) {
    const l = r.redisLatencyDuringLSave;
    out.push('', `redis-cli --latency during the first L save: min ${l.minMs} ms, max ${l.maxMs} ms, avg ${l.avgMs} ms over ${l.samples} samples`);
  }
  out.push('', 'Targets:');
  for (const t of r.targets) out.push(`  [${t.met === 'unavailable' ? ' n/a ' : t.met ? ' met ' : 'MISSED'}] ${t.target}: ${t.measured}`);
  if (r.notes.length > 0) out.push('', 'Notes:', ...r.notes.map((n) => `  - ${n}`));
  return out.join('\n');
}
