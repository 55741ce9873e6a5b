import { verifyStoredEpoch } from '@persistd/validation';
import { epochOpt, requiredOpt, stringOpt, worldArg, type CommandSpec } from '../args';
import { refused } from '../cli-error';
import { EXIT } from '../exit-codes';
import { chunkOrder, writeExport } from '../export-file/write-export';
import { progressBar } from '../progress';
import { REDIS_OPTIONS } from '../redis-options';
import { withStore } from '../resources';

/** `persistctl export <world> [--epoch N] --out FILE`: a retained epoch, as stored, into a self-checking file. */
export const exportCommand: CommandSpec = {
  name: 'export',
  summary: 'write a retained epoch (its EpochMeta and chunks, as stored) to a file that carries its own digests',
  positionals: ['world'],
  synopsis: '[--epoch N] --out FILE',
  description: [
    "Reads the epoch straight from the daemon's Redis (read-only), checks it (chunk hashes,",
    'content digest, meta digest: a damaged epoch is refused, exit 1) and writes it to FILE',
    '(written aside, flushed, then renamed into place). `persistctl import` takes the file back',
    'into any world through the normal Save path. The format is described in',
    'tools/persistctl/README.md.',
  ].join('\n'),
  options: [
    { name: 'epoch', type: 'string', value: 'N', doc: 'the retained epoch to export (default: the committed one)' },
    { name: 'out', type: 'string', value: 'FILE', doc: 'file to write (required)' },
    ...REDIS_OPTIONS,
  ],
  async run({ args, io }) {
    const worldId = worldArg(args.positionals[0]);
    const out = requiredOpt(args, 'out');
    const epochText = stringOpt(args, 'epoch');
    const epoch = epochText === undefined ? 0n : epochOpt(epochText, 'epoch');
    const keyPrefix = stringOpt(args, 'key-prefix')!;
    return withStore(args, async (store) => {
      const stored = await store.readEpoch(worldId, epoch);
      const finding = verifyStoredEpoch(stored, 'digest');
      if (finding) throw refused(finding.code, `epoch ${stored.epoch} of ${worldId} is damaged and was not exported: ${finding.message}`);
      const total = chunkOrder(stored.meta, stored.chunks).reduce((n, id) => n + stored.chunks.get(id)!.length, 0);
      const summary = await writeExport(out, { ...stored, keyPrefix }, progressBar(io, `export ${worldId}@${stored.epoch}`, total), new Date(io.now()));
      io.stdout(
        `exported ${worldId} epoch ${stored.epoch} to ${out}: ${summary.chunks} chunks, ${summary.fileBytes} bytes, content digest ${stored.meta.contentDigest}\n`,
      );
      return EXIT.OK;
    });
  },
};
