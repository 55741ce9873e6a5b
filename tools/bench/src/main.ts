/**
 * `npm run bench`: persistd against the limits of this machine, in one run, on the same bytes.
 *
 * persistd runs in its own process (the built daemon, its own key prefix, a free loopback port);
 * this process is the client: requests are encoded before any timed region and responses pass
 * through undecoded. For each world size (S, M, L): the in-process cost of a save by the typed
 * path and by the wire path against one fromBinary (limit b); Save at several concurrencies over
 * distinct worlds against a plain WATCH/MULTI/EXEC commit of the same chunks (limit a); Restore
 * against a raw read of the stored bytes (limit c) and a bare grpc-js stream of the same messages
 * from another process (limit d); the daemon's peak RSS and, when it exposes them, its event-loop
 * delay. Full mode adds the save cost that follows change on the L world, with redis-cli
 * --latency during its first save. Output: a table, bench/results.json, bench/chart.svg and the
 * ghz request files (tools/load/ghz). First, restarts of the daemon: spawn → listening → first
 * acknowledged save (one and eight game servers), next to a warm save's p50.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { deletePrefix, generateWorld, TEST_REDIS_URL, uniquePrefix, WORKSPACE_ROOT } from '@persistd/testkit';
import { rawUnaryCall } from '@persistd/contract';
import { runSnapshotSteps, sealEpochMeta, type PreparedEpoch } from '@persistd/validation';
import Redis from 'ioredis';
import { measureBaseWholeSave, type BaseWholeSave } from './changes/base-whole-save';
import { changeOps, measureChangeRows, type ChangeSizeResult } from './changes/change-rows';
import { measureChurn, type ChurnResult } from './churn/churn';
import { measureRestoreForms, type RestoreFormsResult } from './restore-forms/restore-forms';
import { parseArgs, USAGE } from './cli-args';
import { writeGhzFiles } from './ghz-files';
import { PersistdDaemon } from './procs/persistd-daemon';
import { withRedisLatency, type RedisLatency } from './procs/redis-latency';
import { StreamLimit } from './procs/stream-limit';
import { chartSvg } from './report/svg-chart';
import type { BenchResults, SizeResult } from './report/results';
import { formatTable } from './report/table';
import { checkTargets } from './report/targets';
import { CHANNEL_OPTIONS, RESTORE_PATH, restoreCell, SAVE_PATH, saveCell } from './run/cells';
import { measureInWorker } from './procs/in-process';
import { BENCH_LIMITS } from './run/in-process';
import { Bundles } from './procs/bundle';
import { measureStartUp, type StartUpResult } from './run/start-up';
import { timeStream } from './run/stream-call';
import { RawCommitter } from './run/raw-commit';
import { RequestTemplate, restoreRequest, worldIdOf } from './request-template';
import { plan, type SizeSpec } from './sizes';

const say = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

/** Saves and restores before a size's first measured run, so the daemon's code is compiled and its pools open. */
const WARMUP = { S: 8, M: 1, L: 0 } as const;

/** The stored form of a request (its chunks, for the raw commit limit), by the daemon's pipeline (it throws if the world does not validate). */
function storedFormOf(bytes: Uint8Array): PreparedEpoch {
  const work = runSnapshotSteps({ method: 'Save', bytes, limits: BENCH_LIMITS, principal: 'bench' });
  if (work.method !== 'Save') throw new Error('bench: a Save ran as a Validate');
  return work.prepared;
}

/** In-process rounds per size (after the warm-up rounds). */
const ROUNDS = { S: { reps: 10, warmups: 3 }, M: { reps: 3, warmups: 1 }, L: { reps: 1, warmups: 0 } } as const;

interface Context {
  inProcessScript: string;
  daemon: PersistdDaemon;
  stream: StreamLimit;
  client: grpc.Client;
  streamClient: grpc.Client;
  redis: Redis;
  redisUrl: string;
  prefix: string;
  capMs: number;
  outDir: string;
  quick: boolean;
  churn: boolean;
  /** The second daemon (same prefix) of the SaveChanges rows, and a client of it; absent with --no-changes. */
  second?: { daemon: PersistdDaemon; client: grpc.Client };
  /** `--base-daemon`: the older build whose whole L Save the L targets compare with. */
  baseDaemonEntry?: string;
}

