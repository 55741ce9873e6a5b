import * as grpc from '@grpc/grpc-js';
import { PersistenceService, rawUnaryCall } from '@persistd/contract';
import type Redis from 'ioredis';
import type { PersistdDaemon } from '../procs/persistd-daemon';
import { STREAM_LIMIT_RESTORE } from '../procs/stream-limit';
import { percentile, summarize, type RunStats } from '../report/stats';
import { restoreRequest, worldIdOf, type RequestTemplate } from '../request-template';
import type { Cell, SizeName } from '../sizes';
import { runClosedLoop, type LoopResult } from './closed-loop';
import type { RawCommitter } from './raw-commit';
import { readRawEpoch } from './stored-epoch';
import { timeStream } from './stream-call';

const methodPath = (name: string) => `/${(PersistenceService as unknown as { typeName: string }).typeName}/${name}`;
export const SAVE_PATH = methodPath('Save');
export const RESTORE_PATH = methodPath('Restore');
export const SAVE_CHANGES_PATH = methodPath('SaveChanges');

/** What the daemon's process did during a cell. */
export interface DaemonWindow {
  peakRssBytes: number;
  /** Undefined while the daemon exposes no event-loop metrics. */
  loopDelayP99Ms?: number;
  loopDelayMaxMs?: number;
}

export interface MeasuredCell extends RunStats {
  concurrency: number;
  skipped: number;
  errorSamples: string[];
}

export interface SaveCellResult {
  persistd: MeasuredCell & DaemonWindow;
  /** Limit a: plain WATCH/MULTI/EXEC commits of the same chunks at the same concurrency. */
  rawCommit: MeasuredCell;
  /** Worlds the daemon committed (restore reads them). */
  worlds: string[];
}

export interface RestoreCellResult {
  persistd: MeasuredCell & DaemonWindow & { firstP50Ms: number; firstP99Ms: number; activationP50Ms: number; activationP99Ms: number };
  /** Limit c: GET pointer, GET meta, MGET chunks. */
  rawRead: MeasuredCell;
  /** Limit d: the same messages streamed by a bare grpc-js server in another process. */
  stream: MeasuredCell & { firstP50Ms: number };
}

function measured(loop: LoopResult, concurrency: number, bytesPerOp: number): MeasuredCell {
  return { ...summarize(loop.latenciesMs, loop.errors, loop.elapsedMs, bytesPerOp), concurrency, skipped: loop.skipped, errorSamples: loop.errorSamples };
}

async function window<T>(daemon: PersistdDaemon, body: () => Promise<T>): Promise<{ value: T; window: DaemonWindow }> {
  await daemon.beginWindow();
  const value = await body();
  const delay = await daemon.loopDelay();
  return { value, window: { peakRssBytes: daemon.peakRss(), loopDelayP99Ms: delay?.p99Ms, loopDelayMaxMs: delay?.maxMs } };
}

/** Channel options of every benchmark client: large messages both ways. */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 };

/**
 * Saves through persistd, `cell.ops` distinct worlds (first saves, epoch 0 → 1) with
 * `cell.concurrency` in flight, each worker sending request bytes made before the run (the world
 * id is rewritten in place between calls); responses are not decoded. Then the raw commit limit
 * on the same bytes, at the same concurrency.
 */
export async function saveCell(args: {
  daemon: PersistdDaemon;
  client: grpc.Client;
  committer: RawCommitter;
  template: RequestTemplate;
  size: SizeName;
  cell: Cell;
  capMs: number;
}): Promise<SaveCellResult> {
  const { daemon, client, committer, template, size, cell, capMs } = args;
  const buffers = Array.from({ length: Math.min(cell.concurrency, cell.ops) }, () => Buffer.from(template.bytes));
  const worlds: string[] = [];
  const bytes = template.bytes.length;
  const { value: loop, window: win } = await window(daemon, () =>
    runClosedLoop(
      cell.ops,
      cell.concurrency,
      async (i, w) => {
        const id = worldIdOf('s', size, cell.concurrency, i);
        template.patch(buffers[w], id);
        await rawUnaryCall(client, SAVE_PATH, buffers[w], { deadline: Date.now() + 600_000 });
        worlds.push(id);
      },
      capMs,
    ),
  );
  const raw = await runClosedLoop(cell.ops, cell.concurrency, (i, w) => committer.commit(worldIdOf('r', size, cell.concurrency, i), w), capMs);
  return { persistd: { ...measured(loop, cell.concurrency, bytes), ...win }, rawCommit: measured(raw, cell.concurrency, bytes), worlds };
}

/**
 * Restores through persistd, cycling over committed worlds, timing the first message and the
 * activation (last) message; then the raw read and the stream limits at the same concurrency.
 * Throughput counts the stored bytes of the epoch (`storedBytes`) for all three.
 */
export async function restoreCell(args: {
  daemon: PersistdDaemon;
  client: grpc.Client;
  streamClient: grpc.Client;
  streamWorld: string;
  readers: Redis[];
  prefix: string;
  worlds: string[];
  storedBytes: number;
  cell: Cell;
  capMs: number;
}): Promise<RestoreCellResult> {
  const { daemon, client, streamClient, streamWorld, readers, prefix, worlds, storedBytes, cell, capMs } = args;
  const first: number[] = [];
  const last: number[] = [];
  const requests = worlds.map(restoreRequest);
  const { value: loop, window: win } = await window(daemon, () =>
    runClosedLoop(
      cell.ops,
      cell.concurrency,
      async (i) => {
        const t = await timeStream(client, RESTORE_PATH, requests[i % requests.length]);
        first.push(t.firstMs);
        last.push(t.lastMs);
      },
      capMs,
    ),
  );
  // The daemon indexes the epochs it restored after answering: the limits are measured once that
  // is done, on a machine the daemon no longer shares.
  await daemon.untilIdle();
  const rawLoop = await runClosedLoop(cell.ops, cell.concurrency, async (i, w) => void (await readRawEpoch(readers[w], prefix, worlds[i % worlds.length])), capMs);
  const streamFirst: number[] = [];
  const streamRequest = Buffer.from(streamWorld);
  const streamLoop = await runClosedLoop(
    cell.ops,
    cell.concurrency,
    async () => {
      const t = await timeStream(streamClient, STREAM_LIMIT_RESTORE, streamRequest);
      streamFirst.push(t.firstMs);
    },
    capMs,
  );
  return {
    persistd: {
      ...measured(loop, cell.concurrency, storedBytes),
      ...win,
      firstP50Ms: percentile(first, 50),
      firstP99Ms: percentile(first, 99),
      activationP50Ms: percentile(last, 50),
      activationP99Ms: percentile(last, 99),
    },
    rawRead: measured(rawLoop, cell.concurrency, storedBytes),
    stream: { ...measured(streamLoop, cell.concurrency, storedBytes), firstP50Ms: percentile(streamFirst, 50) },
  };
}
