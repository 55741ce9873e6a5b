import { worldArg, type CommandSpec } from '../args';
import { refused } from '../cli-error';
import { EXIT } from '../exit-codes';
import { JSON_OPTION, printJson } from '../output';
import { REDIS_OPTIONS } from '../redis-options';
import { withStore } from '../resources';

/** `persistctl sweep <world> [--dry-run]`: the chunks of a live world that no epoch lists, given up. */
export const sweepCommand: CommandSpec = {
  name: 'sweep',
  summary: 'give up the chunks of a world that no epoch lists any more (what retention could not judge)',
  positionals: ['world'],
  synopsis: '[--dry-run]',
  description: [
    "Works on the daemon's Redis directly. Every chunk key of the world that no meta in Redis lists",
    '(form 2: through its index chunks) is given the stage TTL, fenced by the committed epoch like a',
    'commit: a save racing the sweep makes it list again, and a later save that lists an expiring',
    'chunk keeps it. Chunks an epoch lists are never touched. Retention cannot judge a stored form 2',
    'epoch that records no bookkeeping, and keeps everything around it: every SaveChanges epoch',
    'committed before the fix of f4f2ada is such an epoch, so worlds saved through change sets hold',
    'chunks nothing lists. Safe while game servers save. --dry-run counts only.',
  ].join('\n'),
  options: [{ name: 'dry-run', type: 'boolean', doc: 'count, give up nothing' }, ...REDIS_OPTIONS, JSON_OPTION],
  async run({ args, io }) {
    const worldId = worldArg(args.positionals[0]);
    const dryRun = args.values['dry-run'] === true;
    return withStore(args, async (store) => {
      const r = await store.sweepUnlistedChunks({ worldId, dryRun });
      if (r.committedEpoch === 0n) throw refused('WORLD_NOT_FOUND', `${worldId} is not a live world under this key prefix (never saved, or deleted)`);
      if (args.values.json) {
        printJson(io, { world_id: worldId, committed_epoch: r.committedEpoch, chunks_listed: r.chunksListed, chunks_unlisted: r.chunksUnlisted, judged: r.judged, dry_run: dryRun });
      } else if (!r.judged) {
        io.stdout(`${worldId} at epoch ${r.committedEpoch}: an index chunk of a stored epoch is absent or damaged, so what it lists is unknown; nothing given up (see \`persistctl verify\`)\n`);
      } else {
        const what = dryRun ? 'would be given the stage TTL (--dry-run: nothing changed)' : 'given the stage TTL';
        io.stdout(`${worldId} at epoch ${r.committedEpoch}: ${r.chunksListed} chunks listed, ${r.chunksUnlisted} unlisted ${what}\n`);
      }
      return r.judged ? EXIT.OK : EXIT.REFUSED;
    });
  },
};
