import type * as grpc from '@grpc/grpc-js';
import { rawUnaryCall, type WorldSnapshot } from '@persistd/contract';
import type Redis from 'ioredis';
import type { PersistdDaemon } from '../procs/persistd-daemon';
import { percentile } from '../report/stats';
import { RequestTemplate, worldIdOf } from '../request-template';
import { SAVE_CHANGES_PATH, SAVE_PATH } from '../run/cells';
import type { SizeName } from '../sizes';
import { CHANGE_WORKLOADS, ChangeChain, encodeStep, type ChangeStep, type ChangeWorkload } from './change-chain';
import { processCpuMs } from '../procs/child';
import { newKeyBytes, worldKeyBytes } from './store-bytes';

const DEADLINE_MS = 600_000;

/** One concurrency of one row. */
export interface ChangeCell {
  concurrency: number;
  ops: number;
  errors: number;
  errorSamples: string[];
  p50Ms: number;
  p99Ms: number;
  /** CPU of both daemons over the cell, per completed operation. */
  cpuMsPerOp: number;
  /** Completed saves per second of wall time (c=1: of time spent in calls). */
  opsPerSec: number;
}

/** One workload (or the whole Save it is compared with), index cached or not. */
export interface ChangeRow {
  workload: 'whole-save' | ChangeWorkload;
  /** Whether the daemon answering held the base epoch's index (it committed it); n/a for a whole Save. */
  indexCached: boolean | null;
  /** Mean request bytes. */
  requestBytes: number;
  /** Mean bytes of the keys new after each save at c=1 (STRLEN of the world's new keys). */
  redisBytesWritten: number;
  cells: ChangeCell[];
}

/** The change rows of one world size. */
export interface ChangeSizeResult {
  size: SizeName;
  records: number;
  rows: ChangeRow[];
}

/** Operations per cell: `c1` saves one after another on one world, `perWorld` saves on each of eight worlds at once. */
export interface ChangeOps {
  c1: number;
  perWorld: number;
}

export interface ChangeContext {
  clients: [grpc.Client, grpc.Client];
  daemons: [PersistdDaemon, PersistdDaemon];
  redis: Redis;
  prefix: string;
}

const WORKERS = 8;

/** Kept small: each c=8 cell first needs eight worlds saved whole. */
export function changeOps(size: SizeName, quick: boolean): ChangeOps {
  if (quick) return size === 'S' ? { c1: 4, perWorld: 1 } : { c1: 2, perWorld: 1 };
  return { S: { c1: 10, perWorld: 2 }, M: { c1: 4, perWorld: 1 }, L: { c1: 3, perWorld: 1 } }[size];
}

/** The two daemons a c=1 save waits for. */
type Daemons = Pick<ChangeContext, 'daemons'>;

/** Both daemons' CPU, ms. */
const cpuOf = (ctx: Daemons) => processCpuMs(ctx.daemons[0].pid) + processCpuMs(ctx.daemons[1].pid);

/** Resolves once neither daemon does anything (its background indexing done). */
const bothIdle = (ctx: Daemons) => Promise.all(ctx.daemons.map((d) => d.untilIdle()));

/**
 * One c=1 save: sent once both daemons are idle, timed to its answer, its CPU counted until they
 * are idle again (the background work it set going included).
 */
export async function measuredSave(ctx: Daemons, send: () => Promise<unknown>): Promise<{ ms: number; cpuMs: number }> {
  await bothIdle(ctx);
  const cpu0 = cpuOf(ctx);
  const t0 = performance.now();
  await send();
  const ms = performance.now() - t0;
  await bothIdle(ctx);
  return { ms, cpuMs: cpuOf(ctx) - cpu0 };
}

