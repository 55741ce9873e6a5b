import { extname } from 'node:path';
import { CliError } from './cli-error';

/** A stored world to check, every retained epoch of it. */
export interface StoredWorldTarget {
  kind: 'stored';
  worldId: string;
  redisUrl: string;
  /** Never printed. */
  username?: string;
  /** Never printed. */
  password?: string;
  keyPrefix: string;
  retention: number;
}

/** A WorldSnapshot file to check as a save would be. */
export interface SnapshotFileTarget {
  kind: 'file';
  path: string;
  format: SnapshotFormat;
  worldId?: string;
  expectedEpoch?: bigint;
}

export type SnapshotFormat = 'binary' | 'json';

/** What one invocation asks for. */
export type Options = { help: true } | { help: false; json: boolean; target: StoredWorldTarget | SnapshotFileTarget };

/** The variables the CLI reads, named as persistd names them (DESIGN §6). */
export type CliEnv = Readonly<Record<string, string | undefined>>;

const ID = /^[A-Za-z0-9._-]{1,128}$/;
const PREFIX = /^[A-Za-z0-9._-]{1,32}$/;
const EPOCH = /^(0|[1-9][0-9]{0,19})$/;
const FORMAT_OF_EXTENSION: Record<string, SnapshotFormat> = { '.bin': 'binary', '.pb': 'binary', '.binpb': 'binary', '.json': 'json' };

const VALUE_FLAGS = ['--redis-url', '--key-prefix', '--retention', '--file', '--format', '--world-id', '--expected-epoch'] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];
const STORED_ONLY: ValueFlag[] = ['--redis-url', '--key-prefix', '--retention'];
const FILE_ONLY: ValueFlag[] = ['--format', '--world-id', '--expected-epoch'];

const usage = (message: string) => new CliError('usage', message);

/**
 * Reads the arguments (`--flag value` or `--flag=value`, as persistd reads its own). Unknown
 * flags and flags of the other mode are refused, so a typo never runs with a default.
 */
export function parseArgs(argv: readonly string[], env: CliEnv): Options {
  if (argv.includes('--help') || argv.includes('-h')) return { help: true };
  const values = new Map<ValueFlag, string>();
  const positional: string[] = [];
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (name === '--json') {
      if (eq > 0) throw usage('--json takes no value');
      json = true;
      continue;
    }
    if (!(VALUE_FLAGS as readonly string[]).includes(name)) throw usage(`unknown flag ${name}`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw usage(`${name} needs a value`);
    if (values.has(name as ValueFlag)) throw usage(`${name} given twice`);
    values.set(name as ValueFlag, value);
  }

  const file = values.get('--file');
  if (file !== undefined) {
    const stray = STORED_ONLY.find((f) => values.has(f));
    if (stray) throw usage(`${stray} applies to a stored world, not to --file`);
    if (positional.length > 0) throw usage(`unexpected argument ${positional[0]} with --file (use --world-id)`);
    return { help: false, json, target: fileTarget(file, values) };
  }
  const stray = FILE_ONLY.find((f) => values.has(f));
  if (stray) throw usage(`${stray} applies to --file only`);
  if (positional.length !== 1) throw usage(positional.length === 0 ? 'name a world id, or a snapshot with --file' : `one world id at a time (got ${positional.join(' ')})`);
  return { help: false, json, target: storedTarget(positional[0], values, env) };
}

function fileTarget(path: string, values: Map<ValueFlag, string>): SnapshotFileTarget {
  if (path === '') throw usage('--file needs a path');
  const named = values.get('--format');
  let format: SnapshotFormat;
  if (named !== undefined) {
    if (named !== 'binary' && named !== 'json') throw usage(`--format must be binary or json, got ${JSON.stringify(named)}`);
    format = named;
  } else {
    const byExtension = FORMAT_OF_EXTENSION[extname(path).toLowerCase()];
    if (!byExtension) throw usage(`cannot tell the format of ${path} from its extension (.bin, .pb, .binpb or .json): pass --format binary|json`);
    format = byExtension;
  }
  const target: SnapshotFileTarget = { kind: 'file', path, format };
  const worldId = values.get('--world-id');
  if (worldId !== undefined) target.worldId = checked('--world-id', worldId, ID);
  const epoch = values.get('--expected-epoch');
  if (epoch !== undefined) {
    checked('--expected-epoch', epoch, EPOCH);
    if (BigInt(epoch) >= 1n << 64n) throw usage('--expected-epoch must fit in 64 bits');
    target.expectedEpoch = BigInt(epoch);
  }
  return target;
}

function storedTarget(worldId: string, values: Map<ValueFlag, string>, env: CliEnv): StoredWorldTarget {
  const redisUrl = values.get('--redis-url') ?? nonEmpty(env.PERSISTD_REDIS_URL) ?? 'redis://127.0.0.1:6379';
  if (!/^rediss?:\/\/[^\s]+$/.test(redisUrl)) throw usage(`--redis-url must be a redis:// or rediss:// URL`);
  const retention = values.get('--retention') ?? nonEmpty(env.PERSISTD_RETENTION) ?? '3';
  if (!/^[1-9][0-9]{0,3}$/.test(retention) || Number(retention) > 1000) throw usage(`--retention must be an integer from 1 to 1000, got ${JSON.stringify(retention)}`);
  const target: StoredWorldTarget = {
    kind: 'stored',
    worldId: checked('world id', worldId, ID),
    redisUrl,
    keyPrefix: checked('--key-prefix', values.get('--key-prefix') ?? nonEmpty(env.PERSISTD_KEY_PREFIX) ?? 'caelmor', PREFIX),
    retention: Number(retention),
  };
  const username = nonEmpty(env.PERSISTD_REDIS_USERNAME);
  const password = nonEmpty(env.PERSISTD_REDIS_PASSWORD);
  if (username !== undefined) target.username = username;
  if (password !== undefined) target.password = password;
  return target;
}

function checked(what: string, value: string, pattern: RegExp): string {
  if (!pattern.test(value)) throw usage(`${what} must match ${pattern.source}, got ${JSON.stringify(value)}`);
  return value;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}
