import { faultTotal, problemsOf, type ScenarioReport } from '../scenarios/report';

const COLUMNS = ['scenario', 'seed', 'ops', 'faults', 'acked', 'refused', 'unknown', 'unk→commit', 'unk→none', 'epochs', 'violations', 'secs'] as const;

/**
 * The report table: one row per scenario with operations, faults injected, acknowledged,
 * refused and unknown calls, how the unknowns resolved, epochs verified and violations (which
 * must be 0); then the faults by kind and every violation in full.
 */
export function formatTable(reports: readonly ScenarioReport[], title = 'persistd chaos'): string {
  const rows = reports.map((r) => [
    r.name,
    String(r.seed),
    String(r.counts.operations),
    String(faultTotal(r)),
    String(r.counts.acknowledged),
    String(r.counts.refused),
    String(r.counts.unknown),
    String(r.resolution.committed),
    String(r.resolution.notCommitted),
    String(r.epochsChecked),
    String(problemsOf(r)),
    (r.durationMs / 1000).toFixed(1),
  ]);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) => '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ') + ' |';
  const out = [title, line(COLUMNS), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...rows.map(line), ''];
  for (const r of reports) {
    const faults = Object.entries(r.faults).map(([k, v]) => `${k} ${v}`).join(', ');
    const refused = Object.entries(r.counts.refusedBy).map(([k, v]) => `${k} ${v}`).join(', ');
    const outcomes = Object.entries(r.reads.byOutcome).map(([k, v]) => `${k} ${v}`).join(', ');
    const reads = r.reads.total > 0 ? `; restores during faults ${r.reads.total} (${outcomes})` : '';
    out.push(`${r.name}: faults ${faults || 'none'}${refused ? `; refused ${refused}` : ''}${reads}`);
    for (const v of r.violations) out.push(`  VIOLATION ${v.kind} world ${v.world}${v.epoch !== undefined ? ` epoch ${v.epoch}` : ''}: ${v.message}`);
    for (const f of r.findings) out.push(`  VIOLATION ${f.kind}: ${f.message}`);
  }
  return out.join('\n');
}
