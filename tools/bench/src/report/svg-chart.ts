import type { BenchResults, SizeResult } from './results';

/** One line of a panel: a value per world size (undefined = not measured). */
interface Series {
  label: string;
  color: string;
  dashed?: boolean;
  values: (number | undefined)[];
}

const W = 1040;
const H = 460;
const PANEL_W = 470;
const PANEL_H = 300;
const TOP = 50;
const LEFT = [70, 590];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const finite = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v) && v > 0;

function saveAt(s: SizeResult, c: number, pick: 'mbPerSec' | 'p99Ms', limit = false): number | undefined {
  const cell = s.save.find((x) => x.persistd.concurrency === c);
  if (!cell) return undefined;
  return limit ? cell.rawCommit[pick] : cell.persistd[pick];
}

function restoreAt(s: SizeResult, c: number, which: 'persistd' | 'rawRead' | 'stream', pick: 'mbPerSec' | 'p99Ms'): number | undefined {
  return s.restore.find((x) => x.persistd.concurrency === c)?.[which][pick];
}

/** Log-scale axis over the values' range, widened to whole decades. */
function logAxis(values: number[]): { lo: number; hi: number; ticks: number[] } {
  const lo = 10 ** Math.floor(Math.log10(Math.min(...values)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...values)));
  const ticks: number[] = [];
  for (let d = lo; d <= hi * 1.0001; d *= 10) for (const m of [1, 2, 5]) if (d * m <= hi * 1.0001) ticks.push(d * m);
  return { lo, hi: hi === lo ? lo * 10 : hi, ticks };
}

function panel(index: number, title: string, unit: string, sizes: string[], series: Series[]): string {
  const x0 = LEFT[index];
  const all = series.flatMap((s) => s.values.filter(finite));
  const parts: string[] = [`<text x="${x0 + PANEL_W / 2}" y="${TOP - 18}" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`];
  parts.push(`<rect x="${x0}" y="${TOP}" width="${PANEL_W}" height="${PANEL_H}" fill="none" stroke="#888"/>`);
  if (all.length === 0) return parts.join('\n');
  const { lo, hi, ticks } = logAxis(all);
  const y = (v: number) => TOP + PANEL_H - ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * PANEL_H;
  const x = (i: number) => x0 + (sizes.length === 1 ? PANEL_W / 2 : 40 + (i * (PANEL_W - 80)) / (sizes.length - 1));
  for (const t of ticks) {
    const major = Math.abs(Math.log10(t) - Math.round(Math.log10(t))) < 1e-9;
    parts.push(`<line x1="${x0}" x2="${x0 + PANEL_W}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="${major ? '#ccc' : '#eee'}"/>`);
    parts.push(`<text x="${x0 - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" font-size="11">${t >= 1 ? t : t.toPrecision(1)}</text>`);
  }
  parts.push(`<text x="${x0 - 50}" y="${TOP + PANEL_H / 2}" font-size="12" transform="rotate(-90 ${x0 - 50} ${TOP + PANEL_H / 2})" text-anchor="middle">${esc(unit)} (log)</text>`);
  sizes.forEach((label, i) => parts.push(`<text x="${x(i).toFixed(1)}" y="${TOP + PANEL_H + 18}" text-anchor="middle" font-size="12">${esc(label)}</text>`));
  for (const s of series) {
    const pts = s.values.map((v, i) => (finite(v) ? [x(i), y(v)] : undefined));
    for (let i = 1; i < pts.length; i++) {
      const [a, b] = [pts[i - 1], pts[i]];
      if (a && b) parts.push(`<line x1="${a[0].toFixed(1)}" y1="${a[1].toFixed(1)}" x2="${b[0].toFixed(1)}" y2="${b[1].toFixed(1)}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    }
    for (const p of pts) if (p) parts.push(`<circle cx="${p[0].toFixed(1)}" cy="${p[1].toFixed(1)}" r="3.5" fill="${s.color}"/>`);
  }
  series.forEach((s, i) => {
    const lx = x0 + (i % 2) * (PANEL_W / 2);
    const ly = TOP + PANEL_H + 40 + Math.floor(i / 2) * 16;
    parts.push(`<line x1="${lx}" x2="${lx + 22}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    parts.push(`<text x="${lx + 28}" y="${ly}" font-size="11">${esc(s.label)}</text>`);
  });
  return parts.join('\n');
}

/**
 * The chart of bench/chart.svg, written as plain SVG: throughput (MB/s) and p99 latency (ms)
 * against world size, persistd's figures solid and the limits dashed, both axes logarithmic.
 */
export function chartSvg(r: BenchResults): string {
  const sizes = r.sizes.map((s) => `${s.name} (${s.records >= 1000 ? `${s.records / 1000}k` : s.records} records)`);
  const by = (f: (s: SizeResult) => number | undefined) => r.sizes.map(f);
  const throughput: Series[] = [
    { label: 'save c=1', color: '#1f77b4', values: by((s) => saveAt(s, 1, 'mbPerSec')) },
    { label: 'save c=8', color: '#2ca02c', values: by((s) => saveAt(s, 8, 'mbPerSec')) },
    { label: 'limit a: raw commit c=8', color: '#2ca02c', dashed: true, values: by((s) => saveAt(s, 8, 'mbPerSec', true) ?? saveAt(s, 1, 'mbPerSec', true)) },
    { label: 'limit b: decode floor', color: '#7f7f7f', dashed: true, values: by((s) => s.inProcess.decodeFloor.mbPerSec) },
    { label: 'wire path (in-process)', color: '#9467bd', dashed: true, values: by((s) => s.inProcess.wire.mbPerSec) },
    { label: 'restore c=1', color: '#d62728', values: by((s) => restoreAt(s, 1, 'persistd', 'mbPerSec')) },
    { label: 'limit c: raw read c=1', color: '#ff7f0e', dashed: true, values: by((s) => restoreAt(s, 1, 'rawRead', 'mbPerSec')) },
    { label: 'limit d: grpc-js stream c=1', color: '#8c564b', dashed: true, values: by((s) => restoreAt(s, 1, 'stream', 'mbPerSec')) },
  ];
  const p99: Series[] = [
    { label: 'save c=1', color: '#1f77b4', values: by((s) => saveAt(s, 1, 'p99Ms')) },
    { label: 'save c=8', color: '#2ca02c', values: by((s) => saveAt(s, 8, 'p99Ms')) },
    { label: 'save c=32', color: '#17becf', values: by((s) => saveAt(s, 32, 'p99Ms')) },
    { label: 'restore c=1', color: '#d62728', values: by((s) => restoreAt(s, 1, 'persistd', 'p99Ms')) },
    { label: 'restore c=8', color: '#e377c2', values: by((s) => restoreAt(s, 8, 'persistd', 'p99Ms')) },
  ];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    panel(0, 'Throughput against world size', 'MB/s', sizes, throughput),
    panel(1, 'p99 latency against world size', 'ms', sizes, p99),
    `<text x="${W - 10}" y="${H - 8}" text-anchor="end" font-size="10" fill="#666">persistd bench ${esc(r.mode)} ${esc(r.startedAt)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}
