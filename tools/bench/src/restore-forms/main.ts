import { existsSync } from 'node:fs';
import Redis from 'ioredis';
import { deletePrefix, DIST_ENTRY, TEST_REDIS_URL, uniquePrefix } from '@persistd/testkit';
import { plan, type SizeName } from '../sizes';
import { measureRestoreForms } from './restore-forms';

/**
 * `npx tsx tools/bench/src/restore-forms/main.ts [S|M|L] [rounds] [daemon.js]`: restore
 * throughput of a bench world in stored form 2 against form 1, on the daemon script given, else
 * the built daemon (`npm run build`) or, when there is none, on the sources through tsx (slower
 * for both forms alike).
 */
async function main(): Promise<void> {
  const size = (process.argv[2] ?? 'L') as SizeName;
  const rounds = Number(process.argv[3] ?? 15);
  const spec = plan(false).find((s) => s.name === size);
  if (!spec) throw new Error(`unknown size ${size}`);
  const given = process.argv[4];
  const built = given !== undefined || existsSync(DIST_ENTRY);
  const redisUrl = process.env.PERSISTD_BENCH_REDIS_URL ?? TEST_REDIS_URL;
  const keyPrefix = uniquePrefix('bench-forms');
  const redis = new Redis(redisUrl);
  try {
    const r = await measureRestoreForms({
      redisUrl,
      keyPrefix,
      shape: spec.shape,
      rounds,
      capMs: 180_000,
      entry: given,
      fromSource: !built,
      // PERSISTD_BENCH_CPU_PROF=DIR: the daemons run under --cpu-prof, their profiles written to DIR.
      nodeArgs: process.env.PERSISTD_BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PERSISTD_BENCH_CPU_PROF}`] : undefined,
    });
    console.log(`${size} world, ${r.records} records, ${r.rounds} restores each (${built ? 'built daemon' : 'daemon from sources via tsx'})\n`);
    console.log('| stored form | messages | bytes | median ms | median MB/s |');
    console.log('|---|---|---|---|---|');
    for (const f of r.forms) {
      const med = [...f.ms].sort((a, b) => a - b)[f.ms.length >> 1];
      console.log(`| ${f.form} | ${f.messages} | ${f.bytes} | ${med.toFixed(0)} | ${f.medianMBps.toFixed(1)} |`);
    }
    console.log(`\nform 2 / form 1 throughput: ${r.ratio.toFixed(2)} (target ≥ 0.75)`);
  } finally {
    await deletePrefix(redis, keyPrefix);
    redis.disconnect();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
