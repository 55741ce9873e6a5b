import { worldArg, type CommandSpec } from '../args';
import { CONNECTION_OPTIONS } from '../connection';
import { EXIT } from '../exit-codes';
import { JSON_OPTION, printJson } from '../output';
import { withClient } from '../resources';

/** `persistctl epochs <world>`: the retained epochs, one a line, oldest first (GetWorldStatus). */
export const epochsCommand: CommandSpec = {
  name: 'epochs',
  summary: 'list the retained epochs of a world (the ones `rollback --to` and `export --epoch` accept)',
  positionals: ['world'],
  description: [
    'Asks the daemon (GetWorldStatus). One epoch a line, ascending; the committed one is marked.',
    'A world never saved lists nothing (exit code 0).',
  ].join('\n'),
  options: [...CONNECTION_OPTIONS, JSON_OPTION],
  async run({ args, io }) {
    const worldId = worldArg(args.positionals[0]);
    const s = await withClient(args, (c) => c.getWorldStatus(worldId));
    if (args.values.json) {
      printJson(io, { world_id: worldId, committed_epoch: s.committedEpoch, retained_epochs: s.retainedEpochs });
    } else {
      for (const e of s.retainedEpochs) io.stdout(`${e}${e === s.committedEpoch ? '  (committed)' : ''}\n`);
      if (s.committedEpoch === 0n) io.stderr(`${worldId} was never saved\n`);
    }
    return EXIT.OK;
  },
};
