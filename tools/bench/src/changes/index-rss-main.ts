import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { rawUnaryCall } from '@persistd/contract';
import { generateWorld, TEST_REDIS_URL, uniquePrefix } from '@persistd/testkit';
import Redis from 'ioredis';
import { PersistdDaemon } from '../procs/persistd-daemon';
import { argOf, cleanUp, printFigures, runScript } from './script';
import { RequestTemplate, restoreRequest, worldIdOf } from '../request-template';
import { CHANNEL_OPTIONS, RESTORE_PATH, SAVE_PATH } from '../run/cells';
import { timeStream } from '../run/stream-call';
import { plan, type SizeName } from '../sizes';

/**
 * A real daemon's RSS with the base indexes of `--worlds` worlds cached: each world saved whole,
 * then restored (a restore indexes the epoch on a save worker) in two halves, the cache's entries
 * and bytes read from /metrics and the RSS from /proc after each half, once the daemon has been
 * idle `--settle` seconds (default 100: past the save pool's 90 s before it replaces a grown idle
 * thread, and the warm-ups of the replacements, one after the other), and the peak RSS of the whole run (VmHWM).
 * Bounded: `--worlds` saves and restores. Keys are deleted afterwards.
 *
 *   npx tsx tools/bench/src/changes/index-rss-main.ts [--daemon PATH] [--size M] [--worlds 20] [--settle 100]
 */

const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

/** A stat of the daemon's index cache (entries, bytes...); NaN while absent. */
async function cacheStat(daemon: PersistdDaemon, stat: string): Promise<number> {
  return (await daemon.metrics()).value('persistd_index_cache', { stat }) ?? Number.NaN;
}

/** An unlabelled metric of the daemon; NaN while absent. */
async function metric(daemon: PersistdDaemon, name: string): Promise<number> {
  return (await daemon.metrics()).value(name) ?? Number.NaN;
}

async function main(): Promise<void> {
  const size = argOf('--size', 'M') as SizeName;
  const worlds = Number(argOf('--worlds', '20'));
  const settleMs = Number(argOf('--settle', '100')) * 1000;
  const entry = process.argv.includes('--daemon') ? argOf('--daemon', '') : undefined;
  const spec = plan(false).find((s) => s.name === size)!;
  const redisUrl = process.env.PERSISTD_BENCH_REDIS_URL ?? TEST_REDIS_URL;
  const prefix = uniquePrefix('indexrss');
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const nodeArgs = entry?.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const daemon = await PersistdDaemon.start({ redisUrl, keyPrefix: prefix, entry, nodeArgs, env: { PERSISTD_INDEX_CACHE_BYTES: String(2 * 2 ** 30) } });
  const client = new grpc.Client(daemon.address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  try {
    const template = RequestTemplate.of(generateWorld({ worldId: 'placeholder', ...spec.shape, ids: 'by-owner' }));
    const ids = Array.from({ length: worlds }, (_, n) => worldIdOf('x', size, 1, n));
    for (const w of ids) await rawUnaryCall(client, SAVE_PATH, template.copyFor(w), { deadline: Date.now() + 600_000 });
    // Restores in two halves: the RSS the second half adds is what an index held costs once the
    // daemon's transient memory (save workers' heaps, stream buffers) has reached its level.
    const half = async (from: number, to: number) => {
      for (const w of ids.slice(from, to)) await timeStream(client, RESTORE_PATH, restoreRequest(w), 600_000);
      for (let waited = 0; (await cacheStat(daemon, 'entries')) < to && waited < 120; waited++) await new Promise((ok) => setTimeout(ok, 1000));
      await new Promise((ok) => setTimeout(ok, settleMs));
      return { rss: rssOf(daemon.pid), heap: await metric(daemon, 'nodejs_heap_size_used_bytes') };
    };
    const saved = { rss: rssOf(daemon.pid), heap: await metric(daemon, 'nodejs_heap_size_used_bytes') };
    const first = await half(0, worlds / 2);
    const second = await half(worlds / 2, worlds);
    const records = worlds * spec.records;
    const marginal = (second.rss - first.rss) / (records / 2);
    const rows = {
      size,
      worlds,
      records,
      entries: await cacheStat(daemon, 'entries'),
      cacheBytesPerRecord: (await cacheStat(daemon, 'bytes')) / records,
      rssSavedMiB: saved.rss / 2 ** 20,
      rssHalfMiB: first.rss / 2 ** 20,
      rssAllMiB: second.rss / 2 ** 20,
      rssPeakMiB: daemon.peakRss() / 2 ** 20,
      rssBytesPerRecordSecondHalf: marginal,
      heapBytesPerRecordSecondHalf: (second.heap - first.heap) / (records / 2),
      projectedRssMiBFor5MRecords: (first.rss + marginal * (5_000_000 - records / 2)) / 2 ** 20,
    };
    printFigures(rows, 1);
  } finally {
    await cleanUp(client, daemon, redis, prefix);
  }
}

runScript(main);
