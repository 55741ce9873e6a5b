import * as grpc from '@grpc/grpc-js';
import { rawUnaryCall } from '@persistd/contract';
import { generateWorld, TEST_REDIS_URL, uniquePrefix } from '@persistd/testkit';
import Redis from 'ioredis';
import { PersistdDaemon } from '../procs/persistd-daemon';
import { argOf, cleanUp, printFigures, runScript } from './script';
import { percentile } from '../report/stats';
import { RequestTemplate, worldIdOf } from '../request-template';
import { CHANNEL_OPTIONS, SAVE_CHANGES_PATH, SAVE_PATH } from '../run/cells';
import { plan, type SizeName } from '../sizes';
import { ChangeChain, encodeStep, type ChangeWorkload } from './change-chain';

/**
 * A focused figure of SaveChanges against a whole Save, in one run on one daemon: the p50 at c=1
 * of whole Saves of the world, and of change sets of each workload with the base index cached
 * (every change set goes to the daemon that committed its base; the chain's first change set,
 * which finds no index after a whole Save, is a warm-up and not counted). Bounded: a few saves.
 *
 *   npx tsx tools/bench/src/changes/fast-path-main.ts [--daemon PATH] [--size L] [--ops 5] [--gap-s 0] [--whole-only] [--cpu-prof DIR]
 *
 * `--whole-only` stops after the whole Saves (a build from before SaveChanges, say); `--gap-s`
 * waits that long before each counted change set, as a game server's autosave would (the daemon
 * idle meanwhile, its save threads too); `--cpu-prof` runs the daemon under `node --cpu-prof`,
 * one profile per thread written to DIR when it stops.
 */

async function timed(call: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await call();
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const size = argOf('--size', 'L') as SizeName;
  const ops = Number(argOf('--ops', '5'));
  const gapMs = Number(argOf('--gap-s', '0')) * 1000;
  const entry = process.argv.includes('--daemon') ? argOf('--daemon', '') : undefined;
  const spec = plan(false).find((s) => s.name === size)!;
  const redisUrl = process.env.PERSISTD_BENCH_REDIS_URL ?? TEST_REDIS_URL;
  const prefix = uniquePrefix('fastbench');
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const cpuProfDir = process.argv.includes('--cpu-prof') ? argOf('--cpu-prof', '') : undefined;
  const nodeArgs = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : undefined;
  const daemon = await PersistdDaemon.start({ redisUrl, keyPrefix: prefix, entry, nodeArgs });
  const client = new grpc.Client(daemon.address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  const call = (path: string, bytes: Buffer) => rawUnaryCall(client, path, bytes, { deadline: Date.now() + 600_000 });
  try {
    const world = generateWorld({ worldId: 'placeholder', ...spec.shape, ids: 'by-owner' });
    const template = RequestTemplate.of(world);
    const whole: number[] = [];
    for (let n = 0; n < 3; n++) whole.push(await timed(() => call(SAVE_PATH, template.copyFor(worldIdOf('f', size, 1, n)))));
    if (process.argv.includes('--whole-only')) return printFigures({ records: spec.records, wholeSaveP50Ms: percentile(whole, 50) }, 3);
    const w = worldIdOf('f', size, 1, 0);
    const chain = new ChangeChain(world);
    let epoch = 1n;
    const step = async (workload: ChangeWorkload) => {
      const bytes = encodeStep(chain.next(workload), w, epoch, world.world!.contentVersion, 'f');
      const ms = await timed(() => call(SAVE_CHANGES_PATH, bytes));
      epoch++;
      return ms;
    };
    const warmUp = await step('run-1pct');
    const rows: Record<string, number> = { records: spec.records, gapS: gapMs / 1000, wholeSaveP50Ms: percentile(whole, 50), warmUpChangeSetMs: warmUp };
    for (const workload of ['run-1pct', 'random-1pct'] as const) {
      const latencies: number[] = [];
      for (let n = 0; n < ops; n++) {
        if (gapMs > 0) await new Promise((ok) => setTimeout(ok, gapMs));
        latencies.push(await step(workload));
      }
      rows[`${workload}P50Ms`] = percentile(latencies, 50);
      rows[`${workload}OverWhole`] = percentile(latencies, 50) / percentile(whole, 50);
    }
    printFigures(rows, 3);
  } finally {
    await cleanUp(client, daemon, redis, prefix);
  }
}

runScript(main);