async function runSize(ctx: Context, spec: SizeSpec): Promise<{ result: SizeResult; churn?: ChurnResult; latency?: RedisLatency; changes?: ChangeSizeResult; baseWholeSave?: BaseWholeSave }> {
  say(`${spec.name}: generating a world of ${spec.records.toLocaleString('en-US')} records`);
  const world = generateWorld({ worldId: 'placeholder', ...spec.shape });
  const template = RequestTemplate.of(world);
  say(`${spec.name}: in-process: decode floor, typed path, wire path on ${(template.bytes.length / 1e6).toFixed(2)} MB`);
  const rounds = ctx.quick && spec.name === 'M' ? { reps: 2, warmups: 1 } : ROUNDS[spec.name];
  const inProcess = await measureInWorker(ctx.inProcessScript, join(ctx.outDir, `.request-${spec.name}.bin`), template.bytes, rounds.reps, rounds.warmups);
  if (!inProcess.sameDigest) throw new Error(`bench: the wire path and the typed path disagree on the ${spec.name} world`);
  const prepared = storedFormOf(template.bytes);
  writeGhzFiles(join(ctx.outDir, 'ghz'), spec.name, template, world.world!.contentVersion);

  const storedBytes = prepared.sections.reduce((n, s) => n + s.chunks.reduce((m, c) => m + c.bytes.length, 0), 0);
  const payload = { chunks: prepared.chunks, metaBytes: sealEpochMeta(prepared.unsealed, 1n).bytes };
  const committer = await RawCommitter.open(ctx.redisUrl, ctx.prefix, payload, Math.max(...spec.save.map((c) => c.concurrency)));
  const save: SizeResult['save'] = [];
  const worlds: string[] = [];
  try {
    say(`${spec.name}: warming the daemon up (${WARMUP[spec.name]} saves and restores, not measured)`);
    for (let n = 0; n < WARMUP[spec.name]; n++) {
      const id = worldIdOf('s', spec.name, 99, n);
      await rawUnaryCall(ctx.client, SAVE_PATH, template.copyFor(id), { deadline: Date.now() + 600_000 });
      await timeStream(ctx.client, RESTORE_PATH, restoreRequest(id));
    }
    for (const cell of spec.save) {
      say(`${spec.name}: save c=${cell.concurrency}, ${cell.ops} worlds, then the raw commit`);
      const { worlds: saved, ...r } = await saveCell({ ...ctx, committer, template, size: spec.name, cell, capMs: ctx.capMs });
      save.push(r);
      worlds.push(...saved);
    }
  } finally {
    committer.close();
  }
  if (worlds.length === 0) throw new Error(`bench: no ${spec.name} save succeeded:\n${save.flatMap((s) => s.persistd.errorSamples).join('\n')}\n${ctx.daemon.logTail()}`);

  await ctx.stream.load(ctx.streamClient, worlds[0]);
  const readers = Array.from({ length: Math.max(...spec.restore.map((c) => c.concurrency)) }, () => new Redis(ctx.redisUrl, { maxRetriesPerRequest: 1 }));
  const restore: SizeResult['restore'] = [];
  try {
    for (const cell of spec.restore) {
      say(`${spec.name}: restore c=${cell.concurrency}, ${cell.ops} restores, then the raw read and the grpc-js stream`);
      restore.push(await restoreCell({ ...ctx, readers, worlds, streamWorld: worlds[0], storedBytes, cell, capMs: ctx.capMs }));
    }
  } finally {
    for (const r of readers) r.disconnect();
  }

  let churn: ChurnResult | undefined;
  let latency: RedisLatency | undefined;
  if (spec.name === 'L' && ctx.churn) {
    say('L: save cost that follows change (3 saves), redis-cli --latency during the first');
    churn = await measureChurn({
      ...ctx,
      worldId: worldIdOf('c', 'L', 1, 1),
      snapshot: world,
      records: spec.records,
      onFirstSave: async (saveIt) => {
        const { value, latency: l } = await withRedisLatency(ctx.redisUrl, saveIt);
        latency = l;
        return value;
      },
    });
  }
  let changes: ChangeSizeResult | undefined;
  let baseWholeSave: BaseWholeSave | undefined;
  if (ctx.second) {
    const byOwner = generateWorld({ worldId: 'placeholder', ...spec.shape, ids: 'by-owner' });
    const changeCtx = { clients: [ctx.client, ctx.second.client] as [grpc.Client, grpc.Client], daemons: [ctx.daemon, ctx.second.daemon] as [PersistdDaemon, PersistdDaemon], redis: ctx.redis, prefix: ctx.prefix };
    changes = await measureChangeRows(changeCtx, spec.name, byOwner, spec.records, changeOps(spec.name, ctx.quick), say);
    if (spec.name === 'L' && ctx.baseDaemonEntry) {
      say(`L: whole Saves of ${ctx.baseDaemonEntry} and of this build, alternating (3 each)`);
      baseWholeSave = await measureBaseWholeSave({ redisUrl: ctx.redisUrl, keyPrefix: ctx.prefix, entry: ctx.baseDaemonEntry, size: spec.name, world: byOwner, daemon: ctx.daemon, client: ctx.client, rounds: 3 });
    }
  }
  const result: SizeResult = { name: spec.name, shape: spec.shape, records: spec.records, requestBytes: template.bytes.length, storedBytes, chunks: prepared.chunks.length, inProcess, save, restore };
  return { result, churn, latency, changes, baseWholeSave };
}

