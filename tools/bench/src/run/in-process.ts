import { fromBinary } from '@bufbuild/protobuf';
import { SaveRequestSchema } from '@persistd/contract';
import { prepareEpoch, runSnapshotSteps, validateSnapshot, type CommitStamp, type InputLimits, type WireStats } from '@persistd/validation';

/** Time per request and MB/s (request bytes) of one in-process step, best of the repetitions. */
export interface StepTiming {
  ms: number;
  mbPerSec: number;
}

/** What one save costs before its commit, in one process, for each path. */
export interface InProcessResult {
  requestBytes: number;
  /** Bench limit b: one fromBinary of the request, nothing else. */
  decodeFloor: StepTiming;
  /** The daemon's path today: fromBinary + validateSnapshot + prepareEpoch. */
  typed: StepTiming & { decodeMs: number; validateMs: number; prepareMs: number };
  /** The daemon's own pipeline, runSnapshotSteps: wire census, wire read, limits, rules, stored form. */
  wire: StepTiming & { stats: WireStats };
  /** Both paths gave the same content digest. */
  sameDigest: boolean;
}

const STAMP: CommitStamp = { worldId: 'bench', requestId: 'bench', principal: 'bench', committedAtMs: 0n };

/**
 * The daemon's default input limits (PERSISTD_MAX_* in its settings; a tool cannot import the
 * app). Every bench world is within them, so they cost the pipeline only their counting.
 */
export const BENCH_LIMITS: InputLimits = { maxRecordsPerSection: 250_000, maxStringBytes: 4096, maxMapEntries: 1024 };

const step = (ms: number, bytes: number): StepTiming => ({ ms, mbPerSec: bytes / 1e6 / (ms / 1000) });

/** One fromBinary of the request. */
function floorOnce(bytes: Uint8Array): number {
  const t = performance.now();
  fromBinary(SaveRequestSchema, bytes, { readUnknownFields: true });
  return performance.now() - t;
}

/** The typed path once; only numbers leave, so its objects are garbage before the next path runs. */
function typedOnce(bytes: Uint8Array): { decode: number; validate: number; prepare: number; digest: string } {
  let t = performance.now();
  const req = fromBinary(SaveRequestSchema, bytes, { readUnknownFields: true });
  const decode = performance.now() - t;
  t = performance.now();
  const violations = validateSnapshot({ worldId: req.worldId, expectedEpoch: req.expectedEpoch, source: req.source, snapshot: req.snapshot, requestId: req.requestId, request: { desc: SaveRequestSchema, message: req } });
  const validate = performance.now() - t;
  if (violations.length > 0) throw new Error(`bench: the typed path refuses the request: ${violations[0].code} ${violations[0].message}`);
  t = performance.now();
  const digest = prepareEpoch(req.snapshot!, STAMP).contentDigest;
  return { decode, validate, prepare: performance.now() - t, digest };
}

/** The daemon's pipeline once, as a save worker runs it. */
function wireOnce(bytes: Uint8Array): { ms: number; digest: string; stats: WireStats } {
  const t = performance.now();
  const work = runSnapshotSteps({ method: 'Save', bytes, limits: BENCH_LIMITS, principal: STAMP.principal });
  const ms = performance.now() - t;
  if (work.method !== 'Save') throw new Error('bench: a Save ran as a Validate');
  return { ms, digest: work.prepared.contentDigest, stats: work.stats };
}

/** The three things measured in-process. */
export type InProcessPath = 'floor' | 'typed' | 'wire';

/** What one path measured (best round), for the parts of InProcessResult it fills. */
export type PathResult =
  | { path: 'floor'; ms: number }
  | { path: 'typed'; decode: number; validate: number; prepare: number; total: number; digest: string }
  | { path: 'wire'; total: number; digest: string; stats: WireStats };

/**
 * Measures one path on one request's bytes, `reps` rounds after `warmups` unmeasured ones; the
 * best round counts (the machine is shared). Run each path in a process of its own, so one
 * path's garbage is not the next one's pause (in-process-worker.ts).
 */
export function measurePath(path: InProcessPath, bytes: Uint8Array, reps: number, warmups: number): PathResult {
  let best: PathResult | undefined;
  const better = (r: PathResult) => !best || ('ms' in r ? r.ms < (best as { ms: number }).ms : r.total < (best as { total: number }).total);
  for (let round = 0; round < warmups + reps; round++) {
    let r: PathResult;
    if (path === 'floor') r = { path, ms: floorOnce(bytes) };
    else if (path === 'typed') {
      const t = typedOnce(bytes);
      r = { path, ...t, total: t.decode + t.validate + t.prepare };
    } else {
      const w = wireOnce(bytes);
      r = { path, total: w.ms, digest: w.digest, stats: w.stats };
    }
    if (round >= warmups && better(r)) best = r;
  }
  return best!;
}

/** Joins the three paths' results. */
export function joinPaths(requestBytes: number, floor: PathResult, typed: PathResult, wire: PathResult): InProcessResult {
  if (floor.path !== 'floor' || typed.path !== 'typed' || wire.path !== 'wire') throw new Error('bench: paths out of order');
  return {
    requestBytes,
    decodeFloor: step(floor.ms, requestBytes),
    typed: { ...step(typed.total, requestBytes), decodeMs: typed.decode, validateMs: typed.validate, prepareMs: typed.prepare },
    wire: { ...step(wire.total, requestBytes), stats: wire.stats },
    sameDigest: typed.digest === wire.digest,
  };
}
