import { SCENARIO_NAMES, type ScenarioName } from './run-suite';

/** Options of the long form (`npm run chaos -- …`). */
export interface ChaosArgs {
  minutes: number;
  seed?: number;
  entry?: string;
  scenarios?: ScenarioName[];
  /** Use the short form's sizes (a quick smoke run). */
  /** Stop after this many rounds even if time is left. */
  rounds?: number;
  short: boolean;
  quiet: boolean;
}

export const USAGE = `usage: npm run chaos -- [--minutes N] [--seed S] [--rounds N] [--scenario NAME]... [--entry PATH] [--short] [--quiet]
  --minutes N     run rounds of every scenario until N minutes have passed (default 1)
  --seed S        replay a run: every choice of the run derives from S (printed at the start)
  --rounds N      stop after N rounds even if time is left
  --scenario NAME only this scenario (repeatable): ${SCENARIO_NAMES.join(', ')}
  --entry PATH    the daemon script (default dist/apps/persistd/main.js, built by npm run build)
  --short         the sizes of the test suite's short form
  --quiet         no progress lines, tables only`;

export class ArgsError extends Error {}

export function parseArgs(argv: readonly string[]): ChaosArgs {
  const args: ChaosArgs = { minutes: 1, short: false, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new ArgsError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--minutes': {
        const n = Number(value());
        if (!(n > 0 && n <= 24 * 60)) throw new ArgsError('--minutes must be a number from 0 to 1440');
        args.minutes = n;
        break;
      }
      case '--seed': {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) throw new ArgsError('--seed must be an integer from 0 to 4294967295');
        args.seed = Number(v);
        break;
      }
      case '--rounds': {
        const v = value();
        if (!/^[1-9]\d*$/.test(v)) throw new ArgsError('--rounds must be a positive integer');
        args.rounds = Number(v);
        break;
      }
      case '--scenario': {
        const v = value();
        if (!(SCENARIO_NAMES as string[]).includes(v)) throw new ArgsError(`unknown scenario ${v}; one of ${SCENARIO_NAMES.join(', ')}`);
        (args.scenarios ??= []).push(v as ScenarioName);
        break;
      }
      case '--entry':
        args.entry = value();
        break;
      case '--short':
        args.short = true;
        break;
      case '--quiet':
        args.quiet = true;
        break;
      case '--help':
      case '-h':
        throw new ArgsError(USAGE);
      default:
        throw new ArgsError(`unknown argument ${flag}\n${USAGE}`);
    }
  }
  return args;
}