async function main(): Promise<void> {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  }
  const started = Date.now();
  const outDir = resolve(WORKSPACE_ROOT, options.outDir);
  mkdirSync(outDir, { recursive: true });
  const redisUrl = process.env.PERSISTD_BENCH_REDIS_URL ?? TEST_REDIS_URL;
  const prefix = uniquePrefix('bench');
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const bundles = new Bundles();
  const inProcessScript = bundles.build('procs/in-process-worker');
  const streamScript = bundles.build('procs/stream-limit-server');
  say(`persistd (${options.daemonEntry ?? 'dist/apps/persistd/main.js'}) with key prefix ${prefix} on ${redisUrl.replace(/\/\/[^@]*@/, '//***@')}`);
  const nodeArgs = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(options.profileDir)}`] : [];
  const daemon = await PersistdDaemon.start({ redisUrl, keyPrefix: prefix, entry: options.daemonEntry, nodeArgs });
  let stream: StreamLimit | undefined;
  const client = new grpc.Client(daemon.address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  let streamClient: grpc.Client | undefined;
  let second: Context['second'];
  const stopAll = async () => {
    client.close();
    streamClient?.close();
    second?.client.close();
    await Promise.allSettled([daemon.stop(), stream?.stop(), second?.daemon.stop()]);
    await deletePrefix(redis, prefix).catch(() => undefined);
    redis.disconnect();
    bundles.remove();
  };
  process.once('SIGINT', () => void stopAll().finally(() => process.exit(130)));

  const sizes: SizeResult[] = [];
  let churn: ChurnResult | undefined;
  let latency: RedisLatency | undefined;
  let startUp: StartUpResult | undefined;
  const changes: ChangeSizeResult[] = [];
  let restoreForms: RestoreFormsResult | undefined;
  let baseWholeSave: BaseWholeSave | undefined;
  try {
    say('start-up: restarts with 1 and 8 game servers saving as soon as the port opens, then a warm save p50');
    startUp = await measureStartUp({ redisUrl, prefix, entry: options.daemonEntry, shape: { worldId: 'placeholder', ...plan(true)[0]!.shape } });
    stream = await StreamLimit.start(streamScript, redisUrl, prefix);
    if (!options.noChanges) {
      const other = await PersistdDaemon.start({ redisUrl, keyPrefix: prefix, entry: options.daemonEntry });
      second = { daemon: other, client: new grpc.Client(other.address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS) };
    }
    streamClient = new grpc.Client(stream.address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    const ctx: Context = { inProcessScript, daemon, stream, client, streamClient, redis, redisUrl, prefix, capMs: options.quick ? 20_000 : 60_000, outDir, quick: options.quick, churn: !options.noChurn, second, baseDaemonEntry: options.baseDaemonEntry };
    for (const spec of plan(options.quick, options.lConcurrency)) {
      const r = await runSize(ctx, spec);
      sizes.push(r.result);
      churn = r.churn ?? churn;
      latency = r.latency ?? latency;
      if (r.changes) changes.push(r.changes);
      baseWholeSave = r.baseWholeSave ?? baseWholeSave;
    }
    if (!options.quick) {
      say('L: restore by stored form, two more daemons (one writing each form), at most 15 restores each or 120 s');
      const L = plan(false).find((s) => s.name === 'L')!;
      restoreForms = await measureRestoreForms({ redisUrl, keyPrefix: prefix, shape: L.shape, rounds: 15, capMs: 120_000, entry: options.daemonEntry });
    }
  } finally {
    await stopAll();
  }

  const notes: string[] = [];
  if (sizes.some((s) => [...s.save, ...s.restore].some((c) => c.persistd.loopDelayP99Ms === undefined))) {
    notes.push(
      'event-loop delay unavailable: the daemon serves no nodejs_eventloop_lag_p99_seconds on PERSISTD_METRICS_LISTEN. Hook: register prom-client collectDefaultMetrics() on its metrics registry (its monitorEventLoopDelay histogram resets on each scrape; the bench scrapes before and after every run).',
    );
  }
  if (!options.quick && options.lConcurrency.length === 1) notes.push('L saves ran one at a time only (--l-concurrency 1,8 adds more, at minutes and GiBs with the typed save path).');
  const partial: Omit<BenchResults, 'targets'> = {
    startedAt: new Date(started).toISOString(),
    durationSec: (Date.now() - started) / 1000,
    mode: options.quick ? 'quick' : 'full',
    machine: { node: process.version, cpus: cpus().length, loadAverage: loadavg() },
    sizes,
    startUp,
    churn,
    changes: changes.length ? changes : undefined,
    baseWholeSave,
    restoreForms,
    redisLatencyDuringLSave: latency,
    notes,
  };
  const results: BenchResults = { ...partial, targets: checkTargets(partial) };
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(results, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
  writeFileSync(join(outDir, 'chart.svg'), chartSvg(results));
  process.stdout.write(`${formatTable(results)}\n\nwritten: ${join(options.outDir, 'results.json')}, ${join(options.outDir, 'chart.svg')}, ${join(options.outDir, 'ghz')}/*.bin\n`);
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? e}\n${USAGE}\n`);
  process.exit(1);
});
