import * as grpc from '@grpc/grpc-js';
import { rawUnaryCall } from '@persistd/contract';
import { generateWorld, TEST_REDIS_URL, uniquePrefix } from '@persistd/testkit';
import Redis from 'ioredis';
import { PersistdDaemon } from '../procs/persistd-daemon';
import { argOf, cleanUp, printFigures, runScript } from './script';
import { RequestTemplate, worldIdOf } from '../request-template';
import { CHANNEL_OPTIONS, SAVE_PATH } from '../run/cells';
import { plan, type SizeName } from '../sizes';

/**
 * What the save pool's replacing of grown idle threads costs a save: whole Saves of `--size`
 * worlds, three back to back, then three each after an idle spell longer than the pool's 90 s
 * before it replaces a grown thread — so each of those three lands on a fresh one unless
 * `--recycle 0` (PERSISTD_SAVE_WORKER_RECYCLE_MB) keeps the grown threads. Bounded: 6 saves,
 * some 5 minutes.
 *
 *   npx tsx tools/bench/src/changes/idle-save-main.ts [--daemon PATH] [--size M] [--recycle 128]
 */

const IDLE_MS = 95_000;

async function main(): Promise<void> {
  const entry = process.argv.includes('--daemon') ? argOf('--daemon', '') : undefined;
  const size = argOf('--size', 'M') as SizeName;
  const spec = plan(false).find((s) => s.name === size)!;
  const prefix = uniquePrefix('idlesave');
  const redisUrl = process.env.PERSISTD_BENCH_REDIS_URL ?? TEST_REDIS_URL;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const daemon = await PersistdDaemon.start({ redisUrl, keyPrefix: prefix, entry, env: { PERSISTD_SAVE_WORKER_RECYCLE_MB: argOf('--recycle', '128') } });
  const client = new grpc.Client(daemon.address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  try {
    const template = RequestTemplate.of(generateWorld({ worldId: 'placeholder', ...spec.shape, ids: 'by-owner' }));
    const times: number[] = [];
    for (let n = 0; n < 6; n++) {
      if (n >= 3) await new Promise((ok) => setTimeout(ok, IDLE_MS));
      const t0 = performance.now();
      await rawUnaryCall(client, SAVE_PATH, template.copyFor(worldIdOf('x', size, 1, n)), { deadline: Date.now() + 600_000 });
      times.push(performance.now() - t0);
    }
    printFigures({ size, recycleMb: Number(argOf('--recycle', '128')), backToBackMs: times.slice(0, 3), afterIdleMs: times.slice(3) }, 0);
  } finally {
    await cleanUp(client, daemon, redis, prefix);
  }
}

runScript(main);
