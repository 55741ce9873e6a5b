import { setTimeout as sleep } from 'node:timers/promises';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { isPersistdError, isRestoreRefusedError, type PersistdClient } from '@persistd/client';
import type { HistoryRecorder, ReadOutcome } from '@persistd/testkit';
import { ContentMismatchError, restoreContent } from '../observe/restore-content';
import type { Rng } from '../rng';

const TRANSPORT: ReadonlySet<number> = new Set([GrpcStatus.UNAVAILABLE, GrpcStatus.DEADLINE_EXCEEDED, GrpcStatus.CANCELLED]);

/**
 * Restores recent epochs of random worlds while the writers and the faults run, recording
 * each outcome: a reader must only ever get a whole committed epoch or a refusal (DESIGN §1).
 * Stops by itself when `done()` or at `stopAt`.
 */
export async function runReader(o: { client: PersistdClient; worlds: readonly string[]; history: HistoryRecorder; rng: Rng; done: () => boolean; stopAt: number }): Promise<void> {
  const seen = new Map<string, bigint>();
  while (!o.done() && Date.now() < o.stopAt) {
    const world = o.rng.pick(o.worlds);
    // mostly the latest epoch; now and then one just below the latest seen, which retention may
    // be dropping at that very moment (EPOCH_NOT_FOUND is then the right answer, never damage)
    const last = seen.get(world) ?? 0n;
    const epoch = last > 1n && o.rng.chance(0.3) ? last - BigInt(o.rng.int(2)) : 0n;
    const end = o.history.beginRead(world);
    try {
      const r = await restoreContent(o.client, world, epoch, 5000);
      if (r.epoch > last) seen.set(world, r.epoch);
      end({ kind: 'restored', ...r });
    } catch (e) {
      end(readOutcomeOf(e));
    }
    await sleep(o.rng.between(5, 40));
  }
}

/** How a failed restore ended, from the SDK's error types. */
export function readOutcomeOf(e: unknown): ReadOutcome {
  if (isRestoreRefusedError(e)) return { kind: 'stream-refused', reason: e.reason, message: e.message };
  if (e instanceof ContentMismatchError) return { kind: 'stream-refused', reason: 'content-mismatch', message: e.message };
  if (isPersistdError(e)) {
    if (e.reason) return { kind: 'refused', code: e.reason, status: e.code };
    return { kind: 'failed', status: e.code, undeclared: !TRANSPORT.has(e.code), message: e.message };
  }
  return { kind: 'failed', status: GrpcStatus.UNKNOWN, undeclared: true, message: e instanceof Error ? e.message : String(e) };
}
