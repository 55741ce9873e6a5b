import type { ListProgress, WorldSummary } from '@persistd/store-redis';
import { UsageError } from '../cli-error';
import { stringOpt, type CommandSpec } from '../args';
import { EXIT } from '../exit-codes';
import type { CliIo } from '../io';
import { JSON_OPTION, printJson } from '../output';
import { REDIS_OPTIONS } from '../redis-options';
import { withStore } from '../resources';

/** Keyspaces this large get a progress line on stderr (when it is a terminal). */
export const PROGRESS_MIN_KEYS = 100_000;

/** @internal A progress line on stderr, redrawn at most every 100 ms: keys walked of the total, worlds found. */
export function scanProgress(io: CliIo): (p: ListProgress) => void {
  let drawnAt = -Infinity;
  let finished = false;
  return (p) => {
    if (!io.stderrIsTTY || p.total < PROGRESS_MIN_KEYS || finished) return;
    const last = p.scanned >= p.total;
    if (!last && io.now() - drawnAt < 100) return;
    drawnAt = io.now();
    finished = last;
    const pct = Math.floor((100 * p.scanned) / p.total);
    io.stderr(`\rscanning ${p.scanned}/${p.total} keys (${pct}%), ${p.worlds} worlds${last ? '\n' : ''}`);
  };
}

const time = (ms: bigint | undefined) => (ms === undefined || ms === 0n ? '-' : new Date(Number(ms)).toISOString());

function line(w: WorldSummary): string {
  const state = w.committedEpoch > 0n ? `epoch ${w.committedEpoch}` : `deleted at ${w.deletedEpoch}`;
  const c = w.counts;
  const counts = c ? `${c.players}p ${c.zones}z ${c.npcs}n ${c.items}i ${c.quests}q` : '-';
  return [w.worldId, state, w.retainedEpochs.join(',') || '-', counts, w.storedForm ?? '-', `${w.storedBytes}`, time(w.committedAtMs), w.principal || '-'].join('\t');
}

/** `persistctl worlds`: every world under the key prefix, with what it holds. */
export const worldsCommand: CommandSpec = {
  name: 'worlds',
  summary: 'list every world under the key prefix: epochs, records, stored bytes, last commit',
  positionals: [],
  synopsis: "[--match 'eu-*'] [--json]",
  description: [
    "Reads the daemon's Redis directly, read-only: SCAN in bounded steps (never KEYS) on the one",
    'Redis, or on every master of a cluster (--redis-cluster). Each world shows its committed',
    'epoch (or the epoch it was deleted at), its retained epochs, the committed epoch\'s record',
    'counts (players, zones, npcs, items, quests) and stored form, its stored bytes and the last',
    "commit's time and principal. Stored bytes = lengths of the distinct chunks the retained",
    "epochs list plus their metas (STRLEN each): the data the world keeps, without Redis's own",
    'per-key overhead, request records or staged chunks. Keyspaces of 100,000 keys or more show',
    'progress on stderr when it is a terminal.',
  ].join('\n'),
  options: [{ name: 'match', type: 'string', value: 'GLOB', doc: 'only worlds whose id matches (`*` and `?`)' }, ...REDIS_OPTIONS, JSON_OPTION],
  async run({ args, io }) {
    const match = stringOpt(args, 'match');
    if (match !== undefined && !/^[A-Za-z0-9._*?-]{1,128}$/.test(match)) throw new UsageError(`--match must be 1-128 of [A-Za-z0-9._-] with * and ?, got ${JSON.stringify(match)}`);
    return withStore(args, async (store) => {
      const worlds = await store.listWorlds({ match, onProgress: scanProgress(io) });
      if (args.values.json) {
        printJson(io, {
          stored_bytes_counted_as: 'STRLEN of the distinct chunks the retained epochs list, plus their metas',
          worlds: worlds.map((w) => ({
            world_id: w.worldId,
            committed_epoch: w.committedEpoch,
            deleted_epoch: w.deletedEpoch,
            retained_epochs: w.retainedEpochs,
            counts: w.counts ? { players: w.counts.players, zones: w.counts.zones, npcs: w.counts.npcs, items: w.counts.items, quests: w.counts.quests } : undefined,
            stored_form: w.storedForm,
            chunks: w.chunks,
            stored_bytes: w.storedBytes,
            committed_at: w.committedAtMs ? new Date(Number(w.committedAtMs)).toISOString() : undefined,
            principal: w.principal,
            node: w.node,
          })),
        });
      } else {
        io.stdout(['world', 'state', 'retained', 'records', 'form', 'bytes', 'last commit', 'principal'].join('\t') + '\n');
        for (const w of worlds) io.stdout(`${line(w)}\n`);
      }
      return EXIT.OK;
    });
  },
};
