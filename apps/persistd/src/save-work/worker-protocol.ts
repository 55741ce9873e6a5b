import { Refusal } from '../rpc/refusal';
import { SaveRefused } from './save-steps';
import type { WorkerJob, WorkerWork } from './worker-job';

/**
 * What crosses between the event loop and a save worker thread (structured clone): a job one
 * way, its outcome the other. A refusal travels as its fields and is rebuilt as the same Refusal,
 * so the one error edge (rpc/refusal.ts) answers it exactly as if it had been thrown inline.
 */

/** Marks a worker thread started as a save worker (main.ts dispatches on it). */
export const SAVE_WORKER_ROLE = 'persistd-save-worker';

export type JobMessage = WorkerJob;

export type OutcomeMessage =
  | { kind: 'work'; work: WorkerWork }
  | { kind: 'refused'; code: Refusal['code']; message: string; options: Refusal['options']; header?: SaveRefused['header'] }
  | { kind: 'failed'; message: string; stack?: string };

/**
 * What a thread posts after each job: the outcome, and the V8 heap the thread holds then (its
 * committed size, young generation included), by which the pool replaces an idle thread that
 * grew large (save-pool.ts).
 */
export interface ThreadReport {
  outcome: OutcomeMessage;
  heapBytes: number;
}

/** The outcome of a job as a message, and what to transfer rather than copy. */
export function outcomeMessage(run: () => WorkerWork): { message: OutcomeMessage; transfer: ArrayBuffer[] } {
  try {
    const work = run();
    return { message: { kind: 'work', work }, transfer: transferOf(work) };
  } catch (e) {
    if (e instanceof SaveRefused) {
      const { code, message, options } = e.refusal;
      return { message: { kind: 'refused', code, message, options, header: e.header }, transfer: [] };
    }
    const err = e instanceof Error ? e : new Error(String(e));
    return { message: { kind: 'failed', message: err.message, stack: err.stack }, transfer: [] };
  }
}

/**
 * What a job's work moves to the event loop instead of copying: a save's chunk bytes, an index's
 * typed arrays (some 13 MB for an L world, whose copy cost 50-90 ms of the event loop's time).
 */
function transferOf(work: WorkerWork): ArrayBuffer[] {
  switch (work.method) {
    case 'Save':
    case 'ChangesResult':
      return ownedBuffers(work.prepared.chunks.map((c) => c.bytes));
    case 'IndexBase':
      return ownedBuffers(work.index.sections.flatMap((s) => [s.present, s.digestWords, s.incoming, s.refs, s.rowTable.slots, s.claims.slots]));
    default:
      return [];
  }
}

/**
 * The buffers of these views that own their whole ArrayBuffer (a chunk over 4 KiB is allocated
 * alone; an index's arrays always are). Pool-allocated small chunks are copied.
 */
function ownedBuffers(views: readonly ArrayBufferView[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const b of views) if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer) out.add(b.buffer);
  return [...out];
}

/** The outcome as the job would have ended inline: its work, or the same throw. */
export function settleOutcome(message: OutcomeMessage): WorkerWork {
  switch (message.kind) {
    case 'work':
      return message.work;
    case 'refused':
      throw new SaveRefused(new Refusal(message.code, message.message, message.options), message.header);
    case 'failed': {
      const err = new Error(`save worker: ${message.message}`);
      if (message.stack) err.stack = message.stack;
      throw err;
    }
  }
}
