/** What `npm run bench` was asked for. */
export interface BenchOptions {
  /** S and M only, fewer operations: for development. */
  quick: boolean;
  /** Where results.json, chart.svg and the ghz request files go. */
  outDir: string;
  /** The daemon script to run (default: dist/apps/persistd/main.js). */
  daemonEntry?: string;
  /** An older build's daemon script: its whole L Save is measured alternating with this build's, for the targets set against it. */
  baseDaemonEntry?: string;
  /** Concurrencies of L saves (default 1; 8 costs minutes and GiBs with today's daemon). */
  lConcurrency: number[];
  /** Skip the churn measurement of the L world. */
  noChurn: boolean;
  /** Skip the SaveChanges rows (a second daemon, change sets next to whole saves). */
  noChanges: boolean;
  /** Run the daemon under `node --cpu-prof`, writing its profile here on exit. */
  profileDir?: string;
}

export const USAGE = `usage: npm run bench -- [--quick] [--out DIR] [--daemon PATH] [--l-concurrency 1,8] [--no-churn] [--no-changes] [--cpu-prof DIR]
  --quick            S and M only, short runs (development)
  --out DIR          results.json, chart.svg, ghz/*.bin (default: bench)
  --daemon PATH      the daemon script (default: dist/apps/persistd/main.js, made by npm run build)
  --base-daemon PATH the build the L p50 targets are set against (issue 14: 1744a0f): its whole L Save,
                     alternating with this build's, in this run (full mode, with the change rows)
  --l-concurrency    concurrencies of L saves (default: 1)
  --no-churn         skip the save-cost-follows-change measurement (full mode)
  --no-changes       skip the SaveChanges rows (change sets next to whole saves, index cached and not)
  --cpu-prof DIR     run the daemon under node --cpu-prof; its .cpuprofile lands in DIR when it stops
environment: PERSISTD_BENCH_REDIS_URL (default: PERSISTD_TEST_REDIS_URL or redis://127.0.0.1:6379)`;

/** Parses the command line; throws with the usage on anything unknown. */
export function parseArgs(argv: readonly string[]): BenchOptions {
  const o: BenchOptions = { quick: false, outDir: 'bench', lConcurrency: [1], noChurn: false, noChanges: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === '--quick') o.quick = true;
    else if (a === '--no-churn') o.noChurn = true;
    else if (a === '--no-changes') o.noChanges = true;
    else if (a === '--out') o.outDir = value();
    else if (a === '--daemon') o.daemonEntry = value();
    else if (a === '--base-daemon') o.baseDaemonEntry = value();
    else if (a === '--cpu-prof') o.profileDir = value();
    else if (a === '--l-concurrency') {
      o.lConcurrency = value()
        .split(',')
        .map((s) => Number(s));
      if (o.lConcurrency.some((c) => !Number.isInteger(c) || c < 1)) throw new Error(`--l-concurrency takes positive integers\n${USAGE}`);
    } else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  return o;
}
