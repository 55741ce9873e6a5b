import { StateSource } from '@persistd/contract';
import { epochOpt, requiredOpt, worldArg, type CommandSpec } from '../args';
import { refused } from '../cli-error';
import { CONNECTION_OPTIONS } from '../connection';
import { EXIT } from '../exit-codes';
import { withClient } from '../resources';
import { collectRestore } from '../snapshot/collect-restore';
import { contentDigestsOf } from '../snapshot/content-digests';
import { restamp } from '../snapshot/restamp';

/** `persistctl rollback <world> --to N`: a new save whose content equals retained epoch N (DESIGN §8). */
export const rollbackCommand: CommandSpec = {
  name: 'rollback',
  summary: 'make a new epoch whose content equals retained epoch N (history only moves forward)',
  positionals: ['world'],
  synopsis: '--to N',
  description: [
    'Restores epoch N through the Restore RPC (checked in phase order by the SDK), then saves',
    'those records through Save as the next epoch: validated, atomic, with the content digest of',
    'epoch N (of its records in the stored form the daemon writes, when epoch N is in the other one). Nothing is deleted; epochs after N stay in history until retention drops them.',
    'A save by a game server in between makes it EPOCH_CONFLICT (exit 1): stop the game server',
    'first.',
  ].join('\n'),
  options: [{ name: 'to', type: 'string', value: 'N', doc: 'the retained epoch whose content to bring back (required)' }, ...CONNECTION_OPTIONS],
  async run({ args, io }) {
    const worldId = worldArg(args.positionals[0]);
    const to = epochOpt(requiredOpt(args, 'to'), 'to');
    return withClient(args, async (client) => {
      const { committedEpoch } = await client.getWorldStatus(worldId);
      const { handlers, snapshot } = collectRestore();
      const restored = await client.restore(worldId, { epoch: to }, handlers);
      restamp(snapshot, worldId, committedEpoch);
      const digests = contentDigestsOf(snapshot);
      const saved = await client.save({ worldId, expectedEpoch: committedEpoch, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot });
      // Epoch N may be in another stored form than the new epoch: then the records are the same, the digest not.
      if (!digests.includes(restored.contentDigest) || !digests.includes(saved.contentDigest)) {
        throw refused('DIGEST_MISMATCH', `committed epoch ${saved.committedEpoch}, but its content digest ${saved.contentDigest} is not that of epoch ${to}'s records (${restored.contentDigest})`);
      }
      io.stdout(`rolled ${worldId} back to the content of epoch ${to}: committed epoch ${saved.committedEpoch}, content digest ${saved.contentDigest}\n`);
      return EXIT.OK;
    });
  },
};
