import * as grpc from '@grpc/grpc-js';
import { rawUnaryCall, type WorldSnapshot } from '@persistd/contract';
import { PersistdDaemon } from '../procs/persistd-daemon';
import { percentile } from '../report/stats';
import { RequestTemplate, worldIdOf } from '../request-template';
import { CHANNEL_OPTIONS, SAVE_PATH } from '../run/cells';
import type { SizeName } from '../sizes';
import { measuredSave } from './change-rows';

/**
 * The whole Save of an older build (`--base-daemon`), alternating with this build's, in one run.
 * Issue 14 sets its L p50 targets against "a whole L save of the build this issue starts from,
 * run in the same bench": this machine's speed moves by 1.5x within an hour, so a figure of that
 * build from another run says little. Each save is a first save of a fresh world (epoch 0 → 1),
 * timed as the change rows time theirs (measuredSave: both daemons idle before and after).
 */
export interface BaseWholeSave {
  /** The older build's daemon script, as given. */
  entry: string;
  size: SizeName;
  /** Saves of each build. */
  rounds: number;
  baseMs: number[];
  thisMs: number[];
  baseP50Ms: number;
  thisP50Ms: number;
}

const DEADLINE_MS = 600_000;

export async function measureBaseWholeSave(args: {
  redisUrl: string;
  keyPrefix: string;
  entry: string;
  size: SizeName;
  world: WorldSnapshot;
  /** This build's daemon and a client of it. */
  daemon: PersistdDaemon;
  client: grpc.Client;
  rounds: number;
}): Promise<BaseWholeSave> {
  const base = await PersistdDaemon.start({ redisUrl: args.redisUrl, keyPrefix: args.keyPrefix, entry: args.entry });
  const baseClient = new grpc.Client(base.address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  try {
    const template = RequestTemplate.of(args.world);
    const daemons = { daemons: [base, args.daemon] as [PersistdDaemon, PersistdDaemon] };
    const save = async (client: grpc.Client, worldId: string) =>
      (await measuredSave(daemons, () => rawUnaryCall(client, SAVE_PATH, template.copyFor(worldId), { deadline: Date.now() + DEADLINE_MS }))).ms;
    // Not counted: each daemon's first save warms its code and its save threads.
    await save(baseClient, worldIdOf('b', args.size, 0, 0));
    await save(args.client, worldIdOf('b', args.size, 0, 1));
    const baseMs: number[] = [];
    const thisMs: number[] = [];
    for (let n = 1; n <= args.rounds; n++) {
      baseMs.push(await save(baseClient, worldIdOf('b', args.size, n, 0)));
      thisMs.push(await save(args.client, worldIdOf('b', args.size, n, 1)));
    }
    return { entry: args.entry, size: args.size, rounds: args.rounds, baseMs, thisMs, baseP50Ms: percentile(baseMs, 50), thisP50Ms: percentile(thisMs, 50) };
  } finally {
    baseClient.close();
    await base.stop();
  }
}
