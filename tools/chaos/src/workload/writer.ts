import { setTimeout as sleep } from 'node:timers/promises';
import type { WorldSnapshot } from '@persistd/contract';
import type { Rng } from '../rng';

import type { HistoryRecorder } from '@persistd/testkit';
import { recordedSave, type RawClient, type SaveOp } from './save-call';
import { contentDigestOf, uniqueSnapshot, type WorldSize } from './snapshots';

/** Shared by the writers of a scenario: numbers operations and counts finished ones. */
export class Progress {
  private next = 0;
  /** Logical saves finished (acknowledged, refused, or given up on). */
  done = 0;

  constructor(readonly planned: number) {}

  opNumber(): number {
    return ++this.next;
  }

  get fraction(): number {
    return this.planned === 0 ? 1 : this.done / this.planned;
  }
}

/** One writer: a stream of saves to one world, each retried with its request id until it is known. */
export interface WriterOptions {
  world: string;
  client: RawClient;
  history: HistoryRecorder;
  rng: Rng;
  progress: Progress;
  /** Logical saves to make. */
  saves: number;
  /** Request id prefix (scenario and world). */
  tag: string;
  size?: WorldSize;
  deadlineMs: number;
  /** Per-call deadline, when it should vary (default `deadlineMs`). */
  deadlineOf?: (attempt: number) => number;
  /** Calls per logical save before the writer gives up on it and moves on. */
  maxAttempts: number;
  /** Wall-clock limit: the loop stops by itself at this Date.now(), whatever is left. */
  stopAt: number;
  /** The snapshot of each logical save (default: uniqueSnapshot of `size`). */
  makeSnapshot?: (world: string, expectedEpoch: bigint, opNumber: number, rng: Rng) => WorldSnapshot;
  /** Called before each call: a scenario may arm a fault for it. */
  beforeCall?: (op: SaveOp, attempt: number) => void;
  /**
   * Send SaveChanges whenever the writer knows the content of the epoch it saves from (as the
   * SDK does): after its own acknowledged save. After a conflict, a refusal or an outcome it
   * gave up on, it knows only the epoch it reads back, so that save goes whole.
   */
  changeSets?: boolean;
}

/**
 * Saves `saves` unique snapshots to one world in sequence. After an acknowledgement it goes on
 * from the committed epoch; after EPOCH_CONFLICT it reads the epoch again; after an unknown
 * outcome or STORE_UNAVAILABLE it retries the same request id (DESIGN §3: always safe) with a
 * short backoff. Every call lands in the history.
 */
export async function runWriter(o: WriterOptions): Promise<void> {
  let expected = await committedEpoch(o, 0n);
  let known: { epoch: bigint; snapshot: WorldSnapshot } | undefined;
  for (let i = 0; i < o.saves && Date.now() < o.stopAt; i++) {
    const opNumber = o.progress.opNumber();
    const snapshot = o.makeSnapshot ? o.makeSnapshot(o.world, expected, opNumber, o.rng) : uniqueSnapshot(o.world, expected, opNumber, o.rng, o.size);
    const base = o.changeSets && known?.epoch === expected && expected > 0n ? known.snapshot : undefined;
    const op: SaveOp = { world: o.world, requestId: `${o.tag}-${opNumber}-${o.rng.hex(6)}`, expectedEpoch: expected, snapshot, contentDigest: contentDigestOf(snapshot, o.world), base };
    let settled = false;
    for (let attempt = 1; attempt <= o.maxAttempts && Date.now() < o.stopAt; attempt++) {
      o.beforeCall?.(op, attempt);
      const { outcome } = await recordedSave(o.client, o.history, op, o.deadlineOf?.(attempt) ?? o.deadlineMs);
      if (outcome.kind === 'acknowledged') {
        expected = outcome.epoch;
        known = { epoch: outcome.epoch, snapshot };
        settled = true;
        break;
      }
      if (outcome.kind === 'refused' && outcome.code !== 'STORE_UNAVAILABLE') break; // definite: read the epoch again
      await sleep(o.rng.between(50, Math.min(500, 60 * attempt)));
    }
    if (!settled) expected = await committedEpoch(o, expected);
    o.progress.done++;
  }
}

/** The world's committed epoch per persistd, retried until it answers or the writer's time is up. */
async function committedEpoch(o: WriterOptions, fallback: bigint): Promise<bigint> {
  for (let attempt = 1; Date.now() < o.stopAt; attempt++) {
    try {
      const st = await o.client.getWorldStatus({ worldId: o.world }, { deadline: Date.now() + o.deadlineMs });
      return st.committedEpoch;
    } catch {
      await sleep(o.rng.between(20, Math.min(300, 40 * attempt)));
    }
  }
  return fallback;
}
