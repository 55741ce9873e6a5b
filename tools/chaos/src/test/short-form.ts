import { bundleDaemon, type DaemonEntry } from '@persistd/testkit';
import { formatTable } from '../report/table';
import { randomSeed } from '../rng';
import { scenarioSeed, type ScenarioName } from '../run-suite';
import type { ScenarioInput } from '../scenarios/environment';
import type { ScenarioReport } from '../scenarios/report';
import { SHORT } from '../scenarios/scale';

/**
 * The short form of the chaos suite, inside `npm test`: every scenario against real persistd
 * and redis-server processes, with real faults counted, checked by the history checker. It is
 * two spec files — processes killed (chaos-kills.spec.ts) and faults on links and calls
 * (chaos-calls.spec.ts) — which the test run gives a lane each. A file's seed is printed with its
 * table; CHAOS_SEED=<seed> replays it (each scenario's seed derives from it and the scenario's
 * name, as in `npm run chaos -- --seed`, which runs the long form).
 *
 * Call once at a spec file's top: it bundles the daemon of this tree before the file's tests
 * (never a stale dist/), and prints the table of what ran after them.
 */
export function shortForm(title: string): { seed: number; run: <R extends ScenarioReport>(name: ScenarioName, scenario: (input: ScenarioInput) => Promise<R>) => Promise<R> } {
  const seed = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : randomSeed();
  const reports: ScenarioReport[] = [];
  let entry: DaemonEntry;
  beforeAll(async () => {
    entry = await bundleDaemon();
  });
  afterAll(async () => {
    await entry?.cleanup();
    process.stdout.write(`\n${formatTable(reports, `persistd chaos, short form: ${title} (CHAOS_SEED=${seed})`)}\n`);
  });
  return {
    seed,
    run: async (name, scenario) => {
      const report = await scenario({ entry: entry.path, seed: scenarioSeed(seed, 1, name), scale: SHORT });
      reports.push(report);
      return report;
    },
  };
}

/** Violations in a readable form, so a failure shows what broke rather than a count. */
export const problems = (r: ScenarioReport) => [...r.violations.map((v) => `${v.kind} ${v.world}${v.epoch ? ` epoch ${v.epoch}` : ''}: ${v.message}`), ...r.findings.map((f) => `${f.kind}: ${f.message}`)];
