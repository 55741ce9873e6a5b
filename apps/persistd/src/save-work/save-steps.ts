import type { SaveChangesRequest, SaveRequest, ValidateRequest } from '@persistd/contract';
import { runSnapshotSteps as runLibrarySteps, SnapshotRefused, type SaveJob, type SaveWork, type ValidateWork } from '@persistd/validation';
import { Refusal } from '../rpc/refusal';

export type { SaveJob, SaveWork, SnapshotMethod, StoredFormChoice, ValidateWork } from '@persistd/validation';

/** A refused request, with its fields when they could be read (the call log names them). */
export class SaveRefused extends Error {
  constructor(
    readonly refusal: Refusal,
    readonly header: SaveRequest | ValidateRequest | SaveChangesRequest | undefined,
  ) {
    super(refusal.message);
  }
}

/** The daemon's refusal of what the pipeline refused: violations as a violation list, anything else with its metadata. */
export function refusalOfSteps(e: SnapshotRefused): Refusal {
  const { violations, metadata } = e.detail;
  if (violations) return Refusal.ofViolations(violations);
  return new Refusal(e.code, e.message, metadata ? { metadata } : {});
}

/**
 * The library's save pipeline (runSnapshotSteps of @persistd/validation: wire read, authority's
 * world, input limits, rules, stored form), its refusals as the daemon's: the one pipeline runs
 * on a save worker thread (save-pool.ts) or inline. Throws SaveRefused.
 */
export function runSnapshotSteps(job: SaveJob): SaveWork | ValidateWork {
  try {
    return runLibrarySteps(job);
  } catch (e) {
    if (e instanceof SnapshotRefused) throw new SaveRefused(refusalOfSteps(e), e.header);
    throw e;
  }
}
