import { worldArg, type CommandSpec } from '../args';
import { CONNECTION_OPTIONS } from '../connection';
import { EXIT } from '../exit-codes';
import { JSON_OPTION, printJson, printTable } from '../output';
import { withClient } from '../resources';

/** `persistctl status <world>`: what the daemon says about a world (GetWorldStatus). */
export const statusCommand: CommandSpec = {
  name: 'status',
  summary: "show a world's committed epoch, retained epochs, digests and stored form",
  positionals: ['world'],
  description: [
    'Asks the daemon (GetWorldStatus). A world that was never saved has committed epoch 0 and',
    'nothing else; that is an answer, so the exit code is still 0.',
  ].join('\n'),
  options: [...CONNECTION_OPTIONS, JSON_OPTION],
  async run({ args, io }) {
    const worldId = worldArg(args.positionals[0]);
    const s = await withClient(args, (c) => c.getWorldStatus(worldId));
    if (args.values.json) {
      printJson(io, { world_id: worldId, committed_epoch: s.committedEpoch, retained_epochs: s.retainedEpochs, digest: s.digest, content_digest: s.contentDigest, deleted_epoch: s.deletedEpoch, stored_form: s.storedForm });
    } else if (s.committedEpoch === 0n && s.deletedEpoch > 0n) {
      printTable(io, [['world', worldId], ['committed', `0 (deleted at epoch ${s.deletedEpoch}; a new save starts at ${s.deletedEpoch + 1n})`]]);
    } else if (s.committedEpoch === 0n) {
      printTable(io, [['world', worldId], ['committed', '0 (never saved)']]);
    } else {
      printTable(io, [
        ['world', worldId],
        ['committed', `epoch ${s.committedEpoch}`],
        ['retained', s.retainedEpochs.join(', ')],
        ['digest', s.digest],
        ['content digest', s.contentDigest],
        // 0: a daemon from before stored form 2, which writes only form 1.
        ['stored form', String(s.storedForm || 1)],
      ]);
    }
    return EXIT.OK;
  },
};
