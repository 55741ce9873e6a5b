import { parseArgs } from 'node:util';
import { UsageError } from './cli-error';
import type { ExitCode } from './exit-codes';
import type { CliIo } from './io';

/** One option of a command: its flag, the variable it falls back to, its default and its doc. */
export interface OptionDef {
  /** Flag name without dashes: `redis-url` is `--redis-url`. */
  name: string;
  type: 'string' | 'boolean';
  doc: string;
  /** Environment variable read when the flag is absent. */
  env?: string;
  default?: string;
  /** Placeholder in help: `--epoch N`. */
  value?: string;
}

/** What a command receives: its positionals and every option resolved (flag, then variable, then default). */
export interface ParsedArgs {
  positionals: string[];
  values: Readonly<Record<string, string | boolean | undefined>>;
  /** The options given as flags on the command line, not taken from a variable or a default. */
  given: ReadonlySet<string>;
}

/** A command's context. */
export interface CommandContext {
  args: ParsedArgs;
  io: CliIo;
}

/** One persistctl command: what `--help` prints, what it accepts, and what it runs. */
export interface CommandSpec {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Names of the positionals, in order: `['world']`, `['world', 'file']`; `world?` is optional. */
  positionals: string[];
  /** The command's synopsis after its positionals: `[--epoch N] --out FILE`. */
  synopsis?: string;
  /** Paragraphs printed under the synopsis by `--help`. */
  description: string;
  options: OptionDef[];
  run(ctx: CommandContext): Promise<ExitCode>;
}

/** `--help` and `-h`, accepted by every command. */
export const HELP_OPTION: OptionDef = { name: 'help', type: 'boolean', doc: 'print this help and exit' };

/**
 * Parses a command's arguments strictly (an unknown flag, a flag given twice, a missing or extra
 * positional is a UsageError, exit 2) and resolves each option: the flag wins over its variable,
 * which wins over the default. `--help` anywhere before `--` asks for help, whatever else is given.
 */
export function parseCommandArgs(spec: CommandSpec, argv: readonly string[], env: CliIo['env']): ParsedArgs {
  const defs = [...spec.options, HELP_OPTION];
  const beforeDashes = argv.indexOf('--') < 0 ? argv : argv.slice(0, argv.indexOf('--'));
  if (beforeDashes.includes('--help') || beforeDashes.includes('-h')) return { positionals: [], values: { help: true }, given: new Set(['help']) };
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: Object.fromEntries(defs.map((d) => [d.name, { type: d.type, ...(d.name === 'help' ? { short: 'h' } : {}) }])),
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const given = new Set<string>();
  for (const t of parsed.tokens) {
    if (t.kind !== 'option') continue;
    // A repeated flag is a typo or a script bug; taking either value silently would hide it.
    if (given.has(t.name)) throw new UsageError(`--${t.name} given twice`);
    given.add(t.name);
  }
  const values: Record<string, string | boolean | undefined> = {};
  for (const d of defs) {
    const flag = (parsed.values as Record<string, string | boolean | undefined>)[d.name];
    const fromEnv = d.env !== undefined && env[d.env] !== undefined && env[d.env] !== '' ? env[d.env] : undefined;
    values[d.name] = flag ?? (d.type === 'boolean' ? (fromEnv !== undefined ? /^(1|true|yes)$/i.test(fromEnv) : false) : (fromEnv ?? d.default));
  }
  const required = spec.positionals.filter((p) => !p.endsWith('?'));
  if (parsed.positionals.length < required.length) {
    throw new UsageError(`${spec.name}: missing <${required[parsed.positionals.length]}>`);
  }
  if (parsed.positionals.length > spec.positionals.length) {
    throw new UsageError(`${spec.name}: unexpected argument ${JSON.stringify(parsed.positionals[spec.positionals.length])}`);
  }
  return { positionals: parsed.positionals, values, given };
}

/** The `--help` text of a command. */
export function helpOf(spec: CommandSpec): string {
  const synopsis = ['persistctl', spec.name, ...spec.positionals.map((p) => (p.endsWith('?') ? `[<${p.slice(0, -1)}>]` : `<${p}>`)), spec.synopsis ?? '', '[options]'].filter(Boolean).join(' ');
  const rows = [...spec.options, HELP_OPTION].map((d) => {
    const flag = `--${d.name}${d.type === 'string' ? ` ${d.value ?? 'VALUE'}` : ''}`;
    const extra = [d.env ? `env ${d.env}` : '', d.default !== undefined ? `default ${d.default}` : ''].filter(Boolean).join('; ');
    return [flag, extra ? `${d.doc} (${extra})` : d.doc] as const;
  });
  const width = Math.max(...rows.map(([f]) => f.length));
  return [
    `usage: ${synopsis}`,
    '',
    spec.summary,
    '',
    spec.description,
    '',
    'options:',
    ...rows.map(([f, doc]) => `  ${f.padEnd(width)}  ${doc}`),
    '',
    'exit codes: 0 ok, 1 refused or damaged, 2 usage or connection, 3 internal error',
    '',
  ].join('\n');
}

/** A string option's value; undefined when neither flag, variable nor default gave one. */
export function stringOpt(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** A string option that must be given. */
export function requiredOpt(args: ParsedArgs, name: string, why = ''): string {
  const v = stringOpt(args, name);
  if (v === undefined || v === '') throw new UsageError(`--${name} is required${why ? ` ${why}` : ''}`);
  return v;
}

/** An epoch number (≥ 1) from a flag. */
export function epochOpt(text: string, name: string): bigint {
  if (!/^\d{1,20}$/.test(text) || BigInt(text) < 1n) throw new UsageError(`--${name} must be an epoch number (1 or more), got ${JSON.stringify(text)}`);
  return BigInt(text);
}

/** A positive number from a flag (seconds, counts). */
export function positiveNumberOpt(args: ParsedArgs, name: string): number | undefined {
  const text = stringOpt(args, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(n > 0)) throw new UsageError(`--${name} must be a positive number, got ${JSON.stringify(text)}`);
  return n;
}

/** A world id as DESIGN §4 allows it, checked before anything is sent. */
export function worldArg(text: string): string {
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(text)) throw new UsageError(`<world> must match ^[A-Za-z0-9._-]{1,128}$, got ${JSON.stringify(text)}`);
  return text;
}
