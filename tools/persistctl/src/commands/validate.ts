import { extname } from 'node:path';
import { stringOpt, worldArg, type CommandSpec, type ParsedArgs } from '../args';
import { UsageError } from '../cli-error';
import { EXIT } from '../exit-codes';
import { JSON_OPTION } from '../output';
import { REDIS_OPTIONS, redisTarget } from '../redis-options';
import { withStore } from '../resources';
import { renderJson, renderText, type Report } from '../validate/report';
import { checkSnapshotFile, type SnapshotFileTarget, type SnapshotFormat } from '../validate/snapshot-file';
import { checkStoredWorld } from '../validate/stored-world';

const FILE_OPTIONS = ['format', 'world-id', 'expected-epoch'];
const FORMAT_OF_EXTENSION: Record<string, SnapshotFormat> = { '.bin': 'binary', '.pb': 'binary', '.binpb': 'binary', '.json': 'json' };

/** `--file` and its options: the format from `--format` or the extension. */
function fileTarget(args: ParsedArgs, path: string): SnapshotFileTarget {
  if (path === '') throw new UsageError('--file needs a path');
  const named = stringOpt(args, 'format');
  let format: SnapshotFormat;
  if (named !== undefined) {
    if (named !== 'binary' && named !== 'json') throw new UsageError(`--format must be binary or json, got ${JSON.stringify(named)}`);
    format = named;
  } else {
    const byExtension = FORMAT_OF_EXTENSION[extname(path).toLowerCase()];
    if (!byExtension) throw new UsageError(`cannot tell the format of ${path} from its extension (.bin, .pb, .binpb or .json): pass --format binary|json`);
    format = byExtension;
  }
  const target: SnapshotFileTarget = { path, format };
  const worldId = stringOpt(args, 'world-id');
  if (worldId !== undefined) target.worldId = worldArg(worldId);
  const epoch = stringOpt(args, 'expected-epoch');
  if (epoch !== undefined) {
    if (!/^(0|[1-9][0-9]{0,19})$/.test(epoch)) throw new UsageError(`--expected-epoch must be an epoch number (0 or more), got ${JSON.stringify(epoch)}`);
    if (BigInt(epoch) >= 1n << 64n) throw new UsageError('--expected-epoch must fit in 64 bits');
    target.expectedEpoch = BigInt(epoch);
  }
  return target;
}

/**
 * A world in Redis or a file, never both: a flag of the other mode is refused rather than
 * ignored, so a mistyped command never checks something else than was meant. Redis options
 * taken from the environment are not flags, and a file check ignores them.
 */
function checkMode(args: ParsedArgs): 'file' | 'stored' {
  const file = stringOpt(args, 'file');
  if (file !== undefined) {
    const stray = REDIS_OPTIONS.find((o) => args.given.has(o.name));
    if (stray) throw new UsageError(`--${stray.name} applies to a stored world, not to --file`);
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${args.positionals[0]} with --file (use --world-id)`);
    return 'file';
  }
  const stray = FILE_OPTIONS.find((o) => args.given.has(o));
  if (stray) throw new UsageError(`--${stray} applies to --file only`);
  if (args.positionals.length === 0) throw new UsageError('name a world id, or a snapshot with --file');
  return 'stored';
}

/** `persistctl validate <world>` or `persistctl validate --file PATH`: every rule persistd enforces, read-only. */
export const validateCommand: CommandSpec = {
  name: 'validate',
  summary: 'check a stored world (every retained epoch, in full) or a snapshot file against every rule persistd enforces',
  positionals: ['world?'],
  synopsis: '| --file PATH [--format binary|json] [--world-id ID] [--expected-epoch N]',
  description: [
    "<world>: reads every retained epoch straight from the daemon's Redis (read-only): meta, chunk",
    'ids, SHA-256 digests, then every structural rule on the decoded records (full verification).',
    '--file: checks a WorldSnapshot file (binary protobuf, or protobuf JSON) as a save of it would',
    'be checked, as a save of the world its world section names from the epoch its first section',
    'descends from (or --world-id, --expected-epoch).',
    'Exit 0 when everything is accepted; 1 when anything is rejected or the world was never saved;',
    '2 for bad arguments, an unreadable file or an unreachable Redis. `persist-validate` is the',
    'old name of this command and runs it with the same arguments.',
  ].join('\n'),
  options: [
    { name: 'file', type: 'string', value: 'PATH', doc: 'validate a snapshot file instead of a stored world' },
    { name: 'format', type: 'string', value: 'F', doc: 'binary or json (default: from the extension, .bin/.pb/.binpb or .json)' },
    { name: 'world-id', type: 'string', value: 'ID', doc: "the world the file saves (default: the file's world section)" },
    { name: 'expected-epoch', type: 'string', value: 'N', doc: "the epoch the file descends from (default: its first section's source_epoch)" },
    ...REDIS_OPTIONS,
    JSON_OPTION,
  ],
  async run({ args, io }) {
    let report: Report;
    if (checkMode(args) === 'file') {
      report = await checkSnapshotFile(fileTarget(args, stringOpt(args, 'file')!), io.cwd);
    } else {
      const worldId = worldArg(args.positionals[0]);
      const target = redisTarget(args);
      report = await withStore(args, (store) => checkStoredWorld(store, target, worldId));
    }
    io.stdout(args.values.json ? renderJson(report) : renderText(report));
    return report.accepted ? EXIT.OK : EXIT.REFUSED;
  },
};
