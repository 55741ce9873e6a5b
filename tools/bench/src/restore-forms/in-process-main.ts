import Redis from 'ioredis';
import { deletePrefix, generateWorld, TEST_REDIS_URL, uniquePrefix } from '@persistd/testkit';
import { RedisStore } from '@persistd/store-redis';
import { prepareEpoch, restoreFrames, sealEpochMeta, verifyStoredEpoch } from '@persistd/validation';
import { plan, type SizeName } from '../sizes';

/**
 * `npx tsx tools/bench/src/restore-forms/in-process-main.ts [S|M|L] [rounds]`: where a restore's
 * time goes, in this process, for a bench world stored in form 1 and in form 2 — the read
 * (readEpoch, reservation included), the verification (digest mode) and the framing — so a
 * `--cpu-prof` of it shows the restore path alone, without gRPC.
 */
async function main(): Promise<void> {
  const size = (process.argv[2] ?? 'L') as SizeName;
  const rounds = Number(process.argv[3] ?? 5);
  const spec = plan(false).find((s) => s.name === size);
  if (!spec) throw new Error(`unknown size ${size}`);
  const redisUrl = process.env.PERSISTD_BENCH_REDIS_URL ?? TEST_REDIS_URL;
  const prefix = uniquePrefix('bench-ip');
  const redis = new Redis(redisUrl);
  const store = new RedisStore({ redis: { url: redisUrl }, settings: { prefix, retention: 2, requestTtlSeconds: 600, stageTtlSeconds: 600 } });
  try {
    for (const form of [1, 2] as const) {
      const worldId = `ip-${form}`;
      const prepared = prepareEpoch(generateWorld({ ...spec.shape, worldId }), { worldId, requestId: `ip-${form}`, principal: 'bench', committedAtMs: 1n, storedForm: form });
      const r = await store.commit({ worldId, expectedEpoch: 0n, requestId: `ip-${form}`, contentDigest: prepared.contentDigest, chunks: prepared.chunks, sealMeta: (e, l) => sealEpochMeta(prepared.unsealed, e, l) });
      if (r.kind !== 'committed') throw new Error(`commit answered ${r.kind}`);
    }
    const rows: Record<string, number[][]> = { 1: [], 2: [] };
    for (let round = 0; round <= rounds; round++) {
      for (const form of [1, 2] as const) {
        const t0 = performance.now();
        const stored = await store.readEpoch(`ip-${form}`, 0n, async () => undefined);
        const t1 = performance.now();
        const finding = verifyStoredEpoch(stored, 'digest');
        if (finding) throw new Error(finding.message);
        const t2 = performance.now();
        let bytes = 0;
        for (const f of restoreFrames(stored.epoch, stored.meta, stored.chunks)) bytes += f.bytes.length;
        const t3 = performance.now();
        if (round > 0) rows[form].push([t1 - t0, t2 - t1, t3 - t2, t3 - t0, stored.chunks.size, bytes]);
      }
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    console.log(`${size}: median ms over ${rounds} rounds`);
    console.log('| form | chunks | bytes | read | verify | frame | total |');
    for (const form of ['1', '2']) {
      const r = rows[form];
      const col = (i: number) => med(r.map((x) => x[i])).toFixed(1);
      console.log(`| ${form} | ${r[0][4]} | ${r[0][5]} | ${col(0)} | ${col(1)} | ${col(2)} | ${col(3)} |`);
    }
  } finally {
    await store.close();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
