import { epochOpt, requiredOpt, worldArg, type CommandSpec } from '../args';
import { refused } from '../cli-error';
import { CONNECTION_OPTIONS } from '../connection';
import { EXIT } from '../exit-codes';
import { withClient } from '../resources';

/** `persistctl delete <world> --epoch N [--dry-run]`: DeleteWorld, fenced by the committed epoch. */
export const deleteCommand: CommandSpec = {
  name: 'delete',
  summary: 'delete a world whole, only if its committed epoch is still N (admin principals only)',
  positionals: ['world'],
  synopsis: '--epoch N [--dry-run]',
  description: [
    'Calls DeleteWorld on the daemon, so its authority applies: only PERSISTD_ADMIN_PRINCIPALS may',
    'delete (without credentials, loopback callers). The world goes only if its committed epoch',
    'is still N: a game server that saved since makes it EPOCH_CONFLICT (exit 1), nothing deleted.',
    'Afterwards restores answer WORLD_NOT_FOUND, GetWorldStatus reports the deleted epoch, and a',
    'new save at epoch 0 starts the world again at N+1. Request records stay until their TTL. A',
    'repeat answers as the first delete did (and finishes its cleanup if that one was cut short).',
    '--dry-run asks GetWorldStatus only and says what would be deleted.',
  ].join('\n'),
  options: [
    { name: 'epoch', type: 'string', value: 'N', doc: 'the committed epoch to delete (required; see `persistctl status`)' },
    { name: 'dry-run', type: 'boolean', doc: 'check and report, delete nothing' },
    ...CONNECTION_OPTIONS,
  ],
  async run({ args, io }) {
    const worldId = worldArg(args.positionals[0]);
    const epoch = epochOpt(requiredOpt(args, 'epoch'), 'epoch');
    return withClient(args, async (client) => {
      if (args.values['dry-run']) {
        const s = await client.getWorldStatus(worldId);
        if (s.committedEpoch === 0n) throw refused('WORLD_NOT_FOUND', s.deletedEpoch > 0n ? `${worldId} was already deleted at epoch ${s.deletedEpoch}` : `${worldId} was never saved`);
        if (s.committedEpoch !== epoch) throw refused('EPOCH_CONFLICT', `${worldId} is at epoch ${s.committedEpoch}, not ${epoch}: nothing would be deleted`);
        io.stdout(`would delete ${worldId} at epoch ${epoch} (retained epochs ${s.retainedEpochs.join(', ')}); nothing deleted (--dry-run)\n`);
        return EXIT.OK;
      }
      const res = await client.deleteWorld(worldId, epoch);
      io.stdout(`deleted ${worldId} at epoch ${res.deletedEpoch}; its next save starts at epoch ${res.deletedEpoch + 1n}\n`);
      return EXIT.OK;
    });
  },
};
