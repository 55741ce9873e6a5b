import type { OpRecord, Outcome, ReadOutcome, ReadRecord } from './types';

/** What a call is about, known before it is made. */
export interface OpIntent {
  world: string;
  requestId: string;
  expectedEpoch: bigint;
  contentDigest: string;
}

/** Tallies of a history, for the report table. */
export interface HistoryCounts {
  operations: number;
  acknowledged: number;
  refused: number;
  unknown: number;
  /** Refusals by code. */
  refusedBy: Record<string, number>;
}

/**
 * Collects the history of a scenario: one OpRecord per Save call, numbered in the order calls
 * start, attempts counted per request id. In memory only; the checker reads `ops`.
 */
export class HistoryRecorder {
  readonly ops: OpRecord[] = [];
  /** Restores made while the faults ran. */
  readonly reads: ReadRecord[] = [];
  private seq = 0;
  private readonly attempts = new Map<string, number>();

  /** Marks the start of a call; the returned function records how it ended. */
  begin(intent: OpIntent): (outcome: Outcome) => OpRecord {
    const seq = ++this.seq;
    const key = `${intent.world}\u0000${intent.requestId}`;
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    const startedAt = Date.now();
    return (outcome) => {
      const op: OpRecord = { seq, ...intent, attempt, startedAt, endedAt: Date.now(), outcome };
      this.ops.push(op);
      return op;
    };
  }

  /** Marks the start of a restore; the returned function records how it ended. */
  beginRead(world: string): (outcome: ReadOutcome) => void {
    const startedAt = Date.now();
    return (outcome) => void this.reads.push({ world, startedAt, endedAt: Date.now(), outcome });
  }

  counts(): HistoryCounts {
    const c: HistoryCounts = { operations: this.ops.length, acknowledged: 0, refused: 0, unknown: 0, refusedBy: {} };
    for (const op of this.ops) {
      const o = op.outcome;
      if (o.kind === 'acknowledged') c.acknowledged++;
      else if (o.kind === 'refused') {
        c.refused++;
        c.refusedBy[o.code] = (c.refusedBy[o.code] ?? 0) + 1;
      } else c.unknown++;
    }
    return c;
  }

  /** Request ids per world, for reading their records back. */
  requestIdsByWorld(): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    for (const op of this.ops) (out.get(op.world) ?? out.set(op.world, new Set()).get(op.world)!).add(op.requestId);
    return out;
  }
}
