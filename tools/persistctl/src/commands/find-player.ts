import { isStoreError, type RedisStore } from '@persistd/store-redis';
import { decodeStoredSnapshot } from '@persistd/validation';
import { stringOpt, worldArg, type CommandSpec } from '../args';
import { UsageError } from '../cli-error';
import { EXIT } from '../exit-codes';
import { JSON_OPTION, printJson } from '../output';
import { REDIS_OPTIONS } from '../redis-options';
import { withStore } from '../resources';

/** What one retained epoch still holds of a player. */
interface Holding {
  world_id: string;
  epoch: bigint;
  player: boolean;
  items: string[];
  quests: string[];
}

/** The player's records in every retained epoch of `worldId` that holds any. */
async function holdingsIn(store: RedisStore, worldId: string, playerId: string): Promise<Holding[]> {
  const out: Holding[] = [];
  for (const epoch of await store.retainedEpochs(worldId)) {
    let snapshot;
    try {
      snapshot = decodeStoredSnapshot(await store.readEpoch(worldId, epoch));
    } catch (e) {
      // Retention or a delete moved on while we read: that epoch holds nothing any more.
      if (isStoreError(e) && (e.code === 'EPOCH_NOT_FOUND' || e.code === 'WORLD_NOT_FOUND')) continue;
      throw e;
    }
    const player = (snapshot.players?.players ?? []).some((p) => p.playerId === playerId);
    const items = (snapshot.items?.items ?? []).filter((i) => i.location.case === 'inventory' && i.location.value.playerId === playerId).map((i) => i.itemId);
    const quests = (snapshot.quests?.quests ?? []).filter((q) => q.playerId === playerId).map((q) => q.questId);
    if (player || items.length > 0 || quests.length > 0) out.push({ world_id: worldId, epoch, player, items, quests });
  }
  return out;
}

/** `persistctl find-player <player_id> [--world W]`: where a player's records still live. */
export const findPlayerCommand: CommandSpec = {
  name: 'find-player',
  summary: "list the retained epochs that still hold a player's records (erasure checks)",
  positionals: ['player_id'],
  synopsis: '[--world W] [--json]',
  description: [
    "Reads the daemon's Redis directly, read-only, and decodes every retained epoch of one world",
    '(--world) or of every world under the key prefix (SCAN, as `worlds` does). Lists each epoch',
    'that still holds the player record, items in their inventory or their quests. Exit 0 either',
    'way; nothing listed means no retained epoch holds them. Request records, AOF/RDB files,',
    'replicas, exports and logs are outside what this can see: see the README (Erasure).',
  ].join('\n'),
  options: [{ name: 'world', type: 'string', value: 'W', doc: 'only this world' }, ...REDIS_OPTIONS, JSON_OPTION],
  async run({ args, io }) {
    const playerId = args.positionals[0]!;
    if (!/^[A-Za-z0-9._-]{1,128}$/.test(playerId)) throw new UsageError(`<player_id> must match ^[A-Za-z0-9._-]{1,128}$, got ${JSON.stringify(playerId)}`);
    const only = stringOpt(args, 'world');
    return withStore(args, async (store) => {
      const worlds = only !== undefined ? [worldArg(only)] : (await store.listWorlds()).filter((w) => w.committedEpoch > 0n).map((w) => w.worldId);
      const found: Holding[] = [];
      for (const w of worlds) found.push(...(await holdingsIn(store, w, playerId)));
      if (args.values.json) {
        printJson(io, { player_id: playerId, worlds_searched: worlds.length, epochs: found });
      } else if (found.length === 0) {
        io.stdout(`${playerId}: no retained epoch of ${worlds.length} world(s) holds this player's records\n`);
      } else {
        for (const h of found) {
          io.stdout(`${h.world_id}\tepoch ${h.epoch}\tplayer ${h.player ? 'yes' : 'no'}\titems ${h.items.length}\tquests ${h.quests.length}\n`);
        }
      }
      return EXIT.OK;
    });
  },
};
