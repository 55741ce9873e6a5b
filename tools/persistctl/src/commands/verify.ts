import type { RedisStore } from '@persistd/store-redis';
import { isStoreError } from '@persistd/store-redis';
import { verifyStoredEpoch, type StoredFinding } from '@persistd/validation';
import { worldArg, type CommandSpec } from '../args';
import { refused } from '../cli-error';
import { EXIT } from '../exit-codes';
import { JSON_OPTION, printJson } from '../output';
import { REDIS_OPTIONS } from '../redis-options';
import { withStore } from '../resources';

/** What verify found for one epoch. */
interface EpochReport {
  epoch: bigint;
  ok: boolean;
  code?: string;
  message?: string;
  violations?: StoredFinding['violations'];
  digest?: string;
  contentDigest?: string;
}

/** Reads and fully verifies one epoch; damage is a report, Redis being down is thrown. */
async function verifyEpoch(store: RedisStore, worldId: string, epoch: bigint): Promise<EpochReport> {
  let stored;
  try {
    stored = await store.readEpoch(worldId, epoch);
  } catch (e) {
    if (isStoreError(e) && e.code !== 'STORE_UNAVAILABLE') return { epoch, ok: false, code: e.code, message: e.message };
    throw e;
  }
  const finding = verifyStoredEpoch(stored, 'full');
  if (finding) return { epoch, ok: false, code: finding.code, message: finding.message, violations: finding.violations };
  return { epoch, ok: true, digest: stored.meta.digest, contentDigest: stored.meta.contentDigest };
}

/** `persistctl verify <world>`: the validation harness, in full, on every retained epoch. */
export const verifyCommand: CommandSpec = {
  name: 'verify',
  summary: 'check every retained epoch of a world in Redis: digests, then every structural rule',
  positionals: ['world'],
  description: [
    "Reads each retained epoch straight from the daemon's Redis (read-only) and runs",
    'verifyStoredEpoch in full mode: components present, versions, chunk hashes, content and meta',
    'digests, then the records decoded and every structural rule. Prints one line per epoch.',
    'Exit 0 when all are intact, 1 when any is damaged or the world was never saved.',
  ].join('\n'),
  options: [...REDIS_OPTIONS, JSON_OPTION],
  async run({ args, io }) {
    const worldId = worldArg(args.positionals[0]);
    return withStore(args, async (store) => {
      const epochs = await store.retainedEpochs(worldId);
      if (epochs.length === 0) throw refused('WORLD_NOT_FOUND', `${worldId} has no retained epoch under this key prefix (never saved?)`);
      const reports: EpochReport[] = [];
      for (const e of epochs) reports.push(await verifyEpoch(store, worldId, e));
      if (args.values.json) {
        printJson(io, { world_id: worldId, intact: reports.every((r) => r.ok), epochs: reports });
      } else {
        for (const r of reports) {
          io.stdout(r.ok ? `epoch ${r.epoch}  ok       content digest ${r.contentDigest}\n` : `epoch ${r.epoch}  DAMAGED  ${r.code}: ${r.message}\n`);
          for (const v of r.violations ?? []) io.stdout(`  ${v.path}: ${v.code}: ${v.message}\n`);
        }
      }
      return reports.every((r) => r.ok) ? EXIT.OK : EXIT.REFUSED;
    });
  },
};
