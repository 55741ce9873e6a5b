import type { OwnerModule } from '@persistd/ownership';
import type { RuleViolation } from '../violation';
import { compareViolations } from '../violation';
import { compileModules } from './compiled-module';
import { danglingReference } from './dangling-reference';
import { duplicateId } from './duplicate-id';
import { forbiddenSource } from './forbidden-source';
import { invalidField } from './invalid-field';
import { mixedEpoch } from './mixed-epoch';
import { mixedVersion } from './mixed-version';
import { ownershipOverlap } from './ownership-overlap';
import { partialSave } from './partial-save';
import type { Report, SnapshotCheckInput, SnapshotRule } from './rule';
import { runtimeState } from './runtime-state';
import { buildContext, type SnapshotContext } from './snapshot-context';
import { unsupportedVersion } from './unsupported-version';
import { worldMismatch } from './world-mismatch';

export type { SnapshotCheckInput, SnapshotRule } from './rule';
export { CURRENT_SCHEMA_VERSION, SUPPORTED_SCHEMA_VERSIONS } from './schema-versions';
export { canonicalBytes } from '../canonical-record';
export { findRuntimeState, isRuntimeOnly } from './runtime-walk';

/** Every snapshot rule, one per code, in precedence order (DESIGN §4). */
export const SNAPSHOT_RULES: readonly SnapshotRule[] = [
  forbiddenSource,
  partialSave,
  unsupportedVersion,
  mixedVersion,
  mixedEpoch,
  worldMismatch,
  runtimeState,
  invalidField,
  duplicateId,
  ownershipOverlap,
  danglingReference,
];

/**
 * Runs `rules` (every snapshot rule, by default) over a prepared context: every violation,
 * complete and in canonical order. The one loop both save paths (typed and wire-level) run.
 */
export function runRules(ctx: SnapshotContext, rules: readonly SnapshotRule[] = SNAPSHOT_RULES): RuleViolation[] {
  const out: RuleViolation[] = [];
  const report: Report = (code, system, recordId, path, message) => {
    out.push({ code, system, recordId, path, message });
  };
  for (const rule of rules) rule.check(ctx, report);
  return out.sort(compareViolations);
}

/**
 * A snapshot validator over a set of owner modules (one per registry system), every path
 * compiled now. The rules read the modules as data: a reference or field rule added to a module
 * is checked with no change here.
 */
export function createSnapshotValidator(modules: readonly OwnerModule[]): (input: SnapshotCheckInput) => RuleViolation[] {
  const compiled = compileModules(modules);
  return (input) => runRules(buildContext(input, compiled));
}
