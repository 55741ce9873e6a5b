import { StateSource } from '@persistd/contract';
import { decodeStoredSnapshot } from '@persistd/validation';
import { worldArg, type CommandSpec } from '../args';
import { refused } from '../cli-error';
import { CONNECTION_OPTIONS } from '../connection';
import { EXIT } from '../exit-codes';
import { showing } from '../failure';
import { checkExport } from '../export-file/check-export';
import { readExport } from '../export-file/read-export';
import { progressBar } from '../progress';
import { withClient } from '../resources';
import { contentDigestsOf } from '../snapshot/content-digests';
import { restamp } from '../snapshot/restamp';
import { statSync } from 'node:fs';

/** `persistctl import <world> FILE`: an export saved as a NEW epoch of a world, through Save. */
export const importCommand: CommandSpec = {
  name: 'import',
  summary: "save an export file's records as a new epoch of a world, through the normal Save path",
  positionals: ['world', 'file'],
  description: [
    'First, before anything is sent, the file is proved intact: every chunk hashes to its id and',
    'the meta to its digest (else DIGEST_MISMATCH, exit 1), nothing is missing (MISSING_COMPONENT).',
    "Then the records are decoded, stamped with <world>'s committed epoch and id, and saved with",
    'Save: validated, atomic, a new epoch; never a raw write. Any world may be the target (the',
    'exported one, to restore a backup; another, to copy). The new epoch has the content digest',
    "of the exported one. A concurrent save makes it EPOCH_CONFLICT (exit 1): run it again.",
  ].join('\n'),
  options: [...CONNECTION_OPTIONS, { name: 'dry-run', type: 'boolean', doc: 'check the file and run Validate instead of Save: nothing is committed' }],
  async run({ args, io }) {
    const worldId = worldArg(args.positionals[0]);
    const file = args.positionals[1];
    let size = 0;
    try {
      size = statSync(file).size;
    } catch {
      // readExport reports it
    }
    const bar = progressBar(io, `import ${file}`, size);
    const contents = await readExport(file, (n) => bar.advance(n));
    bar.done();
    checkExport(contents);
    const { meta } = contents;
    const snapshot = decodeStoredSnapshot({ worldId: meta.worldId, epoch: meta.epoch, meta, chunks: contents.chunks });

    return withClient(args, async (client) => {
      const { committedEpoch } = await client.getWorldStatus(worldId);
      restamp(snapshot, worldId, committedEpoch);
      const request = { worldId, expectedEpoch: committedEpoch, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot };
      if (args.values['dry-run']) {
        const res = await client.validate(request);
        for (const v of res.violations) io.stdout(`  ${v.path}: ${v.code}: ${v.message}\n`);
        if (res.violationsTotal > 0) io.stdout(`${showing(res.violations.length, res.violationsTotal)}\n`);
        io.stdout(`${res.accepted ? 'would be accepted' : 'would be refused'}: ${meta.worldId} epoch ${meta.epoch} into ${worldId} as epoch ${committedEpoch + 1n}\n`);
        return res.accepted ? EXIT.OK : EXIT.REFUSED;
      }
      const digests = contentDigestsOf(snapshot);
      const saved = await client.save(request);
      // The export may be in another stored form than the daemon writes: the records must match, the digest need not.
      if (!digests.includes(saved.contentDigest) || !digests.includes(meta.contentDigest)) {
        throw refused('DIGEST_MISMATCH', `committed ${worldId} epoch ${saved.committedEpoch}, but its content digest ${saved.contentDigest} differs from the export's ${meta.contentDigest}`);
      }
      io.stdout(
        `imported ${meta.worldId} epoch ${meta.epoch} into ${worldId}: committed epoch ${saved.committedEpoch}${saved.replayed ? ' (replayed)' : ''}, content digest ${saved.contentDigest}\n`,
      );
      return EXIT.OK;
    });
  },
};