/**
 * Saves of what changed next to a whole Save of the same world, in one run (the bench's change
 * rows). The world allocates ids per owner. Daemon 0 makes the whole saves; a change set then
 * goes to the daemon that committed its base (index cached) or to the other one (not cached:
 * it must rebuild the index from Redis — both daemons share the prefix and alternate, so every
 * base is one the answering daemon did not commit).
 *
 * c=1 runs on one world, its saves one after another, Redis bytes counted around each save
 * (outside the timed call). Each c=1 save starts once both daemons are idle — the index a save
 * builds after answering is done — as a game server's saves of one world come seconds or
 * minutes apart, not back to back: its latency is not the one before's background work, and
 * its CPU column counts that work until the daemons are idle again. c=8 runs on eight worlds,
 * one worker each, the same change sets, closed-loop (background work and all).
 */
export async function measureChangeRows(ctx: ChangeContext, size: SizeName, world: WorldSnapshot, records: number, ops: ChangeOps, say: (s: string) => void): Promise<ChangeSizeResult> {
  const contentVersion = world.world!.contentVersion;
  const chain1 = new ChangeChain(world);
  const chain8 = new ChangeChain(world);
  const template = RequestTemplate.of(world);
  const w1 = worldIdOf('x', size, 1, 0);
  const w8 = Array.from({ length: WORKERS }, (_, n) => worldIdOf('x', size, 8, n));
  /** Per world: its committed epoch and the daemon (0 or 1) that committed it. */
  const state = new Map<string, { epoch: bigint; by: 0 | 1 }>();
  const rows: ChangeRow[] = [];

  say(`${size}: changes: whole Save rows (c=1 x${ops.c1} worlds, c=8 x${WORKERS} worlds)`);
  {
    const latencies: number[] = [];
    const errors: string[] = [];
    let written = 0;
    let cpu = 0;
    for (let n = 0; n < ops.c1; n++) {
      const id = n === 0 ? w1 : worldIdOf('x', size, 2, n);
      try {
        const { ms, cpuMs } = await measuredSave(ctx, () => rawUnaryCall(ctx.clients[0], SAVE_PATH, template.copyFor(id), { deadline: Date.now() + DEADLINE_MS }));
        latencies.push(ms);
        cpu += cpuMs;
        state.set(id, { epoch: 1n, by: 0 });
        if (n === 0) written = newKeyBytes(new Map(), await worldKeyBytes(ctx.redis, ctx.prefix, id));
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    const c1 = cell(1, latencies, errors, cpu);
    const c8 = await parallel(ctx, w8.map((id) => [{ id, bytes: template.copyFor(id), path: SAVE_PATH, daemon: 0 as const }]), state, 1n);
    rows.push({ workload: 'whole-save', indexCached: null, requestBytes: template.bytes.length, redisBytesWritten: written, cells: [c1, c8] });
  }

  // A daemon indexes a world's epoch once a change set has gone through it (or a restore has),
  // not after a whole Save alone (an index no change set uses would cost every Save). So each
  // world takes one untimed change set first, to the daemon that saved it: the "cached" cells
  // then measure what they say, from the first workload on, and the "not cached" cells still
  // find every base committed by the other daemon.
  say(`${size}: changes: one untimed change set per world, indexing it`);
  {
    const warm = async (id: string, step: ChangeStep) => {
      const s = state.get(id);
      if (!s) return;
      await rawUnaryCall(ctx.clients[s.by], SAVE_CHANGES_PATH, encodeStep(step, id, s.epoch, contentVersion, 'x'), { deadline: Date.now() + DEADLINE_MS });
      state.set(id, { epoch: s.epoch + 1n, by: s.by });
    };
    await warm(w1, chain1.next('random-1pct'));
    const step8 = chain8.next('random-1pct');
    await Promise.all(w8.map((id) => warm(id, step8)));
  }

  for (const workload of CHANGE_WORKLOADS) {
    for (const cached of [true, false]) {
      say(`${size}: changes: ${workload}, index ${cached ? 'cached' : 'not cached'}`);
      const pick = (id: string): 0 | 1 => {
        const by = state.get(id)?.by ?? 0;
        return cached ? by : by === 0 ? 1 : 0;
      };
      // c=1: one world, a save at a time, Redis bytes counted around each.
      const latencies: number[] = [];
      const errors: string[] = [];
      let requestBytes = 0;
      let written = 0;
      let cpu = 0;
      for (let n = 0; n < ops.c1; n++) {
        const s = state.get(w1);
        if (!s) break;
        const bytes = encodeStep(chain1.next(workload), w1, s.epoch, contentVersion, 'x');
        requestBytes += bytes.length;
        const daemon = pick(w1);
        const before = await worldKeyBytes(ctx.redis, ctx.prefix, w1);
        try {
          const { ms, cpuMs } = await measuredSave(ctx, () => rawUnaryCall(ctx.clients[daemon], SAVE_CHANGES_PATH, bytes, { deadline: Date.now() + DEADLINE_MS }));
          latencies.push(ms);
          cpu += cpuMs;
          state.set(w1, { epoch: s.epoch + 1n, by: daemon });
          written += newKeyBytes(before, await worldKeyBytes(ctx.redis, ctx.prefix, w1));
        } catch (e) {
          errors.push((e as Error).message);
          break; // the chain's next change set would apply to an epoch that was not committed
        }
      }
      const c1 = cell(1, latencies, errors, cpu);
      // c=8: eight worlds at once, the same change sets for each.
      const steps: ChangeStep[] = Array.from({ length: ops.perWorld }, () => chain8.next(workload));
      const plans = w8.map((id) =>
        steps.map((step, j) => {
          const epoch = (state.get(id)?.epoch ?? 1n) + BigInt(j);
          return { id, bytes: encodeStep(step, id, epoch, contentVersion, 'x'), path: SAVE_CHANGES_PATH, daemon: undefined };
        }),
      );
      const c8 = await parallel(ctx, plans, state, undefined, pick);
      const done = Math.max(1, latencies.length);
      rows.push({ workload, indexCached: cached, requestBytes: requestBytes / Math.max(1, latencies.length + errors.length), redisBytesWritten: written / done, cells: [c1, c8] });
    }
  }
  return { size, records, rows };
}

interface PlannedSave {
  id: string;
  bytes: Buffer;
  path: string;
  /** Which daemon; undefined: chosen by `pick` when the save is sent. */
  daemon: 0 | 1 | undefined;
}

/** One worker per world, each sending its saves one after another; all workers at once. */
async function parallel(
  ctx: ChangeContext,
  plans: PlannedSave[][],
  state: Map<string, { epoch: bigint; by: 0 | 1 }>,
  firstEpoch?: bigint,
  pick?: (id: string) => 0 | 1,
): Promise<ChangeCell> {
  const latencies: number[] = [];
  const errors: string[] = [];
  const cpu0 = cpuOf(ctx);
  const start = performance.now();
  await Promise.all(
    plans.map(async (saves) => {
      for (const save of saves) {
        const daemon = save.daemon ?? pick!(save.id);
        const t0 = performance.now();
        try {
          await rawUnaryCall(ctx.clients[daemon], save.path, save.bytes, { deadline: Date.now() + DEADLINE_MS });
          latencies.push(performance.now() - t0);
          const before = state.get(save.id);
          state.set(save.id, { epoch: firstEpoch ?? before!.epoch + 1n, by: daemon });
        } catch (e) {
          errors.push((e as Error).message);
          return;
        }
      }
    }),
  );
  return cell(plans.length, latencies, errors, cpuOf(ctx) - cpu0, performance.now() - start);
}

function cell(concurrency: number, latencies: number[], errors: string[], cpuMs: number, elapsedMs = latencies.reduce((a, b) => a + b, 0)): ChangeCell {
  return {
    concurrency,
    ops: latencies.length,
    errors: errors.length,
    errorSamples: [...new Set(errors)].slice(0, 3),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    cpuMsPerOp: latencies.length ? cpuMs / latencies.length : Number.NaN,
    opsPerSec: elapsedMs > 0 ? (1000 * latencies.length) / elapsedMs : Number.NaN,
  };
}
