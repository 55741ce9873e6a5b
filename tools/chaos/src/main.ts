/**
 * The long form of the chaos suite: `npm run chaos -- --minutes N [--seed S]`. Runs rounds of
 * every scenario against the built daemon (dist/apps/persistd/main.js) until the time is up,
 * prints each round's table and a total, and exits 1 on any violation. The seed is printed
 * first; passing it back replays every choice the run made (process timing still varies).
 */
import { ArgsError, parseArgs } from './cli-args';
import { distEntry } from '@persistd/testkit';
import { formatTable } from './report/table';
import { randomSeed } from './rng';
import { SCENARIO_NAMES, SCENARIOS, scenarioSeed } from './run-suite';
import { problemsOf, type ScenarioReport } from './scenarios/report';
import { LONG, SHORT } from './scenarios/scale';

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof ArgsError) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const seed = args.seed ?? randomSeed();
  const scale = args.short ? SHORT : LONG;
  const entry = distEntry(args.entry);
  const endAt = Date.now() + args.minutes * 60_000;
  const log = args.quiet ? undefined : (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
  process.stdout.write(`persistd chaos: seed ${seed} (replay: npm run chaos -- --seed ${seed} --minutes ${args.minutes}), ${scale.label} scale, ${args.minutes} min, daemon ${entry.path}\n`);

  const all: ScenarioReport[] = [];
  const names = args.scenarios ?? SCENARIO_NAMES;
  for (let round = 1; Date.now() < endAt && round <= (args.rounds ?? Infinity); round++) {
    const reports: ScenarioReport[] = [];
    for (const name of names) {
      const left = endAt - Date.now();
      if (left <= 0) break;
      const budget = Math.min(scale.scenarioBudgetMs, Math.max(30_000, left));
      log?.(`round ${round}: ${name} (seed ${scenarioSeed(seed, round, name)})`);
      reports.push(await SCENARIOS[name]({ entry: entry.path, seed: scenarioSeed(seed, round, name), scale: { ...scale, scenarioBudgetMs: budget }, log }));
    }
    if (reports.length === 0) break;
    process.stdout.write(`\n${formatTable(reports, `round ${round} (seed ${seed})`)}\n`);
    all.push(...reports);
  }
  const totals = totalsByScenario(all).map((t) => ({ ...t, seed }));
  process.stdout.write(`\n${formatTable(totals, `total over ${all.length} scenario runs (seed ${seed})`)}\n`);
  const problems = all.reduce((n, r) => n + problemsOf(r), 0);
  process.stdout.write(problems === 0 ? 'no violations\n' : `${problems} violation(s): replay with --seed ${seed}\n`);
  return problems === 0 ? 0 : 1;
}

/** One row per scenario, summed over rounds. */
function totalsByScenario(reports: readonly ScenarioReport[]): ScenarioReport[] {
  const byName = new Map<string, ScenarioReport>();
  for (const r of reports) {
    const t = byName.get(r.name);
    if (!t) {
      byName.set(r.name, { ...r, counts: { ...r.counts, refusedBy: { ...r.counts.refusedBy } }, faults: { ...r.faults }, resolution: { ...r.resolution }, violations: [...r.violations], findings: [...r.findings] });
      continue;
    }
    t.reads = { total: t.reads.total + r.reads.total, restored: t.reads.restored + r.reads.restored, byOutcome: { ...t.reads.byOutcome } };
    for (const [k, v] of Object.entries(r.reads.byOutcome)) t.reads.byOutcome[k] = (t.reads.byOutcome[k] ?? 0) + v;
    t.counts.operations += r.counts.operations;
    t.counts.acknowledged += r.counts.acknowledged;
    t.counts.refused += r.counts.refused;
    t.counts.unknown += r.counts.unknown;
    for (const [k, v] of Object.entries(r.counts.refusedBy)) t.counts.refusedBy[k] = (t.counts.refusedBy[k] ?? 0) + v;
    for (const [k, v] of Object.entries(r.faults)) t.faults[k] = (t.faults[k] ?? 0) + v;
    t.resolution.committed += r.resolution.committed;
    t.resolution.notCommitted += r.resolution.notCommitted;
    t.resolution.unresolved += r.resolution.unresolved;
    t.epochsChecked += r.epochsChecked;
    t.violations.push(...r.violations);
    t.findings.push(...r.findings);
    t.durationMs += r.durationMs;
  }
  return [...byName.values()];
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`chaos run failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
